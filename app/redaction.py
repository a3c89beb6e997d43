"""`serve --redact`: the loaded index with every personal span masked, once, when the app
loads it, so that every output (answers, cards, snippets, documents, exports, the API)
shows only masked text; and a searcher that never searches for personal data.

Masking at load is the one choke point: each route reads the snapshot's documents and
chunks, so none of them can forget to mask. The offsets that point into the text
(sections, chunks, running heads, table rows, pages, sentence units) are moved with it.
BM25 is built again over the masked text (with the labels left out): the stored one holds
the values' tokens and character n-grams, and would rank a chunk by a personnummer it no
longer shows. The vectors cannot be re-made without the model's work: they were embedded
from the unmasked text, which is why a query's own personal data is removed before it is
embedded, and why `ingest --redact` is for deployments that must not hold the data at all.
"""

from __future__ import annotations

import re

import dataclasses
import logging

import numpy as np

from namndsok.errors import ModelMismatchError
from namndsok.ingest import PARSER_VERSION
from namndsok.ingest.personal import chunk_spans, find_personal
from namndsok.ingest.sentences import split_units
from namndsok.index.lexical import LexicalIndex
from namndsok.index.search import Searcher
from namndsok.index.store import StoredIndex
from namndsok.index.stores import open_store
from namndsok.index.units import UnitTable
from namndsok.model import Chunk, Citation, Document, Section, TableRow
from namndsok.personal import LABEL_RE, LABELS, ORGANISATION, Masked, Span, mask, personal

log = logging.getLogger(__name__)


def without_personal(text: str) -> str:
    """A query with its personal data taken out (a search never looks for it)."""
    return LABEL_RE.sub(" ", mask(text, find_personal(text)).text)


class RedactingSearcher(Searcher):
    """A Searcher whose queries lose their personal data before any retriever sees them: a
    search for a personnummer alone returns nothing."""

    def search(self, query: str, *args, **kwargs):
        query = without_personal(query)
        if not re.search(r"\w", query):  # nothing but personal data (and punctuation) was asked
            return []
        return super().search(query, *args, **kwargs)

    def embed_query(self, query: str) -> np.ndarray:
        return super().embed_query(without_personal(query))

    def term_stats(self, text: str):
        return super().term_stats(without_personal(text))


def open_searcher(root, embedder=None, redact: bool = False) -> Searcher:
    """The index at `root` (a folder, a store address or a store: index/stores.py) as a
    Searcher (masked with `redact`), with the embedder already loaded unless the index was
    built with another model."""
    index = open_store(root).load()
    cls = Searcher
    if redact:
        index, cls = redact_index(index), RedactingSearcher
    try:
        return cls(index, embedder)
    except ModelMismatchError:
        if embedder is None:
            raise
        return cls(index)


class _Values:
    """The personal values of one document, replaced wherever a copy of them stands (a
    section's title or decision, a table cell, a chunk's header)."""

    def __init__(self, doc: Document, spans: list[Span]):
        pairs = {}
        for s in personal(spans):
            value = doc.text[s.start:s.end]
            for v in (value, " ".join(value.split())):
                pairs[v] = LABELS[s.kind]
        self.pairs = sorted(pairs.items(), key=lambda kv: -len(kv[0]))

    def __call__(self, text: str | None) -> str | None:
        if not text:
            return text
        for value, label in self.pairs:
            text = text.replace(value, label)
        return mask(text, find_personal(text)).text


