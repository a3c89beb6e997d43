"""The tables that `namndsok eval` prints: per method, per question kind, the no-answer
calibration and the fusion weight sweep."""

from __future__ import annotations

from typing import Any


def _f(v, pct=False, nd=2) -> str:
    if v is None:
        return "–"
    return f"{100 * v:.1f}" if pct else f"{v:.{nd}f}"


def format_tables(report: dict[str, Any]) -> str:
    lines = []
    meth = report["methods"]
    lines.append(f"Question set: {report['qset']} ({report['n_questions']} questions, {report['n_answerable']} answerable)")
    for name, note in report["indexes"].items():
        lines.append(f"Index {name}: {note}")
    for name, why in report.get("skipped", {}).items():
        lines.append(f"Method {name}: {why}")
    lines.append("")
    lines.append("By method (retrieval on answerable questions, k=10; percentages; latency in ms, median)")
    head = ["method", "R@1", "R@5", "R@10", "MRR", "cit.acc", "cit.rel", "evid", "correct", "NA-P", "NA-R", "search", "ask"]
    tab = [head]
    for name, r in meth.items():
        s = r["summary"]
        tab.append([name, _f(s["recall@1"], 1), _f(s["recall@5"], 1), _f(s["recall@10"], 1), _f(s["mrr"], nd=3),
                    _f(s["citation_accuracy"], 1), _f(s["first_citation_relevant"], 1), _f(s["evidence_hit_rate"], 1),
                    _f(s["answer_correct"], 1), _f(s["no_answer_precision"], 1), _f(s["no_answer_recall"], 1),
                    _f(s["search_ms"]["median"], nd=1), _f(s["ask_ms"]["median"], nd=0)])
    lines += grid(tab)
    lines.append("  cit.acc: first citation = gold doc, § label and dnr (questions with a gold label); cit.rel: first citation")
    lines.append("  in the gold section by evidence offset; evid: evidence in answer or top passage; correct: answered and")
    lines.append("  cit.rel or evidence in the answer; NA-P/NA-R: no-answer precision/recall.")
    kinds = sorted({k for r in meth.values() for k in r["by_kind"]})
    lines.append("")
    lines.append("MRR by question kind and method (no_answer: share correctly refused)")
    tab = [["kind", "n"] + list(meth)]
    for k in kinds:
        first = next(iter(meth.values()))["by_kind"].get(k, {})
        row = [k, str(first.get("n", ""))]
        for r in meth.values():
            s = r["by_kind"].get(k)
            if s is None:
                row.append("")
            elif k == "no_answer":
                row.append(_f(s["refused_correctly"], 1) + "%")
            else:
                row.append(_f(s["mrr"], nd=3))
        tab.append(row)
    lines += grid(tab)
    for name in ("hybrid", next(iter(meth), None)):
        if name in meth:
            break
    if name in meth:
        lines.append("")
        lines.append(f"{name} by question kind")
        tab = [["kind", "n", "R@1", "R@5", "R@10", "MRR", "cit.acc", "cit.rel", "evid", "answered", "correct"]]
        for k, s in meth[name]["by_kind"].items():
            if k == "no_answer":
                tab.append([k, str(s["n"]), "", "", "", "", "", "", "", _f(1 - (s["refused_correctly"] or 0), 1), f"refused {_f(s['refused_correctly'], 1)}"])
                continue
            tab.append([k, str(s["n"]), _f(s["recall@1"], 1), _f(s["recall@5"], 1), _f(s["recall@10"], 1), _f(s["mrr"], nd=3),
                        _f(s["citation_accuracy"], 1) + f" ({s['citation_n']})", _f(s["first_citation_relevant"], 1),
                        _f(s["evidence_hit_rate"], 1), _f(s["answered_rate"], 1), _f(s["answer_correct"], 1)])
        lines += grid(tab)
    for name, r in meth.items():
        cal = r.get("calibration")
        if not cal:
            continue
        lines.append("")
        lines.append(f"No-answer calibration ({name}; current MIN_COVERAGE {cal['current']}, recommended {cal['recommended']})")
        tab = [["MIN_COVERAGE", "refused", "NA-P", "NA-R", "NA-F1", "answered (of answerable)", "accuracy of answers", "correct (of answerable)", "end-to-end"]]
        for t in cal["table"]:
            tab.append([f"{t['min_coverage']:.2f}", str(t["refused"]), _f(t["no_answer_precision"], 1), _f(t["no_answer_recall"], 1),
                        _f(t["no_answer_f1"], 1), _f(t["answered_answerable"], 1), _f(t["answered_accuracy"], 1),
                        _f(t["correct_answers"], 1), _f(t["end_to_end_accuracy"], 1)])
        lines += grid(tab)
    if report.get("weight_sweep"):
        lines.append("")
        lines.append("Weighted fusion, dense weight sweep (retrieval only; tuned on this set, indicative)")
        tab = [["dense weight", "R@1", "R@5", "MRR"]]
        for w in report["weight_sweep"]:
            tab.append([f"{w['dense_weight']:.1f}", _f(w["recall@1"], 1), _f(w["recall@5"], 1), _f(w["mrr"], nd=3)])
        lines += grid(tab)
    return "\n".join(lines)


def grid(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(max(len(r) for r in rows))]
    out = []
    for n, r in enumerate(rows):
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out
