"""Evaluation metrics as small pure functions, each checkable by hand (see tests/test_eval.py).

The headline relevance is at passage level (`passage_relevant`): a retrieved passage is
relevant when its text holds the gold evidence, whitespace-normalised; for a long evidence
span (over 160 characters) a passage holding most of it counts. Two sections of the corpus
hold 75+ chunks each, so "the right section" says little about finding the answer.

Section-level relevance is the second column and does not trust section labels: the gold evidence
string is located in the document's text (`text.find(evidence)`), and a retrieved chunk is
relevant when it comes from the gold document and the section span it belongs to
(`chunk.section_index`) contains that offset. Several chunks of one section are all
relevant; recall@k asks whether any of the first k hits is.

Conventions (documented here because they change numbers):
- rank is 1-based; a question with no relevant hit in the list has reciprocal rank 0.
- no-answer precision/recall treat "the system refused" as the positive prediction and
  kind == "no_answer" as the positive class. Precision with no refusals at all is None
  (undefined), recall with no no-answer questions is None.
- citation accuracy is measured on questions whose gold section label is not null: the
  first citation must name the gold document, the gold section label and the gold dnr
  (None == None counts as a match). Questions with a null gold section (front matter,
  attachments without a § label) are excluded from it; they are still covered by
  `first_citation_relevant` below, which uses the offset rule and needs no label.
- evidence hit: the answer text or the top passage contains the evidence once both are
  whitespace-normalised (runs of whitespace → one space); case and punctuation are kept.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, Protocol


class _SectionSpan(Protocol):
    start: int
    end: int


# ------------------------------------------------------------------ gold relevance


def evidence_offset(text: str, evidence: str | None) -> int:
    """Where the evidence starts in the document's text, -1 when absent or None."""
    if not evidence:
        return -1
    return text.find(evidence)


def gold_section_index(sections: Sequence[_SectionSpan], offset: int) -> int | None:
    """Index of the first section whose [start, end) span holds the offset, else None."""
    if offset < 0:
        return None
    for i, s in enumerate(sections):
        if s.start <= offset < s.end:
            return i
    return None


LONG_EVIDENCE = 160  # characters; longer spans may be cut by a passage boundary
MOST_OF = 0.6  # share of a long span a passage must hold in one piece


def passage_relevant(passage: str, evidences: Sequence[str]) -> bool:
    """The passage holds one of the evidence spans (whitespace-normalised), or most of a long one."""
    hay = normalise_ws(passage)
    for ev in evidences:
        needle = normalise_ws(ev)
        if not needle:
            continue
        if needle in hay:
            return True
        if len(needle) > LONG_EVIDENCE and longest_common_run(needle, hay) >= MOST_OF * len(needle):
            return True
    return False


def longest_common_run(a: str, b: str) -> int:
    """Length of the longest string that occurs in both a and b."""
    from difflib import SequenceMatcher

    m = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return m.size


def is_relevant(source: str, section_index: int, gold_doc: str | None, gold_section: int | None) -> bool:
    """A chunk (source, section_index) is relevant to the gold (document, section index)."""
    return gold_doc is not None and gold_section is not None and source == gold_doc and section_index == gold_section


def first_relevant_rank(relevance: Sequence[bool]) -> int | None:
    """1-based rank of the first True, None when there is none."""
    for i, r in enumerate(relevance):
        if r:
            return i + 1
    return None


def recall_at_k(relevance: Sequence[bool], k: int) -> float:
    """1.0 when one of the first k hits is relevant, else 0.0 (one gold section per question)."""
    return 1.0 if any(relevance[:k]) else 0.0


def reciprocal_rank(relevance: Sequence[bool], k: int | None = None) -> float:
    """1/rank of the first relevant hit within the first k (all when k is None), else 0."""
    rank = first_relevant_rank(relevance[:k] if k else relevance)
    return 1.0 / rank if rank else 0.0


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not None; None when there are none."""
    vals = [float(v) for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def mrr(relevance_lists: Iterable[Sequence[bool]], k: int | None = None) -> float | None:
    return mean(reciprocal_rank(r, k) for r in relevance_lists)


# ------------------------------------------------------------------ no-answer


def no_answer_counts(predicted: Sequence[bool], actual: Sequence[bool]) -> dict[str, int]:
    """tp/fp/fn/tn with "refused" as the positive prediction, "is a no-answer question" as truth."""
    if len(predicted) != len(actual):
        raise ValueError("predicted and actual differ in length")
    c = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    for p, a in zip(predicted, actual):
        c[("tp" if a else "fp") if p else ("fn" if a else "tn")] += 1
    return c


def no_answer_precision_recall(predicted: Sequence[bool], actual: Sequence[bool]) -> tuple[float | None, float | None]:
    """(precision, recall) of refusing; None where the denominator is 0."""
    c = no_answer_counts(predicted, actual)
    precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else None
    recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else None
    return precision, recall


def f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


# ------------------------------------------------------------------ answers


def normalise_ws(text: str) -> str:
    return " ".join(text.split())


def evidence_hit(evidence: str | None, *texts: str | None) -> bool:
    """The whitespace-normalised evidence occurs in one of the (normalised) texts."""
    if not evidence:
        return False
    needle = normalise_ws(evidence)
    return any(needle in normalise_ws(t) for t in texts if t)


def citation_correct(
    cited_source: str | None,
    cited_section: str | None,
    cited_dnr: str | None,
    gold_doc: str | None,
    gold_section: str | None,
    gold_dnr: str | None,
) -> bool | None:
    """The first citation names the gold document, § label and dnr. None (excluded) when the
    gold section label is null; pass None for the cited fields when the system refused, which
    counts as wrong."""
    if gold_section is None:
        return None
    return cited_source == gold_doc and cited_section == gold_section and cited_dnr == gold_dnr


# ------------------------------------------------------------------ latency


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolation percentile (numpy's default method), q in [0, 100]."""
    if not values:
        return None
    xs = sorted(values)
    if len(xs) == 1:
        return float(xs[0])
    pos = (len(xs) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = math.ceil(pos)
    return float(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo))


def median(values: Sequence[float]) -> float | None:
    return percentile(values, 50)


def p95(values: Sequence[float]) -> float | None:
    return percentile(values, 95)


def summarise(values: Sequence[float]) -> dict[str, Any]:
    return {"n": len(values), "median": median(values), "p95": p95(values), "mean": mean(values)}
