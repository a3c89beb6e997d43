"""What the README promises and no other test ran: `ingest --no-ocr`, `search --dnr`,
`ask --llm-url/--llm-model`, `eval --split`, `python -m namndsok.eval.fit` refusing the test
split, chunk sizes and the automatic HNSW switch recorded in the index's settings, the login
backoff's cap, and a question in German or French found by `search`. (`ingest --workers N`
is in test_distributed.py, beside the other Dask tests.) Expectations are written from the
corpus documents: KSPU § 10:3 (Dnr PU 2020/0011) is the decision on Minirosen, KSPU § 10:6
(Dnr KS 2020/0158) the meeting dates for 2021."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, corpus_file
from namndsok.app.cli import main
from namndsok.index.builder import ingest
from namndsok.index.embedders import create_embedder
from namndsok.index.settings import IndexSettings
from namndsok.index.store import load_index
from pdfs import make_scanned_pdf


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "namndsok.app.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, env=dict(os.environ, HF_HUB_OFFLINE="1"), timeout=300)


# ------------------------------------------------------------------ ingest --no-ocr


def test_ingest_no_ocr_refuses_a_scan_and_indexes_the_rest(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    make_scanned_pdf(docs / "skannad.pdf", n_pages=2)
    shutil.copy(corpus_file("004"), docs)
    r = _cli("ingest", str(docs), "--index", str(tmp_path / "ix"), "--embedder", "toy", "--no-ocr")
    assert r.returncode == 1, r.stderr
    assert "skannad.pdf: no text layer in 2 page(s); OCR it first (OCR is turned off (--no-ocr))" in r.stderr, r.stderr
    assert "1 indexed" in r.stdout and "1 failed" in r.stdout, r.stdout
    assert [d.source for d in load_index(tmp_path / "ix").documents] == [corpus_file("004").name]


# ------------------------------------------------------------------ chunk sizes and the HNSW switch


def test_chunk_sizes_are_recorded_and_used(tmp_path):
    toy = create_embedder("toy")
    small = IndexSettings(chunk_chars=400, chunk_overlap=60)
    ingest([corpus_file("000")], tmp_path / "ix", toy, progress=False, settings=small)
    idx = load_index(tmp_path / "ix")
    recorded = idx.manifest["index_settings"]
    assert (recorded["chunk_chars"], recorded["chunk_overlap"], recorded["chunk_min_chars"]) == (400, 60, 300)
    assert max(len(c.text) for c in idx.chunks) <= 400
    # the default size gives fewer, longer chunks; an index chunked otherwise is chunked again
    report = ingest([corpus_file("000")], tmp_path / "ix", toy, progress=False)
    again = load_index(tmp_path / "ix")
    assert report.indexed == [str(corpus_file("000"))] and again.manifest["index_settings"]["chunk_chars"] == 900
    assert len(again.chunks) < len(idx.chunks) and max(len(c.text) for c in again.chunks) > 400


def test_dense_index_turns_to_hnsw_above_the_flat_limit(tmp_path):
    toy = create_embedder("toy")
    ingest([corpus_file("000")], tmp_path / "flat", toy, progress=False)
    n = len(load_index(tmp_path / "flat").chunks)
    assert load_index(tmp_path / "flat").manifest["dense_index"] == "flat"  # 27 chunks ≤ 200,000
    ingest([corpus_file("000")], tmp_path / "at", toy, progress=False, settings=IndexSettings(flat_limit=n))
    assert load_index(tmp_path / "at").manifest["dense_index"] == "flat"
    ingest([corpus_file("000")], tmp_path / "over", toy, progress=False, settings=IndexSettings(flat_limit=n - 1))
    over = load_index(tmp_path / "over")
    assert over.manifest["dense_index"] == "hnsw" and over.dense.hnsw.efSearch == 128
    from namndsok.index.search import Searcher

    hit = Searcher.open(tmp_path / "over").search("Dnr. KS 2020/0158 sammanträdestider", k=1)[0]
    assert hit.chunk.citation.section == "KSPU § 10:6"


# ------------------------------------------------------------------ the login backoff's cap


def test_login_backoff_doubles_up_to_its_cap():
    from namndsok.app.guard import LoginThrottle

    now = [1000.0]
    throttle = LoginThrottle(free=3, lock_max=60.0, clock=lambda: now[0])
    waits = []
    for _ in range(12):
        assert throttle.attempt("10.0.0.1", None, lambda: False) is False  # checked, and wrong
        waits.append(throttle.wait("10.0.0.1"))
        now[0] += waits[-1]  # the client waits exactly as long as told, then fails again
    assert waits == [0.0, 0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0, 60.0]
    assert throttle.wait("10.0.0.2") == 0.0  # another client is not held up
    assert throttle.attempt("10.0.0.1", None, lambda: True) is True
    assert throttle.wait("10.0.0.1") == 0.0


# ------------------------------------------------------------------ on the real corpus index


@pytest.mark.slow
@pytest.mark.parametrize("dnr", ["2020/0011", "PU 2020/11"])
def test_search_dnr_keeps_only_that_matter(corpus_index, capsys, dnr):
    assert main(["search", "Minirosen platser", "--dnr", dnr, "-k", "10", "--json", "--index", str(corpus_index)]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits and {h["dnr"] for h in hits} == {"PU 2020/0011"}
    assert hits[0]["section"] == "KSPU § 10:3"
    # without the filter the same words also find other matters' passages
    assert main(["search", "Minirosen platser", "-k", "10", "--json", "--index", str(corpus_index)]) == 0
    assert {h["dnr"] for h in json.loads(capsys.readouterr().out)} != {"PU 2020/0011"}


@pytest.mark.slow
@pytest.mark.parametrize("question,section", [
    ("Was hat der Produktionsausschuss über die Vorschule Minirosen beschlossen?", "KSPU § 10:3"),
    ("Qu'est-ce que le comité a décidé au sujet de la crèche Minirosen ?", "KSPU § 10:3"),
    ("Wann tagt der Produktionsausschuss im Jahr 2021?", "KSPU § 10:6"),
])
def test_german_or_french_question_through_search(corpus_index, searcher, capsys, question, section):
    assert main(["search", question, "-k", "3", "--json", "--index", str(corpus_index)]) == 0
    assert json.loads(capsys.readouterr().out)[0]["section"] == section
    # BM25 is left out for a question not in Swedish: only the multilingual dense side ranks
    hits = searcher.search(question, k=10)
    assert hits and not any(key.startswith("bm25") for h in hits for key in h.why)
    assert any(key.startswith("bm25") for h in searcher.search("Vad beslutade vi om Minirosen?", k=10) for key in h.why)


@pytest.mark.slow
def test_ask_through_an_openai_compatible_endpoint(corpus_index, capsys):
    from test_llm import ChatServer

    chat = ChatServer()
    try:
        chat.reply = "Minirosen får 10–12 platser [1]."
        rc = main(["ask", "Hur många platser har Minirosen?", "--llm-url", chat.url, "--llm-model", "lokal-modell",
                   "--json", "--index", str(corpus_index)])
        assert rc == 0
        res = json.loads(capsys.readouterr().out)
    finally:
        chat.httpd.shutdown()
    assert res["mode"] == "generative" and res["answer"] == "Minirosen får 10–12 platser [1]."
    assert [r["path"] for r in chat.requests] == ["/v1/chat/completions"]
    assert chat.requests[0]["body"]["model"] == "lokal-modell"
    assert res["citations"][0]["marker"] == 1 and res["citations"][0]["source"] == corpus_file("000").name


@pytest.mark.slow
def test_eval_on_a_split(corpus_index, tmp_path, capsys):
    from namndsok.eval.qset import load_split, sha256_file, split_paths

    out = tmp_path / "eval.json"
    rc = main(["eval", "--split", "test", "--limit", "3", "--no-answers", "--methods", "bm25",
               "--index", str(corpus_index), "--json", str(out)])
    assert rc == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["set"] == "test" and report["sha256"] == {p.name: sha256_file(p) for p in split_paths("test")}
    first = load_split("test")[:3]
    assert report["n_questions"] == 3 and report["n_answerable"] == sum(q.answerable for q in first)
    assert [r["id"] for r in report["methods"]["bm25"]["rows"]] == [q.id for q in first if q.answerable]
    assert "answers" not in report
    assert "Retrieval, passage level" in capsys.readouterr().out
