"""Answer quality of `ask` on a question set: refusals, evidence in the answer, the first
citation's section, decision labels, and the time an answer takes beside a search.

Per question:
- refused: the answer is a no-answer (either kind: nothing found or near-miss);
- evidence: the answer holds the evidence span, or quotes a sentence of it (≥ 30
  characters) — an answer may rightly give one sentence of a two-sentence span;
- cited_section / cited_subsection: the first citation lies in a section (and has the
  sub-heading) that holds the evidence;
- decision questions: the first citation names the gold § (or section title) and the
  answer's label (Beslut / Förslag till beslut) matches the source's `decision_kind`.
"""

from __future__ import annotations

import re
import time
from typing import Any

from . import metrics as M
from .qset import Question
from .retrieval import gold_sections, section_right, subsection_right

_MARKER_RE = re.compile(r"\s*\[\d+\]")
MIN_QUOTE = 30


def answer_sentences(answer: str) -> list[str]:
    """The answer's lines without markers and labels, whitespace-normalised."""
    out = []
    for line in answer.split("\n"):
        line = _MARKER_RE.sub("", line)
        line = re.sub(r"^(?:Beslut|Förslag till beslut)[^:]{0,60}:\s*", "", line)
        line = M.normalise_ws(line)
        if line:
            out.append(line)
    return out


def evidence_in_answer(answer: str, evidences: list[str]) -> bool:
    if M.passage_relevant(_MARKER_RE.sub(" ", answer), evidences):
        return True
    norm_ev = [M.normalise_ws(e) for e in evidences]
    for s in answer_sentences(answer):
        s = s.rstrip(".")
        if len(s) >= MIN_QUOTE and any(s in e for e in norm_ev):
            return True
    return False


def decision_label(answer: str) -> str | None:
    if re.match(r"\s*Beslut\b", answer):
        return "beslut"
    if re.match(r"\s*Förslag till beslut\b", answer):
        return "förslag"
    return None


def question_row(q: Question, ans, documents: dict[str, Any], ask_ms: float) -> dict[str, Any]:
    first = ans.citations[0].chunk if ans.citations else None
    row: dict[str, Any] = {
        "id": q.id, "group": q.group, "kind": q.kind, "lang": q.lang, "answerable": q.answerable,
        "near_miss": q.near_miss, "refused": bool(ans.no_answer), "ask_ms": ask_ms,
        "answer": ans.answer, "note": ans.note,
        "first_citation": first.citation.format() if first else None,
    }
    if q.answerable:
        secs = gold_sections(q, documents)
        answered = not ans.no_answer
        row["evidence"] = answered and evidence_in_answer(ans.answer, q.evidences)
        row["cited_section"] = answered and first is not None and first.source == q.doc and first.section_index in secs
        if q.subsection:
            row["cited_subsection"] = bool(row["cited_section"]) and bool(
                subsection_right(q.subsection, getattr(first, "subsection", None)))
        if q.kind == "decision":
            got = first.citation.section if first else None
            sec_ok = section_right(q.section, got) if q.section else (
                first is not None and first.source == q.doc and first.section_index in secs)
            row["decision_section"] = answered and bool(sec_ok)
            row["decision_label"] = answered and decision_label(ans.answer) == q.decision_kind
            row["decision_ok"] = row["decision_section"] and row["decision_label"]
    return row


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]

    def share(items, key):
        vals = [float(r[key]) for r in items if r.get(key) is not None]
        return sum(vals) / len(vals) if vals else None

    dec = [r for r in ans if r["kind"] == "decision"]
    return {
        "n": len(rows), "n_answerable": len(ans), "n_unanswerable": len(una),
        "false_refusals": share(ans, "refused"),
        "refused_unanswerable": share(una, "refused"),
        "refused_near_miss": share([r for r in una if r["near_miss"]], "refused"),
        "evidence": share(ans, "evidence"),
        "cited_section": share(ans, "cited_section"),
        "cited_subsection": share(ans, "cited_subsection"),
        "n_subsection": sum(1 for r in ans if "cited_subsection" in r),
        "decision_ok": share(dec, "decision_ok"), "decision_section": share(dec, "decision_section"),
        "decision_label": share(dec, "decision_label"), "n_decision": len(dec),
        "ask_ms": M.summarise([r["ask_ms"] for r in rows]),
    }


def evaluate(answerer, questions: list[Question], documents: dict[str, Any], forget=None) -> dict[str, Any]:
    rows = []
    for q in questions:
        if forget:
            forget()  # each ask embeds its question, as a user's would
        t = time.perf_counter()
        ans = answerer.ask(q.question)
        rows.append(question_row(q, ans, documents, 1000 * (time.perf_counter() - t)))
    by_group = {g: summarise([r for r in rows if r["group"] == g]) for g in sorted({r["group"] for r in rows})}
    return {"summary": summarise(rows), "by_group": by_group, "rows": rows}
