"""The PostgreSQL store's address, connection and schema: one schema (default `namndsok`)
created and migrated by namndsok, versioned in its `meta` table; nothing outside it is touched.

An address is a URL, `postgresql://USER:PASSWORD@HOST:PORT/DATABASE`, optionally with
`?schema=NAME` (or NAMNDSOK_STORE_SCHEMA) to keep several indexes in one database and
`dense=sql` (or NAMNDSOK_STORE_DENSE) to search the vectors in the database (pgdense.py)
rather than in memory. The
password never appears in a message: a store is described as `postgresql://USER@HOST:PORT/DB
(schema NAME)`.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from typing import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from namndsok.errors import IndexError_

log = logging.getLogger(__name__)

DEFAULT_SCHEMA = "namndsok"
SCHEMA_VERSION = 2  # of the tables below; a newer one is refused, an older one migrated
SCHEMES = ("postgresql://", "postgres://")
_NAME_RE = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# pg_advisory_lock(LOCK_SPACE, hashtext(schema)): the writer lock of one schema's index
LOCK_SPACE = 0x6E616D6E  # "namn"
URL_HINT = "write it as postgresql://USER:PASSWORD@HOST:PORT/DATABASE[?schema=NAME]"


def is_pg_spec(spec: str | os.PathLike[str] | None) -> bool:
    return isinstance(spec, str) and spec.startswith(SCHEMES)


@dataclass(frozen=True)
class PgAddress:
    """A parsed store address: the libpq URL (without `schema`), the schema, a safe description."""

    conninfo: str
    schema: str
    shown: str  # never holds the password
    dense: str = "memory"  # "sql": dense retrieval in the database (pgdense.py); "memory": FAISS over the loaded vectors

    def __str__(self) -> str:
        return self.shown


def parse_address(spec: str, schema: str | None = None) -> PgAddress:
    """The address of `spec`; a malformed URL or schema name is one sentence (no password in it)."""
    try:
        parts = urlsplit(spec)
        query = parse_qsl(parts.query, keep_blank_values=True)
        port = parts.port
    except ValueError:
        raise IndexError_(f"the store address is not a valid PostgreSQL URL; {URL_HINT}") from None
    named = [v for k, v in query if k == "schema"]
    schema = schema or (named[-1] if named else None) or os.environ.get("NAMNDSOK_STORE_SCHEMA") or DEFAULT_SCHEMA
    if not _NAME_RE.fullmatch(schema):
        raise IndexError_(f"the store schema {schema!r} is not a plain name (lower-case letters, digits and _, "
                          "at most 63, not starting with a digit)")
    dense = ([v for k, v in query if k == "dense"] or [os.environ.get("NAMNDSOK_STORE_DENSE") or "memory"])[-1]
    if dense not in ("memory", "sql"):
        raise IndexError_(f"the store option dense={dense!r} is not one of memory, sql")
    rest = [(k, v) for k, v in query if k not in ("schema", "dense")]
    conninfo = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(rest), ""))
    host = parts.hostname or dict(rest).get("host") or "localhost"
    user = f"{parts.username}@" if parts.username else ""
    shown = f"postgresql://{user}{host}{f':{port}' if port else ''}{parts.path or '/'} (schema {schema})"
    return PgAddress(conninfo, schema, shown, dense)


def connect(address: PgAddress, autocommit: bool = False):
    """A connection with the schema (and pgvector's) on its search path and pgvector's types
    registered; an unreachable server or a refused login is one sentence."""
    try:
        import psycopg
        from pgvector.psycopg import register_vector
    except ImportError:
        raise ImportError("a PostgreSQL store needs psycopg and pgvector: pip install 'namndsok[postgres]'") from None
    try:
        conn = psycopg.connect(address.conninfo, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise IndexError_(f"cannot connect to the store {address}: {_reason(exc, address)}") from None
    try:
        ext = conn.execute("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'vector'").fetchone()
        if ext is None:
            try:  # a database-wide extension: created once, in the default schema, if we may
                conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            except psycopg.Error as exc:
                raise IndexError_(f"the database of {address} has no pgvector and it cannot be added here "
                                  f"({_reason(exc, address)}); ask its administrator to run CREATE EXTENSION vector") from None
            ext = conn.execute("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'vector'").fetchone()
        from psycopg import sql

        conn.execute(sql.SQL("SET search_path TO {}, {}").format(sql.Identifier(address.schema), sql.Identifier(ext[0])))
        register_vector(conn)
        conn.autocommit = autocommit
    except BaseException:
        conn.close()
        raise
    return conn


def _reason(exc: Exception, address: PgAddress) -> str:
    """The server's or libpq's first line, without anything of the connection string."""
    text = (str(exc).strip().splitlines() or ["unknown error"])[0]
    secret = urlsplit(address.conninfo).password
    return text.replace(secret, "***") if secret else text


def _ddl(schema: str) -> list[str]:
    """Version 1 of the tables. Per-document data that is nested (sections, a chunk's rows and
    citation) is JSONB; what filters and joins use is a column. `embedding` has no fixed
    dimension here: the HNSW index is made on a cast to the index's dimension (pgstore.py)."""
    s = f'"{schema}"'
    return [
        f"""CREATE TABLE {s}.documents (
            path text PRIMARY KEY, source text NOT NULL, sha256 text NOT NULL,
            parser_version integer,  -- set when kept from an older parser (its file failed to parse anew)
            indexed_at text, chunk_count integer NOT NULL, data jsonb NOT NULL)""",
        f"""CREATE TABLE {s}.chunks (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            path text NOT NULL REFERENCES {s}.documents (path) ON DELETE CASCADE,
            ord integer NOT NULL, source text NOT NULL, organ text, doc_type text, date text,
            dnr_key text, decided boolean NOT NULL, text text NOT NULL, data jsonb NOT NULL,
            embedding vector NOT NULL, UNIQUE (path, ord))""",
        f"""CREATE TABLE {s}.units (
            chunk bigint NOT NULL REFERENCES {s}.chunks (id) ON DELETE CASCADE,
            ord integer NOT NULL, start_at integer NOT NULL, end_at integer NOT NULL,
            embedding vector NOT NULL, PRIMARY KEY (chunk, ord))""",
        f"""CREATE TABLE {s}.facts (
            path text NOT NULL REFERENCES {s}.documents (path) ON DELETE CASCADE,
            ord integer NOT NULL, data jsonb NOT NULL, PRIMARY KEY (path, ord))""",
        f"CREATE INDEX ON {s}.chunks (organ)",
        f"CREATE INDEX ON {s}.chunks (date)",
        f"INSERT INTO {s}.meta VALUES ('generation', '0')",
    ]


def _covering(schema: str) -> list[str]:
    """Version 2: the vectors in half precision as a stored column, and the organ and date
    btrees made covering with it, so that an exact scan of a broad one-column filter reads one
    range of an index and never the table (pgdense.py's `covered` route; ~0.3 µs a row instead
    of ~2 µs, eval/RESULTS.md, "PostgreSQL store"). INCLUDE takes columns, not expressions, hence the column;
    half precision keeps a tuple under the btree's ~2,700 bytes up to ~1,300 dimensions."""
    s = f'"{schema}"'
    return [
        f"ALTER TABLE {s}.chunks ADD COLUMN embedding_half halfvec "
        "GENERATED ALWAYS AS (embedding::halfvec) STORED",  # rewrites the table once
        f"DROP INDEX IF EXISTS {s}.chunks_organ_idx",  # version 1's btrees (their generated names)
        f"DROP INDEX IF EXISTS {s}.chunks_date_idx",
        f"CREATE INDEX chunks_organ_cover ON {s}.chunks (organ) INCLUDE (id, embedding_half)",
        f"CREATE INDEX chunks_date_cover ON {s}.chunks (date) INCLUDE (id, embedding_half)",
    ]


# version → the statements that reach it from the one before
MIGRATIONS: dict[int, Callable[[str], list[str]]] = {1: _ddl, 2: _covering}  # version → the statements that reach it from the one before


def _version(conn, schema: str) -> int | None:
    """The schema's version; None when there is no such schema (or it is empty); refused when
    the schema holds tables namndsok did not make."""
    tables = [r[0] for r in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)).fetchall()]
    if not tables:
        return None
    if "meta" not in tables:
        raise IndexError_(f"schema {schema!r} holds tables namndsok did not make ({', '.join(sorted(tables)[:5])}); "
                          "choose another schema with ?schema=NAME or NAMNDSOK_STORE_SCHEMA")
    row = conn.execute(f'SELECT value FROM "{schema}".meta WHERE key = %s', ("namndsok_schema",)).fetchone()
    if row is None:
        raise IndexError_(f"schema {schema!r} has a meta table namndsok did not make; choose another schema")
    return int(row[0])


