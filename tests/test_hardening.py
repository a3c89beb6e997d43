"""Issue 22's index-side items: error messages say what they mean (no "%%EOF" escape left in
them), an ingest where every file fails ends in its report, not a traceback, and namndsok never
opens or deletes through a symbolic link inside its index (a link there is refused with one
sentence, and whatever it points at stays as it was)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, corpus_file
from namndsok.index.builder import ingest
from namndsok.index.embedders import create_embedder
from pdfs import make_pdf


@pytest.fixture(scope="module")
def toy():
    return create_embedder("toy")


def _cli(*args: str, index: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMNDSOK_")}
    env.update(PYTHONPATH=str(ROOT), NAMNDSOK_INDEX=str(index))
    return subprocess.run([sys.executable, "-m", "namndsok.app.cli", *args], capture_output=True, text=True,
                          env=env, timeout=300, cwd=ROOT)


def test_truncated_pdf_message_has_no_format_escape(tmp_path):
    """A PDF cut short: the report names it and the cause in words, once, without "%%"."""
    text = corpus_file("002").read_text(encoding="utf-8")
    full = tmp_path / "hel.pdf"
    make_pdf([text[:3000], text[3000:6000], text[6000:9000]], full)
    docs = tmp_path / "docs"
    docs.mkdir()
    data = full.read_bytes()
    (docs / "avbruten.pdf").write_bytes(data[: len(data) * 2 // 3])
    r = _cli("ingest", str(docs), "--embedder", "toy", index=tmp_path / "ix")
    out = r.stdout + r.stderr
    assert "Traceback" not in out, out  # every file failed: the report, not a crash
    failed = [ln for ln in out.splitlines() if ln.startswith("FAILED")]
    assert len(failed) == 1 and "avbruten.pdf" in failed[0] and "end-of-file marker is missing" in failed[0], out
    assert "%%" not in out, out


# ------------------------------------------------------------------ symbolic links inside an index


@pytest.fixture
def built(tmp_path, toy) -> tuple[Path, Path]:
    docs = tmp_path / "docs"
    docs.mkdir()
    import shutil

    shutil.copy(corpus_file("000"), docs)
    root = tmp_path / "ix"
    assert ingest([docs], root, toy, progress=False).ok
    return docs, root


def _refused(r: subprocess.CompletedProcess, root: Path, link: str) -> None:
    err = r.stderr.strip().splitlines()
    assert r.returncode != 0 and "Traceback" not in r.stderr, r.stderr
    assert err and f"{root} holds a symbolic link ({link})" in err[-1] and "never follows a link" in err[-1], r.stderr


def test_a_link_in_place_of_the_lock_is_refused_and_its_target_untouched(built, tmp_path):
    docs, root = built
    victim = tmp_path / "victim.txt"
    victim.write_text("do not overwrite\n", encoding="utf-8")
    (root / "lock").unlink()
    (root / "lock").symlink_to(victim)
    (docs / "ny.txt").write_text("Protokoll\nNämnden beslutar om en ny simhall.\n", encoding="utf-8")
    _refused(_cli("ingest", str(docs), "--embedder", "toy", index=root), root, "lock")
    assert victim.read_text(encoding="utf-8") == "do not overwrite\n"
    _refused(_cli("search", "simhall", index=root), root, "lock")  # nor is it read through


def test_a_link_in_place_of_the_work_folder_is_refused_and_its_target_untouched(built, tmp_path):
    docs, root = built
    victim = tmp_path / "victimdir"
    (victim / "embeddings").mkdir(parents=True)
    kept = victim / "embeddings" / "keep.npy"
    kept.write_bytes(b"precious")
    (victim / "other.txt").write_text("mine", encoding="utf-8")
    (root / "work").symlink_to(victim, target_is_directory=True)
    (docs / "ny.txt").write_text("Protokoll\nNämnden beslutar om en ny simhall.\n", encoding="utf-8")
    _refused(_cli("ingest", str(docs), "--embedder", "toy", index=root), root, "work")
    assert kept.read_bytes() == b"precious" and (victim / "other.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in victim.rglob("*")) == ["embeddings", "keep.npy", "other.txt"]


def test_a_link_inside_a_data_folder_is_refused(built, tmp_path):
    docs, root = built
    folder = root / (root / "CURRENT").read_text(encoding="utf-8").strip()
    victim = tmp_path / "victim.json"
    victim.write_text("[]", encoding="utf-8")
    (folder / "documents.json").rename(tmp_path / "real-documents.json")
    (folder / "documents.json").symlink_to(victim)
    _refused(_cli("search", "Minirosen", index=root), root, f"{folder.name}/documents.json")
    _refused(_cli("ingest", str(docs), "--embedder", "toy", "--rebuild", index=root), root, f"{folder.name}/documents.json")
    assert victim.read_text(encoding="utf-8") == "[]"
