"""Build real PDFs for tests with reportlab: one PDF page per given page of text."""

from __future__ import annotations

from pathlib import Path

# characters Helvetica (WinAnsi) cannot draw; replaced so the text layer stays faithful
_REPLACE = {"₂": "2", "¹": "1", "⁴": "4", "–": "-", "”": '"', "“": '"', "’": "'", "•": "*", "…": "..."}


def _clean(text: str) -> str:
    for a, b in _REPLACE.items():
        text = text.replace(a, b)
    return text.encode("cp1252", errors="replace").decode("cp1252")


def _table_columns(lines: list[str], font_size: int) -> dict[int, list[float]]:
    """For each line of a run of tab-separated lines (a table), the x of each of its cells:
    a column is as wide as its widest cell, as in a word processor's table."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    out: dict[int, list[float]] = {}
    i = 0
    while i < len(lines):
        if "\t" not in lines[i]:
            i += 1
            continue
        j = i
        while j < len(lines) and "\t" in lines[j]:
            j += 1
        rows = [lines[k].split("\t") for k in range(i, j)]
        widths = [0.0] * max(len(r) for r in rows)
        for r in rows:
            for n, cell in enumerate(r):
                widths[n] = max(widths[n], stringWidth(cell, "Helvetica", font_size))
        xs = [50.0]
        for w in widths[:-1]:
            xs.append(xs[-1] + w + 2 * font_size)
        for k in range(i, j):
            out[k] = xs
        i = j
    return out


def make_pdf(pages: list[str], path: Path, font_size: int = 9, tables: bool = False) -> list[str]:
    """Write the pages; a page too long for A4 continues on the next sheet. Returns the
    text of each physical page, as drawn, so tests know where every line really is.
    A tab is drawn as four spaces, or with `tables` a run of tab-separated lines is drawn as
    a table: each cell at its column's x (a vote list's X marks under Ja/Nej/Avstår)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    width, height = A4
    drawn: list[list[str]] = []
    for page in pages:
        y = height - 50
        c.setFont("Helvetica", font_size)
        drawn.append([])
        raws = _clean(page).split("\n")
        columns = _table_columns(raws, font_size) if tables else {}
        for n, raw in enumerate(raws):
            if n in columns:
                cells = raw.split("\t")
                lines = [cells]
            else:
                lines = simpleSplit(raw.replace("\t", "    "), "Helvetica", font_size, width - 100) or [""]
            for line in lines:
                if y < 50:  # the caller's page is too long: continue on a new physical page
                    c.showPage()
                    c.setFont("Helvetica", font_size)
                    y = height - 50
                    drawn.append([])
                if isinstance(line, list):
                    for x, cell in zip(columns[n], line):
                        if cell:
                            c.drawString(x, y, cell)
                    line = "\t".join(line)
                else:
                    c.drawString(50, y, line)
                drawn[-1].append(line)
                y -= font_size + 3
        c.showPage()
    c.save()
    return ["\n".join(p) for p in drawn]


def make_scanned_pdf(path: Path, n_pages: int = 2) -> Path:
    """Pages with only graphics, like a scan without OCR."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for i in range(n_pages):
        c.rect(50 + i, 50, 400, 600, fill=1)
        c.showPage()
    c.save()
    return path


def protocol_pages(text: str) -> list[str]:
    """Split the 2020-09-16 protocol into its printed pages: a page ends after a "Forts."
    line, and every § starts a new page, as in the original PDF."""
    pages: list[list[str]] = [[]]
    for line in text.split("\n"):
        if line.startswith("KSPU § ") and any(x.strip() for x in pages[-1]):
            pages.append([])
        pages[-1].append(line)
        if line.strip() == "Forts.":
            pages.append([])
    return ["\n".join(p) for p in pages if any(x.strip() for x in p)]


def raw_pdf(content: bytes | list[bytes], compress: bool = False, pages: int = 1) -> bytes:
    """A minimal PDF written byte by byte: one content stream shared by `pages` pages, or one
    stream per page when `content` is a list. For hostile files no PDF library would write
    (bombs, deep nesting, huge pages)."""
    import zlib

    streams = content if isinstance(content, list) else [content]
    n_pages = len(streams) if isinstance(content, list) else pages
    font = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (3 + len(streams) + i) for i in range(n_pages))
            + b"] /Count %d >>" % n_pages]
    for c in streams:
        if compress:
            c = zlib.compress(c, 9)
            objs.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(c) + c + b"\nendstream")
        else:
            objs.append(b"<< /Length %d >>\nstream\n" % len(c) + c + b"\nendstream")
    for i in range(n_pages):
        stream_obj = 3 + (i if isinstance(content, list) else 0)
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources " + font
                    + b" /Contents %d 0 R >>" % stream_obj)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def text_ops(lines: list[str]) -> bytes:
    """A content stream drawing each line with Helvetica, one below the other."""
    body = b"".join(b"(" + line.encode("cp1252").replace(b"(", b"[").replace(b")", b"]") + b") Tj 0 -14 Td\n" for line in lines)
    return b"BT /F1 11 Tf 50 800 Td\n" + body + b"ET"
