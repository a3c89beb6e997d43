"""Decisions and matters: classes written from the documents, the familjecentral matter's
timeline, and a PDF protocol with a reservation and an återremiss built in the test."""

from __future__ import annotations

import pytest

from namndsok.app.matters import list_decisions, matter_timeline
from namndsok.index.builder import ingest
from namndsok.index.embedders import create_embedder
from namndsok.index.store import load_index
from pdfs import make_pdf

pytestmark = pytest.mark.slow

# read from the documents: which sections decide and which only propose
EXPECTED = {
    ("000", "KSPU § 10:1"): "beslut", ("000", "KSPU § 10:2"): "beslut", ("000", "KSPU § 10:4"): "beslut",
    ("000", "KSPU § 10:5"): "beslut", ("000", "KSPU § 10:6"): "beslut", ("000", "KSPU § 10:7"): "förslag",
    ("000", "KSPU § 10:8"): "beslut",
    **{("001", f"§ {n}"): "beslut" for n in range(41, 49)},
    ("001", "Månadsuppföljning per oktober 2023"): "förslag",
    ("001", "Nämndplan med budget 2024 - Utbildningsnämnden"): "förslag",
    ("001", "Handlingsplan digitalisering - utbildningsnämnden"): "förslag",
    ("001", "Uppföljning av elevers kunskapsprogression, mittermin HT 2023"): "förslag",
    ("001", "Internkontrollplan 2024"): "förslag",
    ("001", "Samverkansavtal för familjecentraler och familjecentralsliknande verksamheter i Västra Götalandsregionen"): "förslag",
    ("001", "Systematiskt brandskyddsarbete 2023"): "förslag",
    ("001", "Tider för utbildningsnämndens arbetsutskott 2024"): "förslag",
    ("002", "Svar på motion 5/2015 från Ann-Christine Furustrand – Inför regelbundna presidieträffar med Produktionsstyrelsen"): "förslag",
    ("004", "Produktionsutskottets månadsuppföljning per september 2021"): "förslag",
}
NO_DECISION = [("000", "KSPU § 10:3"), ("001", "§ 40")]


@pytest.fixture(scope="module")
def index(corpus_index):
    return load_index(corpus_index)


def test_decision_classes_match_the_documents(index):
    rows = {(r.citation.source[:3], r.citation.section): r.kind for r in list_decisions(index)}
    for key, kind in EXPECTED.items():
        assert rows.get(key) == kind, key
    for key in NO_DECISION:
        assert key not in rows
    assert len(rows) == len(EXPECTED)


def test_motions_name_who_moved_what(index):
    rows = {r.citation.section: r for r in list_decisions(index) if r.citation.source.startswith("000")}
    motions = rows["KSPU § 10:7"].motions
    assert [(m.who, m.kind) for m in motions] == [("Michaela Fletcher (M)", "yrkande"), ("Ann-Christine Furustrand (S)", "yrkande")]
    assert motions[1].text.startswith("yrkar bifall till åtgärder 2, 4 och 5")
    assert [m.text for m in rows["KSPU § 10:8"].motions] == ["yrkar att ärendet bereds vidare."]


def test_decision_filters(index):
    from namndsok.index.search import Filters

    rows = list_decisions(index, Filters(organ="VästKom"), kind="beslut")
    assert [r.citation.section for r in rows] == [f"§ {n}" for n in range(41, 49)]
    assert {r.citation.date for r in rows} == {"2023-06-22"}
    late = list_decisions(index, Filters(date_from="2023-12-01"))
    assert [(r.citation.date, r.kind) for r in late] == [("2023-12-06", "förslag")] * 8
    assert {r.citation.section for r in late} == {sec for (src, sec), kind in EXPECTED.items() if src == "001" and kind == "förslag"}
    by_year = list_decisions(index, Filters(date_from="2020", date_to="2020"))
    assert {r.citation.section for r in by_year} == {sec for (src, sec) in EXPECTED if src == "000"}


def test_familjecentral_matter_in_date_order(index):
    steps = matter_timeline(index, "2023/428")
    got = [(s.citation.date, s.citation.organ, s.citation.section, s.inferred) for s in steps]
    assert got == [
        ("2023-05-03", "SRO", "10.", True),
        ("2023-06-22", "VästKom Styrelse", "§ 43", True),
        # the remiss missiv (kallelse line 1546), whose dnr is agenda item 7's
        ("2023-12-06", "Utbildningsnämndens arbetsutskott",
         "Samverkansavtal för familjecentraler och familjecentralsliknande verksamhet i Västra Götaland.", False),
        ("2023-12-06", "Utbildningsnämndens arbetsutskott",
         "Samverkansavtal för familjecentraler och familjecentralsliknande verksamheter i Västra Götalandsregionen", False),
    ]
    assert steps[1].what == "Beslut" and steps[2].what == "Handling" and steps[3].what == "Förslag till beslut"
    assert steps[2].citation.dnr == "2023/428" and steps[3].citation.dnr == "UBN.2023.428"
    assert steps[0].evidence and steps[1].evidence  # what tied each heading to the matter


def test_written_forms_give_the_same_matter(index):
    a = [(s.citation.source, s.citation.section) for s in matter_timeline(index, "UBN.2023.428")]
    b = [(s.citation.source, s.citation.section) for s in matter_timeline(index, "2023/428")]
    assert a == b and a


def test_matter_by_subject(index):
    steps = matter_timeline(index, "Samverkansavtal familjecentraler")
    assert any(s.citation.dnr == "UBN.2023.428" for s in steps)


PROTOCOL = """Protokoll

Sammanträdesprotokoll för Kultur- och fritidsnämnden

Sammanträdesdatum 2024-03-12

KFN § 12

Dnr. KFN 2024/0031

Ny simhall i Åkersberga

Kultur- och fritidsnämndens beslut

Ärendet återremitteras till förvaltningen för en kompletterande kostnadsberäkning.

Yrkanden

Anna Berg (S) yrkar att ärendet återremitteras. Per Lund (M) yrkar bifall till förvaltningens förslag.

KFN § 13

Dnr. KFN 2024/0040

Taxor för idrottshallar 2025

Kultur- och fritidsnämndens beslut

Taxorna fastställs enligt förvaltningens förslag.

Omröstning

Omröstning begärs och genomförs. Med 7 röster mot 4 beslutar nämnden enligt förvaltningens förslag.

Reservation

Lars Ek (V) reserverar sig mot beslutet.
"""


def test_pdf_protocol_with_reservation_and_aterremiss(tmp_path):
    make_pdf(PROTOCOL.split("KFN § 13")[0:1] + ["KFN § 13" + PROTOCOL.split("KFN § 13")[1]], tmp_path / "kfn.pdf")
    root = tmp_path / "ix"
    ingest([tmp_path / "kfn.pdf"], root, create_embedder("toy"), progress=False)
    rows = {r.citation.section: r for r in list_decisions(load_index(root))}
    assert rows["KFN § 12"].kind == "beslut" and rows["KFN § 12"].text.startswith("Ärendet återremitteras")
    assert set(rows["KFN § 12"].events) == {"återremiss", "yrkande"}
    assert rows["KFN § 13"].kind == "beslut"
    assert set(rows["KFN § 13"].events) == {"omröstning", "reservation"}
    assert rows["KFN § 12"].citation.page == 1 and rows["KFN § 13"].citation.page == 2
    assert [m.who for m in rows["KFN § 12"].motions] == ["Anna Berg (S)", "Per Lund (M)"]
    assert [(m.who, m.kind) for m in rows["KFN § 13"].motions] == [("Lars Ek (V)", "reservation")]
