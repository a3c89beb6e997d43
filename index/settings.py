"""Search tuning values in one frozen object, passed to the Searcher (never module constants).

An experiment is a new `SearchSettings` (`dataclasses.replace(DEFAULT, bm25_weight=0.5)`);
`namndsok eval` prints the settings each method ran with. The defaults are the values
chosen on the dev split of eval/questions (see eval/RESULTS.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from namndsok.ingest.settings import ChunkSettings

MODES = ("hybrid", "dense", "bm25")
FUSIONS = ("rrf", "weighted", "z")
# the retrievers a hybrid search can fuse; each has a weight in SearchSettings
RETRIEVERS = ("dense", "bm25", "units")


@dataclass(frozen=True)
class SearchSettings:
    mode: str = "hybrid"  # hybrid: every retriever with a weight > 0; dense or bm25: that one alone
    fusion: str = "z"  # rrf: Σ weight/(rrf_k + rank); weighted: min-max normalised scores; z: z-scores
    rrf_k: int = 60
    candidates: int = 100  # per retriever, before fusion
    dense_weight: float = 1.0  # chunk vectors (contextual header + text)
    bm25_weight: float = 0.5
    units_weight: float = 0.5  # sentence/row vectors stored at ingest; a chunk ranks by its best unit
    # a question not in Swedish shares few words with the documents: its BM25 weight is
    # multiplied by this, so that lexical noise does not drown the multilingual dense ranking
    foreign_bm25_factor: float = 0.0
    # … unless the question's words were translated (Searcher.search's `lexical`): then this
    # (dev: 0 — English P@1 51.9 without, 48.1 with; eval/RESULTS.md)
    translated_bm25_factor: float = 0.0
    exact: bool = True  # the exact dnr/§ path (hybrid only)
    # the exact path's additions to a fused score (which stays below 1): a section whose dnr
    # or § label the query names, and a chunk that only mentions it
    exact_section: float = 2.0
    exact_mention: float = 1.0
    query_cache: int = 64  # recent query vectors (and background similarities) a Searcher keeps
    # a filtered dense search (filtered.py): at most this many allowed chunks are scored exactly
    # (a 384-d dot product each; 50,000 take about 10 ms on one core), above it the HNSW graph
    # is searched with the filter, its efSearch widened by 1/selectivity up to filter_max_ef
    filter_exact_limit: int = 50_000
    filter_max_ef: int = 1024
    # in PostgreSQL (`&dense=sql`): a one-column filter (organ or dates) up to this many chunks
    # is scored exactly from the column's covering btree (index/pgdense.py)
    filter_exact_covered_below: int = 150_000
    background_sample: int = 20_000  # stored sentences a question's background similarity is measured on
    # a query is cut to this many characters before anything else (a bound on what one query
    # costs; the embedder reads about 1,700 of them, BM25 at most 256 distinct terms)
    max_query_chars: int = 4000

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}; use one of {', '.join(MODES)}")
        if self.fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {self.fusion!r}; use one of {', '.join(FUSIONS)}")
        if self.candidates < 1 or self.rrf_k < 0:
            raise ValueError("candidates must be ≥ 1 and rrf_k ≥ 0")
        if not 1.0 <= self.exact_mention <= self.exact_section:
            raise ValueError("the exact path must outrank any fused score: 1 ≤ exact_mention ≤ exact_section")
        if self.query_cache < 1 or self.background_sample < 1:
            raise ValueError("query_cache and background_sample must be ≥ 1")

    def weights(self, foreign: bool = False, translated: bool = False) -> dict[str, float]:
        """Retriever → weight for this mode (only retrievers that take part)."""
        if self.mode == "dense":
            return {"dense": 1.0}
        if self.mode == "bm25":
            return {"bm25": 1.0}
        w = {"dense": self.dense_weight, "bm25": self.bm25_weight, "units": self.units_weight}
        if foreign:
            w["bm25"] *= self.translated_bm25_factor if translated else self.foreign_bm25_factor
        return {k: v for k, v in w.items() if v > 0}

    def with_(self, **changes: Any) -> "SearchSettings":
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_SEARCH = SearchSettings()


@dataclass(frozen=True)
class IndexSettings:
    """What `ingest` builds and how; recorded in the index it builds."""

    units: bool = True  # a vector per sentence unit (index/units.py)
    unit_context: bool = False  # embed each unit after the heading it stands under
    bm25_ngram: int = 4  # character n-grams in the BM25 field (0: words only)
    redact: bool = False  # personal data masked before chunking: the index never holds it (ingest --redact)
    # chunk sizes in characters (ingest/chunk.py): multilingual-e5-small reads 512 tokens,
    # Swedish runs about 3.5 characters a token, so 900 plus the header stays well inside
    chunk_chars: int = 900
    chunk_overlap: int = 120
    chunk_min_chars: int = 300
    # the dense index: exact (flat) up to this many chunks, an HNSW graph above (store.build_dense)
    flat_limit: int = 200_000
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 128

    def with_(self, **changes: Any) -> "IndexSettings":
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> "IndexSettings":
        """The settings an index records; a key it lacks (an older index) has today's default."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})

    def chunking(self) -> ChunkSettings:
        return ChunkSettings(self.chunk_chars, self.chunk_overlap, self.chunk_min_chars)


DEFAULT_INDEX = IndexSettings()
