"""Small measuring helpers shared by the benchmarks: memory, latency statistics, ratios."""

from __future__ import annotations

import os
import resource
from pathlib import Path
from typing import Any

from . import metrics as M

DIM = 384


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def stats_ms(values_s: list[float]) -> dict[str, Any]:
    ms = [1000 * v for v in values_s]
    return {"n": len(ms), "median": M.median(ms), "p95": M.p95(ms)}


def ratio(a, b):
    return None if a is None or not b else a / b


def corpus_files(quick: bool) -> list[Path]:
    from namndsok.ingest.read import SUPPORTED

    from .run import repo_base

    files = sorted(p for p in (repo_base() / "corpus").iterdir() if p.suffix.lower() in SUPPORTED)
    if quick:  # the smallest document: a handful of chunks
        files = sorted(files, key=lambda p: p.stat().st_size)[:1]
    return files
