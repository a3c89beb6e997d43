"""What protocol facts add to parsing: best of 15, parse_structure over the corpus and protocol_facts over the parsed corpus
(`.venv/bin/python -m namndsok.eval.facts_timing`, from the repository root)."""
import time
from pathlib import Path
from namndsok.ingest.read import read_document
from namndsok.ingest.structure import parse_structure
from namndsok.ingest.protocol import protocol_facts
docs = [read_document(f) for f in sorted(Path("corpus").glob("*.txt"))]
def timed(fn):
    t = time.perf_counter(); fn(); return time.perf_counter() - t
def structure():
    for d in docs:
        d.sections = []
        parse_structure(d)
def facts():
    for d in docs:
        protocol_facts(d)
structure(); facts()
ps = min(timed(structure) for _ in range(15))
pf = min(timed(facts) for _ in range(15))
print(f"parse_structure: {ps*1000:.1f} ms; protocol_facts: {pf*1000:.2f} ms; (parse_structure + protocol_facts) / parse_structure = {(ps+pf)/ps:.3f}")
