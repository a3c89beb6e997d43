"""`namndsok ingest`: find files, parse and chunk the new or changed ones, embed only those,
and write the whole index anew (store.write_index switches to it atomically).

Unchanged files (same path, same SHA-256) reuse their chunks and vectors from the current
index, so a re-run does no embedding work; files that are gone from disk leave the index.
A file that fails is reported with its reason and the batch goes on.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from namndsok.errors import IngestError, IndexError_, ModelMismatchError
from namndsok.ingest.chunk import chunk_document
from namndsok.ingest.read import SUPPORTED, read_document, sha256_bytes
from namndsok.ingest.structure import parse_structure
from namndsok.model import Chunk, Document

from .embedders import Embedder
from .store import load_index, read_manifest, write_index, write_lock

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    indexed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0
    embedded: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        return (
            f"{len(self.indexed)} indexed, {len(self.unchanged)} unchanged, {len(self.removed)} removed, "
            f"{len(self.skipped)} skipped, {len(self.failed)} failed; {self.chunks} chunks in the index, "
            f"{self.embedded} embedded now"
        )


def discover(paths: list[str | Path], report: IngestReport) -> list[Path]:
    """Supported files under the given files and folders, each once, symlink loops avoided."""
    found: dict[str, Path] = {}
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            report.failed.append((str(p), "no such file or directory"))
            continue
        if p.is_file():
            if p.suffix.lower() in SUPPORTED:
                found.setdefault(str(p.resolve()), p)
            else:
                report.skipped.append((str(p), f"unsupported file type {p.suffix or '(none)'}"))
            continue
        seen_dirs: set[tuple[int, int]] = set()
        for dirpath, dirnames, filenames in os.walk(p, followlinks=True):
            st = os.stat(dirpath)
            if (st.st_dev, st.st_ino) in seen_dirs:  # a symlink loop: do not descend again
                dirnames[:] = []
                continue
            seen_dirs.add((st.st_dev, st.st_ino))
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                f = Path(dirpath) / name
                if name.startswith("."):
                    continue
                if f.suffix.lower() not in SUPPORTED:
                    report.skipped.append((str(f), f"unsupported file type {f.suffix or '(none)'}"))
                    continue
                try:
                    found.setdefault(str(f.resolve()), f)
                except (OSError, RuntimeError) as exc:
                    report.failed.append((str(f), f"cannot resolve path ({exc})"))
    return list(found.values())


def parse_file(path: Path, data: bytes | None = None) -> tuple[Document, list[Chunk]]:
    doc = parse_structure(read_document(path, data))
    chunks = chunk_document(doc)
    if not chunks:
        raise IngestError(str(path), "no text to index after parsing")
    return doc, chunks


def ingest(
    paths: list[str | Path],
    root: Path,
    embedder: Embedder,
    rebuild: bool = False,
    progress: bool = True,
    dense_kind: str | None = None,
) -> IngestReport:
    report = IngestReport()
    with write_lock(root):
        old = None
        if not rebuild:
            try:
                manifest = read_manifest(root)
            except IndexError_ as exc:
                raise IndexError_(f"{exc} (or pass --rebuild to start over)") from exc
            if manifest is not None:
                name = manifest["embedder"]["name"]
                if name != embedder.name:
                    raise ModelMismatchError(
                        f"{root} was built with {name!r}, not {embedder.name!r}; use --embedder {name!r} "
                        f"or rebuild with `namndsok ingest --rebuild --embedder {embedder.name!r} PATH…`"
                    )
                old = load_index(root)
        files = discover(paths, report)
        old_docs = {d.path: d for d in old.documents} if old else {}
        kept: list[tuple[Document, list[Chunk], np.ndarray]] = []
        new: list[tuple[Document, list[Chunk]]] = []
        wanted: set[str] = set()
        for f in tqdm(files, desc="parsing", unit="file", disable=not progress):
            abspath = str(f.resolve())
            wanted.add(abspath)
            try:
                data = f.read_bytes()
            except OSError as exc:
                report.failed.append((str(f), f"cannot read ({exc.strerror})"))
                continue
            prev = old_docs.get(abspath)
            if prev is not None and prev.sha256 == sha256_bytes(data):
                ids = [c.id for c in old.chunks if c.source == prev.source and c.doc_sha256 == prev.sha256]
                kept.append((prev, [old.chunks[i] for i in ids], old.vectors[ids]))
                report.unchanged.append(str(f))
                continue
            try:
                doc, chunks = parse_file(f, data)
            except IngestError as exc:
                report.failed.append((exc.path, exc.reason))
                log.warning("%s", exc)
                continue
            except Exception as exc:  # a parser bug must not end the batch; report it
                log.exception("unexpected error parsing %s", f)
                report.failed.append((str(f), f"internal error while parsing: {exc!r}"))
                continue
            new.append((doc, chunks))
            report.indexed.append(str(f))
        # documents indexed earlier: keep those whose file still exists and was not re-read
        for path, doc in old_docs.items():
            if path in wanted:
                continue
            if Path(path).exists():
                ids = [c.id for c in old.chunks if c.source == doc.source and c.doc_sha256 == doc.sha256]
                kept.append((doc, [old.chunks[i] for i in ids], old.vectors[ids]))
            else:
                report.removed.append(path)
        # failed files keep their previous version, if any: bad input never loses indexed work
        failed_paths = {str(Path(p).resolve()) for p, _ in report.failed if Path(p).exists()}
        for path in failed_paths & set(old_docs):
            doc = old_docs[path]
            if not any(k[0].path == path for k in kept):
                ids = [c.id for c in old.chunks if c.source == doc.source and c.doc_sha256 == doc.sha256]
                kept.append((doc, [old.chunks[i] for i in ids], old.vectors[ids]))
        texts = [c.embed_text() for _, chunks in new for c in chunks]
        new_vecs = embedder.encode_passages(texts, progress=progress) if texts else np.zeros((0, embedder.dim), np.float32)
        report.embedded = len(texts)
        documents: list[Document] = []
        all_chunks: list[Chunk] = []
        vec_parts: list[np.ndarray] = []
        offset = 0
        for doc, chunks in new:
            kept.append((doc, chunks, new_vecs[offset : offset + len(chunks)]))
            offset += len(chunks)
        kept.sort(key=lambda k: (k[0].source, k[0].path))
        for doc, chunks, vecs in kept:
            for c in chunks:
                c.id = len(all_chunks)
                all_chunks.append(c)
            documents.append(doc)
            vec_parts.append(np.asarray(vecs, dtype=np.float32).reshape(-1, embedder.dim))
        vectors = np.concatenate(vec_parts) if vec_parts else np.zeros((0, embedder.dim), np.float32)
        changed = report.indexed or report.removed or old is None
        if changed:
            write_index(root, documents, all_chunks, vectors, {"name": embedder.name, "dim": embedder.dim}, dense_kind)
        report.chunks = len(all_chunks)
    return report
