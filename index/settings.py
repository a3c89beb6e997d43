"""Search tuning values in one frozen object, passed to the Searcher (never module constants).

An experiment is a new `SearchSettings` (`dataclasses.replace(DEFAULT, bm25_weight=0.5)`);
`namndsok eval` prints the settings each method ran with. The defaults are the values
chosen on the dev split of eval/questions (see eval/RESULTS.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

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
    exact: bool = True  # the exact dnr/§ path (hybrid only)
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

    def weights(self, foreign: bool = False) -> dict[str, float]:
        """Retriever → weight for this mode (only retrievers that take part)."""
        if self.mode == "dense":
            return {"dense": 1.0}
        if self.mode == "bm25":
            return {"bm25": 1.0}
        w = {"dense": self.dense_weight, "bm25": self.bm25_weight, "units": self.units_weight}
        if foreign:
            w["bm25"] *= self.foreign_bm25_factor
        return {k: v for k, v in w.items() if v > 0}

    def with_(self, **changes: Any) -> "SearchSettings":
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_SEARCH = SearchSettings()


@dataclass(frozen=True)
class IndexSettings:
    """What `ingest` builds beside the chunk vectors; recorded in the index it builds."""

    units: bool = True  # a vector per sentence unit (index/units.py)
    unit_context: bool = False  # embed each unit after the heading it stands under
    bm25_ngram: int = 4  # character n-grams in the BM25 field (0: words only)

    def with_(self, **changes: Any) -> "IndexSettings":
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_INDEX = IndexSettings()
