"""The dense-index part of the benchmarks: synthetic vectors, the whole Searcher at N chunks,
and flat vs HNSW vs IVF at 100k and 1M vectors (build time, bytes, latency, recall@10)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from .measure import DIM, corpus_files, peak_rss_mib, ratio, rss_mib, stats_ms


def random_unit(n: int, seed: int, batch: int = 100_000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, DIM), dtype=np.float32)
    for i in range(0, n, batch):
        x = rng.standard_normal((min(batch, n - i), DIM), dtype=np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        out[i : i + len(x)] = x
    return out


def clustered_unit(n: int, seed: int, per_cluster: int = 100, sigma: float = 0.5, batch: int = 100_000) -> np.ndarray:
    """Unit vectors around n/per_cluster random centres (cosine to the centre ≈ 1/√(1+σ²) ≈ 0.89),
    closer to how text embeddings bunch than uniform random vectors."""
    rng = np.random.default_rng(seed)
    centres = random_unit(max(1, n // per_cluster), seed + 1000)
    out = np.empty((n, DIM), dtype=np.float32)
    for i in range(0, n, batch):
        m = min(batch, n - i)
        x = centres[rng.integers(0, len(centres), m)] + (sigma / np.sqrt(DIM)) * rng.standard_normal((m, DIM), dtype=np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        out[i : i + m] = x
    return out


def near_queries(X: np.ndarray, nq: int, seed: int, sigma: float = 0.3) -> np.ndarray:
    """Queries near random database vectors (a question about a passage that exists)."""
    rng = np.random.default_rng(seed)
    q = X[rng.integers(0, len(X), nq)] + (sigma / np.sqrt(DIM)) * rng.standard_normal((nq, DIM), dtype=np.float32)
    return (q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32)


class _FixedEmbedder:
    """Returns a fixed random query vector: isolates the search path from the model."""

    name = "bench/random-384"
    dim = DIM

    def __init__(self):
        self._q = random_unit(1, seed=7)

    def encode_queries(self, texts):
        return np.repeat(self._q, len(texts), axis=0)

    def encode_passages(self, texts, batch_size=16, progress=False):
        return random_unit(len(texts), seed=8)


def phase_search(n: int, workdir: Path, quick: bool) -> dict[str, Any]:
    """The full Searcher on the corpus chunks repeated to n chunks (random vectors, flat)."""
    import dataclasses

    from namndsok.index.builder import parse_file
    from namndsok.index.lexical import LexicalIndex
    from namndsok.index.search import Filters, Searcher
    from namndsok.index.store import StoredIndex, build_dense

    base = [c for f in corpus_files(False) for c in parse_file(f)[1]]
    chunks = []
    for i in range(n):
        c = base[i % len(base)]
        chunks.append(dataclasses.replace(c, id=i))
    vectors = random_unit(n, seed=3)
    rss0 = rss_mib()
    t = time.perf_counter()
    lexical = LexicalIndex.build([c.lexical_text() for c in chunks])
    bm25_build_s = time.perf_counter() - t
    t = time.perf_counter()
    dense = build_dense(vectors)
    dense_build_s = time.perf_counter() - t
    emb = _FixedEmbedder()
    index = StoredIndex(workdir, {"embedder": {"name": emb.name, "dim": DIM}}, [], chunks, vectors, dense, lexical)
    t = time.perf_counter()
    searcher = Searcher(index, emb)
    init_s = time.perf_counter() - t
    queries = {
        "words": ("budget för förskolan 2024", None),
        "dnr": ("vad hände med 2023/428", None),
        "paragraph": ("§ 45 konferens", None),
        "filter organ": ("budget för förskolan 2024", Filters(organ="utbildningsnämnd")),
    }
    reps = 3 if quick else 5
    out: dict[str, Any] = {}
    for label, (q, f) in queries.items():
        parts: dict[str, list[float]] = {k: [] for k in ("dense", "bm25", "fusion", "search")}
        for _ in range(reps):
            t = time.perf_counter()
            _, timings = searcher.search_timed(q, k=10, filters=f)
            parts["search"].append(time.perf_counter() - t)
            for k in ("dense", "bm25", "fusion"):
                parts[k].append(getattr(timings, k))
        out[label] = {k: stats_ms(v)["median"] for k, v in parts.items()}
    return {"chunks": n, "bm25_build_s": bm25_build_s, "dense_build_s": dense_build_s, "searcher_init_s": init_s,
            "rss_growth_mib": rss_mib() - rss0, "median_ms": out, "peak_rss_mib": peak_rss_mib()}


def _latencies(index, queries: np.ndarray, k: int = 10) -> tuple[list[float], np.ndarray]:
    lat, ids = [], []
    for i in range(len(queries)):
        t = time.perf_counter()
        _, I = index.search(queries[i : i + 1], k)
        lat.append(time.perf_counter() - t)
        ids.append(I[0])
    return lat, np.stack(ids)


def _recall(found: np.ndarray, truth: np.ndarray) -> float:
    k = truth.shape[1]
    return float(np.mean([len(set(a.tolist()) & set(b.tolist())) / k for a, b in zip(found, truth)]))


def _disk_bytes(index, workdir: Path) -> int:
    import faiss

    p = workdir / "scale.faiss"
    faiss.write_index(index, str(p))
    size = p.stat().st_size
    p.unlink()
    return size


def phase_scale(n: int, workdir: Path, quick: bool, hnsw_budget: float, kinds: list[str], data: str = "random") -> dict[str, Any]:
    import faiss

    from namndsok.index.store import build_dense

    nq = 20 if quick else 200
    t = time.perf_counter()
    if data == "clustered":
        X = clustered_unit(n, seed=1)
        Q = near_queries(X, nq, seed=2)
    else:
        X = random_unit(n, seed=1)
        Q = random_unit(nq, seed=2)
    gen_s = time.perf_counter() - t
    res: dict[str, Any] = {"n": n, "data": data, "dim": DIM, "queries": nq, "generate_s": gen_s, "vectors_mib": X.nbytes / 2**20,
                           "threads": faiss.omp_get_max_threads(), "kinds": {}}

    # flat: the exact baseline and the ground truth
    rss0 = rss_mib()
    t = time.perf_counter()
    flat = build_dense(X, "flat")
    build = time.perf_counter() - t
    rss1 = rss_mib()
    lat, _ = _latencies(flat, Q)
    _, truth = flat.search(Q, 10)
    res["kinds"]["flat"] = {"build_s": build, "bytes": _disk_bytes(flat, workdir), "rss_growth_mib": rss1 - rss0,
                            "latency_ms": stats_ms(lat), "recall@10": 1.0}
    del flat

    if "hnsw" in kinds:
        rss0 = rss_mib()
        hn = build_dense(X[:0], "hnsw")  # the project's parameters (M, efConstruction, efSearch)
        batch = max(1000, n // 20)
        t = time.perf_counter()
        added = 0
        while added < n:
            hn.add(np.ascontiguousarray(X[added : added + batch]))
            added = min(n, added + batch)
            if added < n and time.perf_counter() - t > hnsw_budget:
                break
        build = time.perf_counter() - t
        rss1 = rss_mib()
        entry: dict[str, Any] = {"params": {"M": hn.hnsw.nb_neighbors(1), "efConstruction": hn.hnsw.efConstruction,
                                            "efSearch": hn.hnsw.efSearch}, "built": added, "build_s": build}
        if added < n:
            # HNSW insertion cost grows ~log n: a linear extrapolation from the part built is a lower bound
            entry["build_s_extrapolated_min"] = build * n / added
            entry["partial"] = True
            sub_truth = _exact(X[:added], Q)
        else:
            sub_truth = truth
        lat, found = _latencies(hn, Q)
        entry.update({"bytes": _disk_bytes(hn, workdir), "rss_growth_mib": rss1 - rss0, "latency_ms": stats_ms(lat),
                      "recall@10": _recall(found, sub_truth)})
        for ef in (64, 256):
            hn.hnsw.efSearch = ef
            lat_e, found_e = _latencies(hn, Q)
            entry[f"efSearch={ef}"] = {"latency_ms": stats_ms(lat_e), "recall@10": _recall(found_e, sub_truth)}
        res["kinds"]["hnsw"] = entry
        del hn

    if "ivf" in kinds:
        nlist = max(8, min(4096, int(4 * np.sqrt(n)) if n <= 200_000 else int(np.sqrt(n))))
        rss0 = rss_mib()
        t = time.perf_counter()
        quant = faiss.IndexFlatIP(DIM)
        ivf = faiss.IndexIVFFlat(quant, DIM, nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.cp.max_points_per_centroid = 64  # train on a sample: 64 points per list
        ivf.train(X[: min(n, 64 * nlist)])
        ivf.add(X)
        build = time.perf_counter() - t
        rss1 = rss_mib()
        entry = {"params": {"nlist": nlist}, "build_s": build, "bytes": _disk_bytes(ivf, workdir), "rss_growth_mib": rss1 - rss0}
        for nprobe in (8, 32):
            ivf.nprobe = nprobe
            lat, found = _latencies(ivf, Q)
            entry[f"nprobe={nprobe}"] = {"latency_ms": stats_ms(lat), "recall@10": _recall(found, truth)}
        entry["latency_ms"] = entry["nprobe=32"]["latency_ms"]
        entry["recall@10"] = entry["nprobe=32"]["recall@10"]
        res["kinds"]["ivf"] = entry
        del ivf, quant

    base = res["kinds"]["flat"]
    for name, e in res["kinds"].items():
        e["ratio_vs_flat"] = {
            "build": ratio(e.get("build_s_extrapolated_min", e["build_s"]), base["build_s"]),
            "bytes": ratio(e["bytes"], base["bytes"]),
            "latency_median": ratio(e["latency_ms"]["median"], base["latency_ms"]["median"]),
        }
    res["peak_rss_mib"] = peak_rss_mib()
    return res


def _exact(X: np.ndarray, Q: np.ndarray, k: int = 10) -> np.ndarray:
    import faiss

    ix = faiss.IndexFlatIP(DIM)
    ix.add(X)
    return ix.search(Q, k)[1]
