"""Protocol facts (ingest/protocol.py) against hand-labelled gold: the corpus protocols (KSPU
2020-09-16, the VästKom protocol inside the Ale bundle) and twelve protocols written for
the tests, as text and as PDFs built with reportlab. Precision and recall per fact kind."""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path


from namndsok.facts import FACT_KINDS, ProtocolFacts
from namndsok.ingest.protocol import name_key, protocol_facts
from namndsok.ingest.read import PAGE_SEPARATOR, read_document
from namndsok.ingest.structure import parse_structure

from pdfs import make_pdf

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
PROTOCOLS = Path(__file__).parent / "data" / "protocols"
CORPUS_GOLD = json.loads((Path(__file__).parent / "data" / "protocol_facts" / "gold.json").read_text(encoding="utf-8"))
OWN_GOLD = json.loads((PROTOCOLS / "gold.json").read_text(encoding="utf-8"))
KINDS = [k for k in FACT_KINDS] + ["vote_person"]
PRECISION_MIN, RECALL_MIN = 0.98, 0.95


def _n(name):
    return name_key(name) if isinstance(name, str) else name


def tuples(p: ProtocolFacts) -> dict[str, Counter]:
    """Each fact as the tuple the gold files use (names compared across spellings)."""
    m = p.meeting
    out = {
        "meeting": [(m.organ, m.date, m.time, m.place)],
        "role": [(r.role, _n(r.person), r.party, r.date) for r in p.roles],
        "attendance": [(a.kind, _n(a.person), a.party, _n(a.serving_for)) for a in p.attendance],
        "yrkande": [(y.section, _n(y.person), y.party, y.kind) for y in p.yrkanden],
        "proposition": [(x.section, _n(x.winner)) for x in p.propositions],
        "vote": [(v.section, v.ja, v.nej, v.avstar) for v in p.votes],
        "vote_person": [(v.section, _n(n), c) for v in p.votes for n, _, c in v.votes],
        "reservation": [(r.section, _n(", ".join(r.persons)), r.party, r.written, r.bilaga) for r in p.reservations],
        "anteckning": [(a.section, _n(", ".join(a.persons))) for a in p.anteckningar],
        "jav": [(j.section, _n(j.person)) for j in p.jav],
    }
    return {k: Counter(v) for k, v in out.items()}


def gold_tuples(g: dict) -> dict[str, Counter]:
    out = {}
    for kind in KINDS:
        rows = g.get(kind, [])
        if kind in ("role",):
            rows = [(r[0], _n(r[1]), r[2], r[3]) for r in rows]
        elif kind == "attendance":
            rows = [(r[0], _n(r[1]), r[2], _n(r[3])) for r in rows]
        elif kind == "yrkande":
            rows = [(r[0], _n(r[1]), r[2], r[3]) for r in rows]
        elif kind in ("proposition", "jav", "anteckning"):
            rows = [(r[0], _n(r[1])) for r in rows]
        elif kind == "vote_person":
            rows = [(r[0], _n(r[1]), r[2]) for r in rows]
        elif kind == "reservation":
            rows = [(r[0], _n(r[1]), r[2], r[3], r[4]) for r in rows]
        out[kind] = Counter(tuple(r) for r in rows)
    return out


def parsed(path: Path) -> list[ProtocolFacts]:
    return protocol_facts(parse_structure(read_document(path)))


def score(pairs: list[tuple[list[ProtocolFacts], list[dict]]]) -> dict[str, tuple[int, int, int]]:
    """(true positives, predicted, gold) per kind over every protocol."""
    totals = {k: [0, 0, 0] for k in KINDS}
    for got, gold in pairs:
        assert len(got) == len(gold), f"{len(got)} protocols read, {len(gold)} in the gold"
        for p, g in zip(got, gold):
            t, gt = tuples(p), gold_tuples(g)
            for k in KINDS:
                totals[k][0] += sum((t.get(k, Counter()) & gt[k]).values())
                totals[k][1] += sum(t.get(k, Counter()).values())
                totals[k][2] += sum(gt[k].values())
    return {k: tuple(v) for k, v in totals.items()}


