"""Where an index is kept: the folder (store.py, the default) or a PostgreSQL database
(pgstore.py), behind one small interface that ingest, the searcher and the app use.

`open_store(spec)` picks the backend: a `postgresql://…` address is the database, anything
else a folder (default: $NAMNDSOK_STORE, else --index / $NAMNDSOK_INDEX / .namndsok).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Any, Iterator, Protocol

from . import directory
from .embedcache import EmbeddingCache
from .pgschema import is_pg_spec
from .store import StoredIndex, index_dir, load_index, read_manifest, write_index, write_lock


class IndexStore(Protocol):
    """What ingest and the app need of a store."""

    root: Path | None  # the folder, for what lives beside a folder index (saved searches); None in a database

    def key(self) -> Any:
        """Changes whenever a writer has replaced the index (cheap: checked per request)."""

    def load(self, upgrade: bool = False) -> StoredIndex: ...

    def manifest(self, upgrade: bool = False) -> dict[str, Any] | None: ...

    def lock(self) -> contextlib.AbstractContextManager[None]: ...

    def embedding_cache(self) -> EmbeddingCache: ...

    def working(self) -> None:
        """About to embed: record the work folder (if any) before anything is written to it."""

    def finish(self) -> None:
        """The index holds every vector: remove what an unfinished ingest kept."""

    def write(self, documents, chunks, vectors, embedder, dense_kind=None, chunk_counts=None, units=None,
              settings=None, indexed_at=None, facts=None, parsed_by=None) -> None: ...


class FolderStore:
    """The index directory (store.py): data folders switched atomically through CURRENT."""

    def __init__(self, root: str | os.PathLike[str] | None = None):
        self.root = index_dir(root)

    def __str__(self) -> str:
        return str(self.root)

    def key(self) -> tuple | None:
        try:
            st = os.stat(self.root / "CURRENT")
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def load(self, upgrade: bool = False) -> StoredIndex:
        return load_index(self.root, upgrade=upgrade)

    def manifest(self, upgrade: bool = False) -> dict[str, Any] | None:
        return read_manifest(self.root, upgrade=upgrade)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        with write_lock(self.root):
            yield

    def embedding_cache(self) -> EmbeddingCache:
        # persisted: a killed ingest resumes from the batches already embedded
        return EmbeddingCache(self.root / directory.WORK / "embeddings")

    def working(self) -> None:
        directory.record(self.root, directory.WORK)

    def finish(self) -> None:
        if directory.WORK in directory.owned(self.root):
            EmbeddingCache(self.root / directory.WORK / "embeddings").clear()
            shutil.rmtree(self.root / directory.WORK, ignore_errors=True)
            directory.forget(self.root, directory.WORK)

    def write(self, *args: Any, **kwargs: Any) -> None:
        write_index(self.root, *args, **kwargs)


def store_spec(spec: str | os.PathLike[str] | None = None, index: str | os.PathLike[str] | None = None) -> str | Path:
    """The store asked for: `spec` (--store), else the folder `index` when one is named
    (--index), else $NAMNDSOK_STORE, else the folder $NAMNDSOK_INDEX or .namndsok."""
    chosen = spec or (None if index else os.environ.get("NAMNDSOK_STORE"))
    if chosen:
        return str(chosen) if is_pg_spec(str(chosen)) else Path(chosen)
    return index_dir(index)


def open_store(spec: str | os.PathLike[str] | None = None, index: str | os.PathLike[str] | None = None,
               create: bool = False) -> "FolderStore | Any":
    """The store `spec` names (see store_spec): a PgStore for a postgresql:// address (its
    schema made when `create`, for ingest and import), else a FolderStore."""
    if hasattr(spec, "load"):  # a store already
        return spec
    chosen = store_spec(spec, index)
    if is_pg_spec(str(chosen)):
        from .pgstore import PgStore

        return PgStore(str(chosen), create=create)
    return FolderStore(chosen)


def copy_index(source: "IndexStore", target: "IndexStore") -> int:
    """Write the index of `source` into `target` (export-store / import-store), under the
    target's writer lock; nothing is embedded. Returns the number of chunks copied. An index
    written by another parser or facts version is refused: `namndsok ingest` updates it first."""
    from namndsok.errors import IndexError_
    from namndsok.ingest import FACTS_VERSION, PARSER_VERSION
    from namndsok.model import EMBED_FORMAT

    index = source.load()
    m = index.manifest
    current = {"parser_version": PARSER_VERSION, "facts_version": FACTS_VERSION, "embed_format": EMBED_FORMAT}
    old = [k for k, v in current.items() if m.get(k) != v]
    if old:
        raise IndexError_(f"{source} was written by another namndsok ({', '.join(old)} differ); "
                          "update it with `namndsok ingest` first, then copy it")
    recorded = m.get("documents") or {}
    counts = [int(recorded[d.path]["chunks"]) for d in index.documents]
    parsed_by = {p: e["parser_version"] for p, e in recorded.items() if "parser_version" in e}
    with target.lock():
        target.write(index.documents, index.chunks, index.vectors, m["embedder"],
                     m.get("dense_kind") or m.get("dense_index"), counts, index.units, m.get("index_settings") or {},
                     m.get("indexed_at") or {}, index.facts, parsed_by)
    return len(index.chunks)
