"""A content-addressed embedding cache: a vector is kept by (embedder name, kind, SHA-256 of
the text), so a text is embedded once however often it is asked for.

Vectors are persisted batch by batch in a folder (the index's `work/embeddings/`): each batch
is a `.npy` of vectors and a `.json` of its keys, each written to a temporary name and moved
into place, the `.json` last, so a batch counts only once it is whole. A killed ingest leaves
its finished batches behind and the next ingest embeds only the rest; nothing here is ever
read as the index itself. No pickle: numpy files are read with allow_pickle=False.

`kind` is a free string ("chunk", "sentence", …): texts of different kinds never share a
vector, even when equal. Vectors come from `embedder.encode_passages` unless `encode` says
otherwise, or from a `work` strategy (index/work.py) that may embed the batches elsewhere and
in any order (a Dask cluster): each batch is persisted as it comes back, and a batch that is
lost for good is named in EmbeddingFailed once every other batch is safe.

The builder removes the folder after a successful ingest (the index then holds every
vector, and duplicating vectors.npy would double the disk it takes), and seeds a cache in
memory from the current index instead, so re-embedding after a parser change costs only the
texts that really changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

log = logging.getLogger(__name__)


class EmbeddingFailed(Exception):
    """Some batches could not be embedded (their worker failed or was lost twice); every
    other vector is cached. `failed` maps each text key without a vector to the reason."""

    def __init__(self, failed: dict[str, str]):
        self.failed = failed
        reasons = sorted(set(failed.values()))
        super().__init__(f"{len(failed)} text(s) could not be embedded: {'; '.join(reasons[:3])}")


BATCH = 128  # texts per persisted batch: a kill loses at most one batch of work


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", s)[:60] + "-" + hashlib.sha256(s.encode()).hexdigest()[:8]


class EmbeddingCache:
    """Vectors by (embedder, kind, text); persisted in `folder` when one is given."""

    def __init__(self, folder: Path | None = None, batch: int = BATCH):
        self.folder = folder
        self.batch = batch
        self._vectors: dict[tuple[str, str], dict[str, np.ndarray]] = {}
        self._loaded: set[tuple[str, str]] = set()
        self.embedded = 0  # texts embedded by the last call of embed()

    # ------------------------------------------------------------ reading

    def _table(self, embedder_name: str, kind: str) -> dict[str, np.ndarray]:
        key = (embedder_name, kind)
        table = self._vectors.setdefault(key, {})
        if key not in self._loaded:
            self._loaded.add(key)
            if self.folder is not None:
                self._load(embedder_name, kind, table)
        return table

    def _dir(self, embedder_name: str, kind: str) -> Path:
        assert self.folder is not None
        return self.folder / _slug(embedder_name) / _slug(kind)

    def _load(self, embedder_name: str, kind: str, table: dict[str, np.ndarray]) -> None:
        d = self._dir(embedder_name, kind)
        if not d.is_dir():
            return
        n = 0
        for meta_path in sorted(d.glob("batch-*.json")):
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
                vecs = np.load(meta_path.with_suffix(".npy"), allow_pickle=False)
                keys = meta["keys"]
                ok = (meta.get("embedder") == embedder_name and meta.get("kind") == kind and vecs.ndim == 2
                      and len(vecs) == len(keys) and vecs.dtype == np.float32)
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                ok = False
            if not ok:  # damaged (a disk error; a kill cannot leave one): embed those texts again
                log.warning("%s: unreadable cached batch, ignored", meta_path)
                continue
            for k, v in zip(keys, vecs):
                table[k] = v
            n += len(keys)
        if n:
            log.info("%d cached %s vectors of %s found in %s", n, kind, embedder_name, d)

    def __len__(self) -> int:
        return sum(len(t) for t in self._vectors.values())

    def cached(self, embedder_name: str, kind: str = "chunk") -> int:
        return len(self._table(embedder_name, kind))

    # ------------------------------------------------------------ writing

    def seed(self, embedder_name: str, kind: str, texts: Iterable[str], vectors: np.ndarray) -> None:
        """Known vectors (e.g. from the current index), in memory only."""
        table = self._table(embedder_name, kind)
        for t, v in zip(texts, vectors):
            table.setdefault(text_key(t), v)

    def _persist(self, embedder_name: str, kind: str, keys: list[str], vecs: np.ndarray) -> None:
        if self.folder is None:
            return
        d = self._dir(embedder_name, kind)
        d.mkdir(parents=True, exist_ok=True)
        stem = f"batch-{uuid.uuid4().hex}"
        for suffix, write in ((".npy", lambda fh: np.save(fh, vecs, allow_pickle=False)),
                              (".json", lambda fh: fh.write(json.dumps(
                                  {"embedder": embedder_name, "kind": kind, "dim": int(vecs.shape[1]), "keys": keys}).encode()))):
            tmp = d / f".{stem}{suffix}.tmp"
            try:
                with open(tmp, "wb") as fh:
                    write(fh)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, d / f"{stem}{suffix}")
            except BaseException:
                with contextlib.suppress(OSError):
                    tmp.unlink()
                raise

    def embed(self, embedder, texts: list[str], kind: str = "chunk", progress=None,
              encode: Callable[[list[str]], np.ndarray] | None = None, work=None) -> np.ndarray:
        """Vectors of `texts` in input order (float32, shape (len(texts), dim)); only texts
        not cached are embedded, a batch at a time, each batch persisted as it is done.

        `progress` (a progress.Progress) is started with the number of texts to embed;
        `work` (index/work.py) runs the batches, by default here and in order."""
        encode = encode or embedder.encode_passages
        table = self._table(embedder.name, kind)
        keys = [text_key(t) for t in texts]
        missing: dict[str, str] = {}
        for k, t in zip(keys, texts):
            if k not in table and k not in missing:
                missing[k] = t
        todo = list(missing.items())
        if not todo:
            progress = None
        if progress is not None:
            progress.start(len(todo))
        parts = [todo[i : i + self.batch] for i in range(0, len(todo), self.batch)]
        if work is None:
            done = ((n, encode([t for _, t in part])) for n, part in enumerate(parts))
        else:
            done = work.embed_batches(embedder, [[t for _, t in part] for part in parts])
        failed: dict[str, str] = {}
        try:
            for n, vecs in done:
                part = parts[n]
                if isinstance(vecs, BaseException):
                    failed.update((k, f"{type(vecs).__name__}: {vecs}") for k, _ in part)
                    continue
                vecs = np.asarray(vecs, dtype=np.float32).reshape(len(part), embedder.dim)
                self._persist(embedder.name, kind, [k for k, _ in part], vecs)
                for (k, _), v in zip(part, vecs):
                    table[k] = v
                if progress is not None:
                    progress.update(len(part))
        finally:  # also when a batch raises: the progress ticker must stop
            if progress is not None:
                progress.close()
        self.embedded = len(todo) - len(failed)
        if failed:
            raise EmbeddingFailed(failed)
        if not keys:
            return np.zeros((0, embedder.dim), np.float32)
        return np.stack([table[k] for k in keys]).astype(np.float32, copy=False)

    def clear(self) -> None:
        """Remove the persisted batches (the whole folder) and forget everything."""
        if self.folder is not None:
            if any(p.is_symlink() for p in (self.folder, *self.folder.parents[:2])):
                log.warning("%s: a symbolic link on the way; not removed", self.folder)  # never delete through one
            else:
                shutil.rmtree(self.folder, ignore_errors=True)
        self._vectors.clear()
        self._loaded.clear()