def check(totals: dict[str, tuple[int, int, int]]) -> None:
    bad = []
    for k, (tp, pred, gold) in totals.items():
        precision = tp / pred if pred else 1.0
        recall = tp / gold if gold else 1.0
        if precision < PRECISION_MIN or recall < RECALL_MIN:
            bad.append(f"{k}: precision {precision:.2f}, recall {recall:.2f} ({tp}/{pred} predicted, {tp}/{gold} gold)")
    assert not bad, "; ".join(bad)


def test_corpus_protocols_against_the_gold():
    pairs = []
    for name, gold in CORPUS_GOLD.items():
        if name.startswith("_"):
            continue
        got = parsed(CORPUS / name)
        pairs.append((got, gold))
        for p, g in zip(got, gold):
            assert p.complete == g["complete"] and p.paragraphs == g["paragraphs"]
    totals = score(pairs)
    assert totals["yrkande"][2] == 6 and totals["attendance"][2] == 30  # the gold is the whole record
    check(totals)


def test_own_protocols_as_text_against_the_gold():
    pairs = [(parsed(PROTOCOLS / name), gold) for name, gold in OWN_GOLD.items() if not name.startswith("_")]
    assert len(pairs) >= 8
    check(score(pairs))


def test_own_protocols_as_pdf_against_the_gold(tmp_path):
    pairs = []
    for name, gold in OWN_GOLD.items():
        if name.startswith("_"):
            continue
        text = (PROTOCOLS / name).read_text(encoding="utf-8")
        # a printed protocol: the front page, then a page per §
        pages, cur = [], []
        for line in text.split("\n"):
            if line.startswith("§ ") and cur:
                pages.append("\n".join(cur))
                cur = []
            cur.append(line)
        pages.append("\n".join(cur))
        pdf = tmp_path / name.replace(".txt", ".pdf")
        make_pdf(pages, pdf, tables=True)
        pairs.append((parsed(pdf), gold))
    totals = score(pairs)
    # Tab-separated lines are drawn as tables, cell by cell, as a word processor does: pypdf's plain
    # text puts each cell on its own line, so the vote lists (X marks under Ja/Nej/Avstår, a vote
    # word per name) and the närvarolista table are read by their columns (ingest/pdf_columns.py).
    # Every vote of p1's word list, p10's, p11's and p12's tables: 5 + 6 + 7 + 5 in the gold.
    assert totals["vote_person"] == (23, 23, 23)
    check(totals)


def test_a_pdf_vote_list_without_column_positions_gives_no_vote_but_never_a_wrong_one(tmp_path):
    # the same protocols printed as lines of text, a tab drawn as spaces: an X no longer stands
    # under its column, so no X row is read; the words "Ja"/"Nej"/"Avstår" of p1 still are
    pairs = []
    for name in ("p1_omrostning.txt", "p10_kolumnvotering.txt", "p11_omrostningslista_ersattare.txt",
                 "p12_voteringslista_parti.txt"):
        pdf = tmp_path / name.replace(".txt", ".pdf")
        make_pdf([(PROTOCOLS / name).read_text(encoding="utf-8")], pdf)
        pairs.append((parsed(pdf), OWN_GOLD[name]))
    tp, pred, gold = score(pairs)["vote_person"]
    assert tp == pred == 5 and gold == 23


def test_layout_text_is_used_only_for_the_tables(tmp_path):
    from pypdf import PdfReader

    # a page without a vote list or närvarolista table keeps pypdf's plain text byte for byte;
    # on a page with one, only the table changes: its cells, one per line in the plain text,
    # are rows with tabs again, exactly as the text version has them
    text = (PROTOCOLS / "p11_omrostningslista_ersattare.txt").read_text(encoding="utf-8")
    front, rest = text.split("§ 31", 1)
    pdf = tmp_path / "p11.pdf"
    make_pdf([front, "§ 31" + rest], pdf, tables=True)
    plain = [p.extract_text() for p in PdfReader(pdf).pages]
    doc = read_document(pdf)
    assert doc.text[:doc.page_starts[1] - len(PAGE_SEPARATOR)] == plain[0]
    second = doc.text[doc.page_starts[1]:]
    table = text[text.index("Ledamöter\tTjänstgörande"):text.index("\n\nMed 4 ja-röster")]  # header to the Summa row
    assert second.count(table) == 1 and table not in plain[1]
    before, after = second.split(table)
    assert plain[1].startswith(before) and plain[1].endswith(after)
    assert plain[1][len(before):len(plain[1]) - len(after)].split() == table.split()


