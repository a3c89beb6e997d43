"""The login under attack and under scripts, over real HTTP against `namndsok serve --auth`
(a subprocess on loopback, toy index): 50 parallel logins cannot get past the lockout (per
client and per user name), and HTTP Basic credentials open every route, Gradio's own too."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest

from conftest import Server, corpus_file
from namndsok.app.guard import FREE_FAILURES, FREE_USER_FAILURES
from namndsok.index.builder import ingest
from namndsok.index.embedders import create_embedder
from test_web_security import basic, http, login

USER, PASSWORD = "greta", "rätt lösen"


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("gate-docs")
    shutil.copy(corpus_file("000"), d)
    root = tmp_path_factory.mktemp("gate-index") / "ix"
    assert ingest([d], root, create_embedder("toy"), progress=False).ok
    return root


@pytest.fixture
def server(index, tmp_path):
    """A fresh server per test: a lockout must not leak into the next test."""
    s = Server(["--index", str(index), "--auth", f"{USER}:{PASSWORD}"], tmp_path / "serve.log")
    yield s.url
    s.stop()


def _together(n: int, fn) -> list:
    """fn(i) for i in range(n) on n threads released at once; the results in order."""
    start = threading.Barrier(n)
    out: list = [None] * n

    def run(i: int) -> None:
        start.wait()
        out[i] = fn(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return out


def test_parallel_logins_from_one_client_are_checked_at_most_the_allowed_number(server):
    # 49 wrong guesses and the right password, all at once from one address
    statuses = _together(50, lambda i: login(server, USER, PASSWORD if i == 37 else f"gissning{i}", source="127.0.0.21")[0])
    checked = [s for s in statuses if s != 429]
    assert len(checked) <= FREE_FAILURES and statuses.count(429) >= 50 - FREE_FAILURES, statuses
    assert set(checked) <= {400, 200}, statuses
    # the right password got through only if it was among the first ones checked
    assert statuses[37] in (200, 429) and statuses.count(200) <= 1, statuses


def test_parallel_logins_for_one_user_from_many_clients_are_held_too(server):
    statuses = _together(50, lambda i: login(server, USER, f"gissning{i}", source=f"127.0.3.{i + 1}")[0])
    assert statuses.count(400) <= FREE_USER_FAILURES and statuses.count(429) >= 50 - FREE_USER_FAILURES, statuses
    # Basic credentials count the same way, and the lock holds them too: the user is locked now
    status, headers, _ = http(server, "GET", "/dokument/0", basic(USER, PASSWORD), source="127.0.4.1")
    assert status == 429 and int(headers["retry-after"]) >= 1


def test_parallel_basic_guesses_are_held(server):
    statuses = _together(50, lambda i: http(server, "GET", "/dokument/0", basic(USER, f"gissning{i}"),
                                            source="127.0.0.22")[0])
    assert statuses.count(401) <= FREE_FAILURES and statuses.count(429) >= 50 - FREE_FAILURES, statuses


def test_basic_credentials_open_every_route(server):
    auth = basic(USER, PASSWORD)
    # Gradio's own routes, which read a session cookie, not the header
    status, _, data = http(server, "GET", "/config", auth)
    assert status == 200 and json.loads(data)["components"], data[:300]
    status, _, data = http(server, "GET", "/gradio_api/info", auth)
    assert status == 200 and "/answer" in json.loads(data)["named_endpoints"], data[:300]
    body = json.dumps({"data": ["Vad beslutade vi om Minirosen?"]}).encode()
    status, _, data = http(server, "POST", "/gradio_api/call/answer", {**auth, "Content-Type": "application/json"}, body)
    assert status == 200, data[:300]
    event = json.loads(data)["event_id"]
    status, _, data = http(server, "GET", f"/gradio_api/call/answer/{event}", auth)
    assert status == 200 and b"event: complete" in data, data[:500]
    payload = json.loads(data.decode().split("event: complete\ndata: ", 1)[1].splitlines()[0])
    assert payload[0]["question"] == "Vad beslutade vi om Minirosen?"
    assert any(c["source"] == corpus_file("000").name for c in payload[0]["citations"] + payload[0]["passages"])
    # the app's own routes, as before
    status, _, data = http(server, "GET", "/dokument/0", auth)
    assert status == 200 and "Minirosen" in data.decode()
    # and without credentials or with wrong ones, still closed
    for creds in ({}, basic(USER, "fel")):
        assert http(server, "GET", "/gradio_api/info", creds, source="127.0.0.23")[0] in (401, 429)
        status, _, data = http(server, "GET", "/config", creds, source="127.0.0.24")
        assert status in (401, 429) and b"Minirosen" not in data


def test_the_login_form_as_a_browser_sends_it(server):
    """Gradio's page posts the form as multipart/form-data: the Guard reads it like the urlencoded one."""
    def multipart(user: str, password: str) -> tuple[dict, bytes]:
        b = "----namndsok7"
        parts = "".join(f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                        for k, v in (("username", user), ("password", password)))
        return {"Content-Type": f"multipart/form-data; boundary={b}"}, (parts + f"--{b}--\r\n").encode()

    headers, body = multipart(USER, "fel")
    assert http(server, "POST", "/login", headers, body, source="127.0.0.31")[0] == 400
    headers, body = multipart(USER, PASSWORD)
    status, got, _ = http(server, "POST", "/login", headers, body, source="127.0.0.31")
    assert status == 200 and "access-token" in got["set-cookie"]
