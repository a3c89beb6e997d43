"""Chunking's tuning values in one frozen object (IndexSettings records them for an index);
a module of its own, so that importing the settings does not import the chunker."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChunkSettings:
    """Chunk sizes in characters (ingest/chunk.py)."""

    chars: int = 900
    overlap: int = 120  # at most a quarter of a chunk
    min_chars: int = 300  # a block of long rendered table rows still gets chunks of this size


DEFAULT_CHUNKING = ChunkSettings()
