"""The structure of each corpus document against what a reader wrote down
(tests/data/expected_sections/*.json, written from the documents, not from the parser)."""

from __future__ import annotations

import pytest

from conftest import expected

DOCS = ["000", "001", "002", "003", "004"]


def _by_label(doc):
    out = {}
    for s in doc.sections:
        out.setdefault(s.label, s)
    return out


@pytest.mark.parametrize("prefix", DOCS)
def test_header_fields(parsed_corpus, prefix):
    doc, exp = parsed_corpus[prefix], expected(prefix)
    assert doc.date == exp["date"]
    assert doc.organ.lower() == exp["organ"].lower()
    assert doc.doc_type == exp["doc_type"]


@pytest.mark.parametrize("prefix", DOCS)
def test_sections_labels_dnrs_and_lines(parsed_corpus, prefix):
    doc, exp = parsed_corpus[prefix], expected(prefix)
    found = _by_label(doc)
    for e in exp["sections"]:
        assert e["label"] in found, f"{e['label']} not parsed in {prefix}; got {list(found)}"
        s = found[e["label"]]
        assert s.dnr == e["dnr"], e["label"]
        start, end = doc.line_at(s.start), doc.line_at(s.end)
        assert start <= e["first_line"], (e["label"], start)
        assert end >= e["last_line"], (e["label"], end)
        if e["title"] and e["label"] != e["title"]:
            assert s.title == e["title"]
    # sections never overlap and keep document order
    for a, b in zip(doc.sections, doc.sections[1:]):
        assert a.end <= b.start
    if exp["complete"]:
        labelled = [s.label for s in doc.sections if s.kind in ("paragraph", "item", "memo")]
        assert labelled == [e["label"] for e in exp["sections"]]


@pytest.mark.parametrize("prefix", DOCS)
def test_section_boundaries_follow_headings(parsed_corpus, prefix):
    """Each expected section starts on its heading line (a § opens at its label), except a
    document's single memo, which owns the header above its title."""
    doc, exp = parsed_corpus[prefix], expected(prefix)
    found = _by_label(doc)
    for e in exp["sections"]:
        s = found[e["label"]]
        if s.kind in ("paragraph", "item") or (s.kind == "memo" and s.start > 0):
            assert doc.line_at(s.start) == e["first_line"], e["label"]


@pytest.mark.parametrize("prefix", DOCS)
def test_decisions(parsed_corpus, prefix):
    doc, exp = parsed_corpus[prefix], expected(prefix)
    found = _by_label(doc)
    for e in exp["sections"]:
        s = found[e["label"]]
        assert s.decision_kind == e["decision_kind"], e["label"]
        if e["decision_starts"]:
            assert s.decision and s.decision.startswith(e["decision_starts"]), (e["label"], s.decision)


def test_continuation_pages_stay_in_their_paragraph(parsed_corpus):
    doc = parsed_corpus["000"]
    labels = [s.label for s in doc.sections]
    assert not any(lbl.startswith("Forts") for lbl in labels)
    s103 = _by_label(doc)["KSPU § 10:3"]
    body = doc.text[s103.start : s103.end]
    assert body.count("Forts. KSPU § 10:3") == 8  # every continuation page of § 10:3
    assert "Svar på Ann-Christine Furustrands (S) frågor om Minirosen" in body


def test_placeholder_is_not_a_dnr_and_agenda_gives_it(parsed_corpus):
    doc = parsed_corpus["001"]
    s = _by_label(doc)["Internkontrollplan 2024"]
    assert s.dnr == "2023/422" and s.dnr_inferred
    assert all(sec.dnr != "ÄRENDENUMMER" for sec in doc.sections)


def test_other_organs_protocol_in_bundle_has_its_own_organ_and_date(parsed_corpus):
    s = _by_label(parsed_corpus["001"])["§ 43"]
    assert s.organ and "VästKom" in s.organ
    assert s.date == "2023-06-22"
    assert s.title == "Samverkansavtal familjecentral / familjecentralsliknande verksamhet"


def test_signature_audit_trail_is_kept_but_not_indexed(parsed_corpus):
    from namndsok.ingest.chunk import chunk_document

    doc = parsed_corpus["001"]
    audit = [s for s in doc.sections if s.kind == "audit"]
    assert [s.label for s in audit] == ["Final Audit Report"]
    assert "IP address" in doc.text[audit[0].start : audit[0].end]
    assert not any("IP address: 194.103.50.67" in c.text for c in chunk_document(doc))
