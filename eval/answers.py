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

from namndsok.app.answering.result import MARKER_RE
from namndsok.identifiers import find_dnr_keys

from . import metrics as M
from .qset import Question
from .retrieval import gold_sections, section_right, subsection_right

_MARKER_RE = re.compile(r"\s*" + MARKER_RE.pattern)  # a marker with the space before it
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


def evidence_in_answer(answer: str, evidences: list[str], quoted: list[str] | None = None) -> bool:
    """The answer (its text, or the verbatim source sentences it quotes: `quoted`) holds the
    evidence, or quotes a sentence of it (≥ 30 characters)."""
    text = _MARKER_RE.sub(" ", answer)
    if M.passage_relevant(" ".join([text, *(quoted or [])]), evidences):
        return True
    norm_ev = [M.normalise_ws(e) for e in evidences]
    for s in [*answer_sentences(answer), *(M.normalise_ws(q) for q in quoted or [])]:
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


_NONE_RECORDED_RE = re.compile(r"^(?:Inga|Ingen|Inget)\b[^\n]*\bantecknades\b")


def true_negative(q: Question, ans) -> bool:
    """A question whose gold answer is that the protocol records none ("none recorded"; its
    evidence only shows the protocol's scope) is answered by a cited "Inga … antecknades"
    from the gold document."""
    if not (q.answer or "").lower().startswith("none recorded") or not ans.citations:
        return False
    return bool(_NONE_RECORDED_RE.match(ans.answer)) and ans.citations[0].chunk.source == q.doc


def dnr_given(q: Question, ans) -> bool:
    """A dnr question answered with the gold dnr (compared by key: "UBN.2023.428" is 2023/428)."""
    if q.kind != "dnr" or not q.dnr:
        return False
    gold = set(find_dnr_keys(q.dnr))
    return bool(gold) and bool(gold & set(find_dnr_keys(ans.answer)))


def variants(question: str) -> list[str]:
    """The same question as people also type it: without its "?", lower-cased, with extra
    spaces and a trailing "tack", and with "vi" / "nämnden" / "kommunen" swapped."""
    bare = question.rstrip(" ?!.")
    swapped = re.sub(r"\b(vi|nämnden|kommunen)\b",
                     lambda m: {"vi": "nämnden", "nämnden": "kommunen", "kommunen": "vi"}[m[1]], question, count=1)
    if swapped == question:
        swapped = f"{bare}!"
    return [bare, question.lower(), f"  {bare.replace(' ', '  ')} ,  tack", swapped]


def _shown(ans) -> list:
    """The passages a reader is shown first: the citations, else the closest passages."""
    return [h.chunk for h in (ans.citations or ans.passages)[:3]]


def _first(ans) -> int | None:
    return ans.citations[0].chunk.id if ans.citations else None


