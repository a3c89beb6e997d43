"""Read a file into a Document's raw text: PDFs page by page through pypdf, text files with
their encoding detected (UTF-8, else cp1252, which keeps å ä ö from Word exports).

Every problem is an IngestError that names the file and says what to do.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from namndsok.errors import IngestError
from namndsok.model import Document

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".md"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED = TEXT_SUFFIXES | PDF_SUFFIXES
PAGE_SEPARATOR = "\n\n"  # between PDF pages in Document.text


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_text(data: bytes, path: str) -> str:
    """UTF-8 (with or without BOM), else cp1252; binary content is refused."""
    if b"\x00" in data[:4096]:
        raise IngestError(path, "binary content (NUL bytes) in a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        log.info("%s: not UTF-8, decoded as cp1252", path)
    bad = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if bad > max(20, len(text[:20000]) // 50):
        raise IngestError(path, "looks binary, not text (many control characters)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_pdf(data: bytes, path: str) -> tuple[str, list[int]]:
    """Text of every page joined, and the offset where each page starts."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:  # pypdf raises several types for unsupported crypto
                raise IngestError(path, f"encrypted PDF that cannot be opened ({exc})") from exc
            if not ok:
                raise IngestError(path, "encrypted PDF with a password; decrypt it first")
        pages = [page.extract_text() or "" for page in reader.pages]
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError) as exc:
        raise IngestError(path, f"corrupt or truncated PDF ({exc})") from exc
    if not pages:
        raise IngestError(path, "PDF has no pages")
    if sum(len(p.strip()) for p in pages) < 20:
        raise IngestError(path, f"no text layer in {len(pages)} page(s); OCR it first")
    starts, parts, pos = [], [], 0
    for p in pages:
        starts.append(pos)
        p = p.replace("\r\n", "\n").replace("\r", "\n")
        parts.append(p)
        pos += len(p) + len(PAGE_SEPARATOR)
    return PAGE_SEPARATOR.join(parts), starts


def read_document(path: Path, data: bytes | None = None) -> Document:
    """A Document with source, hash, text and page starts; structure comes later."""
    spath = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise IngestError(spath, f"unsupported file type {suffix or '(none)'}; use .pdf, .txt or .md")
    if data is None:
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise IngestError(spath, "no such file") from exc
        except OSError as exc:
            raise IngestError(spath, f"cannot read ({exc.strerror})") from exc
    if not data:
        raise IngestError(spath, "empty file (0 bytes)")
    page_starts = None
    if suffix in PDF_SUFFIXES:
        text, page_starts = read_pdf(data, spath)
    else:
        text = decode_text(data, spath)
    if not text.strip():
        raise IngestError(spath, "no text in file")
    return Document(source=path.name, path=str(path.resolve()), sha256=sha256_bytes(data), text=text, page_starts=page_starts)
