"""The eval questions that the protocol facts answer, and whether each answer (its text or a cited
chunk) holds the evidence:

    python -m namndsok.eval.facts_answers INDEX_DIR [--split dev|test|regression]

One split at a time (dev by default), so that a look at the facts path never reads the test split
by accident; `namndsok eval` scores every answer, this lists the facts answers alone.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from namndsok.app.answering.facts import answer_from_facts
from namndsok.index.search import Searcher

from .qset import SPLITS, load_split


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip().lower()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("index", type=Path, help="an index of corpus/ made by this version")
    ap.add_argument("--split", default="dev", choices=SPLITS)
    args = ap.parse_args(argv)
    searcher = Searcher.open(args.index)
    taken = held = 0
    for q in load_split(args.split):
        answer = answer_from_facts(q.question, searcher)
        if answer is None:
            continue
        taken += 1
        texts = [_norm(answer.answer)] + [_norm(h.chunk.text) for h in answer.citations]
        ok = any(_norm(e) in t for e in q.evidences for t in texts)
        held += ok
        print(f"{'OK ' if ok else 'NO '} {q.id:6s} {q.kind:9s} {q.question[:90]}")
    print(f"{args.split}: answered from facts {taken}; the answer holds the evidence {held}/{taken}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
