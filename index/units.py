"""Sentence units of every chunk and their vectors, stored beside the chunk vectors.

A unit is a sentence, list item or table row of a chunk (ingest/sentences.py). Its vector
is embedded once at ingest, so that a search can rank a chunk by its best unit and an
answer can choose its sentences by meaning without embedding anything but the question.
A table row is embedded written out with its column headers ("Invent ny/omb skola/fsk –
2026: 40 000 tkr; …"), so a question about a figure finds its row.

On disk (`units.npz`, no pickle): per unit the chunk it belongs to and its span in that
chunk's text; the vectors are `unit_vectors.npy`. Units are grouped by chunk, in order, so
`ptr[i]:ptr[i + 1]` are chunk i's units.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from namndsok.ingest.sentences import Unit, split_units
from namndsok.model import Chunk

UNITS_FILE = "units.npz"
VECTORS_FILE = "unit_vectors.npy"


@dataclass
class UnitTable:
    chunk: np.ndarray  # int32, the chunk of each unit
    start: np.ndarray  # int32, span in the chunk's text
    end: np.ndarray
    ptr: np.ndarray  # int64, len(chunks) + 1: chunk i's units are ptr[i]:ptr[i + 1]
    vectors: np.ndarray  # float32 (units, dim), normalised

    def __len__(self) -> int:
        return len(self.chunk)

    def of_chunk(self, i: int) -> range:
        return range(int(self.ptr[i]), int(self.ptr[i + 1]))

    def text(self, chunks: list[Chunk], u: int) -> str:
        """The unit as quoted: its span of the chunk's text, whitespace made single spaces."""
        c = chunks[int(self.chunk[u])]
        return " ".join(c.text[int(self.start[u]) : int(self.end[u])].split())

    def save(self, folder: Path) -> None:
        with open(folder / UNITS_FILE, "wb") as fh:
            np.savez(fh, chunk=self.chunk, start=self.start, end=self.end, ptr=self.ptr)
        np.save(folder / VECTORS_FILE, self.vectors, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> "UnitTable | None":
        if not (folder / UNITS_FILE).exists():
            return None
        with np.load(folder / UNITS_FILE, allow_pickle=False) as z:
            arrays = {k: z[k] for k in ("chunk", "start", "end", "ptr")}
        return cls(**arrays, vectors=np.load(folder / VECTORS_FILE, allow_pickle=False))


def unit_context(chunk: Chunk) -> str:
    """A short context for a sentence: the innermost heading above it, else its section's title."""
    heading = getattr(chunk, "subsection", None) or chunk.section_title or chunk.citation.section or ""
    return " ".join(heading.split())[:80]


def chunk_units(chunk: Chunk, context: bool = False) -> list[tuple[Unit, str]]:
    """(unit, text to embed) for each unit of a chunk; a table row is written out with its
    headers; with `context`, each is prefixed by the heading it stands under."""
    rows = {}
    for row in getattr(chunk, "rows", None) or []:
        a = chunk.text_offset(row.start)
        rows[a] = row
    prefix = f"{unit_context(chunk)}: " if context and unit_context(chunk) else ""
    out = []
    for u in split_units(chunk.text):
        row = rows.get(u.start)
        out.append((u, prefix + (row.render() if row is not None else u.text)))
    return out


def build_units(chunks: list[Chunk], context: bool = False) -> tuple[list[tuple[int, Unit]], list[str], np.ndarray]:
    """Every unit of every chunk: ([(chunk index, unit)], texts to embed, ptr)."""
    units: list[tuple[int, Unit]] = []
    texts: list[str] = []
    ptr = [0]
    for i, c in enumerate(chunks):
        for u, t in chunk_units(c, context):
            units.append((i, u))
            texts.append(t)
        ptr.append(len(units))
    return units, texts, np.asarray(ptr, dtype=np.int64)


def unit_table(units: list[tuple[int, Unit]], ptr: np.ndarray, vectors: np.ndarray) -> UnitTable:
    vectors = np.asarray(vectors, dtype=np.float32)
    return UnitTable(
        chunk=np.asarray([i for i, _ in units], dtype=np.int32),
        start=np.asarray([u.start for _, u in units], dtype=np.int32),
        end=np.asarray([u.end for _, u in units], dtype=np.int32),
        ptr=ptr,
        # (0, dim) as it comes when nothing was indexed: reshape(0, -1) cannot infer the width
        vectors=vectors if vectors.ndim == 2 and len(vectors) == len(units) else vectors.reshape(len(units), -1),
    )


def similarities(vectors: np.ndarray, query: np.ndarray) -> np.ndarray:
    """vectors · query. Not through BLAS: its threads contend with the embedder's on a small
    shared machine and made this 15× slower (7.8 against 0.5 ms for 3,200 sentences)."""
    return np.einsum("ij,j->i", vectors, query)


def best_per_chunk(table: UnitTable, scores: np.ndarray, n_chunks: int) -> np.ndarray:
    """Each chunk's best unit score (-inf for a chunk without units)."""
    best = np.full(n_chunks, -np.inf, dtype=np.float32)
    if len(scores) == 0:
        return best
    # units are grouped by chunk in order: one reduceat over the segments (ufunc.at is slow)
    starts = table.ptr[:-1]
    has = table.ptr[1:] > starts
    best[has] = np.maximum.reduceat(scores.astype(np.float32), starts[has])
    return best