def ensure_schema(conn, address: PgAddress, create: bool) -> bool:
    """Bring the schema to SCHEMA_VERSION (made when `create`); False when it does not exist
    and `create` is not set. Migration runs in one transaction under the writer lock (version 2
    rewrites the chunk table: readers wait for it), then the table is vacuumed (autocommit `conn`)."""
    schema = address.schema
    version = _version(conn, schema)
    if version == SCHEMA_VERSION:
        return True
    if version is not None and version > SCHEMA_VERSION:
        raise IndexError_(f"the store {address} has schema version {version}; this namndsok reads "
                          f"version {SCHEMA_VERSION}: update namndsok")
    if version is None and not create:
        return False
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (LOCK_SPACE, schema))
        version = _version(conn, schema)  # another process may have migrated meanwhile
        if version is None:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            conn.execute(f'CREATE TABLE "{schema}".meta (key text PRIMARY KEY, value jsonb NOT NULL)')
            conn.execute(f'INSERT INTO "{schema}".meta VALUES (%s, %s)', ("namndsok_schema", "0"))
            version = 0
        for v in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[v](schema):
                conn.execute(statement)
            conn.execute(f'UPDATE "{schema}".meta SET value = %s WHERE key = %s', (str(v), "namndsok_schema"))
            log.info("store %s: schema at version %d", address, v)
    if version:  # an existing store migrated: its rewritten table marked all-visible for index-only scans
        conn.execute(f'VACUUM (ANALYZE) "{schema}".chunks')
    return True
