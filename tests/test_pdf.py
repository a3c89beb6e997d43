"""The PDF path with real pages: the 2020-09-16 protocol laid out on its printed pages with
reportlab, read back through pypdf; scanned and broken PDFs are refused clearly."""

from __future__ import annotations

import pytest

from conftest import corpus_file, require_ocr
from namndsok.errors import IngestError
from namndsok.ingest.ocr import OcrSettings
from namndsok.index.builder import ingest, parse_file
from namndsok.index.embedders import create_embedder
from namndsok.index.search import Searcher
from pdfs import make_pdf, make_scanned_pdf, protocol_pages


@pytest.fixture(scope="module")
def protocol_pdf(tmp_path_factory):
    pages = protocol_pages(corpus_file("000").read_text(encoding="utf-8"))
    path = tmp_path_factory.mktemp("pdf") / "kspu-2020-09-16.pdf"
    return path, make_pdf(pages, path)


def _page_of(pages, needle):
    return next(i + 1 for i, p in enumerate(pages) if needle in p)


def test_pdf_sections_and_pages(protocol_pdf):
    path, pages = protocol_pdf
    doc, chunks = parse_file(path)
    assert doc.n_pages == len(pages) > 10
    assert doc.date == "2020-09-16" and doc.organ == "Kommunstyrelsens produktionsutskott"
    labels = [s.label for s in doc.sections if s.kind == "paragraph"]
    assert labels == [f"KSPU § 10:{n}" for n in range(1, 9)]
    sec = {s.label: s for s in doc.sections}
    assert sec["KSPU § 10:4"].dnr == "PU 2020/0033"
    # every chunk carries the printed page where its text starts
    for c in chunks:
        first_line = next(line for line in c.text.split("\n") if line.strip())
        assert first_line.strip() in pages[c.citation.page - 1], (c.citation.page, first_line)
    p = _page_of(pages, "Svar på Ann-Christine Furustrands (S) frågor om Minirosen")
    minirosen = [c for c in chunks if "frågor om Minirosen" in c.text]
    assert minirosen and all(c.citation.page in (p, p - 1) for c in minirosen)
    assert doc.page_at(sec["KSPU § 10:6"].start) == _page_of(pages, "KSPU § 10:6")


def test_pdf_search_cites_page(protocol_pdf, tmp_path):
    path, pages = protocol_pdf
    root = tmp_path / "ix"
    ingest([path], root, create_embedder("toy"), progress=False)
    hit = Searcher.open(root).search("Dnr. KS 2020/0158 sammanträdestider", k=1)[0]
    assert hit.chunk.citation.section == "KSPU § 10:6"
    assert hit.chunk.citation.page == _page_of(pages, "KSPU § 10:6")
    assert "s. %d" % hit.chunk.citation.page in hit.chunk.citation.format()


def test_scanned_pdf_without_ocr_is_refused_with_reason(tmp_path):
    path = make_scanned_pdf(tmp_path / "skannad.pdf")
    with pytest.raises(IngestError, match=r"no text layer.*OCR it first \(OCR is turned off") as err:
        parse_file(path, ocr=OcrSettings(enabled=False))
    assert "skannad.pdf" in str(err.value)


def test_pdf_of_only_graphics_is_refused_after_ocr(tmp_path):
    require_ocr()
    path = make_scanned_pdf(tmp_path / "skannad.pdf", n_pages=1)
    with pytest.raises(IngestError, match="no text layer in 1 page.*OCR found no text") as err:
        parse_file(path)
    assert "skannad.pdf" in str(err.value)


def test_truncated_pdf_is_refused(protocol_pdf, tmp_path):
    path, _ = protocol_pdf
    bad = tmp_path / "halv.pdf"
    bad.write_bytes(path.read_bytes()[:1500])
    with pytest.raises(IngestError, match="halv.pdf"):
        parse_file(bad)


def test_running_heads_and_feet_of_pdf_pages_leave_chunk_text(tmp_path):
    """A line at the edge of every page (digits aside) is the page's, not the text's."""
    lines = corpus_file("002").read_text(encoding="utf-8").split("\n")
    n = len(lines) // 4 + 1
    foot = "Österåkers kommun, Alceahuset, 184 86 Åkersberga"
    pages = ["\n".join(lines[i * n : (i + 1) * n] + ["", foot, f"Sida {i + 1} av 4"]) for i in range(4)]
    path = tmp_path / "tu.pdf"
    drawn = make_pdf(pages, path)
    doc, chunks = parse_file(path)
    assert doc.n_pages == len(drawn) == 4
    assert doc.text.count(foot) == 4 and "Sida 3 av 4" in doc.text
    assert chunks and not any(foot in c.text or "Sida " in c.text for c in chunks)
    # what is left is the document's own text, and each chunk still knows its page
    for c in chunks:
        kept, at = [], c.start
        for a, b in c.omitted:
            kept.append(doc.text[at:a])
            at = b
        assert "".join(kept) + doc.text[at : c.end] == c.text
        first_line = next(line for line in c.text.split("\n") if line.strip())
        assert first_line.strip() in drawn[c.citation.page - 1]
    # in the protocol a Dnr line opens several pages and "Akt" closes five §s, each at a page's
    # edge; neither runs on every page of a §, so both stay
    prot = tmp_path / "kspu.pdf"
    make_pdf(protocol_pages(corpus_file("000").read_text(encoding="utf-8")), prot)
    _, pchunks = parse_file(prot)
    assert any("Dnr. PU 2020/0033" in c.text for c in pchunks)
    assert len({c.citation.section for c in pchunks if "\nAkt" in c.text}) >= 5