def test_each_fact_cites_the_text_that_says_it():
    for path in [CORPUS / "000_9df5db38a3213482.txt", *sorted(PROTOCOLS.glob("p*.txt"))]:
        doc = parse_structure(read_document(path))
        for p in protocol_facts(doc):
            for fact in [*p.yrkanden, *p.jav, *[r for r in p.roles if r.person]]:
                cited = doc.text[fact.cite.start:fact.cite.end]
                assert name_key(fact.person.split()[-1]) in name_key(cited), (path.name, fact)
            for y in p.yrkanden:
                assert "yrkar" in doc.text[y.cite.start:y.cite.end] and y.cite.section == y.section
            for r in p.reservations:
                assert "reserver" in doc.text[r.cite.start:r.cite.end]


def test_names_match_across_spellings_and_genitives_and_party_comes_from_the_list():
    kspu = parsed(CORPUS / "000_9df5db38a3213482.txt")[0]
    # "Michaela Fletchers (M) yrkande" is Michaela Fletcher, M
    winners = {x.section: (x.winner, x.winner_party) for x in kspu.propositions}
    assert winners["KSPU § 10:7"] == ("Michaela Fletcher", "M")
    assert kspu.propositions[3].put == ["Michaela Fletcher", "Ann-Christine Furustrand"]
    # Zethraeus (signature) and Zethräus (närvarolista) are one person
    secretary = next(r for r in kspu.roles if r.role == "sekreterare")
    assert name_key(secretary.person) == name_key("Fredrik Zethraeus")
    # the party of a person named without one comes from the närvarolista
    assert kspu.party_of("Mathias Lindow") == "L"


def test_json_round_trip():
    for p in parsed(CORPUS / "000_9df5db38a3213482.txt") + parsed(PROTOCOLS / "p1_omrostning.txt"):
        again = ProtocolFacts.from_json(json.loads(json.dumps(p.to_json())))
        assert again == p


def test_a_protocol_without_paragraph_numbers_is_text_with_one_note(caplog):
    with caplog.at_level(logging.INFO, logger="namndsok.ingest.protocol"):
        facts = parsed(CORPUS / "003_bc720051aa4aceb1.txt")  # numbered items, no §
    assert facts == []
    notes = [r.getMessage() for r in caplog.records if "003_bc720051aa4aceb1.txt" in r.getMessage()]
    assert len(notes) == 1 and "\n" not in notes[0] and "§" in notes[0]


def test_attendance_table_broken_across_pages_does_not_crash(tmp_path, caplog):
    rows = "\n".join(f"S\tLedamot Nummer{n} Testsson, ledamot\tX\t\t" for n in range(1, 60))
    first = ("Protokoll\n\nSammanträdesprotokoll för Servicenämnden\n\nSammanträdesdatum: 2024-02-01\n\n"
             "Närvarolista\n\nParti\tLedamöter\tNärvarande\tErsättare\n" + rows)
    second = "Forts. närvarolista\n" + rows + "\n\n§ 1 Mötets öppnande\n\nBeslut\nMötet öppnas.\n\n§ 3 Avslutning\n\nBeslut\nMötet avslutas."
    pdf = tmp_path / "trasig.pdf"
    make_pdf([first, second], pdf)
    with caplog.at_level(logging.INFO, logger="namndsok.ingest.protocol"):
        facts = parsed(pdf)
    assert len(facts) == 1 and not facts[0].complete  # § 2 is missing and no roles were read
    assert facts[0].notes and all("\n" not in n for n in facts[0].notes)
    assert sum("trasig.pdf" in r.getMessage() for r in caplog.records) == 1


def test_garbage_text_gives_no_facts_and_no_crash(tmp_path):
    odd = tmp_path / "konstig.txt"
    odd.write_text("Protokoll\n\n§\n§ §\nyrkar yrkar (S) (M) reserverar jäv\n\tX\tX\n" * 20, encoding="utf-8")
    assert isinstance(parsed(odd), list)


