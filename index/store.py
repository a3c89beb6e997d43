"""The index directory on disk: written whole into a new folder, then switched to atomically.

Layout of `.namndsok/` (or `--index DIR` / `NAMNDSOK_INDEX`):

    namndsok-index.json  the marker: format, schema version, the folders namndsok made here
                         (directory.py: nothing else in the directory is ever touched)
    CURRENT              name of the active data folder (replaced with os.replace)
    lock                 flock'ed by a writer; a second writer is refused
    data-<stamp>/        manifest.json, documents.json, chunks.jsonl, vectors.npy,
                         dense.faiss, bm25/, facts.json (protocol facts, namndsok/facts.py)
    work/                an unfinished ingest's embeddings (embedcache.py), removed after success

A crash while writing leaves a recorded stray folder and the old CURRENT: the previous index
stays intact, and the next write removes the stray. The manifest holds the size and SHA-256
of every file, checked at load. Nothing is pickled: numpy files are loaded with
allow_pickle=False.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from namndsok.errors import IndexError_, IndexLockedError
from namndsok.facts import ProtocolFacts
from namndsok.ingest import FACTS_VERSION, PARSER_VERSION
from namndsok.model import EMBED_FORMAT, Chunk, Document, Section

from . import directory
from .directory import SCHEMA_VERSION, claim, current_name, writing
from .lexical import LexicalIndex
from .settings import DEFAULT_INDEX, IndexSettings
from .units import UnitTable

log = logging.getLogger(__name__)

DEFAULT_INDEX_DIR = ".namndsok"
REBUILD_HINT = "rebuild it with `namndsok ingest --rebuild PATH…`"
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


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
    units: UnitTable | None = None  # sentence units and their vectors (index/units.py)
    facts: list[ProtocolFacts] = field(default_factory=list)  # every protocol's facts (facts.json)
    location: str | None = None  # where it was loaded from, for messages (a store address; else the folder's parent)
    sql_dense: Any = None  # dense retrieval in the database (index/pgdense.py) instead of `dense`

    @property
    def where(self) -> str:
        return self.location or str(self.folder.parent)

    @property
    def embedder_name(self) -> str:
        return self.manifest["embedder"]["name"]

    def document(self, source: str) -> Document | None:
        return next((d for d in self.documents if d.source == source), None)


@contextlib.contextmanager
def write_lock(root: Path) -> Iterator[None]:
    """Hold the index's writer lock; `root` is claimed first (directory.claim), so the lock
    file is only ever created in a directory that is namndsok's."""
    claim(root)
    with writing(root):
        # O_NOFOLLOW: a link put there since claim() checked is refused, not written through
        fh = os.fdopen(os.open(root / "lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644), "r+")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexLockedError(
                f"{root}: another `namndsok ingest` is writing this index; wait for it to finish"
            ) from exc
        with writing(root):
            fh.seek(0)
            fh.truncate()
            fh.write(f"{os.getpid()}\n")
            fh.flush()
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def build_dense(vectors: np.ndarray, kind: str | None = None, settings: IndexSettings = DEFAULT_INDEX):
    """Inner product on normalised vectors: flat (exact) up to `settings.flat_limit` vectors,
    an HNSW graph above."""
    import faiss

    dim = vectors.shape[1]
    kind = kind or ("flat" if len(vectors) <= settings.flat_limit else "hnsw")
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = settings.hnsw_ef_construction
        index.hnsw.efSearch = settings.hnsw_ef_search
    else:
        raise ValueError(f"unknown dense index type {kind!r}")
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def json_text(obj: Any, **kw: Any) -> str:
    """JSON with UTF-8 text as is, but lone surrogates escaped (`\\udcf6`): a file name that is
    not valid UTF-8 (os.fsdecode keeps its bytes as surrogates) round-trips through json.loads."""
    return "".join(_json_pieces(obj, **kw))


def _json_pieces(obj: Any, **kw: Any) -> Iterator[str]:
    for piece in json.JSONEncoder(ensure_ascii=False, **kw).iterencode(obj):
        yield _SURROGATE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", piece)


def _dump(obj: Any, fh, **kw: Any) -> None:
    """json_text written piece by piece: documents.json holds every document's text."""
    for piece in _json_pieces(obj, **kw):
        fh.write(piece)


def _doc_to_json(doc: Document) -> dict[str, Any]:
    d = doc.meta()
    d["text"] = doc.text
    d["sections"] = [asdict(s) for s in doc.sections]
    return d


def _doc_from_json(d: dict[str, Any]) -> Document:
    d = dict(d)
    sections = [Section(**s) for s in d.pop("sections")]
    return Document(**d, sections=sections)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _file_table(folder: Path) -> dict[str, dict[str, Any]]:
    return {
        str(p.relative_to(folder)): {"size": p.stat().st_size, "sha256": file_sha256(p)}
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
    units: UnitTable | None = None,
    settings: dict[str, Any] | None = None,
    indexed_at: dict[str, str] | None = None,
    facts: list[ProtocolFacts] | None = None,
    parsed_by: dict[str, int] | None = None,
) -> Path:
    """Write a complete new data folder and make it current. The caller holds write_lock.

    `parsed_by` (document path → parser version) names documents kept from an older parser
    because their file failed to parse anew: the next ingest parses them again.

    `chunk_counts[i]` is the number of chunks of documents[i] (chunks follow document order);
    without it, chunks are counted by (source, hash), which cannot tell identical copies apart.
    Each folder is recorded in the marker before it is created, so that a crash leaves
    nothing the next write cannot prove is its own. `indexed_at` (document path → ISO time)
    says when each document was read into the index.
    """
    import faiss

    if len(chunks) != len(vectors):
        raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
    claim(root)
    current_name(root)  # a CURRENT that namndsok did not write is reported, never replaced
    folder = root / f"data-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
    tmp = root / f".tmp-{folder.name}"
    with writing(root):
        directory.record(root, tmp.name, folder.name)
        try:
            tmp.mkdir()
            with open(tmp / "documents.json", "w", encoding="utf-8") as fh:
                _dump([_doc_to_json(d) for d in documents], fh)
            with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as fh:
                for c in chunks:
                    fh.write(json_text(c.to_json()) + "\n")
            np.save(tmp / "vectors.npy", np.asarray(vectors, dtype=np.float32), allow_pickle=False)
            dense = build_dense(np.asarray(vectors, dtype=np.float32), dense_kind, IndexSettings.from_json(settings))
            faiss.write_index(dense, str(tmp / "dense.faiss"))
            LexicalIndex.build([c.lexical_text() for c in chunks] or [""], int((settings or {}).get("bm25_ngram", 0))).save(tmp / "bm25")
            if units is not None:
                units.save(tmp)
            with open(tmp / "facts.json", "w", encoding="utf-8") as fh:
                _dump([f.to_json() for f in facts or []], fh)
            manifest = {
                "schema_version": SCHEMA_VERSION,
                "parser_version": PARSER_VERSION,
                "facts_version": FACTS_VERSION,
                "embedder": embedder,
                "chunk_count": len(chunks),
                "unit_count": len(units) if units is not None else None,
                "index_settings": settings or {},
                "embed_format": EMBED_FORMAT,
                "dense_index": "flat" if isinstance(dense, faiss.IndexFlat) else "hnsw",
                "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "documents": {
                    d.path: {"source": d.source, "sha256": d.sha256, "chunks": n,
                             **({"parser_version": parsed_by[d.path]} if d.path in (parsed_by or {}) else {})}
                    for d, n in zip(documents, chunk_counts or _count_by_document(documents, chunks))
                },
                "indexed_at": {d.path: indexed_at[d.path] for d in documents if (indexed_at or {}).get(d.path)},
                "files": _file_table(tmp),
            }
            with open(tmp / "manifest.json", "w", encoding="utf-8") as fh:
                _dump(manifest, fh, indent=1)
            _fsync_tree(tmp)
            tmp.rename(folder)
            _switch_current(root, folder.name)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            with contextlib.suppress(OSError, IndexError_):
                if current_name(root) != folder.name:
                    shutil.rmtree(folder, ignore_errors=True)
                    directory.forget(root, tmp.name, folder.name)
            raise
        remove_stale(root, keep=folder.name)
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


