"""Structure below the section, on the corpus: numbered headings become each chunk's heading
path, running heads and feet leave chunk text, the remiss missiv is a section of its own, and
what is embedded carries the chunk's context and its table rows. Expected headings are
written from the documents (kallelse 001, protocol 000, månadsuppföljning 004)."""

from __future__ import annotations

import re

import pytest

from namndsok.ingest import rules
from namndsok.ingest.chunk import chunk_document
from namndsok.model import Hit


@pytest.fixture(scope="module")
def chunks(parsed_corpus):
    return {prefix: chunk_document(doc) for prefix, doc in parsed_corpus.items()}


def _holding(chunks, prefix, sentence):
    found = [c for c in chunks[prefix] if sentence in c.text]
    assert found, sentence
    return found


def _at_line(doc, chunks, line):
    """Chunks whose span covers the start of a 1-based line of the document."""
    offset = sum(len(x) + 1 for x in doc.text.split("\n")[: line - 1])
    return [c for c in chunks if c.start <= offset < c.end]


@pytest.mark.parametrize("prefix,sentence,path", [
    ("001", "Invent ny/omb skola/fsk", ["4 Ekonomisk sammanfattning", "4.2 Investeringsplan"]),
    ("001", "Budgetramen inför 2024 ökar med 27 procent",
     ["4 Ekonomisk sammanfattning", "4.1 Ekonomisk sammanställning", "4.1.1 Besluts-/verksamhetsområden"]),
    ("001", "Vi vill arbeta för att förbättra kompetensförsörjningen",
     ["2 Förutsättningar inför 2024", "2.1 Ordförande har ordet"]),
    ("001", "Gemensamma kostnader utgörs av kostnader kopplade till gemensamma lokaler",
     ["14. Ekonomi", "14.1. Gemensamma kostnader"]),
    ("001", "En familjecentral är en samlokaliserad", ["8. Definitioner", "8.2.Familjecentral"]),
    ("001", "Avtalet gäller under perioden **xxxx-xx-xx", ["Bilaga 1. Mall för lokalt samverkansavtal", "2. Avtalstid"]),
    ("001", "Y ersätts med **zz** kronor", ["Bilaga 2. Mall för lokalt nyttjanderättsavtal", "4. Ersättning för upplåtelsen"]),
    ("001", "Se nedanstående sidor.", ["Bilagor"]),
    ("001", "Ja, det finns en upprättad och aktuell brandskyddsorganisation",
     ["2 Brandskyddsorganisation", "2.1 Finns upprättad och aktuell brandskyddsorganisation i din verksamhet?"]),
    ("001", "Varje aktivitet och process dokumenteras av ansvariga", ["4 Dokumentation"]),
    ("001", "Kontroll av fattade formella beslut i utbildningsförvaltningen",
     ["2 Årets planerade kontroller", "2.2 Delegeringsordningen"]),
])
def test_heading_path_of_known_sentences(chunks, prefix, sentence, path):
    for c in _holding(chunks, prefix, sentence):
        assert c.heading_path == path, c.citation.format()
        assert c.subsection == path[-1] and c.citation.heading_path == path


def test_a_long_heading_line_is_a_heading(chunks):
    (c,) = _holding(chunks, "001", "Kommunens ägda lokaler är inte alltid anpassade med lås/larm")
    assert c.subsection.startswith("3.4.4 Föreningslivets behov av bättre anpassade lokaler")
    assert c.heading_path[:2] == ["3 Mål och uppdrag", "3.4 Av fullmäktige fastställda uppdrag"]
    # the citation shortens it, the chunk keeps it as written
    assert "3.4.4 Föreningslivets behov av bättre anpassade lokaler för …" in c.citation.format()


def test_a_heading_with_no_body_joins_its_first_child(chunks):
    c = _holding(chunks, "001", "Investeringsplan 2024–2027")[0]
    assert c.text.startswith("4.2 Investeringsplan")
    first = _holding(chunks, "001", "Besluts/verksamhetsområden Belopp i tkr")[0]
    assert first.text.startswith("4 Ekonomisk sammanfattning\n\n4.1 Ekonomisk sammanställning")
    assert first.heading_path == ["4 Ekonomisk sammanfattning", "4.1 Ekonomisk sammanställning"]


def test_table_of_contents_lines_are_never_headings(chunks):
    headings = {h for cs in chunks.values() for c in cs for h in c.heading_path}
    assert headings
    assert not any("\t" in h or "....." in h or rules.TOC_ENTRY_RE.match(h) for h in headings)
    # the plan's table of contents (001 lines 153–173) sits before its first heading
    for c in _holding(chunks, "001", "2.3 Lagändringar som påverkar nämndens verksamheter....."):
        assert c.heading_path == []


def test_list_items_and_attachment_references_are_not_headings(chunks):
    # "1. Notera …" under a Beslutsförslag (004 lines 35–40) and in § 10:4/10:5 of 000
    assert all(c.heading_path == [] for c in chunks["004"])
    assert all(c.heading_path == [] for c in chunks["000"])
    # "2.2 VästKoms framtida inriktning" in § 41 names an attachment of the meeting
    vastkom = [c for c in chunks["001"] if re.fullmatch(r"§ 4\d", c.citation.section or "")]
    assert len(vastkom) >= 9 and all(c.heading_path == [] for c in vastkom)
    # "4 Medium (Bör åtgärdas) Totalt: 4" breaks the plan's numbering (after "1 Årets …")
    assert all("4 Medium" not in h for c in chunks["001"] for h in c.heading_path)


