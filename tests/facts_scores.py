"""Precision and recall per fact kind against the hand-labelled gold: `cd tests && ../.venv/bin/python facts_scores.py`."""
import sys, tempfile
from pathlib import Path
sys.path.insert(0, ".")
import test_protocol_facts as t
from pdfs import make_pdf

def show(title, totals):
    print(title)
    for k, (tp, pred, gold) in totals.items():
        print(f"  {k:12s} precision {tp}/{pred} = {tp/pred if pred else 1:.3f}   recall {tp}/{gold} = {tp/gold if gold else 1:.3f}")

show("corpus protocols (KSPU 2020-09-16, VästKom 2023-06-22)",
     t.score([(t.parsed(t.CORPUS / n), g) for n, g in t.CORPUS_GOLD.items() if not n.startswith("_")]))
own = [n for n in t.OWN_GOLD if not n.startswith("_")]
show(f"own protocols as text ({len(own)})", t.score([(t.parsed(t.PROTOCOLS / n), t.OWN_GOLD[n]) for n in own]))
tmp = Path(tempfile.mkdtemp())
pairs = []
for n in own:
    pages, cur = [], []
    for line in (t.PROTOCOLS / n).read_text(encoding="utf-8").split("\n"):
        if line.startswith("§ ") and cur:
            pages.append("\n".join(cur)); cur = []
        cur.append(line)
    pages.append("\n".join(cur))
    make_pdf(pages, tmp / (n + ".pdf"), tables=True)
    pairs.append((t.parsed(tmp / (n + ".pdf")), t.OWN_GOLD[n]))
show(f"own protocols as PDF ({len(own)})", t.score(pairs))
