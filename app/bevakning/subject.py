"""How close a new passage comes to a saved search in meaning, as the answer step measures
"the documents speak of the subject": the best sentence's similarity to the query, as a
z-score against the query's similarity to the whole index (its background), from the
sentence vectors the ingest has just stored. Only passages that already hold part of the
query's words are asked (match.py): meaning confirms a lexical anchor, it never stands alone.

Query vectors are embedded once per search and model and kept in the bevakningar database,
so a thousand saved searches do not embed a thousand queries after every ingest.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

import numpy as np

from namndsok.index.units import UnitTable, similarities

from .store import SavedSearch, Store

log = logging.getLogger(__name__)

BACKGROUND_SAMPLE = 20_000  # sentences a query's background is measured on (as Searcher.background)


class Closeness:
    """z-scores of new chunks' best sentences for saved searches, over one written index. The
    sentence vectors are read at the first question (`units` may be a function giving them):
    an ingest whose passages hold no part of any search's words never reads them."""

    def __init__(self, units: "UnitTable | Callable[[], UnitTable | None]", embedder, store: Store,
                 reuse_within: float = 0.0):
        self._units_of = units if callable(units) else (lambda: units)
        self._units: UnitTable | None = None
        self._loaded = False
        self.embedder = embedder
        self.store = store
        # a kept background is used while the index's sentence count is within this share of
        # the count it was measured on (0: measured again after every change)
        self.reuse_within = reuse_within
        self._queries: dict[int, np.ndarray] = {}
        self._background: dict[int, tuple[float, float]] = {}

    @property
    def units(self) -> UnitTable | None:
        if not self._loaded:
            self._loaded = True
            units = self._units_of()
            self._units = units if units is not None and len(units) else None
            vecs = self._units.vectors if self._units is not None else np.zeros((0, 1), dtype=np.float32)
            self._sample = vecs[:: max(1, len(vecs) // BACKGROUND_SAMPLE)] if len(vecs) else vecs
        return self._units

    @classmethod
    def lazy(cls, root: Path, embedder, store: Store, reuse_within: float = 0.0) -> "Closeness | None":
        """Over the sentence vectors of the index now current in `root`, read when first
        needed (None without an embedder; no sentence is close when the index has none or
        was built with another model)."""
        if embedder is None:
            return None

        def load() -> UnitTable | None:
            from namndsok.index.store import current_folder, read_manifest

            manifest = read_manifest(root)
            if manifest is None or manifest["embedder"]["name"] != embedder.name:
                return None
            return UnitTable.load(current_folder(root))

        return cls(load, embedder, store, reuse_within)

    @classmethod
    def of_index(cls, root: Path, embedder, store: Store) -> "Closeness | None":
        """As `lazy`, read now (None without sentence vectors)."""
        c = cls.lazy(root, embedder, store)
        return c if c is not None and c.units is not None else None

    def prepare(self, searches: list[SavedSearch]) -> None:
        """Query vectors for these searches: from the database, the missing ones embedded in one batch."""
        need = [s for s in searches if s.id not in self._queries or s.id not in self._background]
        if not need or self.units is None:
            return
        stored = self.store.query_vectors([s.id for s in need], self.embedder.name)
        missing = [s for s in need if s.id not in stored]
        if missing:
            vecs = np.asarray(self.embedder.encode_queries([s.query for s in missing]), dtype=np.float32)
            fresh = {s.id: v for s, v in zip(missing, vecs)}
            self.store.keep_query_vectors(fresh, self.embedder.name)
            stored.update(fresh)
        self._queries.update(stored)
        # every background in one matrix product: one search at a time, this was most of the
        # bevakningar's cost after a small ingest (1,000 searches × the sampled sentences)
        todo = [s.id for s in need if s.id not in self._background]
        if not len(self._sample):
            self._background.update((i, (0.0, 1.0)) for i in todo)
            return
        # a background measured on an index of nearly this size is kept: a few new passages
        # move a mean over thousands of sentences by nothing that matters
        n = len(self.units)
        for i, (mu, sd, then) in self.store.backgrounds(todo, self.embedder.name).items():
            if abs(n - then) <= self.reuse_within * then:
                self._background[i] = (mu, sd)
        todo = [i for i in todo if i not in self._background]
        if todo:
            sims = self._sample @ np.stack([self._queries[i] for i in todo]).T
            fresh = {i: (float(mu), float(sd or 1.0)) for i, mu, sd in zip(todo, sims.mean(axis=0), sims.std(axis=0))}
            self._background.update(fresh)
            self.store.keep_backgrounds(fresh, self.embedder.name, n)

    def z(self, search: SavedSearch, chunk_id: int) -> float:
        """The chunk's best sentence against the query, in standard deviations above the
        query's mean similarity to the index (-inf for a chunk without sentences)."""
        if search.id not in self._queries or search.id not in self._background:
            self.prepare([search])
        if self.units is None:
            return float("-inf")
        qv = self._queries[search.id]
        rng = self.units.of_chunk(chunk_id)
        if not len(rng):
            return float("-inf")
        mu, sd = self._background[search.id]
        best = float(similarities(self.units.vectors[rng.start : rng.stop], qv).max())
        return (best - mu) / sd


def keep_query_vectors(store: Store, searches: list[SavedSearch], embedder) -> None:
    """Embed these searches' queries now (in one batch) and keep them, so that the first
    ingest after they are made does not pay for it."""
    need = [q for q in searches if not q.follows and q.id not in store.query_vectors([q.id], embedder.name)]
    if need:
        vecs = np.asarray(embedder.encode_queries([q.query for q in need]), dtype=np.float32)
        store.keep_query_vectors({q.id: v for q, v in zip(need, vecs)}, embedder.name)
