"""The web app's surface over real HTTP on loopback (`namndsok serve` as a subprocess, toy
index with text and PDF documents): the login on every route, slowed-down failed logins
per client, no anonymous uploads, clear errors for plain API calls, PDFs and gone files
at /dokument, and an index replaced by `ingest` while the app runs."""

from __future__ import annotations

import base64
import http.client as httpclient
import html
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from conftest import ROOT, Server, corpus_file
from namndsok.index.builder import ingest
from namndsok.index.embedders import create_embedder
from pdfs import make_pdf

USER, PASSWORD = "anna", "hemligt lösen:med kolon"
LEAKS = ("Minirosen", "KSPU", "Simhall", "%PDF")  # text of the indexed documents
SIMHALL = "Protokoll\nKultur- och fritidsnämnden\nDatum: 2024-03-12\n\n§ 12 Ny simhall\n\nNämnden beslutar om en ny Simhall i Åkersberga."


# ------------------------------------------------------------------ plumbing


def http(url: str, method: str, path: str, headers: dict | None = None, body: bytes | None = None,
            source: str | None = None) -> tuple[int, dict, bytes]:
    """One request sent as written (no normalisation), optionally from another loopback address."""
    u = urllib.parse.urlsplit(url)
    conn = httpclient.HTTPConnection(u.hostname, u.port, timeout=60, source_address=(source, 0) if source else None)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        headers: dict[str, str] = {}
        for k, v in r.getheaders():  # repeated headers (Set-Cookie) joined by newlines
            headers[k.lower()] = f"{headers[k.lower()]}\n{v}" if k.lower() in headers else v
        return r.status, headers, r.read()
    finally:
        conn.close()


def basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def login(url: str, user: str, password: str, source: str | None = None) -> tuple[int, dict, bytes]:
    body = urllib.parse.urlencode({"username": user, "password": password}).encode()
    return http(url, "POST", "/login", {"Content-Type": "application/x-www-form-urlencoded"}, body, source)


def session_cookie(url: str) -> dict:
    status, headers, _ = login(url, USER, PASSWORD, source="127.0.0.9")
    assert status == 200, status
    return {"Cookie": "; ".join(c.split(";")[0] for c in headers["set-cookie"].split("\n"))}


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("web-docs")
    shutil.copy(corpus_file("000"), d)
    make_pdf(["Protokoll\nKultur- och fritidsnämnden\nDatum: 2024-03-12\n\n§ 12 Ny simhall", "Nämnden beslutar om en ny Simhall i Åkersberga."],
             d / "simhall.pdf")
    make_pdf(["Protokoll\nTekniska nämnden\nDatum: 2022-01-10\n\n§ 3 Snöröjning", "Nämnden beslutar om snöröjning i Åkersberga."],
             d / "borttagen.pdf")
    return d


