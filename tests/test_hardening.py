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
