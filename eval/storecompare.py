"""The folder index and a PostgreSQL store of the same corpus, measured in one run: retrieval
(P@1, P@5, MRR of the default hybrid search) and answers (every summary figure) per store,
the time to load each, and the search p50 with the questions' vectors embedded once and the
stores searched in turn question by question (so that a busy machine slows each alike).

    python -m namndsok.eval.storecompare --index DIR --store postgresql://…[?schema=NAME] [--split test]

The store is searched twice: its vectors in memory (FAISS, as the folder) and in the database
(`dense=sql`, pgvector's HNSW). Import the folder first: `namndsok import-store DIR --store …`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from . import answers as A
from . import retrieval as R
from .qset import SPLITS, load_split


def _load(spec):
    from namndsok.index.search import Searcher
    from namndsok.index.stores import open_store

    t = time.perf_counter()
    index = open_store(spec).load()
    return index, time.perf_counter() - t, Searcher


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m namndsok.eval.storecompare", description=__doc__.split("\n\n")[0])
    p.add_argument("--index", required=True, metavar="DIR", help="the folder index")
    p.add_argument("--store", required=True, metavar="ADDRESS", help="the PostgreSQL store holding the same index")
    p.add_argument("--split", choices=SPLITS, default="test")
    p.add_argument("--no-answers", action="store_true")
    args = p.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sep = "&" if "?" in args.store else "?"
    specs = {"folder": Path(args.index), "pg": args.store, "pg-sql": f"{args.store}{sep}dense=sql"}
    searchers, loads = {}, {}
    embedder = None
    for name, spec in specs.items():
        index, seconds, Searcher = _load(spec)
        searchers[name] = Searcher(index, embedder)
        embedder = searchers[name].embedder
        loads[name] = seconds
    questions = load_split(args.split)
    for s in searchers.values():  # one vector per question, shared: the search times are the searches'
        R.embed_questions(s, questions)
    times: dict[str, list[float]] = {n: [] for n in searchers}
    for q in questions:
        for name, s in searchers.items():
            t = time.perf_counter()
            s.search(q.question, k=10)
            times[name].append(1000 * (time.perf_counter() - t))
    documents = {d.source: d for d in searchers["folder"].index.documents}
    print(f"split {args.split}: {len(questions)} questions; folder {args.index}; store {searchers['pg'].index.where}")
    print(f"{'store':8} {'load s':>7} {'p50 ms':>7} {'p95 ms':>7} {'P@1':>6} {'P@5':>6} {'MRR':>6}  answers: "
          "given precision coverage shown3 unans-ok")
    for name, s in searchers.items():
        from namndsok.index.settings import DEFAULT_SEARCH

        r = R.evaluate(name, R.namndsok_search(s, DEFAULT_SEARCH), questions, documents)["summary"]
        line = (f"{name:8} {loads[name]:7.2f} {np.percentile(times[name], 50):7.2f} {np.percentile(times[name], 95):7.2f} "
                f"{100 * r['p@1']:6.1f} {100 * r['p@5']:6.1f} {r['rr']:6.3f}")
        if not args.no_answers:
            from namndsok.app.answering.answer import Answerer

            a = A.evaluate(Answerer(s), questions, documents)["summary"]
            line += (f"  {a['answers_given']:5} {100 * a['precision']:9.1f} {100 * a['coverage']:8.1f} "
                     f"{100 * a['shown3']:6.1f} {100 * a['refused_unanswerable']:8.1f}")
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
