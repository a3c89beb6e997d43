"""What an answer weighs beside the ranked passages: each sentence of the passages scored
against the question (from the sentence vectors stored at ingest), the question's similarity
to the corpus as a whole (what "similar" means for it), and how rare its words are."""

from __future__ import annotations

from dataclasses import dataclass

from namndsok.model import Hit

from .lexical import tokenize
from .queries import QueryVectors, RecentCache
from .settings import SearchSettings
from .store import StoredIndex
from .units import chunk_units, similarities


@dataclass
class Sentence:
    """A sentence unit of a retrieved passage, scored against the question."""

    hit: int  # position of its passage in the hits it was taken from
    text: str  # whitespace-normalised, verbatim otherwise
    score: float  # cosine similarity to the question
    start: int  # span in the passage's text
    end: int
    rendered: str  # what was embedded: a table row is written out with its column headers


class AnswerStats:
    """Sentence scores, background similarity and term statistics over one loaded index."""

    def __init__(self, index: StoredIndex, queries: QueryVectors, settings: SearchSettings):
        self.index = index
        self.queries = queries
        self.settings = settings
        self.backgrounds: RecentCache[str, tuple[float, float]] = RecentCache(settings.query_cache)

    def sentences(self, query: str, hits: list[Hit]) -> list[Sentence]:
        """Every sentence unit of these passages with its similarity to the query, from the
        vectors stored at ingest (an index without them embeds the sentences now)."""
        qv = self.queries.vector(" ".join(query.split()))
        out: list[Sentence] = []
        units = self.index.units
        for n, h in enumerate(hits):
            i = h.chunk.id
            if units is not None:
                rng = units.of_chunk(i)
                if not len(rng):
                    continue
                scores = similarities(units.vectors[rng.start : rng.stop], qv)
                pairs = chunk_units(h.chunk)
                for u, sc, (unit, rendered) in zip(rng, scores, pairs):
                    out.append(Sentence(n, units.text(self.index.chunks, u), float(sc), int(units.start[u]),
                                        int(units.end[u]), rendered))
            else:
                pairs = chunk_units(h.chunk)
                if not pairs:
                    continue
                vecs = self.queries.embedder.encode_passages([r for _, r in pairs])
                for (unit, rendered), sc in zip(pairs, vecs @ qv):
                    out.append(Sentence(n, unit.text, float(sc), unit.start, unit.end, rendered))
        return out

    def background(self, query: str) -> tuple[float, float]:
        """Mean and standard deviation of the query's similarity to every stored sentence (to a
        sample of `background_sample` on a large index): what "similar" means for this query."""
        def measure(key: str) -> tuple[float, float]:
            units = self.index.units
            vecs = units.vectors if units is not None and len(units) else self.index.vectors
            sample = self.settings.background_sample
            if len(vecs) > sample:
                vecs = vecs[:: len(vecs) // sample]
            sims = similarities(vecs, self.queries.vector(key))
            return float(sims.mean()), float(sims.std() or 1.0)

        return self.backgrounds.get(" ".join(query.split()), measure)

    def term_stats(self, text: str) -> list[tuple[str, float, bool]]:
        """(token, idf, whether the corpus uses it) for each distinct lexical token of a text."""
        toks = list(dict.fromkeys(tokenize(text)))
        if not toks:
            return []
        vocab = self.index.lexical.vocabulary
        return [(t, w, t in vocab) for t, w in zip(toks, self.index.lexical.idf(toks))]