def redact_index(index: StoredIndex) -> StoredIndex:
    """The index with personal data masked in every text it holds (see the module's doc)."""
    if (index.manifest.get("index_settings") or {}).get("redact"):
        return index  # built with --redact: the values were never stored
    detected = index.manifest.get("parser_version", 0) >= PARSER_VERSION
    docs, masks = [], {}
    for doc in index.documents:
        spans = doc.personal if detected else find_personal(doc.text)
        if not personal(spans):
            docs.append(doc)
            continue
        m = mask(doc.text, spans)
        values = _Values(doc, spans)
        masks[(doc.source, doc.sha256)] = (dataclasses.replace(doc, personal=spans), m, values)
        orgs = [Span(s.kind, m.at(s.start), m.at(s.end, end=True)) for s in spans if s.kind == ORGANISATION]
        docs.append(dataclasses.replace(
            doc, text=m.text, title=values(doc.title) or "",
            page_starts=[m.at(p) for p in doc.page_starts] if doc.page_starts else doc.page_starts,
            sections=[_section(s, m, values) for s in doc.sections],
            personal=sorted(m.spans + orgs, key=lambda s: s.start)))
    if not masks:
        return index
    chunks, changed = [], {}
    for c in index.chunks:
        entry = masks.get((c.source, c.doc_sha256))
        if entry is None:
            chunks.append(c)
            continue
        doc, m, values = entry
        spans = c.personal if detected else chunk_spans(doc, c)
        cm = mask(c.text, spans)
        chunks.append(_chunk(c, m, cm, values))
        if cm.changed:
            changed[c.id] = cm
    units = _units(index.units, chunks, changed) if index.units is not None else None
    ngram = int((index.manifest.get("index_settings") or {}).get("bm25_ngram", 0))
    lexical = LexicalIndex.build([LABEL_RE.sub(" ", c.lexical_text()) for c in chunks] or [""], ngram)
    log.info("personal data masked in %d documents and %d passages", len(masks), len(changed))
    return dataclasses.replace(index, documents=docs, chunks=chunks, lexical=lexical, units=units)


def _section(s: Section, m: Masked, values: _Values) -> Section:
    return dataclasses.replace(s, start=m.at(s.start), end=m.at(s.end, end=True), title=values(s.title) or "",
                               decision=values(s.decision), dnr=values(s.dnr))


def _chunk(c: Chunk, m: Masked, cm: Masked, values: _Values) -> Chunk:
    cit: Citation = c.citation
    return dataclasses.replace(
        c, text=cm.text, start=m.at(c.start), end=m.at(c.end, end=True), personal=cm.spans,
        context=values(c.context) or "", decision=values(c.decision), section_title=values(c.section_title),
        heading_path=[values(h) or "" for h in c.heading_path], subsection=values(c.subsection),
        omitted=[(m.at(a), m.at(b, end=True)) for a, b in c.omitted],
        rows=[TableRow(values(r.label) or "", [(values(h) or "", values(v) or "") for h, v in r.cells],
                       m.at(r.start), m.at(r.end, end=True), r.unit, values(r.group)) for r in c.rows],
        citation=dataclasses.replace(cit, title=values(cit.title) or "", section_title=values(cit.section_title),
                                     heading_path=[values(h) or "" for h in cit.heading_path]),
    )


def _units(table: UnitTable, chunks: list[Chunk], changed: dict[int, Masked]) -> UnitTable:
    """The sentence units of masked chunks split again from the masked text (a search pairs
    each stored unit with the text's units in order), each keeping the vector of the stored
    unit it overlaps most; the other chunks' units as they were."""
    if not changed:
        return table
    chunk_ix, starts, ends, rows, ptr = [], [], [], [], [0]
    for i in range(len(chunks)):
        rng = table.of_chunk(i)
        cm = changed.get(i)
        if cm is None:
            pairs = [(int(table.start[u]), int(table.end[u]), u) for u in rng]
        else:
            old = [(cm.at(int(table.start[u])), cm.at(int(table.end[u]), end=True), u) for u in rng]
            pairs = []
            for unit in split_units(chunks[i].text):
                best = max(old, key=lambda o: min(o[1], unit.end) - max(o[0], unit.start), default=None)
                if best is not None:
                    pairs.append((unit.start, unit.end, best[2]))
        for a, b, u in pairs:
            chunk_ix.append(i)
            starts.append(a)
            ends.append(b)
            rows.append(u)
        ptr.append(len(rows))
    return UnitTable(np.asarray(chunk_ix, dtype=np.int32), np.asarray(starts, dtype=np.int32),
                     np.asarray(ends, dtype=np.int32), np.asarray(ptr, dtype=np.int64),
                     table.vectors[np.asarray(rows, dtype=np.int64)] if rows else table.vectors[:0])