def test_chunks_never_span_two_headings(chunks):
    for cs in chunks.values():
        headings = {h for c in cs for h in c.heading_path}
        for c in cs:
            inside = [ln.strip() for ln in c.text.split("\n")[1:] if ln.strip() in headings]
            assert all(h in c.heading_path for h in inside), (c.citation.format(), inside)


def test_running_footer_is_gone_from_every_chunk_of_section_48(chunks, parsed_corpus):
    doc = parsed_corpus["001"]
    s48 = next(s for s in doc.sections if s.label == "§ 48")
    footer = "Protokoll Styrelse VästKom 230622 Extrainsatt"
    assert footer in doc.text[s48.start : s48.end]  # the document keeps it (001 line 2101)
    in48 = [c for c in chunks["001"] if c.citation.section == "§ 48"]
    assert in48 and all(footer not in c.text for c in in48)
    assert all(footer not in c.text for c in chunks["001"])
    assert footer not in s48.decision


def test_page_marks_and_continuation_heads_leave_chunk_text(chunks, parsed_corpus):
    for cs in chunks.values():
        for c in cs:
            lines = [ln.strip() for ln in c.text.split("\n")]
            assert not any(re.fullmatch(r"\d+\(\d+\)", ln) for ln in lines), c.citation.format()
            assert "Forts." not in lines and "Forts. KSPU § 10:3" not in lines
    # "Forts. KSPU § 10:3" heads 8 continuation pages of § 10:3 in the document
    in103 = [c for c in chunks["000"] if c.citation.section == "KSPU § 10:3"]
    assert sum(len(c.omitted) for c in in103) >= 15


def test_chunk_text_is_the_document_minus_omitted_lines(chunks, parsed_corpus):
    for prefix, cs in chunks.items():
        text = parsed_corpus[prefix].text
        for c in cs:
            kept, at = [], c.start
            for a, b in c.omitted:
                kept.append(text[at:a])
                at = b
            assert "".join(kept) + text[at : c.end] == c.text


def test_the_familjecentral_missiv_is_its_own_section(parsed_corpus, chunks):
    doc = parsed_corpus["001"]
    missiv = next(s for s in doc.sections if s.title.startswith("Samverkansavtal för familjecentraler och familjecentralsliknande verksamhet i Västra Götaland."))
    assert doc.line_at(missiv.start) == 1546 and doc.line_at(missiv.end) == 1608
    # agenda item 7: "Remiss - Samverkansavtal familjecentraler … i VGR  2023/428"
    assert (missiv.dnr, missiv.dnr_key, missiv.dnr_inferred) == ("2023/428", "2023/428", True)
    plan = next(s for s in doc.sections if s.label == "Intern kontrollplan 2024")
    assert plan.dnr == "2023/422" and plan.end < missiv.start
    for c in _holding(chunks, "001", "Det politiska samrådsorganet (SRO) har ställt sig bakom det slutliga förslaget"):
        assert c.citation.dnr == "2023/428" and "Dnr 2023/428" in c.context


def test_embedded_text_carries_context_and_rows(chunks):
    (c,) = _holding(chunks, "001", "Invent ny/omb skola/fsk")
    # BM25 sees the whole context; the model a short header of the section and its headings
    head, _, body = c.lexical_text().partition("\n")
    assert head == ("Kallelse Utbildningsnämndens arbetsutskott 2023-12-06 · Nämndplan med budget 2024"
                    " · 4 Ekonomisk sammanfattning › 4.2 Investeringsplan · Dnr 2023/450")
    assert "Invent ny/omb skola/fsk – 2024: 2 000 tkr; 2025: 10 000 tkr; 2026: 40 000 tkr; 2027: 30 000 tkr" in body
    short, _, same = c.embed_text().partition("\n")
    assert short.startswith("Nämndplan med budget 2024") and short.endswith("4 Ekonomisk sammanfattning › 4.2 Investeringsplan")
    assert same == body
    assert "Invent ny/omb skola/fsk\t2 000" in c.text  # the stored text stays verbatim
    assert [r.label for r in c.rows][-1] == "Invent ny/omb skola/fsk"
    s48 = next(c for c in chunks["001"] if c.citation.section == "§ 48")
    assert s48.context == "Kallelse Utbildningsnämndens arbetsutskott 2023-12-06 · VästKom Styrelse · § 48 · Övriga frågor"


def test_citation_and_json_show_the_heading_path(chunks):
    (c,) = _holding(chunks, "001", "Invent ny/omb skola/fsk")
    assert c.citation.format() == (
        "Utbildningsnämndens arbetsutskott 2023-12-06 · Nämndplan med budget 2024 › 4 Ekonomisk sammanfattning"
        " › 4.2 Investeringsplan · Dnr 2023/450 · 001_f2f29972cf11fb69.txt"
    )
    d = Hit(c, 1.0).to_json()
    assert d["subsection"] == "4.2 Investeringsplan"
    assert d["heading_path"] == ["4 Ekonomisk sammanfattning", "4.2 Investeringsplan"]
    s48 = next(c for c in chunks["001"] if c.citation.section == "§ 48")
    assert Hit(s48, 1.0).to_json()["subsection"] is None and Hit(s48, 1.0).to_json()["heading_path"] == []