def question_row(q: Question, ans, documents: dict[str, Any], ask_ms: float) -> dict[str, Any]:
    first = ans.citations[0].chunk if ans.citations else None
    outcome = getattr(ans, "outcome", "none" if ans.no_answer else "answer")
    claimed = outcome == "answer"
    quoted = [t for texts in ans.highlights.values() for t in texts] if claimed else []
    holds = claimed and q.answerable and (evidence_in_answer(ans.answer, q.evidences, quoted)
                                          or true_negative(q, ans) or dnr_given(q, ans))
    row: dict[str, Any] = {
        "id": q.id, "group": q.group, "kind": q.kind, "lang": q.lang, "answerable": q.answerable,
        "near_miss": q.near_miss, "refused": not claimed, "outcome": outcome, "ask_ms": ask_ms,
        "answer": ans.answer, "reason": getattr(ans, "reason", None), "note": ans.note,
        "first_citation": first.citation.format() if first else None, "first_chunk": _first(ans),
        "claimed": claimed, "holds": holds, "decision_claim": decision_label(ans.answer) is not None,
    }
    if q.answerable:
        secs = gold_sections(q, documents)
        row["evidence"] = holds
        row["shown3"] = holds or any(M.passage_relevant(c.text, q.evidences) for c in _shown(ans))
        row["cited_section"] = claimed and first is not None and first.source == q.doc and first.section_index in secs
        if q.subsection:
            row["cited_subsection"] = bool(row["cited_section"]) and bool(
                subsection_right(q.subsection, getattr(first, "subsection", None)))
        if q.kind == "decision":
            got = first.citation.section if first else None
            sec_ok = section_right(q.section, got) if q.section else (
                first is not None and first.source == q.doc and first.section_index in secs)
            row["decision_section"] = claimed and bool(sec_ok)
            row["decision_label"] = claimed and decision_label(ans.answer) == q.decision_kind
            row["decision_ok"] = row["decision_section"] and row["decision_label"]
    return row


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]

    def share(items, key):
        vals = [float(r[key]) for r in items if r.get(key) is not None]
        return sum(vals) / len(vals) if vals else None

    claims = [r for r in rows if r["claimed"]]
    dec = [r for r in ans if r["kind"] == "decision"]
    stable = [r["stable"] for r in rows if "stable" in r]
    return {
        "n": len(rows), "n_answerable": len(ans), "n_unanswerable": len(una),
        "answers_given": len(claims),
        # answers given that hold the evidence ÷ answers given (an answer to an unanswerable
        # question holds nothing)
        "precision": share(claims, "holds"),
        "coverage": share(ans, "holds"),
        "shown3": share(ans, "shown3"),
        "false_refusals": share(ans, "refused"),
        "refused_unanswerable": share(una, "refused"),
        "refused_near_miss": share([r for r in una if r["near_miss"]], "refused"),
        "decision_claims_unanswerable": sum(r["claimed"] and r["decision_claim"] for r in una),
        "evidence": share(ans, "evidence"),
        "cited_section": share(ans, "cited_section"),
        "cited_subsection": share(ans, "cited_subsection"),
        "n_subsection": sum(1 for r in ans if "cited_subsection" in r),
        "decision_ok": share(dec, "decision_ok"), "decision_section": share(dec, "decision_section"),
        "decision_label": share(dec, "decision_label"), "n_decision": len(dec),
        "stability": sum(stable) / len(stable) if stable else None,
        "ask_ms": M.summarise([r["ask_ms"] for r in rows]),
    }


def risk_coverage(rows: list[dict[str, Any]], key: str = "verify_score") -> list[dict[str, float]]:
    """Precision and coverage if only answers whose `key` reaches each threshold were given."""
    n_ans = sum(r["answerable"] for r in rows) or 1
    scored = sorted((r for r in rows if r["claimed"] and r.get(key) is not None), key=lambda r: -r[key])
    out, held = [], 0
    for n, r in enumerate(scored, 1):
        held += r["holds"]
        if n == len(scored) or scored[n][key] != r[key]:
            out.append({"threshold": r[key], "given": n, "precision": held / n, "coverage": held / n_ans})
    return out


def evaluate(answerer, questions: list[Question], documents: dict[str, Any], forget=None,
             stability: bool = False) -> dict[str, Any]:
    """Every question asked once (timed, its question embedded anew as a user's would be);
    with `stability`, also in the four `variants`: a row is stable when every variant gives
    the same outcome and the same first citation."""
    rows = []
    for q in questions:
        if forget:
            forget()
        t = time.perf_counter()
        ans = answerer.ask(q.question)
        row = question_row(q, ans, documents, 1000 * (time.perf_counter() - t))
        row["verify_score"] = getattr(ans, "verify_score", None)
        if stability:
            same = [(getattr(a, "outcome", None), _first(a)) for a in (answerer.ask(v) for v in variants(q.question))]
            row["stable"] = all(x == (row["outcome"], row["first_chunk"]) for x in same)
        rows.append(row)
    by_group = {g: summarise([r for r in rows if r["group"] == g]) for g in sorted({r["group"] for r in rows})}
    return {"summary": summarise(rows), "by_group": by_group, "rows": rows, "risk_coverage": risk_coverage(rows)}
