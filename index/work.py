"""How `ingest` gets its work done: parsing files and embedding batches of texts.

The builder decides what to parse and what to embed and writes the index; a `Work`
strategy only runs the pieces. `LocalWork` runs them here, one after the other (today's
behaviour); `index/distributed.py` runs them on a Dask cluster. Both call the same pure
functions (`parse_job`, `embedder.encode_passages`), so they produce the same chunks and
vectors.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Protocol

import numpy as np

from namndsok.errors import IngestError
from namndsok.ingest.chunk import chunk_document
from namndsok.ingest.settings import DEFAULT_CHUNKING, ChunkSettings
from namndsok.ingest.ocr import OcrSettings
from namndsok.ingest.personal import with_personal
from namndsok.ingest.read import ReadLimits, read_document
from namndsok.ingest.structure import parse_structure
from namndsok.model import Chunk, Document

from .embedders import Embedder

log = logging.getLogger(__name__)


@dataclass
class ParseJob:
    """One file to parse: its bytes as hashed by the coordinator, and where it was found."""

    n: int  # position among the files found: results are put back in this order
    path: Path  # as found (its name is the document's source)
    abspath: str  # resolved on the coordinator (Document.path)
    data: bytes = field(repr=False)


@dataclass
class Parsed:
    """A parse result: the document and its chunks, or the reason the file failed."""

    n: int
    path: Path
    doc: Document | None = None
    chunks: list[Chunk] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class ParseOptions:
    limits: ReadLimits = ReadLimits()
    ocr: OcrSettings = OcrSettings()
    redact: bool = False  # mask personal data before structure, chunks and embedding
    chunking: ChunkSettings = DEFAULT_CHUNKING


def parse_file(path: Path, data: bytes | None = None, limits: ReadLimits | None = None,
               ocr: OcrSettings | None = None, redact: bool = False,
               chunking: ChunkSettings = DEFAULT_CHUNKING) -> tuple[Document, list[Chunk]]:
    """Read, structure and chunk one file (three pure steps); personal data is found in the
    text read (and with `redact` masked there) before it is structured."""
    doc = parse_structure(with_personal(read_document(path, data, limits, ocr), redact))
    chunks = chunk_document(doc, settings=chunking)
    if not chunks:
        raise IngestError(str(path), "no text to index after parsing")
    return doc, chunks


def parse_job(job: ParseJob, options: ParseOptions) -> Parsed:
    """A job's result; never raises for a bad file (a parser bug is reported as such)."""
    try:
        doc, chunks = parse_file(job.path, job.data, options.limits, options.ocr, options.redact, options.chunking)
    except IngestError as exc:
        log.warning("%s", exc)
        return Parsed(job.n, job.path, error=exc.reason)
    except Exception as exc:  # a parser bug must not end the batch; report it
        log.exception("unexpected error parsing %s", job.path)
        return Parsed(job.n, job.path, error=f"internal error while parsing: {exc!r}")
    if doc.path != job.abspath:  # parsed elsewhere: the coordinator's path is the document's
        doc = dataclasses.replace(doc, path=job.abspath)
    return Parsed(job.n, job.path, doc, chunks)


class Work(Protocol):
    """Runs ingest's pieces; results may come in any order (each carries its position)."""

    def parse(self, jobs: Iterable[ParseJob], options: ParseOptions) -> Iterator[Parsed]: ...

    def embed_batches(self, embedder: Embedder, batches: list[list[str]]) -> Iterator[tuple[int, np.ndarray | Exception]]:
        """(batch position, its vectors) for each batch, or the exception that lost it."""
        ...

    def close(self) -> None: ...


class LocalWork:
    """Everything in this process, in order: a failure raises as it always has."""

    def parse(self, jobs: Iterable[ParseJob], options: ParseOptions) -> Iterator[Parsed]:
        for job in jobs:
            yield parse_job(job, options)

    def embed_batches(self, embedder: Embedder, batches: list[list[str]]) -> Iterator[tuple[int, np.ndarray | Exception]]:
        for i, texts in enumerate(batches):
            yield i, embedder.encode_passages(texts)

    def close(self) -> None:
        pass
