"""The index in PostgreSQL + pgvector: documents (with checksums), chunks with their citation
columns and vectors, sentence units, protocol facts, in one schema (pgschema.py).

A write is one transaction under the schema's advisory lock, per document by checksum:
unchanged documents are not touched, changed or removed ones are deleted (their chunks, units
and facts with them) and the new ones inserted, and the `generation` counter is bumped. A
reader therefore never sees half a document, a killed ingest leaves the previous state, and
a server notices a new index by reading one row. A write that changed something is followed
by `VACUUM (ANALYZE)` of the chunks (outside its transaction), which the covering btrees'
index-only scans need (pgdense.py). `load()` reads one consistent snapshot back
into a StoredIndex, so that the Searcher works on it unchanged; the dense graph (FAISS) and
BM25 are built from the stored vectors and texts at load (the README, "One index for many servers", says why).
"""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from namndsok.errors import IndexError_
from namndsok.facts import ProtocolFacts
from namndsok.ingest import FACTS_VERSION, PARSER_VERSION
from namndsok.model import EMBED_FORMAT, Chunk, Document

from .directory import SCHEMA_VERSION as FOLDER_SCHEMA_VERSION
from .embedcache import EmbeddingCache
from .lexical import LexicalIndex
from .pgschema import LOCK_SPACE, PgAddress, connect, ensure_schema, parse_address
from .settings import IndexSettings
from .store import StoredIndex, _doc_from_json, build_dense
from .units import UnitTable

log = logging.getLogger(__name__)

_NO_INDEX = "no index in {}; build one with `namndsok ingest --store ADDRESS PATH…`"


