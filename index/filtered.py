"""Filtered dense search that keeps its recall at archive scale.

Two parts, both used by the Searcher:

- `MetadataColumns`: the filterable fields of every chunk as numpy arrays (organ, date,
  document type, source, dnr key as codes), built once per index, so that a filter costs
  array comparisons, not a Python loop over a million chunks. It admits exactly what
  `Filters.admits` admits.
- `dense_search`: the k nearest allowed chunks. A flat index is exact whatever the filter.
  On an HNSW graph a selective filter loses recall: the graph walk meets few allowed nodes
  and stops early (measured in eval/RESULTS.md: one municipality of 290 in a 1M-chunk
  archive). So when the allowed chunks are few (`FilterSettings.exact_limit`) they are
  scored exactly from the stored vectors, which is also faster at that size; otherwise the
  graph is searched with the filter as a bitmap and efSearch widened by the filter's
  selectivity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from namndsok.identifiers import find_dnr_keys, key_matches
from namndsok.model import Chunk


@dataclass(frozen=True)
class FilterSettings:
    """How a filtered dense search runs; the Searcher makes it from its SearchSettings."""

    # at most this many allowed chunks are scored exactly (a 384-d dot product each; 50,000
    # take about 10 ms on one core); above it the HNSW graph is searched with the filter
    exact_limit: int = 50_000
    # efSearch under a filter: the index's own, times 1/selectivity, capped here
    max_ef: int = 1024
    # PostgreSQL (pgdense.py): a filter on one covered column (organ or date) with at most this
    # many allowed chunks is scored exactly from its covering btree, without the table (~0.3 µs
    # a row: 150,000 in about 50 ms on one core, eval/RESULTS.md, "PostgreSQL store"); the half-precision order
    # of `covered_rescore` × k of them is re-scored on the full-precision vectors
    exact_covered_below: int = 150_000
    covered_rescore: int = 2


DEFAULT_FILTERS = FilterSettings()


def _codes(values: list[Any]) -> tuple[np.ndarray, list[Any]]:
    uniq: dict[Any, int] = {}
    codes = np.fromiter((uniq.setdefault(v, len(uniq)) for v in values), dtype=np.int32, count=len(values))
    return codes, list(uniq)


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso(text: str) -> bool:
    return bool(_ISO.fullmatch(text))


def _day(iso: str | None) -> int:
    """An ISO date as a sortable int (20200916); -1 when none (never inside a range)."""
    return int(iso.replace("-", "")) if iso and _iso(iso) else -1


class MetadataColumns:
    """Filterable chunk fields as arrays; `mask(filters)` equals Filters.admits per chunk."""

    def __init__(self, organ: list[str | None], date: list[str | None], doc_type: list[str],
                 source: list[str], dnr_key: list[str | None], decided: list[bool] | None = None):
        """One value per chunk in each list (as its Citation and dnr_key hold them)."""
        self.n = len(organ)
        self.organ, self.organs = _codes([(o or "").lower() for o in organ])
        self.doc_type, self.doc_types = _codes(doc_type)
        self.source, self.sources = _codes(source)
        self.dnr, self.dnrs = _codes(dnr_key)
        self.date = np.fromiter((_day(d) for d in date), dtype=np.int64, count=self.n)
        self.decided = np.array(decided if decided is not None else [False] * self.n, dtype=bool)
        # dates are ISO as the parser writes them; anything else is compared as text, as admits does
        self._dates = date
        self._iso = all(d is None or _iso(d) for d in set(date))

    @classmethod
    def of_chunks(cls, chunks: list[Chunk]) -> "MetadataColumns":
        return cls([c.citation.organ for c in chunks], [c.citation.date for c in chunks],
                   [c.citation.doc_type for c in chunks], [c.citation.source for c in chunks],
                   [c.dnr_key for c in chunks], [bool(c.decision) for c in chunks])

    @staticmethod
    def _where(codes: np.ndarray, values: list[Any], keep) -> np.ndarray:
        ok = np.fromiter((bool(keep(v)) for v in values), dtype=bool, count=len(values))
        return ok[codes] if len(values) else np.zeros(len(codes), dtype=bool)

    def mask(self, f) -> np.ndarray:
        """Which chunks pass the filters (a namndsok.index.search.Filters)."""
        m = np.ones(self.n, dtype=bool)
        if f is None or not f.active():
            return m
        if f.organ:
            want = f.organ.lower()
            m &= self._where(self.organ, self.organs, lambda o: want in o)
        if f.doc_type:
            m &= self._where(self.doc_type, self.doc_types, lambda t: t == f.doc_type)
        for bound, ok in ((f.date_from, lambda d, b: d >= b), (f.date_to, lambda d, b: d <= b)):
            if not bound:
                continue
            if self._iso and _iso(bound):
                m &= (self.date >= 0) & ok(self.date, _day(bound))
            else:  # compare the texts, as Filters.admits does
                m &= np.fromiter((bool(d) and ok(d, bound) for d in self._dates), dtype=bool, count=self.n)
        if f.dnr:
            keys = find_dnr_keys(f.dnr)
            m &= self._where(self.dnr, self.dnrs, lambda k: any(key_matches(q, k) for q in keys))
        if f.source:
            m &= self._where(self.source, self.sources, lambda s: s == f.source)
        if getattr(f, "decided", False):
            m &= self.decided
        return m



def exact_top(vectors: np.ndarray, ids: np.ndarray, qv: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best of `ids` by inner product with `qv`, best first (ties by id)."""
    scores = vectors[ids] @ qv
    k = min(k, len(ids))
    if k < len(ids):
        part = np.argpartition(-scores, k - 1)[:k]
    else:
        part = np.arange(len(ids))
    order = part[np.lexsort((ids[part], -scores[part]))]
    return ids[order], scores[order]


def dense_search(index, vectors: np.ndarray, allowed: np.ndarray, qv: np.ndarray, k: int,
                 settings: FilterSettings = DEFAULT_FILTERS) -> list[tuple[int, float]]:
    """The k nearest allowed chunks as (chunk, similarity), best first."""
    import faiss

    n_allowed = int(allowed.sum())
    k = min(k, n_allowed)
    if k == 0:
        return []
    q = np.ascontiguousarray(qv, dtype=np.float32).reshape(1, -1)
    hnsw = isinstance(index, faiss.IndexHNSW)
    if n_allowed == len(allowed):
        D, I = index.search(q, k)
    elif hnsw and n_allowed <= settings.exact_limit:
        ids, scores = exact_top(vectors, np.flatnonzero(allowed), q[0], k)
        return [(int(i), float(s)) for i, s in zip(ids, scores)]
    else:
        bitmap = np.packbits(allowed, bitorder="little")
        sel = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bitmap))
        if not hnsw:  # flat: exact under any filter
            D, I = index.search(q, k, params=faiss.SearchParameters(sel=sel))
            return [(int(i), float(d)) for i, d in zip(I[0], D[0]) if i >= 0]
        ef = max(index.hnsw.efSearch, k)
        ef = min(max(ef, int(ef * len(allowed) / n_allowed)), max(settings.max_ef, k))
        params = faiss.SearchParametersHNSW(sel=sel, efSearch=ef)
        D, I = index.search(q, k, params=params)
    return [(int(i), float(d)) for i, d in zip(I[0], D[0]) if i >= 0]
