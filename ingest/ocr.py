"""OCR of PDF pages without a usable text layer: each page is rendered with pypdfium2 and
read by Tesseract (the `tesseract` program with its Latin-script model, which covers Swedish:
Debian packages `tesseract-ocr tesseract-ocr-script-latn`, and `tesseract-ocr-swe` for the
Swedish model; pypdfium2 comes with `pip install 'namndsok[ocr]'`).

Which pages need it is decided from the text layer alone (`needs_ocr`): none at all, text
that is not language (a broken font map yields "(cid:12)" or symbol soup), or a few
characters over a page image (a scan with a stamped page number). Reading a page is a
pure function of the PDF's bytes, so it runs wherever parsing runs (a Dask worker too).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

INSTALL_HINT = ("pip install 'namndsok[ocr]' and apt-get install tesseract-ocr tesseract-ocr-script-latn "
                "tesseract-ocr-swe")


@dataclass(frozen=True)
class OcrSettings:
    """How scanned pages are read; `enabled=False` (`ingest --no-ocr`) leaves them out."""

    enabled: bool = True
    # Tesseract model(s): the Latin-script model reads Swedish (å ä ö) and also knows § and %,
    # which Debian's Swedish model (tesseract-ocr-swe 4.1) lacks: "KSPU § 10:3" came out as
    # "KSPU 8 10:3" (eval/RESULTS.md). "swe" or "swe+Latin" are the alternatives measured.
    lang: str = "Latin"
    dpi: int = 300  # rendering resolution; Tesseract reads 10-pt print best at about 300 dpi
    page_seconds: float = 120.0  # one page's OCR; a page over it is left out and reported


class OcrUnavailable(Exception):
    """The OCR engine (pypdfium2 or Tesseract with the language model) is missing."""


def _check_engine(lang: str) -> str | None:
    """None when OCR can run, else one sentence saying what is missing. Asked again each time
    (no cache to go stale when the engine is installed): a few milliseconds against the
    seconds a scanned page takes to read, and only for a PDF with pages to read."""
    try:
        import pypdfium2  # noqa: F401
    except ImportError:
        return f"OCR needs pypdfium2 to render pages; {INSTALL_HINT}"
    exe = shutil.which("tesseract")
    if exe is None:
        return f"OCR needs the Tesseract program; {INSTALL_HINT}"
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"the Tesseract program does not run ({exc}); {INSTALL_HINT}"
    have = set((out.stdout + out.stderr).split())
    missing = [lang_ for lang_ in lang.split("+") if lang_ not in have]
    if missing:
        return f"Tesseract has no {'+'.join(missing)} language model; {INSTALL_HINT}"
    return None


def engine_problem(settings: OcrSettings = OcrSettings()) -> str | None:
    """Why OCR cannot run with these settings (one sentence), or None when it can."""
    if not settings.enabled:
        return "OCR is turned off (--no-ocr)"
    return _check_engine(settings.lang)


# ------------------------------------------------------------------ which pages

_WORD_RE = re.compile(r"[A-Za-zÅÄÖåäöÉéÜü]{2,}")
_CID_RE = re.compile(r"\(cid:\d+\)")


def garbage(text: str) -> bool:
    """True when a text layer is not language: mostly "(cid:N)" codes, replacement or
    private-use characters, or runs of symbols with hardly a word or figure in them."""
    body = "".join(text.split())
    if len(body) < 20:
        return False
    if len(_CID_RE.findall(text)) * 7 > len(body) / 2:
        return True
    odd = sum(1 for ch in body if ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff" or ord(ch) < 32)
    if odd > len(body) / 10:
        return True
    # words and figures are language; a table of amounts is mostly digits and is kept
    good = sum(len(w) for w in _WORD_RE.findall(text)) + sum(ch.isdigit() for ch in body)
    return good < len(body) * 0.4


def needs_ocr(text: str, has_image: bool) -> bool:
    """Whether a page's text layer is unusable: empty, garbage, or a few characters over an
    image (a scanned page with a page number or stamp added digitally)."""
    body = "".join(text.split())
    if not body:
        return True
    if garbage(text):
        return True
    return has_image and len(body) < 40


def page_has_image(page) -> bool:
    """Whether a pypdf page draws an image XObject (directly or in a form)."""
    def walk(resources, depth: int = 0) -> bool:
        if resources is None or depth > 3:
            return False
        xobjects = resources.get("/XObject")
        if xobjects is None:
            return False
        xobjects = xobjects.get_object()
        for ref in xobjects.values():
            obj = ref.get_object()
            sub = obj.get("/Subtype")
            if sub == "/Image":
                return True
            if sub == "/Form" and walk(obj.get("/Resources"), depth + 1):
                return True
        return False

    try:
        res = page.get("/Resources")
        return walk(res.get_object() if res is not None else None)
    except Exception:  # a broken resource dictionary: decide by the text alone
        return False


# ------------------------------------------------------------------ reading

def ocr_pages(data: bytes, pages: list[int], settings: OcrSettings = OcrSettings()) -> dict[int, str | Exception]:
    """Text of the given 1-based pages of a PDF, read by Tesseract; a page that fails maps
    to its exception (the caller reports it). Raises OcrUnavailable when no engine runs."""
    problem = engine_problem(settings)
    if problem:
        raise OcrUnavailable(problem)
    import pypdfium2 as pdfium

    out: dict[int, str | Exception] = {}
    pdf = pdfium.PdfDocument(data)
    try:
        for number in pages:
            try:
                out[number] = _read_page(pdf[number - 1], settings)
            except Exception as exc:  # one bad page must not lose the others
                out[number] = exc
    finally:
        pdf.close()
    return out


def _read_page(page, settings: OcrSettings) -> str:
    bitmap = page.render(scale=settings.dpi / 72, grayscale=True)
    try:
        pixels = bitmap.to_numpy()
    finally:
        page.close()
    if pixels.ndim == 3:  # some pdfium builds give grey as one of several channels
        pixels = pixels[..., 0]
    h, w = pixels.shape
    pgm = b"P5\n%d %d\n255\n" % (w, h) + pixels.astype("uint8").tobytes()
    # one thread per page: parallelism comes from files (and workers), not inside Tesseract
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        proc = subprocess.run(
            ["tesseract", "stdin", "stdout", "-l", settings.lang, "--dpi", str(settings.dpi), "--psm", "3"],
            input=pgm, capture_output=True, timeout=settings.page_seconds, env=env,
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"OCR took more than {settings.page_seconds:g} s") from exc
    if proc.returncode != 0:
        err = " ".join(proc.stderr.decode("utf-8", "replace").split())[:160]
        raise RuntimeError(f"tesseract failed ({err or proc.returncode})")
    return _tidy(proc.stdout.decode("utf-8", "replace"))


def _tidy(text: str) -> str:
    """Tesseract's output without its trailing form feed and with lines right-stripped."""
    lines = [line.rstrip() for line in text.replace("\x0c", "").split("\n")]
    return "\n".join(lines).strip("\n")
