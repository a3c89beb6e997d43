"""Eval questions that the protocol facts answer, and whether the answer (its text or a cited chunk) holds
the evidence: `.venv/bin/python -m namndsok.eval.facts_answers INDEX_DIR`."""
import json, re, sys
from pathlib import Path
from namndsok.index.search import Searcher
from namndsok.app.answering.facts import answer_from_facts
s = Searcher.open(Path(sys.argv[1]))
norm = lambda t: re.sub(r"\s+", " ", t or "").strip().lower()
taken = held = 0
for f in sorted(Path("eval/questions").glob("*.jsonl")):
    for line in f.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        a = answer_from_facts(q["question"], s)
        if a is None:
            continue
        taken += 1
        ev = [e for e in [q.get("evidence"), *q.get("evidence_alt", [])] if e]
        texts = [norm(a.answer)] + [norm(h.chunk.text) for h in a.citations]
        ok = any(norm(e) in t for e in ev for t in texts)
        held += ok
        print(f"{'OK ' if ok else 'NO '} {f.stem}/{q['id']} {q['kind']:9s} {q['question'][:90]}")
print(f"answered from facts: {taken}; the answer holds the evidence: {held}/{taken}")