def remove_stale(root: Path, keep: str, keep_work: bool = True) -> None:
    """Remove the folders the marker records, except the current one (and the work folder);
    a folder the marker does not name is never touched, whatever its name."""
    gone = []
    for name in directory.owned(root):
        if name == keep or (keep_work and name == directory.WORK) or "/" in name or name in ("", ".", ".."):
            continue
        p = root / name
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        if not p.exists():
            gone.append(name)
    if gone:
        directory.forget(root, *gone)


def current_folder(root: Path) -> Path | None:
    name = current_name(root)
    if name is None:
        return None
    folder = root / name
    if not name or not folder.is_dir():
        raise IndexError_(f"{root}: CURRENT names {name!r}, which is missing; {REBUILD_HINT}")
    return folder


def _check_manifest(manifest: Any, folder: Path) -> None:
    """The manifest's shape, so that a manifest edited or written by something else is refused
    with a sentence instead of failing later with a KeyError."""
    def bad(what: str) -> IndexError_:
        return IndexError_(f"{folder}/manifest.json is not a valid namndsok manifest ({what}); {REBUILD_HINT}")

    if not isinstance(manifest, dict):
        raise bad(f"a JSON {type(manifest).__name__}, not an object")
    types = {"schema_version": int, "embedder": dict, "chunk_count": int, "documents": dict, "files": dict}
    for key, typ in types.items():
        if key not in manifest:
            raise bad(f"no {key!r}")
        if not isinstance(manifest[key], typ) or isinstance(manifest[key], bool):
            raise bad(f"{key!r} is not a{'n' if typ is int else ''} {typ.__name__}")
    emb = manifest["embedder"]
    if not isinstance(emb.get("name"), str) or not isinstance(emb.get("dim"), int):
        raise bad("'embedder' needs a name and a dim")
    for rel, entry in manifest["files"].items():
        if isinstance(entry, int) and manifest["schema_version"] == 1:
            continue
        if not (isinstance(entry, dict) and isinstance(entry.get("size"), int) and isinstance(entry.get("sha256"), str)):
            raise bad(f"file entry {rel!r} needs a size and a sha256")