@pytest.fixture(scope="module")
def index(docs, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("web-index") / "ix"
    assert ingest([docs], root, create_embedder("toy"), progress=False).ok
    return root


@pytest.fixture(scope="module")
def gradio_tmp(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("gradio-tmp")


@pytest.fixture(scope="module")
def server(index, gradio_tmp, tmp_path_factory):
    s = Server(["--index", str(index), "--auth", f"{USER}:{PASSWORD}"], tmp_path_factory.mktemp("auth-server") / "serve.log",
               env={"GRADIO_TEMP_DIR": str(gradio_tmp)})
    yield s.url
    s.stop()


@pytest.fixture(scope="module")
def open_server(index, gradio_tmp, tmp_path_factory):
    s = Server(["--index", str(index)], tmp_path_factory.mktemp("open-server") / "serve.log",
               env={"GRADIO_TEMP_DIR": str(gradio_tmp)})
    yield s.url
    s.stop()


def routes(index: Path) -> list[tuple[str, str]]:
    """(method, path) of every route the app serves, its own and Gradio's, with sample values
    for path parameters: read from the app itself, so a route added later is tested too."""
    from starlette.routing import Mount

    from namndsok.app.web import create_app

    app, _ = create_app(index, auth=("x", "y"))
    out: list[tuple[str, str]] = []

    def walk(rs, prefix=""):
        for r in rs:
            if isinstance(r, Mount):
                walk(r.app.routes, prefix + r.path)
            elif hasattr(r, "original_router"):  # an included router (Gradio's /gradio_api/…)
                walk(r.original_router.routes, prefix)
            elif hasattr(r, "path"):
                for m in sorted((getattr(r, "methods", None) or {"GET"}) - {"HEAD"}):
                    out.append((m, re.sub(r"\{(\w+)(:\w+)?\}", lambda g: "0" if g[1] in ("n", "size") else "answer"
                                          if g[1] == "api_name" else "x", prefix + r.path)))
    walk(app.routes)
    return sorted(set(out))


# pages and files the login form itself needs; everything else is refused without a login
LOGIN_PAGE = re.compile(r"/|/login/?|/logout|/config/?|/favicon\.ico|/theme\.css|/robots\.txt|/manifest\.json|/pwa_icon(/0)?"
                        r"|/(assets|static|svelte)/x|/gradio_api/(login_check|user|token|app_id|theme\.css|startup-events)/?")


# ------------------------------------------------------------------ 2: the login covers every route


def test_every_route_without_or_with_wrong_login_is_refused(server, index):
    all_routes = routes(index)
    assert ("GET", "/dokument/0") in all_routes and ("GET", "/openapi.json") in all_routes and len(all_routes) > 60
    refused = 0
    for n, (method, path) in enumerate(all_routes):
        body = b"{}" if method == "POST" else None
        # a wrong user name: wrong passwords for USER from 250 addresses would lock USER out (guard.py)
        for creds in ({}, basic("inkräktare", "fel"), {"Cookie": "access-token-unsecure-x=gissad"}):
            status, _, data = http(server, method, path, {**creds, "Content-Type": "application/json"}, body,
                                      source=f"127.0.1.{n % 250 + 1}")
            text = data.decode("utf-8", "replace")
            assert not any(leak in text for leak in LEAKS), (method, path, status, text[:300])
            if LOGIN_PAGE.fullmatch(path):
                continue
            assert status in (401, 404, 429), (method, path, creds, status, text[:300])
            refused += 1
    assert refused > 150


def test_routes_with_the_right_login(server, index):
    cookie = session_cookie(server)
    for creds in (cookie, basic(USER, PASSWORD)):
        status, headers, data = http(server, "GET", "/dokument/0", creds, source="127.0.0.9")
        assert status == 200 and "Minirosen" in data.decode() and headers["content-type"].startswith("text/html")
        status, _, data = http(server, "GET", "/openapi.json", creds, source="127.0.0.9")
        assert status == 200 and "/dokument/{n}" in json.loads(data)["paths"]
        status, _, data = http(server, "GET", "/docs", creds, source="127.0.0.9")
        assert status == 200 and b"swagger" in data.lower()
    status, _, data = http(server, "GET", "/config", cookie, source="127.0.0.9")
    assert status == 200 and json.loads(data)["components"]
    status, _, data = http(server, "GET", "/gradio_api/info", cookie, source="127.0.0.9")
    assert status == 200 and "/answer" in json.loads(data)["named_endpoints"]


def test_gradio_client_logs_in(server):
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    with pytest.raises(AuthenticationError, match="credentials were not provided"):
        Client(server, verbose=False)
    client = Client(server, auth=(USER, PASSWORD), verbose=False, httpx_kwargs={"timeout": 120})
    try:
        hits = client.predict("Minirosen", api_name="/search")
        assert hits and hits[0]["source"] == corpus_file("000").name
    finally:
        client.close()


# ------------------------------------------------------------------ 12: failed logins, uploads, plain API calls


def test_failed_logins_are_slowed_down_per_client(server):
    statuses, waits = [], []
    for _ in range(20):
        status, headers, _ = login(server, USER, "fel", source="127.0.0.3")
        statuses.append(status)
        if status == 429:
            waits.append(int(headers["retry-after"]))
    assert statuses[:3] == [400, 400, 400]
    assert statuses.count(400) <= 5 and statuses.count(429) >= 15, statuses
    assert waits and all(w >= 1 for w in waits)
    # another client is not held up, and during the lock even the right password waits
    assert login(server, USER, PASSWORD, source="127.0.0.4")[0] == 200
    assert login(server, USER, PASSWORD, source="127.0.0.3")[0] == 429
    # the lock ends when Retry-After said: poll (bounded) until the right password is let in
    locked_at, deadline = time.monotonic(), time.monotonic() + waits[-1] + 30
    while (status := login(server, USER, PASSWORD, source="127.0.0.3")[0]) == 429 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert status == 200 and time.monotonic() - locked_at >= waits[-1] - 1.5
    assert login(server, USER, "fel", source="127.0.0.3")[0] == 400  # a success starts the count again
    # Basic credentials on the app's own routes count the same way
    got = [http(server, "GET", "/dokument/0", basic(USER, "fel"), source="127.0.0.5")[0] for _ in range(6)]
    assert got[:3] == [401, 401, 401] and 429 in got[3:], got


@pytest.mark.parametrize("which", ["server", "open_server"])
def test_gradio_upload_is_closed(request, which, gradio_tmp):
    url = request.getfixturevalue(which)
    before = {p for p in gradio_tmp.rglob("*")}
    boundary = "namndsok-test"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"x.txt\"\r\n"
            f"Content-Type: text/plain\r\n\r\n{'A' * 100_000}\r\n--{boundary}--\r\n").encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    if which == "server":
        headers.update(session_cookie(url))
    for path in ("/gradio_api/upload", "/gradio_api/upload/", "/gradio_api/upload?upload_id=x"):
        status, _, data = http(url, "POST", path, headers, body)
        assert status == 404, (path, status, data[:200])
    assert http(url, "GET", "/gradio_api/upload_progress?upload_id=x", headers)[0] == 404
    assert {p for p in gradio_tmp.rglob("*")} == before


def _call(url: str, name: str, payload: bytes, headers: dict | None = None) -> tuple[int, dict]:
    status, _, data = http(url, "POST", f"/gradio_api/call/{name}", {"Content-Type": "application/json", **(headers or {})}, payload)
    return status, json.loads(data)


def _result(url: str, name: str, event_id: str, headers: dict | None = None) -> list:
    _, _, data = http(url, "GET", f"/gradio_api/call/{name}/{event_id}", headers)
    text = data.decode()
    assert "event: complete" in text, text[:500]
    return json.loads(text.split("data: ", 1)[1].strip())


@pytest.mark.parametrize("payload,message", [
    (b'{"data": []}', 'send {"data": [question, …]}: the question is missing'),
    (b'{}', 'send {"data": [question, …]}: the question is missing'),
    (b'{"data": [3]}', "the question must be text"),
    (b'{"data": ["a", "b", "c", "d", "e", "f"]}', "at most 5 inputs (question, organ, doc_type, date_from, date_to); got 6"),
    (b'not json', "the body is not JSON"),
    (b'[1, 2]', 'send {"data": [question, …]} as JSON'),
])
def test_plain_api_calls_with_bad_inputs_get_one_sentence(open_server, payload, message):
    status, res = _call(open_server, "answer", payload)
    assert status == 422 and res == {"detail": message}


def test_plain_api_call_fills_in_optional_inputs(open_server):
    status, res = _call(open_server, "answer", b'{"data": ["Vad beslutade vi om Minirosen?"]}')
    assert status == 200
    answer = _result(open_server, "answer", res["event_id"])[0]
    assert answer["citations"] and answer["citations"][0]["source"] == corpus_file("000").name
    status, res = _call(open_server, "search", b'{"data": ["Simhall", "Alla", "Alla", "2024", "2024"]}')
    hits = _result(open_server, "search", res["event_id"])[0]
    assert hits and {h["source"] for h in hits} == {"simhall.pdf"}
    status, res = _call(open_server, "search", b'{"data": ["Simhall", "Alla", "Alla", "igar"]}')
    _, _, data = http(open_server, "GET", f"/gradio_api/call/search/{res['event_id']}")
    assert "event: error" in data.decode() and "datumet 'igar' ska skrivas" in data.decode()
    assert "object at 0x" not in data.decode()


# ------------------------------------------------------------------ /dokument for PDFs


def test_pdf_document_and_a_file_gone_from_disk(server, index, docs):
    from namndsok.index.store import load_index

    documents = load_index(index).documents
    creds = session_cookie(server)
    n = next(i for i, d in enumerate(documents) if d.source == "simhall.pdf")
    status, headers, data = http(server, "GET", f"/dokument/{n}", creds)
    assert status == 200 and headers["content-type"] == "application/pdf" and data.startswith(b"%PDF")
    assert data == (docs / "simhall.pdf").read_bytes() and 'filename="simhall.pdf"' in headers["content-disposition"]
    assert headers["content-disposition"].startswith("inline")  # shown in the browser, at the #page a link names
    gone = next(i for i, d in enumerate(documents) if d.source == "borttagen.pdf")
    (docs / "borttagen.pdf").unlink()
    status, _, data = http(server, "GET", f"/dokument/{gone}", creds)
    assert status == 410 and "finns inte längre" in data.decode()
    status, _, _ = http(server, "GET", f"/dokument/{n}?h=0123456789abcdef", creds)
    assert status == 404


def test_a_pdf_passage_links_to_its_page(open_server):
    """The card of a passage on page 2 opens the PDF at page 2 (the words are only there)."""
    status, res = _call(open_server, "ask_html", json.dumps({"data": ["beslutar Åkersberga", "Sök", "Alla", "Alla", "", ""]}).encode())
    page = _result(open_server, "ask_html", res["event_id"])[0]
    card = next(c for c in page.split('<div class="ns-card"')[1:] if "Åkersberga" in c)
    assert re.search(r'<a class="ns-open" href="/dokument/\d+\?h=[0-9a-f]{16}#page=2"', card), card


# ------------------------------------------------------------------ 7: an index replaced while serving


def test_the_app_follows_an_index_replaced_by_ingest(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(corpus_file("004"), docs)
    root = tmp_path / "ix"
    ingest([docs], root, create_embedder("toy"), progress=False)
    first = sorted(root.glob("data-*"))
    s = Server(["--index", str(root)], tmp_path / "serve.log")
    try:
        def search(q: str) -> set[str]:
            status, res = _call(s.url, "search", json.dumps({"data": [q, "Alla", "Alla", "", "", 50]}).encode())
            return {h["source"] for h in _result(s.url, "search", res["event_id"])[0]}

        assert search("Minirosen platser") == {corpus_file("004").name}
        shutil.copy(corpus_file("000"), docs)
        r = subprocess.run([sys.executable, "-m", "namndsok.app.cli", "ingest", str(docs), "--index", str(root)],
                           capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
        assert r.returncode == 0, r.stderr
        assert not any(p.exists() for p in first)  # the folder the app loaded is gone
        assert corpus_file("000").name in search("Minirosen platser")  # the very next request
        # a link made from the new snapshot opens its document
        status, res = _call(s.url, "ask_html", json.dumps({"data": ["Vad beslutade vi om Minirosen?", "Svar", "Alla", "Alla", "", ""]}).encode())
        page = _result(s.url, "ask_html", res["event_id"])[0]
        href = re.search(r'href="(/dokument/\d+\?h=[0-9a-f]{16})', page)[1]
        status, _, data = http(s.url, "GET", href)
        # the toy embedder may cite either document; the page is one of them, every line of it
        # (lines as shown: a list's "*" is drawn as "•", markdown marks left out)
        def norm(x: str) -> str:  # marks stand for a space ("saknades**Vägen dit**" is shown "saknades Vägen dit")
            return " ".join(re.sub(r"[*•_#]", " ", x).split())

        served = {norm(html.unescape(m)) for m in re.findall(r'<span id="L\d+">([^<]{30,})</span>', data.decode())}
        texts = [norm(p.read_text(encoding="utf-8")) for p in docs.iterdir()]
        assert status == 200 and served
        assert any(all(line in t for line in served) for t in texts), [
            line for line in served if not any(line in t for t in texts)]

        # requests while the index is replaced again: each answered whole, none fails. The
        # clients start once the ingest has printed its first progress line, and ask until it
        # has ended (and once more after): their requests span the ingest and its swap.
        shutil.copy(corpus_file("002"), docs)
        errors: list[str] = []
        during: list[int] = []  # requests begun while the ingest ran
        proc = subprocess.Popen([sys.executable, "-m", "namndsok.app.cli", "ingest", str(docs), "--index", str(root)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=dict(os.environ, PYTHONPATH=str(ROOT)))
        head = []
        for line in proc.stderr:  # ends with the first progress line, or when the ingest ends
            head.append(line)
            if re.search(r"namndsok\.progress: .*\b0 of \d+ ", line):
                break
        assert proc.poll() is None, ("the ingest ended before its first progress line", head)

        def client() -> None:
            running = True
            while running:
                running = proc.poll() is None
                try:
                    found = search("presidieträffar Minirosen")
                    if not found or not found <= {p.name for p in docs.iterdir()}:
                        errors.append(str(found))
                except Exception as exc:  # noqa: BLE001 - every failure counts
                    errors.append(repr(exc))
                during.append(running)

        threads = [threading.Thread(target=client) for _ in range(4)]
        for t in threads:
            t.start()
        out, err = proc.communicate(timeout=120)
        for t in threads:
            t.join(120)
        assert not any(t.is_alive() for t in threads)
        assert proc.returncode == 0 and not errors, ("".join(head) + err, errors)
        assert any(during), "no request was made while the ingest ran"
        assert corpus_file("002").name in search("presidieträffar produktionsstyrelsen")

        # a replacement that fails its checks is not served; the previous index stays
        (docs / "ny.txt").write_text(SIMHALL, encoding="utf-8")
        ingest([docs], root, create_embedder("toy"), progress=False)
        from namndsok.index.store import current_folder

        chunks = current_folder(root) / "chunks.jsonl"
        chunks.write_bytes(chunks.read_bytes().replace(b"Simhall", b"SIMHAL!", 1))
        assert "ny.txt" not in search("Simhall Åkersberga")
        assert "cannot be loaded" in s.log() and "does not match its SHA-256" in s.log()
    finally:
        s.stop()
