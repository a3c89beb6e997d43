"""The web app over real HTTP: `namndsok serve` runs as a subprocess on the real corpus index
(fixture `app_server`) and is called through gradio_client and plain HTTP, as a user or a
script would. Covers the /answer and /search APIs, hostile questions, HTML escaping, the
document route, the bind address and the warning for an open, login-less server."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import urllib.parse

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no telemetry from gradio_client
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from gradio_client import Client  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402

from conftest import ROOT, corpus_file, free_port, quiet_env  # noqa: E402
from namndsok.eval.loadtest import load_questions, run_load, stop_server  # noqa: E402

pytestmark = pytest.mark.slow

NO_ANSWER_PREFIX = "Inget i handlingarna."

BAD_QUESTIONS = {
    "empty": "",
    "whitespace": " \t\n  ",
    # a question past the length limit is refused: tests/test_query_cost.py
    "punctuation": "?!?!",
    "control-chars": "a\x00b\x07c\x1b[31m\x7f\u200b\ufeffd",
    "arabic": "ماذا قررت اللجنة بشأن المدرسة؟",
    "chinese": "委员会对学校做了什么决定？",
    "sql": "'; DROP TABLE dokument; --",
    "script": "<script>alert(1)</script>",
}


@pytest.fixture(scope="module")
def client(app_server) -> Client:
    c = Client(app_server, verbose=False, httpx_kwargs={"timeout": 120})
    yield c
    c.close()


def get(app_server: str, path: str) -> tuple[int, str]:
    """GET a raw path (sent as written: no normalisation of %2F or ..)."""
    u = urllib.parse.urlsplit(app_server)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    finally:
        conn.close()


# ------------------------------------------------------------------ /answer and /search


def test_answer_api_cites_section_and_dnr(client):
    res = client.predict("hur många platser har Minirosen?", api_name="/answer")
    assert res["outcome"] == "answer" and res["no_answer"] is False and res["mode"] == "extractive"
    first = res["citations"][0]
    assert (first["section"], first["dnr"]) == ("KSPU § 10:3", "PU 2020/0011"), res["answer"]
    assert first["marker"] == 1 and "10-12 platser" in res["answer"] and "[1]" in res["answer"]
    # § 10:3 raises Minirosen and decides nothing: asked what was decided, the closest places and why
    res = client.predict("vad beslutade vi om Minirosen?", api_name="/answer")
    assert res["outcome"] == "closest" and res["no_answer"] is True and "inget beslut" in res["reason"]
    assert res["citations"][0]["section"] == "KSPU § 10:3" and res["decision"] is None


def test_answer_api_refuses_what_is_not_in_the_documents(client):
    res = client.predict("Vad beslutade kommunfullmäktige i Malmö om spårvagnar?", api_name="/answer")
    assert res["outcome"] == "none" and res["no_answer"] is True and res["no_answer_kind"] == "nothing"
    assert res["answer"].startswith(NO_ANSWER_PREFIX) and "»Malmö»" in res["reason"]
    assert res["citations"] == [] and res["passages"]  # the closest passages, not cited as an answer
    # a near miss: the subject is in the documents, the year asked for is not; the closest places
    res = client.predict("Hur mycket kostar snöröjningen i Vallentuna kommun 2019?", api_name="/answer")
    assert res["outcome"] == "closest" and res["no_answer"] is True and res["no_answer_kind"] == "near_miss"
    assert res["answer"] == res["reason"] and "snöröjningen" in res["reason"] and 1 <= len(res["citations"]) <= 3


def test_search_api_returns_hits(client):
    hits = client.predict("Minirosen platser", api_name="/search")
    assert isinstance(hits, list) and hits
    assert hits[0]["section"] == "KSPU § 10:3"
    assert {"source", "section", "dnr", "text", "score"} <= set(hits[0])
    assert len(client.predict("Minirosen", "Alla", "Alla", "", "", 3, api_name="/search")) == 3


def test_search_api_bounds_k(client):
    assert len(client.predict("Minirosen", "Alla", "Alla", "", "", -5, api_name="/search")) == 1
    assert len(client.predict("Minirosen", "Alla", "Alla", "", "", 10**9, api_name="/search")) == 50


def test_api_date_filters_read_years_like_the_cli(client, searcher):
    hits = client.predict("Minirosen", "Alla", "Alla", "2020", "2020", 50, api_name="/search")
    # the corpus's only document of 2020 is the protocol of 2020-09-16: every chunk of it, nothing else
    protocol = corpus_file("000").name
    chunks = [c for c in searcher.chunks if c.source == protocol]
    assert all(c.source == protocol for c in searcher.chunks if str(c.citation.date).startswith("2020"))
    assert {h["source"] for h in hits} == {protocol} and {h["date"] for h in hits} == {"2020-09-16"}
    assert sorted(h["section"] for h in hits) == sorted(c.citation.section for c in chunks)
    res = client.predict("vad beslutade vi om Minirosen?", "Alla", "Alla", "2020-09", "2020-09", api_name="/answer")
    assert res["citations"][0]["section"] == "KSPU § 10:3"
    assert client.predict("Minirosen", "Alla", "Alla", "2021", "2023", 50, api_name="/search")[0]["date"] != "2020-09-16"


@pytest.mark.parametrize("question", list(BAD_QUESTIONS.values()), ids=list(BAD_QUESTIONS))
def test_bad_questions_return_cleanly(client, question):
    res = client.predict(question, api_name="/answer")  # the client's own timeout bounds the wait
    assert isinstance(res, dict) and isinstance(res["answer"], str) and res["answer"].strip()
    assert isinstance(res["no_answer"], bool)
    assert "Traceback" not in res["answer"]
    if not any(ch.isalnum() for ch in question):
        assert res["no_answer"] is True  # nothing to search for
    # /search takes the same text without failing
    assert isinstance(client.predict(question, api_name="/search"), list)


def test_bad_filter_is_an_error_message_and_the_server_lives_on(client):
    with pytest.raises(AppError, match="ÅÅÅÅ-MM-DD"):
        client.predict("Minirosen", "Alla", "Alla", "not a date", "", api_name="/answer")
    assert client.predict("Minirosen platser", api_name="/answer")["no_answer"] is False


# ------------------------------------------------------------------ HTML is escaped


def test_ask_html_escapes_the_question(client):
    page = client.predict("<script>alert(1)</script>", "Svar", "Alla", "Alla", "", "", api_name="/ask_html")
    assert "<script" not in page.lower()
    page = client.predict("<script>alert(1)</script>", "Sök", "Alla", "Alla", "", "", api_name="/ask_html")
    assert "<script" not in page.lower()
    # the date filter is echoed in its error message: escaped there too
    page = client.predict("Minirosen", "Svar", "Alla", "Alla", "<script>alert(1)</script>", "", api_name="/ask_html")
    assert "<script" not in page.lower() and "&lt;script&gt;" in page


def test_matter_html_escapes_the_key(client):
    page = client.predict("<script>alert(1)</script>", api_name="/matter_html")
    assert "<script" not in page.lower() and "&lt;script&gt;" in page


def test_ask_html_links_open_the_cited_document(client, app_server):
    page = client.predict("vad beslutade vi om Minirosen?", "Svar", "Alla", "Alla", "", "", api_name="/ask_html")
    assert 'id="ns-answer"' in page and "KSPU § 10:3" in page and "PU 2020/0011" in page
    href = re.search(r'<a class="ns-open" href="(/dokument/[^"]+)"', page)[1].replace("&amp;", "&")
    status, body = get(app_server, href.split("#", 1)[0])
    assert status == 200 and "Minirosen" in body


# ------------------------------------------------------------------ /dokument/{n}


def test_document_route_serves_an_indexed_document(app_server):
    status, body = get(app_server, "/dokument/0")
    assert status == 200
    assert body.lstrip().lower().startswith("<!doctype html>")
    assert "KSPU § 10:3" in body and 'id="L1"' in body


@pytest.mark.parametrize("path", [
    "/dokument/999",
    "/dokument/-1",
    "/dokument/..%2F..%2Fetc%2Fpasswd",
    "/dokument/%2Fetc%2Fpasswd",
    "/dokument/../../etc/passwd",
    "/dokument/0%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/dokument/1e3",
    "/dokument/%00",
    "/dokument/0?h=zz",
    "/dokument/0?h=0000000000000000",
    "/dokument/999?h=../../etc",
])
def test_document_route_refuses_anything_else(app_server, path):
    status, body = get(app_server, path)
    assert status in (404, 422), (status, body[:200])
    assert "root:" not in body


# ------------------------------------------------------------------ bind address and warning


def _listening_addresses(port: int) -> set[str]:
    """The local addresses of the TCP sockets listening on `port` (Linux: /proc/net/tcp, tcp6)."""
    import ipaddress

    found = set()
    for table, size in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 16)):
        try:
            rows = open(table, encoding="ascii").read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            addr, p = local.split(":")
            if state == "0A" and int(p, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(addr)
                # the kernel writes each 32-bit word in host (little-endian) order
                raw = b"".join(raw[i:i + 4][::-1] for i in range(0, size, 4))
                found.add(str(ipaddress.ip_address(raw)))
    return found


def test_serve_binds_loopback_by_default(app_server):
    # the server's own listening socket, as the kernel reports it (not the URL the test built)
    assert _listening_addresses(urllib.parse.urlsplit(app_server).port) == {"127.0.0.1"}
    out = subprocess.run([sys.executable, "-m", "namndsok.app.cli", "serve", "--help"],
                         capture_output=True, text=True, check=True, env=quiet_env()).stdout
    assert "(default: 127.0.0.1)" in out
    # and it is not reachable on this machine's other address, if it has one
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))  # UDP connect sends nothing; it only picks the outgoing address
            ip = s.getsockname()[0]
        except OSError:
            ip = "127.0.0.1"
    if not ip.startswith("127."):  # a machine with only loopback has no other address to try
        with pytest.raises(OSError):
            socket.create_connection((ip, urllib.parse.urlsplit(app_server).port), timeout=3).close()


def _serve_output(args: list[str], until: tuple[str, ...], timeout: float = 90) -> str:
    """Start `namndsok serve ARGS`, collect its output until a line contains one of `until`, stop it."""
    proc = subprocess.Popen([sys.executable, "-m", "namndsok.app.cli", "serve", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=quiet_env(), cwd=ROOT)
    lines: list[str] = []
    seen = threading.Event()

    def read() -> None:
        for line in proc.stdout:
            lines.append(line)
            if any(u in line for u in until):
                seen.set()
        seen.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        seen.wait(timeout)
    finally:
        stop_server(proc)
        reader.join(5)
    return "".join(lines)


def test_serve_on_all_interfaces_without_login_warns(corpus_index):
    # stopped as soon as the warning shows, which is before the index is even loaded
    out = _serve_output(["--index", str(corpus_index), "--host", "0.0.0.0", "--port", str(free_port())],
                        until=("WARNING",))
    assert "WARNING" in out and "--auth" in out, out


def test_serve_on_all_interfaces_with_login_does_not_warn(corpus_index):
    out = _serve_output(["--index", str(corpus_index), "--host", "0.0.0.0", "--port", str(free_port()),
                         "--auth", "tester:not-a-real-secret"], until=("namndsok: http", "WARNING"))
    assert "namndsok: http" in out and "WARNING" not in out, out


# ------------------------------------------------------------------ load (smoke)


def test_loadtest_smoke(app_server):

    questions = load_questions()[:6]
    assert len(questions) == 6
    res = run_load(app_server, questions, n=6, concurrency=2, timeout=120, request_timeout=60)
    assert res["errors"] == 0 and res["timeouts"] == 0 and res["not_sent"] == 0, res["error_samples"]
    assert res["completed"] == res["ok"] == 6 and res["throughput_rps"] > 0  # every answer a valid one
    # each request's own time, in seconds: measured, and none longer than the whole run
    lat = res["latency_s"]
    assert 0 < lat["p50"] and lat["max"] <= res["wall_s"], (lat, res["wall_s"])


def test_load_percentiles_interpolate():
    from namndsok.eval.loadtest import _pct

    assert _pct([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert _pct([1.0, 2.0, 3.0, 4.0, 5.0], 0.95) == pytest.approx(4.8)
    assert _pct([7.0], 0.95) == 7.0 and _pct([], 0.5) is None


def test_load_target_is_checked_round_by_round():
    from namndsok.eval.loadtest import check_target

    def round_(p95, after, errors=0):
        return {"errors": errors, "timeouts": 0, "not_sent": 0, "latency_s": {"p95": p95}, "rss_kb": {"after": after}}

    met = check_target([round_(1.5, 300_000), round_(1.9, 310_000), round_(1.2, 400_000), round_(1.8, 410_000)])
    assert met == {"errors": True, "p95": True, "rss_flat": True, "rss_change_last_two": 0.025}
    missed = check_target([round_(1.5, 300_000), round_(2.5, 330_000, errors=1)])
    assert missed == {"errors": False, "p95": False, "rss_flat": False, "rss_change_last_two": 0.1}