class PgStore:
    """One schema of one database, opened by its address (pgschema.parse_address)."""

    root = None  # nothing of this index lives in a folder

    def __init__(self, spec: str | PgAddress, create: bool = False):
        self.address = spec if isinstance(spec, PgAddress) else parse_address(spec)
        self._conn = None  # for key(): one connection, reopened when lost
        self._writer = None  # the connection holding the writer lock, inside lock()
        self._exists = False
        with self.connection() as conn:
            self._exists = ensure_schema(conn, self.address, create)

    def __str__(self) -> str:
        return str(self.address)

    @contextlib.contextmanager
    def connection(self) -> Iterator[Any]:
        conn = connect(self.address, autocommit=True)
        try:
            yield conn
        finally:
            conn.close()

    def _q(self, sql: str) -> str:
        return sql.replace("§.", f'"{self.address.schema}".')

    # ------------------------------------------------------------ reading

    def key(self) -> int | None:
        """The generation (bumped by every write that changed something); None when the
        server cannot be reached (the app keeps serving what it has)."""
        import psycopg

        for _ in range(2):  # a connection lost since the last request is opened again once
            try:
                if self._conn is None or self._conn.closed:
                    self._conn = connect(self.address, autocommit=True)
                row = self._conn.execute(self._q("SELECT value FROM §.meta WHERE key = 'generation'")).fetchone()
                return int(row[0]) if row else None
            except (psycopg.Error, IndexError_):
                if self._conn is not None:
                    self._conn.close()
                self._conn = None
        return None

    def manifest(self, upgrade: bool = False) -> dict[str, Any] | None:
        if not self._exists:
            return None
        with self.connection() as conn:
            return self._manifest(conn)

    def _manifest(self, conn) -> dict[str, Any] | None:
        meta = dict(conn.execute(self._q("SELECT key, value FROM §.meta")).fetchall())
        wide = meta.get("manifest")
        if wide is None:
            return None
        docs = conn.execute(self._q(
            'SELECT path, source, sha256, chunk_count, parser_version, indexed_at FROM §.documents '
            'ORDER BY source COLLATE "C", path COLLATE "C"')).fetchall()
        manifest = dict(wide, dense_kind=meta.get("dense_kind"))
        manifest.update(
            schema_version=FOLDER_SCHEMA_VERSION, generation=int(meta.get("generation", 0)), files={},
            chunk_count=sum(r[3] for r in docs), created=meta.get("written"),
            documents={p: {"source": s, "sha256": h, "chunks": n, **({"parser_version": pv} if pv is not None else {})}
                       for p, s, h, n, pv, _ in docs},
            indexed_at={p: at for p, *_, at in docs if at},
        )
        return manifest

    def load(self, upgrade: bool = False) -> StoredIndex:
        """One consistent snapshot of the index (a REPEATABLE READ transaction)."""
        if not self._exists:
            raise IndexError_(_NO_INDEX.format(self))
        t = time.perf_counter()
        with self.connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            # a reader never waits for a writer (a write takes no lock that blocks it); should an
            # administrator's DDL hold the tables, say so instead of hanging
            conn.execute("SET LOCAL lock_timeout = '10s'")
            manifest = self._manifest(conn)
            if manifest is None:
                raise IndexError_(_NO_INDEX.format(self))
            documents = [_doc_from_json(r[0]) for r in conn.execute(self._q(
                'SELECT data FROM §.documents ORDER BY source COLLATE "C", path COLLATE "C"'))]
            cur = conn.cursor(binary=True)
            rows = cur.execute(self._q(
                'SELECT c.id, c.text, c.data, c.embedding FROM §.chunks c JOIN §.documents d USING (path) '
                'ORDER BY d.source COLLATE "C", d.path COLLATE "C", c.ord')).fetchall()
            position = {r[0]: n for n, r in enumerate(rows)}
            units = None
            if manifest.get("unit_count") is not None:
                unit_rows = cur.execute(self._q("SELECT chunk, ord, start_at, end_at, embedding FROM §.units")).fetchall()
                units = _unit_table(unit_rows, position, len(rows), manifest["embedder"]["dim"])
            fact_rows = conn.execute(self._q("SELECT path, data FROM §.facts ORDER BY path, ord")).fetchall()
        dim = manifest["embedder"]["dim"]
        chunks = [Chunk.from_json({**data, "id": n, "text": text}) for n, (_, text, data, _) in enumerate(rows)]
        vectors = (np.stack([_vec(r[3]) for r in rows]) if rows
                   else np.zeros((0, dim), np.float32))
        by_path: dict[str, list] = {}
        for path, data in fact_rows:
            by_path.setdefault(path, []).append(ProtocolFacts.from_json(data))
        facts = [f for d in documents for f in by_path.get(d.path, [])]
        wide = IndexSettings.from_json(manifest.get("index_settings"))
        sql_dense = None
        if self.address.dense == "sql":
            from .pgdense import PgDense

            sql_dense = PgDense(self.address, np.asarray([r[0] for r in rows], dtype=np.int64), dim, wide.hnsw_ef_search)
            dense = build_dense(np.zeros((0, dim), np.float32), "flat")  # unused: the database searches
        else:
            dense = build_dense(vectors, manifest.get("dense_kind"), wide)
        lexical = LexicalIndex.build([c.lexical_text() for c in chunks] or [""], wide.bm25_ngram)
        if units is not None:
            manifest["unit_count"] = len(units)
        manifest["dense_index"] = "hnsw" if dense.__class__.__name__.startswith("IndexHNSW") else "flat"
        log.info("loaded %s: %d documents, %d chunks in %.2f s", self, len(documents), len(chunks), time.perf_counter() - t)
        return StoredIndex(Path("."), manifest, documents, chunks, vectors, dense, lexical, units, facts,
                           location=str(self), sql_dense=sql_dense)

    # ------------------------------------------------------------ writing

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """The writer lock of this schema, held by a connection for the whole ingest: a second
        ingest waits for the first (a killed one's lock goes with its connection)."""
        conn = connect(self.address, autocommit=True)
        try:
            if not conn.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))",
                                (LOCK_SPACE, self.address.schema)).fetchone()[0]:
                log.warning("%s: another ingest is writing this store; waiting for it to finish", self)
                conn.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (LOCK_SPACE, self.address.schema))
            self._exists = ensure_schema(conn, self.address, create=True)
            self._writer = conn  # write() runs on the connection that holds the lock
            yield
        finally:
            self._writer = None
            conn.close()  # releases the lock

    def _before_commit(self, documents: int) -> None:
        """Called inside a write's transaction, its rows written, before it commits (a crash
        test stops the process here)."""

    def embedding_cache(self) -> EmbeddingCache:
        return EmbeddingCache(None)  # in memory: a killed ingest embeds its new texts again

    def working(self) -> None:
        pass

    def finish(self) -> None:
        pass

    def write(self, documents: list[Document], chunks: list[Chunk], vectors: np.ndarray, embedder: dict[str, Any],
              dense_kind: str | None = None, chunk_counts: list[int] | None = None, units: UnitTable | None = None,
              settings: dict[str, Any] | None = None, indexed_at: dict[str, str] | None = None,
              facts: list[ProtocolFacts] | None = None, parsed_by: dict[str, int] | None = None) -> int:
        """Make the stored index equal to the one given, in one transaction, touching only the
        documents that changed; returns how many documents were written or removed."""
        from .pgwrite import write_index_pg

        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        wide = {"parser_version": PARSER_VERSION, "facts_version": FACTS_VERSION, "embedder": embedder,
                "index_settings": settings or {}, "embed_format": EMBED_FORMAT,
                "unit_count": None if units is None else 0}
        import psycopg

        with contextlib.ExitStack() as stack:
            conn = self._writer or stack.enter_context(self.connection())
            ensure_schema(conn, self.address, create=True)
            self._exists = True
            try:
                n = write_index_pg(self, conn, wide, dense_kind, documents, chunks, vectors, chunk_counts, units,
                                   indexed_at or {}, facts or [], parsed_by or {})
            except psycopg.Error as exc:  # rolled back: the stored index is as it was
                reason = (str(exc).strip().splitlines() or ["unknown error"])[0]
                raise IndexError_(f"writing to the store {self} failed ({reason}); the index there is unchanged") from None
            if n:
                self._vacuum(conn)
        log.info("wrote %s: %d documents, %d chunks (%d documents written or removed)",
                 self, len(documents), len(chunks), n)
        return n

    def _vacuum(self, conn) -> None:
        """VACUUM (ANALYZE) the chunk table after a write committed: it marks the new rows' pages
        all-visible, so that an exact scan of a covering btree (pgdense.py) reads no table page,
        and refreshes the planner's counts. Outside a transaction (VACUUM cannot run in one); it
        takes no lock that blocks readers or row writes. A failure only costs speed: logged."""
        import psycopg

        t = time.perf_counter()
        try:
            conn.execute(self._q("VACUUM (ANALYZE) §.chunks"))
        except psycopg.Error as exc:
            log.warning("%s: VACUUM of the chunks after the write failed (%s); searches stay correct, "
                        "covered filters slower until autovacuum runs", self, (str(exc).splitlines() or ["?"])[0])
            return
        log.info("%s: chunks vacuumed and analysed in %.2f s", self, time.perf_counter() - t)


def _vec(v: Any) -> np.ndarray:
    """A stored vector as float32 (pgvector's binary loader gives a Vector)."""
    return np.asarray(v.to_numpy() if hasattr(v, "to_numpy") else v, dtype=np.float32)


def _unit_table(rows: list, position: dict[int, int], n_chunks: int, dim: int) -> UnitTable:
    """The units of the loaded chunks grouped by chunk, in order (UnitTable's layout)."""
    rows = sorted(((position[c], o, a, b, v) for c, o, a, b, v in rows if c in position), key=lambda r: (r[0], r[1]))
    counts = np.bincount(np.asarray([r[0] for r in rows], dtype=np.int64), minlength=n_chunks) if rows \
        else np.zeros(n_chunks, np.int64)
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return UnitTable(
        chunk=np.asarray([r[0] for r in rows], dtype=np.int32),
        start=np.asarray([r[2] for r in rows], dtype=np.int32),
        end=np.asarray([r[3] for r in rows], dtype=np.int32),
        ptr=ptr,
        vectors=np.stack([_vec(r[4]) for r in rows]) if rows else np.zeros((0, dim), np.float32),
    )
