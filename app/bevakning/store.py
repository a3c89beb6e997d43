"""Saved searches (bevakningar) and their alerts in a small SQLite database beside the index.

The database is `bevakningar.sqlite` in the index directory, next to the data folders that
ingest replaces, never inside one (a new index would lose it). It is opened in WAL mode so
that the web app reads while an ingest writes; its schema carries a version in
`PRAGMA user_version`. An alert is one section of one document, holding the passages
(chunks) of it that matched; every chunk that alerted is kept per search (`seen`), so the
same passage never alerts twice for one search, across re-ingests and restarts.
"""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from namndsok.errors import NamndsokError

DB_NAME = "bevakningar.sqlite"
SCHEMA_VERSION = 3  # 3: person/party searches, query backgrounds kept; 2: query vectors kept per search and model; 1: searches, alerts, seen
# what a search for a person or a party alerts on (app/record.py's kinds): what they did in a
# §, not that they attended or held a role, unless asked for
FACT_KINDS = ("yrkande", "röst", "reservation", "jäv", "anteckning", "roll", "närvaro")
ACTION_KINDS = ("yrkande", "röst", "reservation", "jäv", "anteckning")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token TEXT NOT NULL UNIQUE,
    user TEXT NOT NULL DEFAULT '',
    query TEXT NOT NULL,
    organ TEXT, doc_type TEXT, date_from TEXT, date_to TEXT,
    email TEXT,
    created TEXT NOT NULL,
    person TEXT, party TEXT, facts TEXT
);
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    search_id INTEGER NOT NULL REFERENCES searches(id) ON DELETE CASCADE,
    chunk_key TEXT NOT NULL,
    source TEXT NOT NULL,
    doc_sha256 TEXT NOT NULL,
    title TEXT NOT NULL,
    link TEXT NOT NULL,
    excerpt TEXT NOT NULL,
    date TEXT,
    created TEXT NOT NULL,
    mailed INTEGER NOT NULL DEFAULT 0,
    UNIQUE (search_id, chunk_key)
);
CREATE TABLE IF NOT EXISTS seen (
    search_id INTEGER NOT NULL REFERENCES searches(id) ON DELETE CASCADE,
    chunk_key TEXT NOT NULL,
    PRIMARY KEY (search_id, chunk_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS query_vectors (
    search_id INTEGER NOT NULL REFERENCES searches(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    vector BLOB NOT NULL,
    mu REAL, sd REAL, units INTEGER,  -- its background and the index's sentence count it was measured on
    PRIMARY KEY (search_id, model)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS alerts_by_search ON alerts(search_id, id);
CREATE INDEX IF NOT EXISTS alerts_unmailed ON alerts(mailed) WHERE mailed = 0;
"""


class BevakningError(NamndsokError):
    """A saved search that cannot be made or found; one sentence."""


@dataclass(frozen=True)
class SavedSearch:
    id: int
    token: str  # the feed's secret: /bevakning/<token>.atom
    user: str  # the login that owns it ("" without a login)
    query: str
    organ: str | None = None
    doc_type: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    email: str | None = None
    created: str = ""
    person: str | None = None  # a member's name as written: the search follows what they do
    party: str | None = None  # a party's letters ("SD"): the search follows what its members do
    facts: tuple[str, ...] | None = None  # which kinds of fact (FACT_KINDS); None: ACTION_KINDS

    @property
    def follows(self) -> bool:
        """True for a search of a person or a party (matched over protocol facts, not text)."""
        return bool(self.person or self.party)

    def label(self) -> str:
        """What it follows, for lists, feeds and mails: the words, `ledamot Michaela Fletcher` or
        `parti SD (reservation)`."""
        if not self.follows:
            return self.query
        who = f"ledamot {self.person}" if self.person else f"parti {self.party}"
        return who + (f" ({', '.join(self.facts)})" if self.facts else "")

    def filters_text(self) -> str:
        """The filters in words, for lists and feed titles: `organ: KSPU, från 2020`."""
        parts = [f"organ: {self.organ}" if self.organ else "", f"typ: {self.doc_type}" if self.doc_type else "",
                 f"från {self.date_from}" if self.date_from else "", f"till {self.date_to}" if self.date_to else ""]
        return ", ".join(p for p in parts if p)

    def to_json(self) -> dict:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["facts"] = list(self.facts) if self.facts else None
        return out


@dataclass(frozen=True)
class Alert:
    """One new passage that matched a saved search."""

    id: int
    search_id: int
    chunk_key: str
    source: str
    doc_sha256: str
    title: str  # the citation: committee, date, §, dnr
    link: str  # /dokument/N?h=…, at the passage
    excerpt: str
    date: str | None
    created: str
    mailed: bool = False

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class NewAlert:
    """An alert before it is stored (match.py makes these): one section's matched chunks."""

    search_id: int
    chunk_keys: tuple[str, ...]
    source: str
    doc_sha256: str
    title: str
    link: str
    excerpt: str
    date: str | None


def db_path(root: Path) -> Path:
    return Path(root) / DB_NAME


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S")


class Store:
    """The saved searches of one index directory. Each call opens its own short connection, so
    the store may be used from several threads (the web app) and processes (watch, ingest)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.path = db_path(self.root)
        self._held: sqlite3.Connection | None = None  # the connection of a `session`

    @contextlib.contextmanager
    def session(self) -> Iterator["Store"]:
        """Every call inside on one connection (the bevakningar after an ingest): closing the
        last connection checkpoints the WAL with a sync, which is worth paying once, not at
        each of the run's reads and writes. Not for sharing across threads."""
        if self._held is not None:
            yield self
            return
        with self._connect() as con:
            self._held = con
            try:
                yield self
            finally:
                self._held = None

    @classmethod
    def create(cls, root: Path) -> "Store":
        """The store of `root`, made if missing. The index directory is claimed first
        (directory.claim): a database never lands in a folder namndsok does not own."""
        from namndsok.index.directory import claim

        claim(Path(root))
        store = cls(root)
        with store._connect():
            pass
        return store

    @classmethod
    def existing(cls, root: Path) -> "Store | None":
        """The store of `root` when it has one (no file is made otherwise)."""
        return cls(root) if db_path(root).is_file() else None

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if self._held is not None:
            yield self._held
            return
        try:
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except sqlite3.Error as exc:
            raise BevakningError(f"cannot open {self.path} ({exc})") from exc
        try:
            con.row_factory = sqlite3.Row
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA foreign_keys=ON")
            # WAL with NORMAL syncs at checkpoints, not at every commit: the database stays whole
            # on a crash; a power cut may lose the last ingest's alerts, never corrupt them
            con.execute("PRAGMA synchronous=NORMAL")
            version = con.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise BevakningError(f"{self.path} was written by a newer namndsok (schema {version}); upgrade namndsok")
            if version < SCHEMA_VERSION:
                con.execute("BEGIN IMMEDIATE")
                try:
                    # every statement is idempotent: two processes upgrading at once do no harm
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            con.execute(statement)
                    _upgrade(con)
                    con.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                    con.execute("COMMIT")
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
            yield con
        except sqlite3.DatabaseError as exc:
            raise BevakningError(f"{self.path} cannot be read ({exc}); move it away to start over") from exc
        finally:
            con.close()

    # ------------------------------------------------------------ searches

    def add(self, query: str, user: str = "", organ: str | None = None, doc_type: str | None = None,
            date_from: str | None = None, date_to: str | None = None, email: str | None = None,
            person: str | None = None, party: str | None = None, facts: list[str] | None = None) -> SavedSearch:
        """Save a search: words (`query`), or a member (`person`) or a party (`party`, its letters)
        with the kinds of fact to follow (`facts`, of FACT_KINDS; None: what they do in a §)."""
        query = " ".join((query or "").split())
        person = " ".join((person or "").split()) or None
        party = (party or "").strip() or None
        if person and party:
            raise BevakningError("en bevakning följer en ledamot eller ett parti, inte båda")
        if (person or party) and query:
            raise BevakningError("en bevakning följer sökord eller en ledamot eller ett parti, inte flera")
        if not (query or person or party):
            raise BevakningError("en bevakning behöver sökord, en ledamot eller ett parti")
        if facts and not (person or party):
            raise BevakningError("slag av uppgift (yrkande, reservation …) gäller bara bevakningar av en ledamot eller ett parti")
        wrong = [f for f in facts or () if f not in FACT_KINDS]
        if wrong:
            raise BevakningError(f"okänt slag av uppgift {wrong[0]!r}; välj bland {', '.join(FACT_KINDS)}")
        kinds = ",".join(dict.fromkeys(facts)) if facts else None
        if email is not None and (email.count("@") != 1 or any(ch.isspace() for ch in email)):
            raise BevakningError(f"{email!r} är ingen e-postadress")
        token = secrets.token_urlsafe(24)  # 192 bits: unguessable, URL-safe
        with self._connect() as con:
            cur = con.execute(
                "INSERT INTO searches (token, user, query, organ, doc_type, date_from, date_to, email, created, "
                "person, party, facts) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (token, user or "", query, organ or None, doc_type or None, date_from or None, date_to or None,
                 email or None, _now(), person, party, kinds))
            return self._search(con, "id = ?", cur.lastrowid)

    def _search(self, con: sqlite3.Connection, where: str, *args) -> SavedSearch:
        row = con.execute(f"SELECT * FROM searches WHERE {where}", args).fetchone()
        return _saved(row) if row else None

    def searches(self, user: str | None = None) -> list[SavedSearch]:
        """Every saved search (or one user's), oldest first."""
        with self._connect() as con:
            if user is None:
                rows = con.execute("SELECT * FROM searches ORDER BY id").fetchall()
            else:
                rows = con.execute("SELECT * FROM searches WHERE user = ? ORDER BY id", (user,)).fetchall()
        return [_saved(r) for r in rows]

    def get(self, search_id: int, user: str | None = None) -> SavedSearch | None:
        with self._connect() as con:
            s = self._search(con, "id = ?", search_id)
        return s if s is not None and (user is None or s.user == user) else None

    def by_token(self, token: str) -> SavedSearch | None:
        """The search a feed token names; None for an unknown or revoked token."""
        if not token or len(token) > 100:
            return None
        with self._connect() as con:
            s = self._search(con, "token = ?", token)
        # compare in constant time as well: the lookup found it by index, the token is the secret
        return s if s is not None and secrets.compare_digest(s.token, token) else None

    def remove(self, search_id: int, user: str | None = None) -> bool:
        """Delete a search and its alerts (only the owner's when `user` is given)."""
        with self._connect() as con:
            if user is None:
                cur = con.execute("DELETE FROM searches WHERE id = ?", (search_id,))
            else:
                cur = con.execute("DELETE FROM searches WHERE id = ? AND user = ?", (search_id, user))
            return cur.rowcount > 0

    def new_token(self, search_id: int, user: str | None = None) -> SavedSearch | None:
        """Revoke the feed token: the old URL answers 404 from now on, a new one is made."""
        with self._connect() as con:
            args = (secrets.token_urlsafe(24), search_id) + ((user,) if user is not None else ())
            cur = con.execute("UPDATE searches SET token = ? WHERE id = ?" + (" AND user = ?" if user is not None else ""), args)
            return self._search(con, "id = ?", search_id) if cur.rowcount else None

    # ------------------------------------------------------------ alerts

    def record(self, alerts: list[NewAlert]) -> list[Alert]:
        """Store the alerts with a chunk this search has not alerted on before; the stored ones
        are returned. Chunks seen before are dropped from an alert, and an alert left with none
        is not stored."""
        if not alerts:
            return []
        now = _now()
        out = []
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                live = {r[0] for r in con.execute("SELECT id FROM searches")}
                # what was seen before, read in a few statements rather than one per passage
                keys = list({k for a in alerts for k in a.chunk_keys})
                seen: set[tuple[int, str]] = set()
                for at in range(0, len(keys), 500):
                    part = keys[at : at + 500]
                    seen.update((r[0], r[1]) for r in con.execute(
                        f"SELECT search_id, chunk_key FROM seen WHERE chunk_key IN ({','.join('?' * len(part))})", part))
                new_seen = []
                for a in alerts:
                    if a.search_id not in live:  # removed while the ingest ran
                        continue
                    fresh = [k for k in dict.fromkeys(a.chunk_keys) if (a.search_id, k) not in seen]
                    if not fresh:
                        continue
                    seen.update((a.search_id, k) for k in fresh)
                    new_seen += [(a.search_id, k) for k in fresh]
                    cur = con.execute(
                        "INSERT OR IGNORE INTO alerts (search_id, chunk_key, source, doc_sha256, title, link, excerpt, "
                        "date, created) VALUES (?,?,?,?,?,?,?,?,?)",
                        (a.search_id, fresh[0], a.source, a.doc_sha256, a.title, a.link, a.excerpt, a.date, now))
                    if cur.rowcount:
                        out.append(Alert(cur.lastrowid, a.search_id, fresh[0], a.source, a.doc_sha256, a.title,
                                         a.link, a.excerpt, a.date, now))
                con.executemany("INSERT OR IGNORE INTO seen (search_id, chunk_key) VALUES (?,?)", new_seen)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return out

    def seen(self, search_id: int) -> set[str]:
        """The chunk keys this search has alerted on."""
        with self._connect() as con:
            return {r[0] for r in con.execute("SELECT chunk_key FROM seen WHERE search_id = ?", (search_id,))}

    def alerts(self, search_id: int, limit: int = 50) -> list[Alert]:
        """A search's latest alerts, newest first."""
        with self._connect() as con:
            rows = con.execute("SELECT * FROM alerts WHERE search_id = ? ORDER BY id DESC LIMIT ?",
                               (search_id, limit)).fetchall()
        return [_alert(r) for r in rows]

    def unmailed(self) -> list[tuple[SavedSearch, Alert]]:
        """Alerts of searches with an e-mail address that no digest has delivered yet."""
        with self._connect() as con:
            rows = con.execute(
                "SELECT a.*, s.id AS s_id FROM alerts a JOIN searches s ON s.id = a.search_id "
                "WHERE a.mailed = 0 AND s.email IS NOT NULL ORDER BY a.id").fetchall()
            searches = {r["id"]: _saved(r) for r in con.execute("SELECT * FROM searches WHERE email IS NOT NULL")}
        return [(searches[r["s_id"]], _alert(r)) for r in rows if r["s_id"] in searches]

    # ------------------------------------------------------------ query vectors (subject.py)

    def query_vectors(self, search_ids: list[int], model: str) -> dict:
        """The stored query vectors (float32, little-endian) of these searches for this model."""
        if not search_ids:
            return {}
        with self._connect() as con:
            marks = ",".join("?" * len(search_ids))
            rows = con.execute(f"SELECT search_id, vector FROM query_vectors WHERE model = ? AND search_id IN ({marks})",
                               [model, *search_ids]).fetchall()
        return {r[0]: _vector(r[1]) for r in rows}

    def backgrounds(self, search_ids: list[int], model: str) -> dict[int, tuple[float, float, int]]:
        """The kept backgrounds (mean, standard deviation, the index's sentence count then) of these searches."""
        if not search_ids:
            return {}
        with self._connect() as con:
            marks = ",".join("?" * len(search_ids))
            rows = con.execute(f"SELECT search_id, mu, sd, units FROM query_vectors WHERE model = ? AND "
                               f"search_id IN ({marks}) AND units IS NOT NULL", [model, *search_ids]).fetchall()
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def keep_backgrounds(self, backgrounds: dict[int, tuple[float, float]], model: str, units: int) -> None:
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            con.executemany("UPDATE query_vectors SET mu = ?, sd = ?, units = ? WHERE search_id = ? AND model = ?",
                            [(mu, sd, units, i, model) for i, (mu, sd) in backgrounds.items()])
            con.execute("COMMIT")

    def keep_query_vectors(self, vectors: dict, model: str) -> None:
        import numpy as np

        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            con.executemany("INSERT OR REPLACE INTO query_vectors (search_id, model, vector) "
                            "SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM searches WHERE id = ?)",
                            [(i, model, np.asarray(v, dtype="<f4").tobytes(), i) for i, v in vectors.items()])
            con.execute("COMMIT")

    def mark_mailed(self, alert_ids: list[int]) -> None:
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            con.executemany("UPDATE alerts SET mailed = 1 WHERE id = ?", [(i,) for i in alert_ids])
            con.execute("COMMIT")


def _vector(blob: bytes):
    import numpy as np

    return np.frombuffer(blob, dtype="<f4").copy()


def _upgrade(con: sqlite3.Connection) -> None:
    """Add the columns a later schema added (a database of an older namndsok)."""
    for table, columns in (("searches", ("person TEXT", "party TEXT", "facts TEXT")),
                           ("query_vectors", ("mu REAL", "sd REAL", "units INTEGER"))):
        have = {r[1] for r in con.execute(f"PRAGMA table_info({table})")}
        for column in columns:
            if column.split()[0] not in have:
                con.execute(f"ALTER TABLE {table} ADD COLUMN {column}")


def _saved(row: sqlite3.Row) -> SavedSearch:
    facts = tuple(row["facts"].split(",")) if row["facts"] else None
    return SavedSearch(row["id"], row["token"], row["user"], row["query"], row["organ"], row["doc_type"],
                       row["date_from"], row["date_to"], row["email"], row["created"], row["person"], row["party"], facts)


def _alert(row: sqlite3.Row) -> Alert:
    return Alert(row["id"], row["search_id"], row["chunk_key"], row["source"], row["doc_sha256"], row["title"],
                 row["link"], row["excerpt"], row["date"], row["created"], bool(row["mailed"]))
