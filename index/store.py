"""The index directory on disk: written whole into a new folder, then switched to atomically.

Layout of `.namndsok/` (or `--index DIR` / `NAMNDSOK_INDEX`):

    CURRENT            name of the active data folder (replaced with os.replace)
    lock               flock'ed by a writer; a second writer is refused
    data-<stamp>/      manifest.json, documents.json, chunks.jsonl, vectors.npy,
                       dense.faiss, bm25/

A crash while writing leaves a stray data folder and the old CURRENT: the previous index
stays intact. Nothing is pickled: numpy files are loaded with allow_pickle=False.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from namndsok.errors import IndexError_, IndexLockedError
from namndsok.ingest import PARSER_VERSION
from namndsok.model import Chunk, Document, Section

from .lexical import LexicalIndex

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
DEFAULT_INDEX_DIR = ".namndsok"
REBUILD_HINT = "rebuild it with `namndsok ingest --rebuild PATH…`"
FLAT_LIMIT = 200_000  # above this many chunks an HNSW graph replaces the exact flat index


def index_dir(path: str | os.PathLike[str] | None = None) -> Path:
    return Path(path or os.environ.get("NAMNDSOK_INDEX") or DEFAULT_INDEX_DIR)


@dataclass
class StoredIndex:
    """Everything loaded from one data folder."""

    folder: Path
    manifest: dict[str, Any]
    documents: list[Document]  # with text and sections
    chunks: list[Chunk]
    vectors: np.ndarray
    dense: Any  # faiss.Index
    lexical: LexicalIndex

    @property
    def embedder_name(self) -> str:
        return self.manifest["embedder"]["name"]

    def document(self, source: str) -> Document | None:
        return next((d for d in self.documents if d.source == source), None)


@contextlib.contextmanager
def write_lock(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    fh = open(root / "lock", "a+")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexLockedError(
                f"{root}: another `namndsok ingest` is writing this index; wait for it to finish"
            ) from exc
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def build_dense(vectors: np.ndarray, kind: str | None = None):
    """Inner product on normalised vectors: flat (exact) for small corpora, HNSW for large."""
    import faiss

    dim = vectors.shape[1]
    kind = kind or ("flat" if len(vectors) <= FLAT_LIMIT else "hnsw")
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 128
    else:
        raise ValueError(f"unknown dense index type {kind!r}")
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _doc_to_json(doc: Document) -> dict[str, Any]:
    d = doc.meta()
    d["text"] = doc.text
    d["sections"] = [asdict(s) for s in doc.sections]
    return d


def _doc_from_json(d: dict[str, Any]) -> Document:
    d = dict(d)
    sections = [Section(**s) for s in d.pop("sections")]
    return Document(**d, sections=sections)


def _file_sizes(folder: Path) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): p.stat().st_size
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


def write_index(
    root: Path,
    documents: list[Document],
    chunks: list[Chunk],
    vectors: np.ndarray,
    embedder: dict[str, Any],
    dense_kind: str | None = None,
    chunk_counts: list[int] | None = None,
) -> Path:
    """Write a complete new data folder and make it current. The caller holds write_lock.

    `chunk_counts[i]` is the number of chunks of documents[i] (chunks follow document order);
    without it, chunks are counted by (source, hash), which cannot tell identical copies apart.
    """
    import faiss

    if len(chunks) != len(vectors):
        raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
    root.mkdir(parents=True, exist_ok=True)
    folder = root / f"data-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
    tmp = root / f".tmp-{folder.name}"
    tmp.mkdir()
    try:
        with open(tmp / "documents.json", "w", encoding="utf-8") as fh:
            json.dump([_doc_to_json(d) for d in documents], fh, ensure_ascii=False)
        with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as fh:
            for c in chunks:
                fh.write(json.dumps(c.to_json(), ensure_ascii=False) + "\n")
        np.save(tmp / "vectors.npy", np.asarray(vectors, dtype=np.float32), allow_pickle=False)
        dense = build_dense(np.asarray(vectors, dtype=np.float32), dense_kind)
        faiss.write_index(dense, str(tmp / "dense.faiss"))
        LexicalIndex.build([c.embed_text() for c in chunks] or [""]).save(tmp / "bm25")
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "parser_version": PARSER_VERSION,
            "embedder": embedder,
            "chunk_count": len(chunks),
            "dense_index": "flat" if isinstance(dense, faiss.IndexFlat) else "hnsw",
            "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "documents": {
                d.path: {"source": d.source, "sha256": d.sha256, "chunks": n}
                for d, n in zip(documents, chunk_counts or _count_by_document(documents, chunks))
            },
            "files": _file_sizes(tmp),
        }
        with open(tmp / "manifest.json", "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, ensure_ascii=False, indent=1)
        _fsync_tree(tmp)
        tmp.rename(folder)
        _switch_current(root, folder.name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _remove_stale(root, keep=folder.name)
    log.info("wrote index %s: %d documents, %d chunks", folder, len(documents), len(chunks))
    return folder


def _count_by_document(documents: list[Document], chunks: list[Chunk]) -> list[int]:
    counts = Counter((c.source, c.doc_sha256) for c in chunks)
    return [counts[(d.source, d.sha256)] for d in documents]


def _fsync_tree(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file():
            with open(p, "rb") as fh:
                os.fsync(fh.fileno())


def _switch_current(root: Path, name: str) -> None:
    tmp = root / f".CURRENT.{uuid.uuid4().hex[:8]}"
    with open(tmp, "w") as fh:
        fh.write(name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / "CURRENT")
    dfd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def _remove_stale(root: Path, keep: str) -> None:
    for p in root.iterdir():
        if p.is_dir() and p.name != keep and (p.name.startswith("data-") or p.name.startswith(".tmp-data-")):
            shutil.rmtree(p, ignore_errors=True)


def current_folder(root: Path) -> Path | None:
    cur = root / "CURRENT"
    if not cur.exists():
        return None
    name = cur.read_text().strip()
    folder = root / name
    if not name or not folder.is_dir():
        raise IndexError_(f"{root}: CURRENT names {name!r}, which is missing; {REBUILD_HINT}")
    return folder


def read_manifest(root: Path) -> dict[str, Any] | None:
    folder = current_folder(root)
    if folder is None:
        return None
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexError_(f"{folder}: manifest.json is missing or damaged ({exc}); {REBUILD_HINT}") from exc
    version = manifest.get("schema_version")
    if version != SCHEMA_VERSION:
        raise IndexError_(
            f"{root}: index schema version {version} but this namndsok reads version {SCHEMA_VERSION}; {REBUILD_HINT}"
        )
    return manifest


def load_index(root: Path) -> StoredIndex:
    """Load and validate the current index, or raise IndexError_ saying what is wrong."""
    import faiss

    manifest = read_manifest(root)
    if manifest is None:
        raise IndexError_(f"no index in {root}; build one with `namndsok ingest PATH…`")
    folder = current_folder(root)
    assert folder is not None
    for rel, size in manifest.get("files", {}).items():
        p = folder / rel
        if not p.is_file():
            raise IndexError_(f"{folder}: {rel} is missing; the index is damaged, {REBUILD_HINT}")
        if p.stat().st_size != size:
            raise IndexError_(f"{folder}: {rel} has {p.stat().st_size} bytes, expected {size}; the index is damaged, {REBUILD_HINT}")
    try:
        documents = [_doc_from_json(d) for d in json.loads((folder / "documents.json").read_text(encoding="utf-8"))]
        with open(folder / "chunks.jsonl", encoding="utf-8") as fh:
            chunks = [Chunk.from_json(json.loads(line)) for line in fh if line.strip()]
        vectors = np.load(folder / "vectors.npy", allow_pickle=False)
        dense = faiss.read_index(str(folder / "dense.faiss"))
        lexical = LexicalIndex.load(folder / "bm25")
    except Exception as exc:  # any decoding error means the same thing to the user
        raise IndexError_(f"{folder}: cannot load the index ({exc}); {REBUILD_HINT}") from exc
    if not (len(chunks) == len(vectors) == dense.ntotal == manifest["chunk_count"]):
        raise IndexError_(f"{folder}: chunk, vector and manifest counts disagree; {REBUILD_HINT}")
    return StoredIndex(folder, manifest, documents, chunks, vectors, dense, lexical)
