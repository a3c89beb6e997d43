"""One long line must not exhaust memory (issue 22, item 2): a text file of one 50 MB line is
refused by name with the limit it broke, in a real `namndsok ingest` whose peak memory is
measured; a long line under the limit is indexed with every chunk and its header bounded (a
file's first line is its title, and each chunk used to carry all of it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import ROOT, corpus_file
from namndsok.index.store import load_index
from namndsok.ingest.chunk import HEADER_PART_CHARS
from namndsok.ingest.settings import DEFAULT_CHUNKING

CHUNK_CHARS = DEFAULT_CHUNKING.chars
from namndsok.ingest.read import ReadLimits

# a text with no line breaks and no sentence end: its one line is the document's title
WORDS = "nämnden diskuterade budgeten för skolan och förskolan i kommunen under året " * 2000


def _one_line(path: Path, chars: int) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        written = 0
        while written < chars:
            piece = WORDS[: chars - written] + " "
            fh.write(piece)
            written += len(piece)
    return path


def _ingest_measured(docs: Path, index: Path) -> tuple[subprocess.CompletedProcess, int]:
    """`namndsok ingest` (toy embedder) as the child of a small runner, so that the peak
    resident memory read (getrusage of children) is the ingest's alone: (result, peak bytes)."""
    runner = textwrap.dedent("""
        import json, resource, subprocess, sys
        r = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=600)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # KiB on Linux
        print(json.dumps({"rc": r.returncode, "out": r.stdout, "err": r.stderr, "peak": peak}))
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMNDSOK_")}
    env.update(PYTHONPATH=str(ROOT), NAMNDSOK_INDEX=str(index))
    cmd = [sys.executable, "-m", "namndsok.app.cli", "ingest", str(docs), "--embedder", "toy"]
    done = subprocess.run([sys.executable, "-c", runner, *cmd], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=900)
    assert done.returncode == 0, done.stderr
    res = json.loads(done.stdout)
    return subprocess.CompletedProcess(cmd, res["rc"], res["out"], res["err"]), res["peak"]


def test_a_50_mb_line_is_refused_by_name_in_bounded_memory(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    big = _one_line(docs / "en-rad.txt", 50 * 1024 * 1024)
    assert big.stat().st_size > 50_000_000 and b"\n" not in big.read_bytes()[:10_000_000]
    (docs / "vanlig.txt").write_text(corpus_file("000").read_text(encoding="utf-8"), encoding="utf-8")
    r, peak = _ingest_measured(docs, tmp_path / "ix")
    out = r.stdout + r.stderr
    assert "Traceback" not in out, out[-3000:]
    failed = [ln for ln in out.splitlines() if ln.startswith("FAILED")]
    assert len(failed) == 1 and "en-rad.txt" in failed[0], out[-3000:]
    limit = f"{ReadLimits.max_line_chars:,}"
    assert f"more than the limit of {limit} per line (--max-line-chars)" in failed[0], failed
    assert peak <= 1024 ** 3, f"peak RSS {peak / 1024 ** 2:.0f} MiB"
    # the batch went on: the ordinary file is indexed
    assert [d.source for d in load_index(tmp_path / "ix").documents] == ["vanlig.txt"]


def test_a_long_line_under_the_limit_gets_bounded_chunks(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    n = 150_000
    _one_line(docs / "lang-rad.txt", n)
    r, peak = _ingest_measured(docs, tmp_path / "ix")
    assert r.returncode == 0, r.stderr[-3000:]
    chunks = load_index(tmp_path / "ix").chunks
    assert n / CHUNK_CHARS <= len(chunks) <= 2 * n / CHUNK_CHARS  # linear in the text, as any text
    for c in chunks:
        assert len(c.context) <= 2 * HEADER_PART_CHARS, len(c.context)
        assert len(c.embed_text()) <= CHUNK_CHARS + 3 * HEADER_PART_CHARS
        assert len(c.citation.title) <= HEADER_PART_CHARS and len(c.section_title or "") <= HEADER_PART_CHARS
    # the header is the line's beginning, cut at a word
    first = WORDS[: HEADER_PART_CHARS - 2].rsplit(" ", 1)[0]
    assert chunks[0].citation.title.startswith(first[:100]) and chunks[0].citation.title.endswith(" …")
    assert peak <= 1024 ** 3
