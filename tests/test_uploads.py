"""Uploads (`serve --allow-upload DIR`) over real HTTP on loopback, on a toy index: allowed
only with a login, ingested in the background as `namndsok ingest` would, a bad file
reported by name with the index untouched, files only in the folder the operator chose,
size-capped; without a login the option is refused."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, Server, corpus_file, quiet_env
from namndsok.index.builder import ingest
from namndsok.index.embedders import create_embedder
from namndsok.index.store import load_index
from pdfs import make_pdf
from test_web_security import basic, http

USER, PASSWORD = "sara", "uppladdning tillåten"
SIMHALL_PAGES = [
    "Protokoll\n\nSammanträdesprotokoll för Kultur- och fritidsnämnden\n\nSammanträdesdatum 2024-03-12\n\n"
    "§ 12 Ny simhall i Åkersberga\n\nDnr KFN 2024/0012",
    "Kultur- och fritidsnämnden beslutar att bygga en ny simhall i Åkersberga med en 25-metersbassäng.",
]
UPLOAD = {"Content-Type": "application/pdf", "X-Namndsok-Upload": "1"}


def simhall_pdf(path: Path) -> bytes:
    make_pdf(SIMHALL_PAGES, path)
    return path.read_bytes()


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    docs = tmp_path_factory.mktemp("upload-docs")
    shutil.copy(corpus_file("004"), docs)
    root = tmp_path_factory.mktemp("upload-index") / "ix"
    assert ingest([docs], root, create_embedder("toy"), progress=False).ok
    return root


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("uploads") / "inkommet"  # made by the app


@pytest.fixture(scope="module")
def server(index, folder, tmp_path_factory):
    s = Server(["--index", str(index), "--auth", f"{USER}:{PASSWORD}", "--allow-upload", str(folder), "--max-upload-mb", "1"],
               tmp_path_factory.mktemp("upload-server") / "serve.log")
    yield s
    s.stop()


def _post(url: str, name: str, body: bytes, headers: dict) -> tuple[int, dict]:
    status, _, data = http(url, "POST", f"/uppladdning?namn={name}", headers, body)
    return status, json.loads(data)


def _wait(url: str, job_id: str, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, _, data = http(url, "GET", "/uppladdning/status", basic(USER, PASSWORD))
        job = next(j for j in json.loads(data)["jobs"] if j["id"] == job_id)
        if job["state"] in ("klar", "fel"):
            return job
        time.sleep(0.5)
    pytest.fail(f"upload {job_id} not done within {timeout} s")


def _current(index: Path) -> str:
    return (index / "CURRENT").read_text()


def test_an_upload_needs_a_login(server, folder, tmp_path):
    body = simhall_pdf(tmp_path / "simhall.pdf")
    for creds in ({}, basic(USER, "fel")):
        status, res = _post(server.url, "simhall.pdf", body, {**UPLOAD, **creds})
        assert status == 401, res
    # logged in, but not from the app's page (a form on another site cannot send the header)
    status, res = _post(server.url, "simhall.pdf", body, {"Content-Type": "application/pdf", **basic(USER, PASSWORD)})
    assert status == 403
    assert not any(folder.iterdir())


def test_a_pdf_is_ingested_in_the_background_and_searchable(server, index, folder, tmp_path):
    before = _current(index)
    status, job = _post(server.url, "..%2F..%2Fsimhall.pdf", simhall_pdf(tmp_path / "simhall.pdf"), {**UPLOAD, **basic(USER, PASSWORD)})
    assert status == 202 and job["name"] == "simhall.pdf"  # the name, never a path
    done = _wait(server.url, job["id"])
    assert done["state"] == "klar" and done["message"] == "indexerad", done
    assert [p.name for p in folder.iterdir()] == ["simhall.pdf"]  # no part file left, nothing elsewhere
    assert _current(index) != before  # replaced whole, as by `namndsok ingest`
    docs = {d.source: d for d in load_index(index).documents}
    assert docs["simhall.pdf"].title == "Sammanträdesprotokoll för Kultur- och fritidsnämnden"
    assert corpus_file("004").name in docs  # what was indexed stays
    # the running app answers from the new index at its next request
    from gradio_client import Client

    client = Client(server.url, auth=(USER, PASSWORD), verbose=False, httpx_kwargs={"timeout": 120})
    try:
        hits = client.predict("simhall Åkersberga 25-metersbassäng", api_name="/search")
    finally:
        client.close()
    assert hits[0]["source"] == "simhall.pdf" and hits[0]["section"] == "§ 12"


def test_a_bad_file_is_reported_by_name_and_the_index_is_untouched(server, index, folder):
    before = _current(index), sorted(p.name for p in folder.iterdir())
    status, job = _post(server.url, "trasig.pdf", b"%PDF-1.4\n" + b"\x00garbage " * 200, {**UPLOAD, **basic(USER, PASSWORD)})
    assert status == 202
    done = _wait(server.url, job["id"])
    assert done["state"] == "fel" and done["message"].startswith("trasig.pdf kunde inte indexeras: ")
    assert "Indexet är oförändrat" in done["message"]
    assert (_current(index), sorted(p.name for p in folder.iterdir())) == before
    # not a PDF at all, and too large: refused before anything is written
    status, res = _post(server.url, "brev.pdf", "Hej! Det här är inget protokoll.".encode(), {**UPLOAD, **basic(USER, PASSWORD)})
    assert status == 415 and res == {"detail": "brev.pdf är inte en PDF-fil."}
    status, res = _post(server.url, "stor.pdf", b"%PDF-1.4\n" + b"0" * 1_100_000, {**UPLOAD, **basic(USER, PASSWORD)})
    assert status == 413 and res == {"detail": "stor.pdf är större än 1 MB och togs inte emot."}
    assert (_current(index), sorted(p.name for p in folder.iterdir())) == before


@pytest.mark.parametrize("args,message", [
    (["--allow-upload", "{tmp}/up"], "--allow-upload needs a login"),
    (["--allow-upload", str(ROOT / "uploads"), "--auth", "a:b"], "may not land inside the namndsok repository"),
])
def test_allow_upload_refused_without_a_login_or_into_the_repository(index, tmp_path, args, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    r = subprocess.run([sys.executable, "-m", "namndsok.app.cli", "serve", "--index", str(index), "--port", "1", *args],
                       capture_output=True, text=True, env=quiet_env(), cwd=ROOT, timeout=120)
    assert r.returncode == 1 and message in r.stderr, r.stderr[-1000:]
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "up").exists() and not (ROOT / "uploads").exists()
