"""OCR accuracy: corpus pages printed as images (a real font, no text layer) are read back
through the ingest path and compared with the text that was printed.

    python -m namndsok.eval.ocr [--pages 4] [--dpi 200]

prints the character accuracy (1 − edit distance / length, whitespace runs counted as one
space) per page and overall. The tests use the same builders (tests/test_ocr.py).
Needs the dev extra (reportlab, Pillow) and the OCR engine (`namndsok[ocr]`, Tesseract).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import numpy as np

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # Debian's fonts-dejavu-core
A4 = (595.27, 841.89)  # points


def _wrap(text: str, width_px: float, length) -> list[str]:
    """Lines of `text` no wider than `width_px`, broken at spaces (tabs drawn as spaces)."""
    out: list[str] = []
    for raw in text.replace("\t", "    ").split("\n"):
        line = ""
        for word in raw.split(" "):
            cand = f"{line} {word}" if line else word
            if line and length(cand) > width_px:
                out.append(line)
                line = word
            else:
                line = cand
        out.append(line)
    return out


def layout(pages: list[str], font_pt: float = 11) -> list[list[str]]:
    """The lines drawn on each physical page (a page too long continues on the next)."""
    from PIL import ImageFont

    font = ImageFont.truetype(FONT, size=int(font_pt * 10))  # measure at 10 px per point
    width = (A4[0] - 2 * 56) * 10
    per_page = int((A4[1] - 2 * 56) // (font_pt * 1.45))
    sheets: list[list[str]] = []
    for page in pages:
        lines = _wrap(page, width, font.getlength)
        for i in range(0, max(len(lines), 1), per_page):
            sheets.append(lines[i : i + per_page])
    return sheets


def page_image(lines: list[str], dpi: int = 200, font_pt: float = 11):
    """A white A4 page at `dpi` with the lines printed in DejaVu Sans: a clean scan."""
    from PIL import Image, ImageDraw, ImageFont

    scale = dpi / 72
    img = Image.new("L", (round(A4[0] * scale), round(A4[1] * scale)), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, size=round(font_pt * scale))
    y = 56 * scale
    for line in lines:
        draw.text((56 * scale, y), line, font=font, fill=0)
        y += font_pt * 1.45 * scale
    return img


def make_pdf(pages: list[str], path: Path, scanned: set[int] | None = None, dpi: int = 200,
             font_pt: float = 11) -> list[str]:
    """A PDF of the pages: those whose 1-based number is in `scanned` (default: all) are an
    image only, the others real text in DejaVu Sans. Returns each physical page's text as
    printed (lines joined by newlines): the reference for accuracy and page numbers."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("DejaVuSans", FONT))
    sheets = layout(pages, font_pt)
    scanned = set(range(1, len(sheets) + 1)) if scanned is None else scanned
    c = canvas.Canvas(str(path), pagesize=A4)
    for n, lines in enumerate(sheets, 1):
        if n in scanned:
            buf = io.BytesIO()
            page_image(lines, dpi, font_pt).save(buf, format="PNG")
            buf.seek(0)
            c.drawImage(ImageReader(buf), 0, 0, width=A4[0], height=A4[1])
        else:
            c.setFont("DejaVuSans", font_pt)
            y = A4[1] - 56 - font_pt
            for line in lines:
                c.drawString(56, y, line)
                y -= font_pt * 1.45
        c.showPage()
    c.save()
    return ["\n".join(lines) for lines in sheets]


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, a row at a time in numpy (insertions by a running minimum)."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    bcodes = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    cols = np.arange(len(b) + 1, dtype=np.int64)
    prev = cols.copy()
    for i, ch in enumerate(a, 1):
        cost = (bcodes != ord(ch)).astype(np.int64)
        cur = np.empty_like(prev)
        cur[0] = i
        cur[1:] = np.minimum(prev[1:] + 1, prev[:-1] + cost)  # deletion, substitution
        cur = np.minimum.accumulate(cur - cols) + cols  # insertion: cur[j] ≤ cur[j-1] + 1
        prev = cur
    return int(prev[-1])


def char_accuracy(reference: str, read: str) -> float:
    """1 − edit distance / reference length, after whitespace runs become one space."""
    ref, got = " ".join(reference.split()), " ".join(read.split())
    return 1.0 - edit_distance(ref, got) / max(len(ref), 1)


def measure(pages: list[str], folder: Path, dpi: int = 200) -> tuple[list[float], float, list[str], list[str]]:
    """Print the pages as a scan, read it through ingest's reader: (per-page accuracy,
    overall accuracy, printed pages, read pages)."""
    from namndsok.ingest.read import read_document

    path = folder / "scan.pdf"
    printed = make_pdf(pages, path, dpi=dpi)
    doc = read_document(path)
    starts = doc.page_starts + [len(doc.text) + 2]
    read = [doc.text[starts[i] : starts[i + 1]] for i in range(len(printed))]
    per_page = [char_accuracy(p, r) for p, r in zip(printed, read)]
    total = sum(len(" ".join(p.split())) for p in printed)
    errors = sum(edit_distance(" ".join(p.split()), " ".join(r.split())) for p, r in zip(printed, read))
    return per_page, 1 - errors / total, printed, read


def main(argv: list[str] | None = None) -> int:
    import tempfile

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pages", type=int, default=4, help="printed pages of the 2020-09-16 protocol (default 4)")
    p.add_argument("--dpi", type=int, default=200, help="resolution of the scanned image (default 200)")
    args = p.parse_args(argv)
    corpus = Path(__file__).resolve().parent.parent / "corpus"
    text = next(corpus.glob("000_*.txt")).read_text(encoding="utf-8")
    sheets = layout([text])[: args.pages]
    pages = ["\n".join(lines) for lines in sheets]
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        per_page, overall, printed, _ = measure(pages, Path(tmp), args.dpi)
        took = time.perf_counter() - t
    for n, acc in enumerate(per_page, 1):
        print(f"page {n}: {acc:.2%} of {len(' '.join(printed[n - 1].split()))} characters")
    print(f"overall character accuracy {overall:.2%} over {len(printed)} page(s) at {args.dpi} dpi; "
          f"{took / len(printed):.1f} s per page (print, render at 300 dpi, OCR)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
