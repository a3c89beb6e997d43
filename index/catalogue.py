"""The documents an index holds, as the app lists them: each document with its chunk count
and when it was read, the document and section a chunk comes from, and the organs cited."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from namndsok.model import Chunk, Document, Section

from .store import StoredIndex


@dataclass
class IndexedDocument:
    """A document as the index holds it: its position, its chunks and when it was read."""

    number: int  # position in Catalogue.documents (a reload may renumber)
    document: Document
    chunks: int
    indexed: str | None  # ISO time it was read into the index; None when not recorded


class Catalogue:
    """Read-only lookups over one loaded index."""

    def __init__(self, index: StoredIndex):
        self.index = index
        self._docs = {(d.source, d.sha256): d for d in index.documents}

    @property
    def documents(self) -> list[Document]:
        return self.index.documents

    def organs(self) -> list[str]:
        """Every organ a passage is cited with, sorted."""
        return sorted({c.citation.organ for c in self.index.chunks if c.citation.organ})

    def indexed_documents(self) -> list[IndexedDocument]:
        """The documents with their chunk counts and the time each was read into the index."""
        recorded = self.index.manifest.get("documents") or {}
        times = self.index.manifest.get("indexed_at") or {}
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for c in self.index.chunks:
            counts[(c.source, c.doc_sha256)] += 1
        out = []
        for n, d in enumerate(self.documents):
            chunks = (recorded.get(d.path) or {}).get("chunks", counts[(d.source, d.sha256)])
            out.append(IndexedDocument(n, d, int(chunks), times.get(d.path)))
        return out

    def document_of(self, chunk: Chunk) -> Document | None:
        return self._docs.get((chunk.source, chunk.doc_sha256))

    def section_of(self, chunk: Chunk) -> Section | None:
        doc = self.document_of(chunk)
        return doc.sections[chunk.section_index] if doc is not None and chunk.section_index < len(doc.sections) else None
