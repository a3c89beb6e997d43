"""One write of the PostgreSQL store (pgstore.py): the stored index made equal to the one an
ingest assembled, in one transaction, per document by checksum.

A document is left as it is when its path, SHA-256, parser version and chunk count are the
stored ones and the index-wide settings (parser, facts version, embedder, index settings,
embedding format) are unchanged; otherwise it is deleted (its chunks, units and facts go with
it, ON DELETE CASCADE) and inserted anew. The `generation` row is bumped only when something
changed, so a re-ingest of unchanged files writes nothing.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import numpy as np

from namndsok.facts import ProtocolFacts
from namndsok.model import Chunk, Document

from .pgdense import hnsw_index_sql
from .pgschema import LOCK_SPACE
from .store import _doc_to_json
from .units import UnitTable


def _jsonb(obj: Any):
    from psycopg.types.json import Jsonb

    return Jsonb(obj)


def _chunk_data(c: Chunk) -> dict[str, Any]:
    """The chunk as JSON without what has its own column (text) or is given at load (id)."""
    d = c.to_json()
    del d["id"], d["text"]
    return d


def write_index_pg(store, conn, wide: dict[str, Any], dense_kind: str | None, documents: list[Document], chunks: list[Chunk],
                   vectors: np.ndarray, chunk_counts: list[int] | None, units: UnitTable | None,
                   indexed_at: dict[str, str], facts: list[ProtocolFacts], parsed_by: dict[str, int]) -> int:
    """Returns the number of documents inserted or deleted (0: nothing was written). `wide`:
    the manifest's index-wide part (when it changes, every document is written anew);
    `dense_kind`: the FAISS index asked for at load ("flat", "hnsw"; None keeps the stored choice)."""
    q = store._q
    if chunk_counts is None:
        by = Counter((c.source, c.doc_sha256) for c in chunks)
        chunk_counts = [by[(d.source, d.sha256)] for d in documents]
    starts = np.concatenate([[0], np.cumsum(chunk_counts)]).astype(np.int64)
    position = {d.path: n for n, d in enumerate(documents)}
    owner: dict[str, str] = {}  # a file indexed under two paths has its facts once: with the first
    for d in documents:
        owner.setdefault(d.sha256, d.path)
    wanted_facts: dict[str, list[ProtocolFacts]] = {}
    for f in facts:
        wanted_facts.setdefault(owner.get(f.sha256, ""), []).append(f)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (LOCK_SPACE, store.address.schema))
        row = conn.execute(q("SELECT value FROM §.meta WHERE key = 'manifest'")).fetchone()
        full = row is None or row[0] != wide
        existing = conn.execute(q("SELECT path, sha256, parser_version, chunk_count FROM §.documents")).fetchall()
        stale = []
        for path, sha, pv, count in existing:
            n = position.get(path)
            if (full or n is None or documents[n].sha256 != sha or parsed_by.get(path) != pv
                    or chunk_counts[n] != count):
                stale.append(path)
        if stale:
            conn.execute(q("DELETE FROM §.documents WHERE path = ANY(%s)"), (stale,))
        kept = {p for p, *_ in existing} - set(stale)
        new = [n for n, d in enumerate(documents) if d.path not in kept]
        _insert(q, conn, documents, new, chunks, vectors, starts, units, indexed_at, parsed_by, chunk_counts)
        fact_rows = [(documents[n].path, wanted_facts.get(documents[n].path, [])) for n in new]
        have = {r[0] for r in conn.execute(q("SELECT DISTINCT path FROM §.facts WHERE path = ANY(%s)"), (list(kept),))}
        gone = [p for p in have if p not in wanted_facts]
        fact_rows += [(p, wanted_facts[p]) for p in kept if p in wanted_facts and p not in have]
        if gone:
            conn.execute(q("DELETE FROM §.facts WHERE path = ANY(%s)"), (gone,))
        with conn.cursor().copy(q("COPY §.facts (path, ord, data) FROM STDIN")) as cp:
            for path, fs in fact_rows:
                for k, f in enumerate(fs):
                    cp.write_row((path, k, _jsonb(f.to_json())))
        changed = full or bool(stale or new or gone or any(fs for _, fs in fact_rows))
        if changed:
            conn.execute(q("INSERT INTO §.meta VALUES ('manifest', %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"),
                         (_jsonb(wide),))
            conn.execute(q("INSERT INTO §.meta VALUES ('written', %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"),
                         (_jsonb(time.strftime("%Y-%m-%dT%H:%M:%S")),))
            conn.execute(q("UPDATE §.meta SET value = to_jsonb(value::text::bigint + 1) WHERE key = 'generation'"))
        if dense_kind is not None:
            conn.execute(q("INSERT INTO §.meta VALUES ('dense_kind', %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"),
                         (_jsonb(dense_kind),))
        if len(vectors):
            _hnsw(q, conn, store.address.schema, np.asarray(vectors).shape[1])
        store._before_commit(len(stale) + len(new))  # a test's pause point (tests/pg_ingest_child.py)
    return len(stale) + len(new) if changed else 0


def _insert(q, conn, documents: list[Document], new: list[int], chunks: list[Chunk], vectors: np.ndarray,
            starts: np.ndarray, units: UnitTable | None, indexed_at: dict[str, str], parsed_by: dict[str, int],
            chunk_counts: list[int]) -> None:
    """The documents `new` (positions) with their chunks and units, by COPY."""
    if not new:
        return
    with conn.cursor().copy(q("COPY §.documents (path, source, sha256, parser_version, indexed_at, chunk_count, data) "
                              "FROM STDIN")) as cp:
        for n in new:
            d = documents[n]
            cp.write_row((d.path, d.source, d.sha256, parsed_by.get(d.path), indexed_at.get(d.path), chunk_counts[n],
                          _jsonb(_doc_to_json(d))))
    with conn.cursor().copy(q("COPY §.chunks (path, ord, source, organ, doc_type, date, dnr_key, decided, text, data, "
                              "embedding) FROM STDIN")) as cp:
        for n in new:
            for k, i in enumerate(range(int(starts[n]), int(starts[n + 1]))):
                c = chunks[i]
                cp.write_row((documents[n].path, k, c.source, c.citation.organ, c.citation.doc_type, c.citation.date,
                              c.dnr_key, bool(c.decision), c.text, _jsonb(_chunk_data(c)),
                              np.asarray(vectors[i], dtype=np.float32)))
    if units is None or len(units) == 0:
        return
    ids = {(p, k): i for i, p, k in conn.execute(q("SELECT id, path, ord FROM §.chunks WHERE path = ANY(%s)"),
                                                  ([documents[n].path for n in new],))}
    with conn.cursor().copy(q("COPY §.units (chunk, ord, start_at, end_at, embedding) FROM STDIN")) as cp:
        for n in new:
            for k, i in enumerate(range(int(starts[n]), int(starts[n + 1]))):
                chunk_id = ids[(documents[n].path, k)]
                for o, u in enumerate(units.of_chunk(i)):
                    cp.write_row((chunk_id, o, int(units.start[u]), int(units.end[u]),
                                  np.asarray(units.vectors[u], dtype=np.float32)))


def _hnsw(q, conn, schema: str, dim: int) -> None:
    """The HNSW index for this dimension. Dropped only when the dimension changed (another
    embedder): DROP INDEX locks the table against readers until the write commits, which
    CREATE INDEX IF NOT EXISTS on an existing index does not."""
    row = conn.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND indexname = 'chunks_embedding_hnsw'",
                       (schema,)).fetchone()
    if row is not None and f"halfvec({dim})" in row[0]:
        return
    if row is not None:
        conn.execute(q("DROP INDEX §.chunks_embedding_hnsw"))
    for statement in hnsw_index_sql(schema, dim):
        conn.execute(statement)
