"""namndsok creates, replaces and deletes only what it can prove is its own: an index
directory carries a marker; a folder of another program is refused (even with --rebuild),
and nothing in it is removed or overwritten. Real folders, the real CLI, the toy embedder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, corpus_file
from namndsok.errors import IndexError_
from namndsok.index.builder import ingest
from namndsok.index.embedders import create_embedder
from namndsok.index.search import Searcher
from namndsok.index.store import SCHEMA_VERSION, current_folder, load_index

MARKER = "namndsok-index.json"

NOT_OURS = "is not a namndsok index and is not empty; choose another --index"


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    e = dict(os.environ, PYTHONPATH=str(ROOT))
    e.pop("NAMNDSOK_INDEX", None)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "namndsok.app.cli", *args], capture_output=True, text=True,
                          env=e, timeout=120, cwd=ROOT)


def _tree(folder: Path) -> dict[str, bytes | None]:
    """Every path under `folder` with its content (None for folders)."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


@pytest.fixture
def docs(tmp_path) -> Path:
    d = tmp_path / "docs"
    d.mkdir()
    shutil.copy(corpus_file("004"), d)
    return d


@pytest.fixture
def otherprog(tmp_path) -> Path:
    """A folder of another program, with sub-folders named like namndsok's."""
    o = tmp_path / "otherprog"
    (o / "data-raw").mkdir(parents=True)
    (o / "data-raw" / "important.csv").write_text("id,value\n1,42\n", encoding="utf-8")
    (o / ".tmp-data-20240101-000000-deadbeef").mkdir()
    (o / ".tmp-data-20240101-000000-deadbeef" / "notes.txt").write_text("mine\n", encoding="utf-8")
    (o / "data-20240101-000000-0123abcd").mkdir()
    (o / "data-20240101-000000-0123abcd" / "table.parquet").write_bytes(b"PAR1")
    return o


@pytest.mark.parametrize("rebuild", [False, True], ids=["ingest", "ingest --rebuild"])
def test_ingest_refuses_a_folder_of_another_program(otherprog, docs, rebuild):
    before = _tree(otherprog)
    r = _cli("ingest", str(docs), "--embedder", "toy", *(["--rebuild"] if rebuild else []),
             env={"NAMNDSOK_INDEX": str(otherprog)})
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert r.stderr.strip() == f"namndsok: {otherprog} {NOT_OURS}"
    assert _tree(otherprog) == before  # nothing removed, nothing added (not even a lock file)


def test_a_current_file_of_another_program_is_reported_not_overwritten(otherprog, docs):
    (otherprog / "CURRENT").write_text("data-raw\n", encoding="utf-8")
    before = _tree(otherprog)
    r = _cli("ingest", str(docs), "--embedder", "toy", "--index", str(otherprog))
    assert r.returncode == 1 and NOT_OURS in r.stderr and "Traceback" not in r.stderr, r.stderr
    r = _cli("search", "Minirosen", "--index", str(otherprog))
    assert r.returncode == 1 and "is not a namndsok index" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert _tree(otherprog) == before


def test_new_and_empty_folders_become_marked_indexes(tmp_path, docs):
    toy = create_embedder("toy")
    for root in (tmp_path / "new" / "ix", tmp_path / "empty"):
        if root.name == "empty":
            root.mkdir()
        assert ingest([docs], root, toy, progress=False).ok
        marker = json.loads((root / MARKER).read_text(encoding="utf-8"))
        assert marker["format"] == "namndsok-index" and marker["schema_version"] == SCHEMA_VERSION
        assert marker["folders"] == [current_folder(root).name]