def read_manifest(root: Path, upgrade: bool = False) -> dict[str, Any] | None:
    """The current manifest, checked; None when the directory holds no index yet.

    `upgrade` also accepts an index of an older schema this version can still read (ingest
    reuses its vectors and writes the current schema)."""
    folder = current_folder(root)
    if folder is None:
        return None
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexError_(f"{folder}: manifest.json is missing or damaged ({exc}); {REBUILD_HINT}") from exc
    version = manifest.get("schema_version") if isinstance(manifest, dict) else None
    readable = (SCHEMA_VERSION, *directory.LEGACY_VERSIONS) if upgrade else (SCHEMA_VERSION,)
    if version not in readable:
        hint = ("update it with `namndsok ingest PATH…` (nothing is embedded again) or " + REBUILD_HINT
                if version in directory.LEGACY_VERSIONS else REBUILD_HINT)
        raise IndexError_(
            f"{root}: index schema version {version} but this namndsok reads version {SCHEMA_VERSION}; {hint}"
        )
    _check_manifest(manifest, folder)
    return manifest


def verify_files(folder: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists exists with its size and SHA-256 (sizes only for schema 1)."""
    for rel, entry in manifest["files"].items():
        p = folder / rel
        if not p.is_file():
            raise IndexError_(f"{folder}: {rel} is missing; the index is damaged, {REBUILD_HINT}")
        size = entry if isinstance(entry, int) else entry["size"]
        if p.stat().st_size != size:
            raise IndexError_(f"{folder}: {rel} has {p.stat().st_size} bytes, expected {size}; the index is damaged, {REBUILD_HINT}")
        if isinstance(entry, dict) and file_sha256(p) != entry["sha256"]:
            raise IndexError_(f"{folder}: {rel} does not match its SHA-256 in the manifest; the index is damaged "
                              f"or was edited, {REBUILD_HINT}")


def load_index(root: Path, upgrade: bool = False) -> StoredIndex:
    """Load and verify the current index, or raise IndexError_ saying what is wrong."""
    import faiss

    directory.refuse_links(root)
    manifest = read_manifest(root, upgrade=upgrade)
    if manifest is None:
        raise IndexError_(f"no index in {root}; build one with `namndsok ingest PATH…`")
    folder = current_folder(root)
    assert folder is not None
    verify_files(folder, manifest)
    try:
        documents = [_doc_from_json(d) for d in json.loads((folder / "documents.json").read_text(encoding="utf-8"))]
        with open(folder / "chunks.jsonl", encoding="utf-8") as fh:
            chunks = [Chunk.from_json(json.loads(line)) for line in fh if line.strip()]
        vectors = np.load(folder / "vectors.npy", allow_pickle=False)
        dense = faiss.read_index(str(folder / "dense.faiss"))
        lexical = LexicalIndex.load(folder / "bm25")
        units = UnitTable.load(folder)
        facts_file = folder / "facts.json"  # an index written before protocol facts has none
        facts = ([ProtocolFacts.from_json(f) for f in json.loads(facts_file.read_text(encoding="utf-8"))]
                 if "facts.json" in manifest["files"] else [])
    except Exception as exc:  # any decoding error means the same thing to the user
        raise IndexError_(f"{folder}: cannot load the index ({exc}); {REBUILD_HINT}") from exc
    if not (len(chunks) == len(vectors) == dense.ntotal == manifest["chunk_count"]):
        raise IndexError_(f"{folder}: chunk, vector and manifest counts disagree; {REBUILD_HINT}")
    if units is not None and not (len(units) == len(units.vectors) == manifest.get("unit_count")
                                  and len(units.ptr) == len(chunks) + 1):
        raise IndexError_(f"{folder}: unit and chunk counts disagree; {REBUILD_HINT}")
    return StoredIndex(folder, manifest, documents, chunks, vectors, dense, lexical, units, facts)