def test_decision_card_shows_yrkanden_outcome_vote_and_reservation(tmp_path):
    from namndsok.app.fact_cards import decision_facts_html
    from namndsok.app.matters import list_decisions
    from namndsok.index.builder import ingest
    from namndsok.index.embedders import create_embedder
    from namndsok.index.store import load_index

    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("p1_omrostning.txt", "p2_reservation_bilaga.txt"):
        (folder / name).write_bytes((PROTOCOLS / name).read_bytes())
    ingest([folder], tmp_path / "ix", create_embedder("toy"), progress=False)
    rows = {r.citation.section: r for r in list_decisions(load_index(tmp_path / "ix"))}
    vote_card = decision_facts_html(rows["§ 12"])
    assert "David Ek (SD) yrkar avslag till förvaltningens förslag." in vote_card
    assert "3 ja, 1 nej, 1 avstår" in vote_card and "<dt>Utfall</dt>" in vote_card
    res_card = decision_facts_html(rows["§ 31"])
    assert "<dt>Reservation</dt>" in res_card and "Olga Qvist (V) reserverar sig mot beslutet, bilaga 1" in res_card
    assert decision_facts_html(rows["§ 13"]) == ""


def test_an_index_without_facts_gets_them_on_the_next_ingest_without_embedding(tmp_path):
    from namndsok.index.builder import ingest
    from namndsok.index.embedders import create_embedder
    from namndsok.index.store import current_folder, load_index

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "p6.txt").write_bytes((PROTOCOLS / "p6_tre_yrkanden.txt").read_bytes())
    root = tmp_path / "ix"
    ingest([folder], root, create_embedder("toy"), progress=False)
    data = current_folder(root)
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"]["facts.json"]["size"] == (data / "facts.json").stat().st_size
    # make it an index written before protocol facts existed
    del manifest["facts_version"], manifest["files"]["facts.json"]
    (data / "facts.json").unlink()
    (data / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert load_index(root).facts == []
    report = ingest([folder], root, create_embedder("toy"), progress=False)
    assert report.embedded == 0 and report.unchanged == [str(folder / "p6.txt")]
    facts = load_index(root).facts
    assert [p.meeting.organ for p in facts] == ["Kommunstyrelsen"] and len(facts[0].yrkanden) == 3


def test_x_marks_that_do_not_stand_in_columns_are_not_read(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    # p10's vote list, its header in columns but each X drawn just after the name: where the X
    # stands says nothing about Ja or Nej, so the rows are left out (the totals are still read)
    text = (PROTOCOLS / "p10_kolumnvotering.txt").read_text(encoding="utf-8")
    pdf = tmp_path / "p10.pdf"
    c = canvas.Canvas(str(pdf), pagesize=A4)
    c.setFont("Helvetica", 9)
    y = A4[1] - 50
    for line in text.split("\n"):
        cells = line.split("\t")
        if cells[0] == "Ledamot":
            for x, cell in zip((50, 160, 200, 240), cells):
                c.drawString(x, y, cell)
        elif len(cells) > 1:
            c.drawString(50, y, cells[0])
            c.drawString(50 + stringWidth(cells[0], "Helvetica", 9) + 30, y, "X")
        else:
            c.drawString(50, y, line)
        y -= 12
    c.save()
    facts = parsed(pdf)
    assert [(v.section, v.ja, v.nej, v.avstar, v.votes) for v in facts[0].votes] == [("§ 20", 3, 2, 1, [])]


def test_a_narvarolista_drawn_as_a_table_is_read_by_its_columns(tmp_path):
    from pdfs import protocol_pages

    # KSPU 2020-09-16 printed with its närvarolista as a table (Parti | Ledamöter | Närvarande |
    # Ej tjänstgörande §§ | Ersättare §§): plain text puts each cell on a line of its own, the
    # layout text keeps the columns, and the whole list is read as from the text version
    name = "000_9df5db38a3213482.txt"
    pdf = tmp_path / "kspu.pdf"
    make_pdf(protocol_pages((CORPUS / name).read_text(encoding="utf-8")), pdf, tables=True)
    totals = score([(parsed(pdf), CORPUS_GOLD[name])])
    assert totals["attendance"] == (8, 8, 8) and totals["role"] == (6, 6, 6) and totals["yrkande"] == (6, 6, 6)