def test_cleanup_removes_only_recorded_folders(tmp_path, docs):
    root = tmp_path / "ix"
    toy = create_embedder("toy")
    ingest([docs], root, toy, progress=False)
    first = current_folder(root).name
    # someone else's folders, named like ours, put into the index directory by hand
    (root / "data-20240101-000000-0123abcd").mkdir()
    (root / "data-20240101-000000-0123abcd" / "keep.txt").write_text("x", encoding="utf-8")
    (root / ".tmp-data-20240101-000000-deadbeef").mkdir()
    # debris of a crash inside write_index: recorded by the marker before it was created
    marker = json.loads((root / MARKER).read_text(encoding="utf-8"))
    marker["folders"].append(".tmp-data-20991231-000000-feedf00d")
    (root / MARKER).write_text(json.dumps(marker), encoding="utf-8")
    (root / ".tmp-data-20991231-000000-feedf00d").mkdir()
    (root / ".tmp-data-20991231-000000-feedf00d" / "chunks.jsonl").write_text("{half", encoding="utf-8")

    (docs / "ny.txt").write_text("Ärende: snöröjning i Åkersberga, beslut om avtal.\n", encoding="utf-8")
    assert ingest([docs], root, toy, progress=False).ok
    second = current_folder(root).name
    assert second != first
    assert not (root / first).exists() and not (root / ".tmp-data-20991231-000000-feedf00d").exists()
    assert (root / "data-20240101-000000-0123abcd" / "keep.txt").read_text(encoding="utf-8") == "x"
    assert (root / ".tmp-data-20240101-000000-deadbeef").is_dir()
    assert json.loads((root / MARKER).read_text(encoding="utf-8"))["folders"] == [second]


def test_current_naming_an_unrecorded_folder_is_refused(tmp_path, docs):
    root = tmp_path / "ix"
    ingest([docs], root, create_embedder("toy"), progress=False)
    good = current_folder(root)
    shutil.copytree(good, root / "data-20240101-000000-0123abcd")  # a copy, not recorded
    (root / "CURRENT").write_text("data-20240101-000000-0123abcd\n", encoding="utf-8")
    with pytest.raises(IndexError_, match="namndsok did not create"):
        load_index(root)
    for rebuild in (False, True):
        with pytest.raises(IndexError_, match="namndsok did not create"):
            ingest([docs], root, create_embedder("toy"), rebuild=rebuild, progress=False)
    assert (root / "CURRENT").read_text(encoding="utf-8") == "data-20240101-000000-0123abcd\n"
    assert good.is_dir()


def test_an_index_written_before_the_marker_is_adopted(tmp_path, docs):
    """Schema 1 (no marker, sizes only): recognised by its content, read, and updated by the
    next ingest without embedding anything again."""
    root = tmp_path / "ix"
    toy = create_embedder("toy")
    ingest([docs], root, toy, progress=False)
    folder = current_folder(root)
    (root / MARKER).unlink()
    mf = folder / "manifest.json"
    m = json.loads(mf.read_text(encoding="utf-8"))
    m["schema_version"] = 1
    m["files"] = {rel: e["size"] for rel, e in m["files"].items()}
    mf.write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(IndexError_, match="schema version 1.*`namndsok ingest PATH…`"):
        Searcher.open(root)
    (docs / "ny.txt").write_text("Ärende: snöröjning i Åkersberga, beslut om avtal.\n", encoding="utf-8")
    report = ingest([docs], root, toy, progress=False)
    assert report.ok and len(report.unchanged) == 1 and len(report.indexed) == 1
    assert not folder.exists()  # the old data folder was adopted, so it could be replaced
    assert Searcher.open(root).search("snöröjning Åkersberga", k=1)[0].chunk.source == "ny.txt"


def test_index_path_that_is_a_file_is_one_sentence(tmp_path, docs):
    f = tmp_path / "fil.txt"
    f.write_text("x", encoding="utf-8")
    for index, needle in ((f, "is a file, not a folder"), (f / "ix", "a part of that path is a file")):
        r = _cli("ingest", str(docs), "--embedder", "toy", "--index", str(index))
        assert r.returncode == 1 and needle in r.stderr and "Traceback" not in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
        r = _cli("search", "Minirosen", "--index", str(index))
        assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert f.read_text(encoding="utf-8") == "x"


def test_unwritable_index_folder_is_one_sentence(tmp_path, docs):
    if os.geteuid() == 0:  # root writes into read-only folders; sysfs refuses even root
        root = Path("/sys/namndsok-test-index")
    else:
        root = tmp_path / "ro"
        root.mkdir()
        root.chmod(0o555)
    try:
        r = _cli("ingest", str(docs), "--embedder", "toy", "--index", str(root))
    finally:
        if root.is_relative_to(tmp_path):
            root.chmod(0o755)
    assert r.returncode == 1 and "cannot write the index" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
