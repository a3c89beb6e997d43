"""Read a file into a Document's raw text: PDFs page by page through pypdf, text files with
their encoding detected (UTF-8; UTF-16/32 with a byte-order mark; else cp1252, which keeps
å ä ö from Word exports). Line breaks become \n, so offsets and line numbers agree.
A PDF page without a usable text layer (a scan) is read by OCR (ocr.py) when the engine is
installed; the Document lists those pages, so citations can say so.

Every problem is an IngestError that names the file and says what to do.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from namndsok.errors import IngestError
from namndsok.model import Document

from .ocr import OcrSettings, OcrUnavailable, engine_problem, needs_ocr, ocr_pages, page_has_image
from .pdf_columns import with_table_columns

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".md"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED = TEXT_SUFFIXES | PDF_SUFFIXES
PAGE_SEPARATOR = "\n\n"  # between PDF pages in Document.text


# Line breaks other than \n: str.splitlines() (the parser) splits on them but Document.line_at
# counts only \n, so they are made plain newlines; form feeds come from pdftotext exports.
_LINE_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n", "\x1c": "\n", "\x1d": "\n", "\x1e": "\n",
                              "\x85": "\n", "\u2028": "\n", "\u2029": "\n", "\x00": None})
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _normalise(text: str) -> str:
    """Only \n line breaks, no NULs, and no lone surrogates (they cannot be written as UTF-8)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_LINE_BREAKS)
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _decode_unknown(data: bytes, path: str) -> str:
    """UTF-8 unless that is clearly wrong; cp1252 (a superset of latin-1's letters) otherwise.

    A file that is UTF-8 except for a few stray bytes (a cp1252 paste into a UTF-8 export)
    keeps its UTF-8: decoding it all as cp1252 would turn every å into "Ã¥".
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8-sig", errors="replace")
    errors = lenient.count("\ufffd")
    multibyte = sum(1 for ch in lenient if ord(ch) > 127) - errors
    if multibyte > 4 * errors:
        log.warning("%s: UTF-8 with %d invalid byte sequence(s); they are replaced by \ufffd", path, errors)
        return lenient
    log.info("%s: not UTF-8, decoded as cp1252", path)
    return data.decode("cp1252", errors="replace")


def _bomless_utf16(head: bytes) -> str | None:
    """UTF-16 without a byte-order mark: mostly ASCII, so every other byte is NUL."""
    if len(head) < 8 or len(head) % 2:
        return None
    if head[1::2].count(0) >= 0.9 * len(head[1::2]) and head[0::2].count(0) == 0:
        return "utf-16-le"
    if head[0::2].count(0) >= 0.9 * len(head[0::2]) and head[1::2].count(0) == 0:
        return "utf-16-be"
    return None


def decode_text(data: bytes, path: str) -> str:
    """UTF-8 (with or without BOM), UTF-16/32 with a BOM, else cp1252; binary content is refused."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(codec)
            except UnicodeDecodeError as exc:
                raise IngestError(path, f"starts like {codec.upper()} text but is not ({exc.reason}); save it as UTF-8") from exc
            break
    else:
        head = data[:4096]
        if b"\x00" in head:
            codec = _bomless_utf16(head)
            if codec is None:
                raise IngestError(path, "binary content (NUL bytes), not text; only .pdf, .txt and .md text can be read")
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise IngestError(path, f"binary content (NUL bytes), not text ({exc.reason})") from exc
        else:
            text = _decode_unknown(data, path)
    sample = text[:20000]
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\f") or 0x7F <= ord(ch) < 0xA0)
    if bad > max(3, len(sample) // 50):
        raise IngestError(path, "looks binary, not text (many control or undecodable characters)")
    return _normalise(text)


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on what one file may cost; a file or page beyond them is reported, and the batch
    goes on. Defaults leave every real committee document alone (an A4 page holds ~5,000
    characters; a 1,000-page bundle is large)."""

    max_file_mb: float = 100.0  # any file, checked before it is read (--max-file-mb)
    max_pdf_pages: int = 5000  # pages per PDF (--max-pdf-pages)
    max_page_chars: int = 200_000  # extracted characters per PDF page (--max-page-chars)
    max_line_chars: int = 200_000  # characters on one line of a text file (--max-line-chars)
    max_page_content_mb: float = 16.0  # a page's decoded drawing instructions, checked before extracting text
    max_pdf_seconds: float = 600.0  # text extraction of one PDF, checked between pages


def _resource_reason(exc: BaseException) -> str | None:
    """What a resource limit hit inside pypdf means, or None when it is not one."""
    from pypdf.errors import LimitReachedError

    if isinstance(exc, LimitReachedError):
        if "decompress" in str(exc).lower():
            return ("its compressed data expands beyond pypdf's limit (a resource limit: a decompression "
                    "bomb or an extremely large stream)")
        return f"it exceeds a resource limit of the PDF reader ({_short(exc)})"
    if isinstance(exc, RecursionError):
        return "its objects are nested too deeply to read (a resource limit)"
    if isinstance(exc, MemoryError):
        return "reading it needs more memory than is available (a resource limit)"
    return None


def _page_text(page, number: int, limits: ReadLimits) -> str:
    """One page's text layer; PageProblem when the page exceeds a limit."""
    contents = page.get_contents()
    size = len(contents.get_data()) if contents is not None else 0
    if size > limits.max_page_content_mb * 1e6:
        raise PageProblem(number, f"its drawing instructions take {size / 1e6:.0f} MB, more than the limit of "
                                  f"{limits.max_page_content_mb:g} MB per page (a resource limit)")
    text = with_table_columns(page, page.extract_text() or "")
    if len(text) > limits.max_page_chars:
        raise PageProblem(number, f"it has {len(text):,} characters of text, more than the limit of "
                                  f"{limits.max_page_chars:,} per page (--max-page-chars)")
    return text


class PageProblem(Exception):
    def __init__(self, page: int, reason: str):
        self.page, self.reason = page, reason
        super().__init__(f"page {page}: {reason}")


def read_pdf(data: bytes, path: str, limits: ReadLimits | None = None,
             ocr: OcrSettings | None = None) -> tuple[str, list[int], list[int]]:
    """Text of every page joined, the offset where each page starts, and the 1-based pages
    whose text was read by OCR.

    A page that cannot be read, or exceeds a limit, is left out; it is logged as left out only
    when the rest of the file is indexed, and otherwise named in the file's error. Pages
    without a usable text layer are read by OCR when the engine is there (`ocr`)."""
    from pypdf.errors import FileNotDecryptedError

    limits = limits or ReadLimits()
    truncated = b"%%EOF" not in data[-2048:]
    if b"%PDF-" not in data[:1024]:
        raise IngestError(path, "not a PDF (no %PDF- header); the file is corrupt or has the wrong extension")
    problems: list[PageProblem] = []
    try:
        pages, images = _text_layers(_open_pdf(data, path, limits), path, limits, truncated, problems)
    except IngestError:
        raise
    except FileNotDecryptedError as exc:
        raise IngestError(path, f"encrypted PDF that cannot be opened ({_short(exc)}); decrypt it first") from exc
    except Exception as exc:  # pypdf meets broken files with many exception types
        why = _resource_reason(exc)
        if why:
            raise IngestError(path, f"not read: {why}") from exc
        what = "truncated or corrupt PDF (its end-of-file marker is missing)" if truncated else "corrupt PDF"
        raise IngestError(path, f"{what}: {type(exc).__name__}: {_short(exc)}; re-export or download it again") from exc
    if not pages:
        raise IngestError(path, "PDF has no pages" + (" (it is truncated: its end-of-file marker is missing)" if truncated else ""))
    pages = [_normalise(p) for p in pages]
    images += [False] * (len(pages) - len(images))
    failed = {pr.page for pr in problems}
    scanned = [i + 1 for i, p in enumerate(pages) if i + 1 not in failed and needs_ocr(p, images[i])]
    ocr_done: list[int] = []
    why_not = None
    if scanned:
        ocr_done, why_not = _ocr(data, path, pages, scanned, problems, ocr or OcrSettings())
    _check_text(path, pages, problems, truncated, why_not)
    starts, pos = [], 0
    for p in pages:
        starts.append(pos)
        pos += len(p) + len(PAGE_SEPARATOR)
    return PAGE_SEPARATOR.join(pages), starts, ocr_done


def _open_pdf(data: bytes, path: str, limits: ReadLimits):
    """A pypdf reader of the file, decrypted when its password is empty, within the page limit."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        try:
            ok = reader.decrypt("")
        except DependencyError as exc:
            raise IngestError(path, f"encrypted PDF that needs a crypto library to open ({exc}); "
                                    "install `cryptography` or decrypt the file first") from exc
        except Exception as exc:  # pypdf raises several types for unsupported crypto
            raise IngestError(path, f"encrypted PDF that cannot be opened ({_short(exc)}); decrypt it first") from exc
        if not ok:
            raise IngestError(path, "encrypted PDF with a password; decrypt it first (e.g. `qpdf --decrypt`)")
    n = len(reader.pages)
    if n > limits.max_pdf_pages:
        raise IngestError(path, f"{n:,} pages, more than the limit of {limits.max_pdf_pages:,} pages per PDF "
                                "(--max-pdf-pages)")
    return reader


def _text_layers(reader, path: str, limits: ReadLimits, truncated: bool,
                 problems: list[PageProblem]) -> tuple[list[str], list[bool]]:
    """Each page's text layer ("" for a page left out, its reason added to `problems`) and
    whether it draws an image (a scan), within the time limit."""
    from pypdf.errors import FileNotDecryptedError

    pages: list[str] = []
    images: list[bool] = []
    started = time.monotonic()
    n = len(reader.pages)
    for i in range(n):
        if time.monotonic() - started > limits.max_pdf_seconds:
            raise IngestError(path, f"reading its text took more than {limits.max_pdf_seconds:g} s "
                                    f"(stopped at page {i + 1} of {n}; a resource limit)")
        try:
            page = reader.pages[i]
            images.append(page_has_image(page))
            pages.append(_page_text(page, i + 1, limits))
        except FileNotDecryptedError:
            raise
        except PageProblem as exc:
            problems.append(exc)
            pages.append("")
        except Exception as exc:  # one broken page must not lose the others
            if truncated:
                raise
            why = _resource_reason(exc) or f"it cannot be read ({_short(exc)})"
            problems.append(PageProblem(i + 1, why))
            pages.append("")
    return pages, images


def _check_text(path: str, pages: list[str], problems: list[PageProblem], truncated: bool, why_not: str | None) -> None:
    """Refuse a file with no text or whose cut lost pages; log the pages left out of one that
    is indexed (only now is it true that they are left out)."""
    if sum(len(p.strip()) for p in pages) < 20:
        if problems:  # the cause is the pages that could not be read, not a missing text layer
            raise IngestError(path, f"no text could be read: {_problems(problems)}")
        if why_not:
            raise IngestError(path, f"no text layer in {len(pages)} page(s); OCR it first ({why_not})")
        raise IngestError(path, f"no text layer in {len(pages)} page(s), and OCR found no text on them")
    if truncated:
        empty = [i + 1 for i, p in enumerate(pages) if not p.strip()]
        if empty:  # the objects behind the cut are gone: refuse rather than index part of it
            raise IngestError(path, f"truncated PDF (its end-of-file marker is missing; page(s) {_pages(empty)} lost); "
                                    "re-export or download it again")
        log.warning("%s: the end-of-file marker is missing, but every page has text; indexed", path)
    for problem in problems:
        log.warning("%s: page %d left out: %s", path, problem.page, problem.reason)
    failed = {pr.page for pr in problems}
    blank = sum(1 for i, p in enumerate(pages) if not p.strip() and i + 1 not in failed)
    if blank and why_not:
        log.warning("%s: %d of %d page(s) have no text layer (scanned?) and %s; only the others are searchable",
                    path, blank, len(pages), why_not)


def _ocr(data: bytes, path: str, pages: list[str], scanned: list[int], problems: list[PageProblem],
         settings: OcrSettings) -> tuple[list[int], str | None]:
    """Read the `scanned` pages by OCR, in place in `pages`: (pages read, None), or ([], the
    reason OCR could not run). A page whose OCR fails is left out and added to `problems`;
    a garbage text layer is replaced only by OCR text."""
    why_not = engine_problem(settings)
    if why_not:
        return [], why_not
    try:
        read = ocr_pages(data, scanned, settings)
    except OcrUnavailable as exc:
        return [], str(exc)
    except Exception as exc:  # pdfium cannot open what pypdf could: keep the text layer
        log.warning("%s: OCR could not open the file (%s); scanned pages are left out", path, _short(exc))
        return [], f"OCR could not open the file ({_short(exc)})"
    done = []
    for number, text in sorted(read.items()):
        if isinstance(text, Exception):
            problems.append(PageProblem(number, f"OCR failed ({_short(text)})"))
            pages[number - 1] = ""
            continue
        text = _normalise(text)
        if text.strip():
            pages[number - 1] = text
            done.append(number)
    if done:
        log.info("%s: %d page(s) read by OCR: %s", path, len(done), _pages(done))
    return done, None


def _problems(problems: list["PageProblem"]) -> str:
    shown = "; ".join(f"page {p.page}: {p.reason}" for p in problems[:3])
    return shown + (f"; and {len(problems) - 3} more page(s)" if len(problems) > 3 else "")


def _short(exc: BaseException, limit: int = 160) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pages(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers[:5])) + (f" and {len(numbers) - 5} more" if len(numbers) > 5 else "")


def display_name(name: str) -> str:
    """A file name as text to show: its bytes as UTF-8, else cp1252 (an old Windows share's
    "m\xf6te.txt" is "möte.txt"). os.fsdecode keeps undecodable bytes as lone surrogates,
    which cannot be printed, sent as JSON or written as UTF-8; the path itself keeps them."""
    raw = os.fsencode(name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def read_document(path: Path, data: bytes | None = None, limits: ReadLimits | None = None,
                  ocr: OcrSettings | None = None) -> Document:
    """A Document with source, hash, text and page starts (and the pages read by OCR);
    structure comes later."""
    limits = limits or ReadLimits()
    spath = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise IngestError(spath, f"unsupported file type {suffix or '(none)'}; use .pdf, .txt or .md")
    if data is None:
        try:
            size = path.stat().st_size
            if size > limits.max_file_mb * 1e6:
                raise IngestError(spath, too_large(size, limits))
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise IngestError(spath, "no such file") from exc
        except IsADirectoryError as exc:
            raise IngestError(spath, "is a folder, not a file") from exc
        except OSError as exc:
            raise IngestError(spath, f"cannot read ({exc.strerror or exc})") from exc
    if not data:
        raise IngestError(spath, "empty file (0 bytes)")
    if len(data) > limits.max_file_mb * 1e6:
        raise IngestError(spath, too_large(len(data), limits))
    page_starts = ocr_done = None
    if suffix in PDF_SUFFIXES:
        text, page_starts, ocr_done = read_pdf(data, spath, limits, ocr)
    else:
        text = decode_text(data, spath)
        longest = longest_line(text)
        if longest > limits.max_line_chars:
            raise IngestError(spath, f"a line of {longest:,} characters, more than the limit of "
                                     f"{limits.max_line_chars:,} per line (--max-line-chars)")
    if not text.strip():
        raise IngestError(spath, "no text in file")
    try:
        abspath = str(path.resolve())
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise IngestError(spath, f"cannot resolve path ({exc})") from exc
    return Document(source=display_name(path.name), path=abspath, sha256=sha256_bytes(data), text=text,
                    page_starts=page_starts, ocr_pages=ocr_done or None)


def longest_line(text: str) -> int:
    """The length of the longest line, in one pass without copying the text."""
    longest = start = 0
    while True:
        end = text.find("\n", start)
        if end < 0:
            return max(longest, len(text) - start)
        longest = max(longest, end - start)
        start = end + 1


def too_large(size: int, limits: ReadLimits) -> str:
    return f"{size / 1e6:,.1f} MB, more than the limit of {limits.max_file_mb:g} MB per file (--max-file-mb)"
