"""Hybrid retrieval over one loaded index: an exact path for dnrs and § labels, BM25,
dense (FAISS), fused by reciprocal rank, restricted by metadata filters.

`Searcher` is retrieval. What it is handed beside the index — the document catalogue
(catalogue.py) and the statistics an answer weighs (evidence.py) — live in their own modules;
a Searcher holds one of each and passes their methods through, so callers keep one object.

The exact path exists because tokenizers and embeddings break identifiers such as
`2023/395` or `§ 43` apart: a query naming one finds the section that carries it first.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from namndsok.dates import date_bounds
from namndsok.errors import ModelMismatchError
from namndsok.identifiers import LABEL_NUM_RE, PARA_REF_RE, find_dnr_keys, key_matches
from namndsok.model import Chunk, Citation, Document, Hit, Section

from .catalogue import Catalogue, IndexedDocument
from .embedders import Embedder, create_embedder, spec_for
from .evidence import AnswerStats, Sentence
from .filtered import FilterSettings, MetadataColumns, dense_search
from .language import is_foreign
from .queries import QueryVectors, RecentCache
from .settings import DEFAULT_SEARCH, MODES, SearchSettings
from .store import StoredIndex, load_index
from .units import best_per_chunk, similarities

log = logging.getLogger(__name__)



@dataclass
class Filters:
    organ: str | None = None  # case-insensitive substring of the organ
    doc_type: str | None = None
    date_from: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD as typed; inclusive ISO dates after init
    date_to: str | None = None
    dnr: str | None = None  # any written form; compared by key
    source: str | None = None
    decided: bool = False  # only passages of sections that carry a decision or proposal

    def __post_init__(self) -> None:
        # "2020" to "2020" is the whole year; "igår" or "2020-13-45" is a DateError
        self.date_from, self.date_to = date_bounds(self.date_from, self.date_to)

    def active(self) -> bool:
        return any(v for v in vars(self).values())

    def admits(self, c: Citation, dnr_key: str | None, decision: str | None = None) -> bool:
        """Whether a passage (or section) with this citation, dnr key and decision text passes
        the filters."""
        if self.decided and not decision:
            return False
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
    """Seconds one search spent in each part; returned by `Searcher.search_timed`, never kept."""

    embed: float = 0.0
    dense: float = 0.0
    bm25: float = 0.0
    fusion: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


__all__ = ["Filters", "IndexedDocument", "RecentCache", "Searcher", "Sentence", "Timings", "fuse"]


class Searcher:
    """Loads an index once and answers many queries. Reads are thread-safe: a search keeps
    nothing of its own on the Searcher (its timings are returned), and the shared caches (query
    vectors, background similarities, filter columns) are guarded by locks.

    `catalogue` (documents, document_of, section_of, organs, indexed_documents) and `stats`
    (sentences, background, term_stats) are reachable through the Searcher as well."""

    def __init__(self, index: StoredIndex, embedder: Embedder | None = None, settings: SearchSettings = DEFAULT_SEARCH):
        self.index = index
        self.settings = settings
        name = index.embedder_name
        embedder = embedder or create_embedder(spec_for(name))
        if embedder.name != name or embedder.dim != index.manifest["embedder"]["dim"]:
            raise ModelMismatchError(
                f"{index.where} was built with {name!r} ({index.manifest['embedder']['dim']}-d); "
                f"it cannot be queried with {embedder.name!r} ({embedder.dim}-d). "
                f"Use --embedder {spec_for(name)!r} or rebuild with `namndsok ingest --rebuild`"
            )
        self.chunks: list[Chunk] = index.chunks
        self.n = len(self.chunks)
        self._sections = [c.citation.section or "" for c in self.chunks]
        # an answer re-uses its search's vector; an evaluation keeps all (query_cache_size)
        self.queries = QueryVectors(embedder, settings.query_cache)
        self.catalogue = Catalogue(index)
        self.stats = AnswerStats(index, self.queries, settings)
        self._identifier_tables()
        self._columns: MetadataColumns | None = None
        self._columns_lock = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        return self.queries.embedder

    @embedder.setter
    def embedder(self, embedder: Embedder) -> None:  # one embedder for retrieval and the answer statistics
        self.queries.embedder = embedder

    @property
    def query_cache_size(self) -> int:
        return self.queries.cache.size

    @query_cache_size.setter
    def query_cache_size(self, size: int) -> None:
        self.queries.cache.size = self.stats.backgrounds.size = size

    def embed_query(self, query: str) -> np.ndarray:
        """The query's vector; the last few are kept, since an answer re-uses its search's."""
        return self.queries.vector(query)

    def forget_queries(self) -> None:
        """Empty the recent-query cache (benchmarks time the embedding of every question)."""
        self.queries.cache.clear()
        self.stats.backgrounds.clear()

    @classmethod
    def open(cls, root: Path, embedder: Embedder | None = None, settings: SearchSettings = DEFAULT_SEARCH) -> "Searcher":
        return cls(load_index(root), embedder, settings)

    # ------------------------------------------------------------ passed through

    @property
    def documents(self) -> list[Document]:
        return self.catalogue.documents

    def organs(self) -> list[str]:
        return self.catalogue.organs()

    def indexed_documents(self) -> list[IndexedDocument]:
        return self.catalogue.indexed_documents()

    def document_of(self, chunk: Chunk) -> Document | None:
        return self.catalogue.document_of(chunk)

    def section_of(self, chunk: Chunk) -> Section | None:
        return self.catalogue.section_of(chunk)

    def sentences(self, query: str, hits: list[Hit]) -> list[Sentence]:
        return self.stats.sentences(query, hits)

    def background(self, query: str) -> tuple[float, float]:
        return self.stats.background(query)

    def term_stats(self, text: str) -> list[tuple[str, float, bool]]:
        return self.stats.term_stats(text)

    @property
    def facts(self) -> list:
        """The protocol facts stored with the index (namndsok.facts.ProtocolFacts)."""
        return list(getattr(self.index, "facts", None) or [])

    def lexicon(self) -> tuple[dict, Callable[[list[str]], list[float]]]:
        """The lexical side's vocabulary (token → column) and its idf: what words the corpus
        uses at all, and how rare each is (the answer's checks read them)."""
        return self.index.lexical.vocabulary, self.index.lexical.idf

    # ------------------------------------------------------------ filters

    def mask(self, f: Filters | None) -> np.ndarray:
        """The chunks the filters admit (Filters.admits), from columns built on first use."""
        if not f or not f.active():
            return np.ones(self.n, dtype=bool)
        with self._columns_lock:  # built once, by the first thread that needs them
            if self._columns is None:
                self._columns = MetadataColumns.of_chunks(self.chunks)
        return self._columns.mask(f)

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

    def exact_scores(self, query: str, settings: SearchSettings | None = None) -> np.ndarray:
        """`exact_section` (2) for a section whose dnr or § label the query names,
        `exact_mention` (1) for a chunk that mentions it."""
        st = settings or self.settings
        s = np.zeros(self.n, dtype=np.float32)
        for k in find_dnr_keys(query):
            s[self._mentions.get(k, [])] = st.exact_mention
            s[self._by_dnr.get(k, [])] = st.exact_section
        for m in PARA_REF_RE.finditer(query):
            org = m["org"]
            for i in self._by_para.get(m["num"], []):
                if not org or self._sections[i].startswith(org):
                    s[i] = st.exact_section
        return s

    def dense_ranked(self, query: str, allowed: np.ndarray, limit: int, timings: Timings | None = None,
                     settings: SearchSettings | None = None, filters: Filters | None = None) -> list[tuple[int, float]]:
        timings = timings or Timings()
        s = settings or self.settings
        t = time.perf_counter()
        qv = self.embed_query(query)
        timings.embed = time.perf_counter() - t
        t = time.perf_counter()
        # filtered: exact over few allowed chunks, else the graph with a widened search (filtered.py)
        fs = FilterSettings(s.filter_exact_limit, s.filter_max_ef, s.filter_exact_covered_below)
        if self.index.sql_dense is not None:  # in the database (a PgStore loaded with ?dense=sql)
            ranked = self.index.sql_dense.search(qv, allowed, filters, limit, fs)
        else:
            ranked = dense_search(self.index.dense, self.index.vectors, allowed, qv, limit, fs)
        timings.dense = time.perf_counter() - t
        return ranked

    def units_ranked(self, query: str, allowed: np.ndarray, limit: int,
                     timings: Timings | None = None) -> list[tuple[int, float]]:
        """Chunks ranked by their best sentence unit's similarity to the query."""
        units = self.index.units
        if units is None or len(units) == 0:
            return []
        t = time.perf_counter()
        best = best_per_chunk(units, similarities(units.vectors, self.embed_query(query)), self.n)
        best = np.where(allowed, best, -np.inf)
        k = min(limit, int(np.isfinite(best).sum()))
        if k == 0:
            return []
        top = np.argpartition(-best, k - 1)[:k]
        top = top[np.lexsort((top, -best[top]))]
        (timings or Timings()).extra["units"] = time.perf_counter() - t
        return [(int(i), float(best[i])) for i in top]

    def bm25_ranked(self, query: str, allowed: np.ndarray, limit: int,
                    timings: Timings | None = None) -> list[tuple[int, float]]:
        t = time.perf_counter()
        scores = self.index.lexical.scores(query)
        scores = np.where(allowed, scores, 0.0)
        if limit < len(scores):  # partial selection: a full sort per query is wasted at 1M chunks
            part = np.argpartition(-scores, limit)[:limit]
            top = part[np.lexsort((part, -scores[part]))]
        else:
            top = np.lexsort((np.arange(len(scores)), -scores))
        (timings or Timings()).bm25 = time.perf_counter() - t
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    # ------------------------------------------------------------ search

    def search(
        self, query: str, k: int = 10, filters: Filters | None = None, mode: str | None = None,
        settings: SearchSettings | None = None, lexical: str | None = None,
    ) -> list[Hit]:
        """The k best passages. `settings` (default: the Searcher's) choose the retrievers, their
        weights and the fusion; `mode` overrides its mode ("hybrid", "dense", "bm25").
        The exact dnr/§ path is added on top of the fused score in hybrid mode. `lexical`: the
        words BM25 scores instead of the query's (a foreign question's names and dictionary
        translations), weighted by `translated_bm25_factor`."""
        return self.search_timed(query, k, filters, mode, settings, lexical)[0]

    def search_timed(
        self, query: str, k: int = 10, filters: Filters | None = None, mode: str | None = None,
        settings: SearchSettings | None = None, lexical: str | None = None,
    ) -> tuple[list[Hit], Timings]:
        """`search`, and the seconds this search spent in each part (benchmarks)."""
        timings = Timings()
        s = settings or self.settings
        if mode is not None and mode != s.mode:
            if mode not in MODES:
                raise ValueError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
            s = s.with_(mode=mode)
        query = " ".join(query[: s.max_query_chars].split())  # bounded work, whatever the query's length
        if not query or self.n == 0:
            return [], timings
        allowed = self.mask(filters)
        if not allowed.any():
            return [], timings
        limit = max(s.candidates, k * 3)
        weights = s.weights(foreign=is_foreign(query), translated=bool(lexical))
        ranked: dict[str, list[tuple[int, float]]] = {}
        if "dense" in weights:
            ranked["dense"] = self.dense_ranked(query, allowed, limit, timings, s, filters)
        if "bm25" in weights:
            ranked["bm25"] = self.bm25_ranked(lexical or query, allowed, limit, timings)
        if "units" in weights:
            ranked["units"] = self.units_ranked(query, allowed, limit, timings)
        t = time.perf_counter()
        fused, why = fuse(ranked, weights, s)
        if s.mode == "hybrid" and s.exact:
            exact = self.exact_scores(query, s)
            for i in np.flatnonzero((exact > 0) & allowed):
                # an exact identifier match outranks any fused score (fused scores stay below 1)
                fused[int(i)] = fused.get(int(i), 0.0) + float(exact[i])
                why.setdefault(int(i), {})["exact"] = float(exact[i])
        order = sorted(fused, key=lambda i: (-fused[i], i))[:k]
        timings.fusion = time.perf_counter() - t
        return [Hit(self.chunks[i], fused[i], why.get(i, {})) for i in order], timings


def fuse(
    ranked: dict[str, list[tuple[int, float]]], weights: dict[str, float], s: SearchSettings
) -> tuple[dict[int, float], dict[int, dict[str, float]]]:
    """Combine ranked lists (retriever → [(chunk, score)], best first) into one score per chunk.

    "rrf": Σ weight / (rrf_k + rank); "weighted": Σ weight · the score min-max normalised over
    that retriever's own candidates; "z": Σ weight · the score's z-score over those candidates
    (a chunk missing from a list counts as that list's lowest), squashed into (0, 1). All are
    divided by the total weight, so a fused score stays below 1 and the exact path's +1/+2
    always outranks it."""
    total = sum(weights.get(name, 0.0) for name in ranked) or 1.0
    if s.fusion == "z":
        return _fuse_z(ranked, weights, total), _why(ranked)
    fused: dict[int, float] = {}
    for name, hits in ranked.items():
        w = weights.get(name, 0.0) / total
        if not hits or w <= 0:
            continue
        hi, lo = hits[0][1], min(score for _, score in hits)
        span = hi - lo
        for rank, (i, score) in enumerate(hits):
            if s.fusion == "weighted":
                part = (score - lo) / span if span > 0 else 1.0
            else:
                part = (s.rrf_k + 1) / (s.rrf_k + rank + 1)  # 1 at rank 1, as weighted's best
            fused[i] = fused.get(i, 0.0) + w * part * 0.999
    return fused, _why(ranked)


def _why(ranked: dict[str, list[tuple[int, float]]]) -> dict[int, dict[str, float]]:
    """Each chunk's rank and score in every list it is in (Hit.why)."""
    why: dict[int, dict[str, float]] = {}
    for name, hits in ranked.items():
        for rank, (i, score) in enumerate(hits):
            why.setdefault(i, {})[f"{name}_rank"] = rank + 1
            why[i][f"{name}_score"] = round(score, 4)
    return why


def _fuse_z(ranked: dict[str, list[tuple[int, float]]], weights: dict[str, float], total: float) -> dict[int, float]:
    """Weighted sum of per-retriever z-scores; the bunched dense similarities (0.82–0.91) and
    unbounded BM25 scores become comparable without a rank's loss of the score gaps."""
    pool = {i for hits in ranked.values() for i, _ in hits}
    z: dict[int, float] = dict.fromkeys(pool, 0.0)
    for name, hits in ranked.items():
        w = weights.get(name, 0.0) / total
        if not hits or w <= 0:
            continue
        scores = np.array([sc for _, sc in hits], dtype=np.float64)
        mu, sd = scores.mean(), scores.std() or 1.0
        floor = (scores.min() - mu) / sd
        got = {i: (sc - mu) / sd for i, sc in hits}
        for i in pool:
            z[i] += w * got.get(i, floor)
    # a logistic squash keeps the order and the bound below 1
    return {i: 0.999 / (1.0 + float(np.exp(-v))) for i, v in z.items()}
