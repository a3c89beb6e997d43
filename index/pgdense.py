"""Dense retrieval in PostgreSQL (pgvector), for an index loaded from a PgStore with
`?dense=sql`: the k nearest allowed chunks by cosine over the HNSW index of the chunk table.

The same rule as filtered.py for FAISS: no filter → the HNSW graph (on half-precision
vectors); a selective filter (at most `exact_below` allowed chunks) → an exact scan of those
rows (`ORDER BY (… <=> q) + 0`, which no index can serve, so the planner cannot pick the graph
for it); a broad filter on one column (organ or dates, at most `exact_covered_below`
chunks) → the same exact scan on the half-precision vectors of that column's covering btree,
read without the table, its best re-scored at full precision; any other broad filter → the graph
with the filter in the WHERE clause and
`hnsw.iterative_scan = relaxed_order`, so that the walk goes on until k allowed rows are
found. The k found are scored and sorted on the full-precision vectors. hnsw.* settings are read when a query runs,
and statements are never prepared (a cached plan would keep its path across settings).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np

from namndsok.errors import IndexError_

from .filtered import FilterSettings
from .pgschema import PgAddress, connect

log = logging.getLogger(__name__)

MAX_EF_SEARCH = 1000  # pgvector's bound on hnsw.ef_search; iterative scan goes on past it


def hnsw_index_sql(schema: str, dim: int) -> list[str]:
    """The HNSW cosine index on the chunk vectors, on a cast to half precision of the index's
    dimension (the column itself has none, so one schema can be rebuilt with another embedder).
    Half precision: half the index for the same recall (measured at 200k chunks, eval/RESULTS.md, "PostgreSQL store");
    the column keeps full precision, so what is loaded equals what the folder holds."""
    return [f'CREATE INDEX IF NOT EXISTS chunks_embedding_hnsw ON "{schema}".chunks '
            f"USING hnsw ((embedding::halfvec({int(dim)})) halfvec_cosine_ops)"]


def hnsw_expression(dim: int) -> str:
    """What the HNSW index is on: a query must order by exactly this to use it."""
    return f"embedding::halfvec({int(dim)})"


class PgDense:
    """Nearest chunks in SQL; chunk positions of one loaded snapshot (`ids[i]` is the row id of
    chunk i). Thread-safe: one connection, used under a lock, opened again when lost."""

    def __init__(self, address: PgAddress, ids: np.ndarray, dim: int, ef_search: int = 128,
                 exact_below: int = 20_000):
        self.address = address
        self.ids = ids
        self.position = {int(r): i for i, r in enumerate(ids)}
        self.dim = int(dim)
        self.ef_search = ef_search
        # at most this many allowed rows are scored exactly (~2 µs a row on one core: 20,000 in
        # about 45 ms, measured at 1M chunks in eval/RESULTS.md, "PostgreSQL store"); above it the graph is searched
        self.exact_below = exact_below
        self._conn = None
        self._lock = threading.Lock()
        self._organs: list[str] | None = None

    def _connection(self):
        if self._conn is None or self._conn.closed:
            self._conn = connect(self.address, autocommit=True)
            self._conn.prepare_threshold = None  # never a cached plan (see the module's docstring)
        return self._conn

    def search(self, qv: np.ndarray, allowed: np.ndarray, filters: Any, k: int,
               settings: FilterSettings) -> list[tuple[int, float]]:
        """The k nearest allowed chunks as (position, cosine similarity), best first."""
        n_allowed = int(allowed.sum())
        k = min(k, n_allowed)
        if k == 0:
            return []
        with self._lock:
            try:
                rows = self._rows(np.ascontiguousarray(qv, dtype=np.float32), allowed, n_allowed, filters, k, settings)
            except Exception as exc:  # noqa: BLE001 (psycopg's errors: the store is unreachable now)
                if self._conn is not None:
                    self._conn.close()
                self._conn = None
                raise IndexError_(f"dense search in {self.address} failed ({str(exc).splitlines()[0]})") from None
        # relaxed order: the walk's results are re-sorted here, as pgvector advises
        out = [(self.position[r[0]], 1.0 - float(r[1])) for r in rows if r[0] in self.position]
        return sorted(out, key=lambda t: (-t[1], t[0]))[:k]

    def _rows(self, q: np.ndarray, allowed: np.ndarray, n_allowed: int, filters: Any, k: int,
              settings: FilterSettings) -> list:
        route, sql, params, gucs = self.plan(q, allowed, n_allowed, filters, k, settings)
        conn = self._connection()
        with conn.transaction():
            self._set(conn, gucs)
            rows = conn.execute(sql, params).fetchall()
            if route == "covered":  # the half-precision order's candidates, scored at full precision
                rows = conn.execute(f'SELECT id, embedding::vector({self.dim}) <=> %s FROM "{self.address.schema}".chunks '
                                    "WHERE id = ANY(%s)", [q, [r[0] for r in rows]]).fetchall()
            return rows

    def explain(self, q: np.ndarray, allowed: np.ndarray, filters: Any, k: int, settings: FilterSettings) -> tuple[str, str]:
        """The route a search takes and its executed plan (EXPLAIN ANALYZE, with buffers)."""
        route, sql, params, gucs = self.plan(q, allowed, int(allowed.sum()), filters, k, settings)
        with self._lock:
            conn = self._connection()
            with conn.transaction():
                self._set(conn, gucs)
                plan = "\n".join(r[0] for r in conn.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params))
        return route, plan

    @staticmethod
    def _set(conn, gucs: dict[str, str]) -> None:
        for name, value in gucs.items():  # for this transaction only
            conn.execute("SELECT set_config(%s, %s, true)", (name, value))

    def plan(self, q: np.ndarray, allowed: np.ndarray, n_allowed: int, filters: Any, k: int,
             settings: FilterSettings) -> tuple[str, str, list, dict[str, str]]:
        """The route ("hnsw", "exact", "covered", "filtered-hnsw"), its SQL and parameters, and
        the planner settings it runs with (for its transaction)."""
        emb, half = f"embedding::vector({self.dim})", hnsw_expression(self.dim)
        hq = f"%s::halfvec({self.dim})"
        s = f'"{self.address.schema}".chunks'
        exact_below = min(settings.exact_limit, self.exact_below)
        if n_allowed == len(allowed):
            return ("hnsw", f"SELECT id, {emb} <=> %s FROM {s} ORDER BY {half} <=> {hq} LIMIT %s", [q, q, k],
                    _graph(min(max(k, self.ef_search), MAX_EF_SEARCH)))
        if n_allowed <= exact_below:
            ids = self.ids[np.flatnonzero(allowed)].tolist()
            return ("exact", f"SELECT id, {emb} <=> %s FROM {s} WHERE id = ANY(%s) ORDER BY ({emb} <=> %s) + 0 LIMIT %s",
                    [q, ids, q, k], {})
        where, wparams = self._where(filters, allowed)
        if n_allowed <= settings.exact_covered_below and _one_covered_column(filters):
            # only id and embedding_half are read, both in the column's covering btree: an Index
            # Only Scan of the filter's range (selecting `embedding` would read the table). The
            # planner picks it by itself at scale (eval/RESULTS.md, "PostgreSQL store"); on a small or a freshly
            # loaded table it may guess a table scan cheaper, so the route says what it chose
            return ("covered", f"SELECT id FROM {s} WHERE {where} ORDER BY (embedding_half <=> %s::halfvec) + 0 LIMIT %s",
                    [*wparams, q, min(n_allowed, max(1, settings.covered_rescore) * k)],
                    {"enable_seqscan": "off", "enable_bitmapscan": "off"})
        ef = min(max(self.ef_search, k, int(self.ef_search * len(allowed) / n_allowed)), max(settings.max_ef, k),
                 MAX_EF_SEARCH)
        return ("filtered-hnsw", f"SELECT id, {emb} <=> %s FROM {s} WHERE {where} ORDER BY {half} <=> {hq} LIMIT %s",
                [q, *wparams, q, k], _graph(ef))

    def _where(self, f: Any, allowed: np.ndarray) -> tuple[str, list]:
        """The filters as SQL over the chunk table's columns; the organ substring resolved to
        the organs it matches first (`organ = ANY`, which a btree serves, unlike ILIKE '%…%')."""
        parts: list[str] = []
        params: list = []
        if f is None:
            return "true", []
        if f.organ:
            if self._organs is None:
                self._organs = [r[0] for r in self._connection().execute(
                    f'SELECT DISTINCT organ FROM "{self.address.schema}".chunks WHERE organ IS NOT NULL')]
            parts.append("organ = ANY(%s)")
            params.append([o for o in self._organs if f.organ.lower() in o.lower()])
        if f.doc_type:
            parts.append("doc_type = %s")
            params.append(f.doc_type)
        if f.date_from:
            parts.append("date >= %s")
            params.append(f.date_from)
        if f.date_to:
            parts.append("date <= %s")
            params.append(f.date_to)
        if f.source:
            parts.append("source = %s")
            params.append(f.source)
        if getattr(f, "decided", False):
            parts.append("decided")
        if f.dnr:  # matched by key in Python (namndsok.identifiers): the allowed rows by id
            parts.append("id = ANY(%s)")
            params.append(self.ids[np.flatnonzero(allowed)].tolist())
        return " AND ".join(parts) or "true", params


def _graph(ef: int) -> dict[str, str]:
    return {"hnsw.ef_search": str(ef), "hnsw.iterative_scan": "relaxed_order"}


def _one_covered_column(f: Any) -> bool:
    """Whether the filter is on the organ alone or on dates alone: the columns whose btrees
    include the vectors (pgschema.py, version 2)."""
    if f is None or f.doc_type or f.source or f.dnr or getattr(f, "decided", False):
        return False
    return bool(f.organ) != bool(f.date_from or f.date_to)
