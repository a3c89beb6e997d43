"""BM25 over a foreign question's names and dictionary translations, measured: P@1 and P@5 of
the non-Swedish answerable questions of a split with the translated BM25 side at several
weights (0 = dense only, the default).

    python -m namndsok.eval.translated --index .namndsok --split dev
"""

from __future__ import annotations

import argparse
from pathlib import Path

from namndsok.app.answering.answer import Answerer
from namndsok.index.search import Searcher

from . import metrics as M
from .qset import SPLITS, load_split


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m namndsok.eval.translated", description=__doc__.split("\n\n")[0])
    p.add_argument("--index", required=True, help="an index of the corpus")
    p.add_argument("--split", choices=SPLITS, default="dev")
    p.add_argument("--factors", default="0,0.5,1", help="translated_bm25_factor values, comma-separated")
    args = p.parse_args()
    searcher = Searcher.open(Path(args.index))
    answerer = Answerer(searcher)
    questions = [q for q in load_split(args.split) if q.answerable and q.lang != "sv"]
    for factor in (float(f) for f in args.factors.split(",")):
        settings = searcher.settings.with_(translated_bm25_factor=factor)
        at1 = at5 = 0
        for q in questions:
            read = answerer.read(q.question)
            hits = searcher.search(read.text, k=5, settings=settings, lexical=answerer.vocab.translated(read))
            relevant = [M.passage_relevant(h.chunk.text, q.evidences) for h in hits]
            at1 += bool(relevant and relevant[0])
            at5 += any(relevant)
        n = len(questions) or 1
        print(f"{args.split} factor {factor:g}: {len(questions)} questions, P@1 {100 * at1 / n:.1f}, P@5 {100 * at5 / n:.1f}")


if __name__ == "__main__":
    main()
