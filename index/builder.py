"""`namndsok ingest`: find files, parse and chunk the new or changed ones, embed only those,
and write the index through its store (index/stores.py): a folder's new data folder is
switched to atomically; a database is changed per document in one transaction.

Unchanged files (same path, same SHA-256) reuse their chunks and vectors from the current
index, so a re-run does no embedding work; files that are gone from disk leave the index.
A file that fails is reported with its reason and the batch goes on; if it was indexed
before, its previous version stays. Only regular files are read (a FIFO would block).

Embeddings go through an EmbeddingCache, for a folder index persisted in its `work/` folder
batch by batch: a killed ingest resumes where it stopped. A chunk text the current index
already holds is never embedded again. The folder is removed once the new index is written.

Parsing and embedding run through a `Work` strategy (index/work.py): here by default, or on
a Dask cluster (index/distributed.py); what is written is the same either way.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from namndsok.errors import IndexError_, ModelMismatchError
from namndsok.facts import ProtocolFacts
from namndsok.ingest import FACTS_VERSION, PARSER_VERSION
from namndsok.ingest.protocol import protocol_facts
from namndsok.ingest.ocr import OcrSettings
from namndsok.ingest.read import SUPPORTED, ReadLimits, sha256_bytes, too_large
from namndsok.model import EMBED_FORMAT, Chunk, Document

from .directory import NotOurs
from .embedcache import EmbeddingFailed, text_key
from .embedders import Embedder
from .progress import Progress, progress_mode
from .settings import DEFAULT_INDEX, IndexSettings
from .units import build_units, unit_table
from .store import StoredIndex
from .stores import IndexStore, open_store
from .work import LocalWork, ParseJob, ParseOptions, Work, parse_file  # noqa: F401 (parse_file: API)

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
    embedded_units: int = 0
    # chunks this ingest added or changed, for what follows an ingest (saved searches): each with
    # its document's position in the new index; a chunk counts as changed when its document
    # (by file name) held no chunk of the same text before. Empty when nothing was written.
    changed_chunks: list[tuple[int, Chunk]] = field(default_factory=list)
    # the protocol facts of the documents read in this run (a fact is new when its place
    # overlaps one of changed_chunks); empty when nothing was written
    changed_facts: list[ProtocolFacts] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        return (
            f"{len(self.indexed)} indexed, {len(self.unchanged)} unchanged, {len(self.removed)} removed, "
            f"{len(self.skipped)} skipped, {len(self.failed)} failed; {self.chunks} chunks in the index, "
            f"{self.embedded} embedded now" + (f" (and {self.embedded_units} sentences)" if self.embedded_units else "")
        )


def _regular_file(f: Path, report: IngestReport) -> bool:
    """True for a regular file (or a link to one); anything else is reported, never read.

    A FIFO or device would block or never end when read; a broken link names a missing file.
    """
    try:
        st = f.stat()
    except FileNotFoundError:
        if f.is_symlink():
            report.failed.append((str(f), "broken symbolic link (its target does not exist)"))
        else:
            report.failed.append((str(f), "no such file"))
        return False
    except (OSError, RuntimeError) as exc:  # ELOOP: a link to itself
        report.failed.append((str(f), f"cannot open ({getattr(exc, 'strerror', None) or exc})"))
        return False
    if not stat.S_ISREG(st.st_mode):
        report.skipped.append((str(f), "not a regular file (a pipe, socket or device)"))
        return False
    return True


def discover(paths: list[str | Path], report: IngestReport, follow_links: bool = False) -> list[Path]:
    """Supported files under the given files and folders, each once, symlink loops avoided.

    A symbolic link (to a file or a folder) that leads outside the folders named here (for a
    named file: its folder) is skipped and reported, unless `follow_links`."""
    found: dict[str, Path] = {}
    roots: list[Path] = []
    for raw in paths:
        p = Path(raw)
        with contextlib.suppress(OSError, RuntimeError):
            roots.append((p if p.is_dir() else p.parent).resolve())

    def inside(target: Path) -> bool:
        return follow_links or any(target == r or r in target.parents for r in roots)

    def outside_reason(target: Path) -> str:
        return f"a link to {target}, outside the folders given; pass --follow-links to index it"

    def add(f: Path) -> None:
        try:
            target = f.resolve()
        except (OSError, RuntimeError) as exc:
            report.failed.append((str(f), f"cannot resolve path ({exc})"))
            return
        if not inside(target):
            report.skipped.append((str(f), outside_reason(target)))
            return
        found.setdefault(str(target), f)

    def walk_error(exc: OSError) -> None:
        report.failed.append((str(exc.filename or exc), f"cannot list folder ({exc.strerror or exc})"))

    for raw in paths:
        p = Path(raw)
        if not p.is_dir():
            if not p.exists() and not p.is_symlink():
                report.failed.append((str(p), "no such file or directory"))
            elif p.suffix.lower() not in SUPPORTED:
                report.skipped.append((str(p), f"unsupported file type {p.suffix or '(none)'}"))
            elif _regular_file(p, report):
                add(p)
            continue
        seen_dirs: set[tuple[int, int]] = set()
        for dirpath, dirnames, filenames in os.walk(p, followlinks=True, onerror=walk_error):
            try:
                st = os.stat(dirpath)
            except OSError as exc:
                walk_error(exc)
                dirnames[:] = []
                continue
            if (st.st_dev, st.st_ino) in seen_dirs:  # a symlink loop: do not descend again
                dirnames[:] = []
                continue
            seen_dirs.add((st.st_dev, st.st_ino))
            keep = []
            for d in sorted(dirnames):
                sub = Path(dirpath) / d
                if d.startswith("."):
                    continue
                if sub.is_symlink():
                    try:
                        target = sub.resolve()
                    except (OSError, RuntimeError):
                        target = None
                    if target is not None and not inside(target):
                        report.skipped.append((str(sub), outside_reason(target)))
                        continue
                keep.append(d)
            dirnames[:] = keep
            for name in sorted(filenames):
                f = Path(dirpath) / name
                if name.startswith("."):
                    continue
                if f.suffix.lower() not in SUPPORTED:
                    report.skipped.append((str(f), f"unsupported file type {f.suffix or '(none)'}"))
                    continue
                if _regular_file(f, report):
                    add(f)
    return list(found.values())


def _old_chunks(old: StoredIndex) -> dict[tuple[str, str], list[int]]:
    """Positions of each indexed document's chunks, by (source, sha256), in order.

    Files with the same name and content (a copied folder) are distinct documents whose chunks
    are equal; an index can hold them once per copy, so a chunk is kept once per
    (section, start, end). Built once: looking chunks up per document was O(documents×chunks).
    """
    out: dict[tuple[str, str], list[int]] = {}
    seen: set[tuple[str, str, int, int, int]] = set()
    for i, c in enumerate(old.chunks):
        sig = (c.source, c.doc_sha256, c.section_index, c.start, c.end)
        if sig in seen:
            continue
        seen.add(sig)
        out.setdefault((c.source, c.doc_sha256), []).append(i)
    return out


def ingest(
    paths: list[str | Path],
    root: "Path | str | IndexStore",
    embedder: Embedder,
    rebuild: bool = False,
    progress: bool | str | Callable[[Progress], None] = True,
    dense_kind: str | None = None,
    limits: ReadLimits | None = None,
    follow_links: bool = False,
    settings: IndexSettings = DEFAULT_INDEX,
    ocr: OcrSettings | None = None,
    work: Work | None = None,
) -> IngestReport:
    """`progress`: True for a bar on a terminal and log lines elsewhere, False for none, or
    a function called with the step's Progress (what, unit, done, total) as it advances;
    `limits` bound what one file may cost; `follow_links` indexes links that lead outside
    the folders given; `ocr` says how scanned pages are read; `work` runs parsing and
    embedding (default: here, in order; index/distributed.py: on a Dask cluster);
    `settings.redact` masks personal data before anything is chunked or embedded (an index
    built so stays so: later runs redact too, until --rebuild). `root` is the index folder,
    a store address (postgresql://…) or a store (index/stores.py)."""
    store = open_store(root, create=True)
    report = IngestReport()
    options = ParseOptions(limits or ReadLimits(), ocr or OcrSettings(), chunking=settings.chunking())
    limits = options.limits
    work = work or LocalWork()
    mode = progress_mode(progress)
    listener = progress if mode == "call" else None

    def tracker(what: str, unit: str, total: int = 0) -> Progress:
        return Progress(what, unit, mode, total=total, listener=listener)
    with store.lock():
        if rebuild:
            old, stale_parse, same_format = None, False, False
        else:
            old, stale_parse, same_format, settings = _previous(store, embedder, settings)
        options = dataclasses.replace(options, redact=settings.redact)
        files = discover(paths, report, follow_links)
        if stale_parse:  # documents indexed earlier from other paths are parsed again too
            asked = {str(f.resolve()) for f in files}
            files += [Path(p) for p in (d.path for d in old.documents) if p not in asked and Path(p).is_file()]
        old_docs = {d.path: d for d in old.documents} if old else {}
        old_ids = _old_chunks(old) if old else {}
        kept: dict[str, tuple[Document, list[Chunk], np.ndarray]] = {}  # by absolute path

        def keep(doc: Document) -> None:
            assert old is not None
            ids = old_ids.get((doc.source, doc.sha256), [])
            kept[doc.path] = (doc, [old.chunks[i] for i in ids], old.vectors[ids])

        wanted: set[str] = set()
        parsing = tracker("parsing", "file", total=len(files))

        def jobs():
            """The files to parse, read one at a time; unchanged ones are kept as they are."""
            for n, f in enumerate(files):
                abspath = str(f.resolve())
                wanted.add(abspath)
                try:
                    size = f.stat().st_size
                    if size > limits.max_file_mb * 1e6:  # refused before a byte is read
                        report.failed.append((str(f), too_large(size, limits)))
                        parsing.update()
                        continue
                    data = f.read_bytes()
                except OSError as exc:
                    report.failed.append((str(f), f"cannot read ({exc.strerror or exc})"))
                    parsing.update()
                    continue
                prev = old_docs.get(abspath)
                if prev is not None and not stale_parse and prev.sha256 == sha256_bytes(data) \
                        and parser_of(old, abspath) == PARSER_VERSION:
                    keep(prev)
                    report.unchanged.append(str(f))
                    parsing.update()
                    continue
                yield ParseJob(n, f, abspath, data)

        parsed = []
        for result in work.parse(jobs(), options):
            parsing.update()
            if result.error is not None:
                report.failed.append((str(result.path), result.error))
            else:
                parsed.append(result)
        parsing.close()
        parsed.sort(key=lambda r: r.n)  # a cluster returns them as they finish
        new: list[tuple[Document, list[Chunk]]] = [(r.doc, r.chunks) for r in parsed]
        report.indexed.extend(str(r.path) for r in parsed)
        # documents indexed earlier: keep those whose file still exists and was not re-read
        for path, doc in old_docs.items():
            if path in wanted:
                continue
            if Path(path).exists():
                keep(doc)
            else:
                report.removed.append(path)
        cache = store.embedding_cache()
        texts = [c.embed_text() for _, chunks in new for c in chunks]
        if texts:
            store.working()
            if old is not None and same_format:
                cache.seed(embedder.name, "chunk", (c.embed_text() for c in old.chunks), old.vectors)
        try:
            new_vecs = cache.embed(embedder, texts, kind="chunk", progress=tracker("embedding", "chunk"), work=work)
            report.embedded = cache.embedded
        except EmbeddingFailed as exc:  # lost twice on the cluster: those files fail, the rest goes on
            report.embedded = cache.embedded
            new = _drop_failed(new, exc, report, lambda c: [c.embed_text()])
            new_vecs = cache.embed(embedder, [c.embed_text() for _, chunks in new for c in chunks], kind="chunk")
        _keep_previous_of_failed(report, old_docs, kept, keep)
        entries = list(kept.values())
        offset = 0
        for doc, chunks in new:
            entries.append((doc, chunks, new_vecs[offset : offset + len(chunks)]))
            offset += len(chunks)
        documents, all_chunks, vectors, chunk_counts = _assemble(entries, embedder.dim)
        changed = bool(report.indexed or report.removed or old is None or len(all_chunks) != len(old.chunks)
                       or old.manifest.get("index_settings") != settings.to_json()
                       or old.manifest.get("facts_version") != FACTS_VERSION)
        units = None
        if settings.units and changed:
            # sentence vectors: a unit the current index holds is never embedded again
            if (old is not None and old.units is not None
                    and (old.manifest.get("index_settings") or {}).get("unit_context", False) == settings.unit_context):
                _, old_texts, _ = build_units(old.chunks, settings.unit_context)
                cache.seed(embedder.name, "unit", old_texts, old.units.vectors)
            unit_list, unit_texts, ptr = build_units(all_chunks, settings.unit_context)
            if unit_texts:
                store.working()
            try:
                unit_vecs = cache.embed(embedder, unit_texts, kind="unit",
                                        progress=tracker("embedding", "sentence"), work=work)
                report.embedded_units = cache.embedded
            except EmbeddingFailed as exc:  # drop the new files whose sentences were lost, assemble again
                report.embedded_units = cache.embedded
                gone = {id(d) for d, _ in _drop_failed(new, exc, report, lambda c: build_units([c], settings.unit_context)[1], keep_dropped=True)}
                _keep_previous_of_failed(report, old_docs, kept, keep)
                entries = [e for e in entries if id(e[0]) not in gone]
                entries += [kept[d.path] for d, _ in new if id(d) in gone and d.path in kept]
                documents, all_chunks, vectors, chunk_counts = _assemble(entries, embedder.dim)
                unit_list, unit_texts, ptr = build_units(all_chunks, settings.unit_context)
                # all cached now, but for sentences of kept documents (an index without
                # sentence vectors), which are embedded here
                unit_vecs = cache.embed(embedder, unit_texts, kind="unit")
            units = unit_table(unit_list, ptr, unit_vecs)
        if changed:
            # cheap (regexes over the stored text); a file indexed under two paths counts once
            seen: set[str] = set()
            facts = [f for d in documents if not (d.sha256 in seen or seen.add(d.sha256)) for f in protocol_facts(d)]
            fresh = {d.path for d, _ in new}
            older = {d.path: parser_of(old, d.path) for d in documents if d.path not in fresh}
            report.changed_chunks = _changed_chunks(documents, all_chunks, chunk_counts, new, old)
            fresh_sha = {d.sha256 for d, _ in new}
            report.changed_facts = [f for f in facts if f.sha256 in fresh_sha]
            store.write(documents, all_chunks, vectors, {"name": embedder.name, "dim": embedder.dim}, dense_kind,
                        chunk_counts, units, settings.to_json(), _indexed_at(documents, new, old), facts,
                        {p: v for p, v in older.items() if v != PARSER_VERSION})
        store.finish()  # the index now holds every vector
        report.chunks = len(all_chunks)
    return report


def parser_of(old: StoredIndex | None, path: str) -> int | None:
    """The parser version a stored document was read with (its own, when a failed re-parse
    kept an older one; else the index's)."""
    if old is None:
        return None
    entry = (old.manifest.get("documents") or {}).get(path) or {}
    return entry.get("parser_version", old.manifest.get("parser_version"))


def _previous(store: IndexStore, embedder: Embedder, settings: IndexSettings
              ) -> tuple[StoredIndex | None, bool, bool, IndexSettings]:
    """The index ingest starts from: (the index or None, whether every file must be parsed
    again, whether its chunk vectors may be reused for equal texts, the settings to build
    with — an index built with personal data masked stays so)."""
    try:
        manifest = store.manifest(upgrade=True)
    except NotOurs:
        raise
    except IndexError_ as exc:
        raise IndexError_(f"{exc} (or pass --rebuild to start over)") from exc
    if manifest is None:
        return None, False, False, settings
    name = manifest["embedder"]["name"]
    if name != embedder.name:
        raise ModelMismatchError(
            f"{store} was built with {name!r}, not {embedder.name!r}; use --embedder {name!r} "
            f"or rebuild with `namndsok ingest --rebuild --embedder {embedder.name!r} PATH…`"
        )
    old = store.load(upgrade=True)
    stale_parse = False
    if manifest.get("parser_version") != PARSER_VERSION:
        log.info("%s was parsed by another parser version: every file is parsed and embedded again", store)
        stale_parse = True
    if IndexSettings.from_json(manifest.get("index_settings")).chunking() != settings.chunking():
        log.info("%s was chunked with other sizes: every file is chunked again", store)
        stale_parse = True
    # chunk vectors of texts built another way are never reused, even for equal strings
    same_format = manifest.get("embed_format") == EMBED_FORMAT
    if not same_format:
        log.info("%s embedded another chunk text format: every chunk is embedded again", store)
        stale_parse = True
    was_redacted = bool((manifest.get("index_settings") or {}).get("redact"))
    if was_redacted and not settings.redact:  # never un-mask an index by leaving out a flag
        log.info("%s was built with personal data masked (--redact); it stays so", store)
        settings = settings.with_(redact=True)
    elif settings.redact and not was_redacted:
        log.info("%s held personal data: every file is parsed and masked again", store)
        stale_parse = True
    return old, stale_parse, same_format, settings


def _indexed_at(documents: list[Document], new: list[tuple[Document, list[Chunk]]], old: StoredIndex | None) -> dict[str, str]:
    """When each document was read into the index: now for those read in this run, as
    recorded before for the others (unknown for an index written before this was kept)."""
    now = time.strftime("%Y-%m-%dT%H:%M:%S")
    fresh = {d.path for d, _ in new}
    before = (old.manifest.get("indexed_at") or {}) if old is not None else {}
    out = {d.path: now if d.path in fresh else before.get(d.path) for d in documents}
    return {p: t for p, t in out.items() if t}


def _changed_chunks(documents: list[Document], chunks: list[Chunk], chunk_counts: list[int],
                    new: list[tuple[Document, list[Chunk]]], old: StoredIndex | None) -> list[tuple[int, Chunk]]:
    """(document position, chunk) of every chunk of the documents read in this run whose text
    its file (by name) did not hold before: a re-read file with one edited section yields
    that section's chunks only. Only the re-read files' old chunks are looked at."""
    fresh = {id(d) for d, _ in new}
    sources = {d.source for d, _ in new}
    before: set[tuple[str, str]] = set()
    if old is not None:
        before = {(c.source, c.text) for c in old.chunks if c.source in sources}
    out: list[tuple[int, Chunk]] = []
    at = 0
    for n, (doc, count) in enumerate(zip(documents, chunk_counts)):
        if id(doc) in fresh:
            out += [(n, c) for c in chunks[at : at + count] if (c.source, c.text) not in before]
        at += count
    return out


def _drop_failed(new: list[tuple[Document, list[Chunk]]], exc: EmbeddingFailed, report: IngestReport,
                 texts_of, keep_dropped: bool = False) -> list[tuple[Document, list[Chunk]]]:
    """The new documents none of whose texts were lost (or, with `keep_dropped`, those that
    were); each dropped file moves from indexed to failed with the reason."""
    ok, dropped = [], []
    for doc, chunks in new:
        lost = [exc.failed[k] for c in chunks for k in map(text_key, texts_of(c)) if k in exc.failed]
        if not lost:
            ok.append((doc, chunks))
            continue
        dropped.append((doc, chunks))
        shown = next((p for p in report.indexed if str(Path(p).resolve()) == doc.path), doc.path)
        if shown in report.indexed:
            report.indexed.remove(shown)
        report.failed.append((shown, f"embedding failed twice on the cluster ({lost[0]})"))
        log.warning("%s: embedding failed twice on the cluster (%s)", shown, lost[0])
    return dropped if keep_dropped else ok


def _keep_previous_of_failed(report: IngestReport, old_docs: dict[str, Document], kept: dict, keep) -> None:
    """Failed files keep their previous version, if any: bad input never loses indexed work."""
    for p, _ in report.failed:
        try:
            path = str(Path(p).resolve())
        except (OSError, RuntimeError):
            continue
        if path in old_docs and path not in kept and Path(path).exists():
            keep(old_docs[path])


def _assemble(entries: list[tuple[Document, list[Chunk], np.ndarray]], dim: int):
    """Documents in (source, path) order with their chunks numbered anew and their vectors:
    (documents, chunks, vectors, chunks per document)."""
    entries = sorted(entries, key=lambda k: (k[0].source, k[0].path))
    documents: list[Document] = []
    all_chunks: list[Chunk] = []
    vec_parts: list[np.ndarray] = []
    chunk_counts = [len(chunks) for _, chunks, _ in entries]
    for doc, chunks, vecs in entries:
        for c in chunks:  # a copy: identical documents may share the old chunk objects
            all_chunks.append(dataclasses.replace(c, id=len(all_chunks)))
        documents.append(doc)
        vec_parts.append(np.asarray(vecs, dtype=np.float32).reshape(-1, dim))
    vectors = np.concatenate(vec_parts) if vec_parts else np.zeros((0, dim), np.float32)
    return documents, all_chunks, vectors, chunk_counts
