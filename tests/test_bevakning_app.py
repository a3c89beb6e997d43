"""Bevakningar as a user meets them: `namndsok bevaka` and `namndsok ingest` on the command
line, the Atom feed fetched over HTTP from a real `namndsok serve` with a login and read by
feedparser, another user's searches and a revoked token answering 404, and `namndsok watch`
stopped by SIGTERM with its index intact. The toy embedder: matching is by words."""

from __future__ import annotations

import base64
import json
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import feedparser
import pytest

from conftest import ROOT, Server, corpus_file, quiet_env
from test_browser import browser  # noqa: F401 (the headless Chromium fixture)

from namndsok.app.bevakning.store import Store
from namndsok.index.store import load_index


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "namndsok.app.cli", *args], capture_output=True, text=True,
                          env={**quiet_env(), "NAMNDSOK_EMBEDDER": "toy", **(env or {})}, cwd=ROOT, timeout=600)


def request(url: str, method: str = "GET", auth: tuple[str, str] | None = None,
            headers: dict | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, method=method, headers=headers or {})
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A toy index of two corpus files with saved searches of two users, made through the CLI,
    served with alice's login."""
    tmp = tmp_path_factory.mktemp("bevakning-app")
    root, folder = tmp / "ix", tmp / "in"
    folder.mkdir()
    env = {"NAMNDSOK_AUTH": "alice:hemligt"}
    out = cli("bevaka", "add", "Ann-Christine Furustrand", "--index", str(root), "--json", env=env)
    assert out.returncode == 0, out.stderr
    alice = json.loads(out.stdout)
    assert alice["user"] == "alice" and alice["feed"].endswith(f"/bevakning/{alice['token']}.atom")
    out = cli("bevaka", "add", "Minirosen", "--user", "bob", "--index", str(root), "--json")
    bob = json.loads(out.stdout)
    out = cli("bevaka", "add", "--person", "Michaela Fletcher", "--fact", "yrkande", "--user", "bob", "--index", str(root))
    assert out.returncode == 0, out.stderr
    for f in ("000", "002"):
        shutil.copy(corpus_file(f), folder)
    out = cli("ingest", str(folder), "--index", str(root))
    assert out.returncode == 0, out.stderr
    assert "bevakningar: " in out.stderr  # the CLI says that the searches found something
    server = Server(["--index", str(root), "--auth", "alice:hemligt"], tmp / "serve.log")
    try:
        yield server.url.rstrip("/"), root, alice, bob
    finally:
        server.stop()


def test_cli_lists_and_removes_saved_searches(tmp_path):
    root = tmp_path / "ix"
    assert cli("bevaka", "add", "familjecentral", "--organ", "Utbildningsnämnden", "--from", "2023",
               "--email", "a@example.se", "--index", str(root)).returncode == 0
    out = cli("bevaka", "add", "x", "--from", "igår", "--index", str(root))
    assert out.returncode == 2 and "igår" in out.stderr and "Traceback" not in out.stderr
    out = cli("bevaka", "list", "--index", str(root), "--json")
    [s] = json.loads(out.stdout)
    assert (s["query"], s["organ"], s["date_from"], s["email"]) == ("familjecentral", "Utbildningsnämnden", "2023", "a@example.se")
    old = s["token"]
    out = cli("bevaka", "ny-lank", str(s["id"]), "--index", str(root))
    assert out.returncode == 0 and old not in out.stdout and "404" in out.stdout
    assert cli("bevaka", "remove", str(s["id"]), "--index", str(root)).returncode == 0
    out = cli("bevaka", "remove", str(s["id"]), "--index", str(root))
    assert out.returncode == 1 and out.stderr.startswith("namndsok: there is no bevakning")
    assert cli("bevaka", "list", "--index", str(root)).stdout.strip() == "Inga bevakningar."
    out = cli("bevaka")
    assert out.returncode == 1 and "add|list|remove" in out.stderr and "Traceback" not in out.stderr


def test_cli_follows_a_party_and_a_member_through_an_ingest(tmp_path):
    root, folder = tmp_path / "ix", tmp_path / "in"
    folder.mkdir()
    out = cli("bevaka", "add", "--party", "Sverigedemokraterna", "--fact", "reservation", "--index", str(root), "--json")
    assert out.returncode == 0, out.stderr
    party = json.loads(out.stdout)
    assert (party["party"], party["person"], party["facts"], party["query"]) == ("SD", None, ["reservation"], "")
    out = cli("bevaka", "add", "--person", "Cesar Dahlqvist", "--fact", "vote", "--index", str(root), "--json")
    assert json.loads(out.stdout)["facts"] == ["röst"]
    for wrong, said in ((["--party", "Kalle Anka"], "'Kalle Anka' is not a party"),
                        (["Minirosen", "--person", "Cesar Dahlqvist"], "inte flera"),
                        (["--party", "SD", "--fact", "sång"], "'sång' is no kind of fact")):
        out = cli("bevaka", "add", *wrong, "--index", str(root))
        last = out.stderr.strip().splitlines()[-1]
        assert out.returncode in (1, 2) and "Traceback" not in out.stderr and said in last, out.stderr
    # the Samhällsbyggnadsnämnden protocol: SD reserves itself in § 20, Cesar Dahlqvist (SD) votes no
    shutil.copy(ROOT / "tests" / "data" / "protocols" / "p10_kolumnvotering.txt", folder)
    out = cli("ingest", str(folder), "--index", str(root))
    assert out.returncode == 0 and "bevakningar: 2 new matches" in out.stderr, out.stderr
    out = cli("bevaka", "list", "--index", str(root))
    lines = out.stdout.splitlines()
    assert lines[0].startswith(f"{party['id']}: parti SD (reservation)")
    assert any("Samhällsbyggnadsnämnden 2024-03-14 · § 20 Detaljplan för Norra hamnen · Dnr SBN 2022/77 — reservation" in x
               for x in lines)
    assert any("§ 20 Detaljplan för Norra hamnen · Dnr SBN 2022/77 — röst" in x for x in lines)


def test_an_empty_folder_into_a_new_index_makes_an_empty_index_that_answers(tmp_path):
    """A watched folder often starts empty: `ingest EMPTY` into an index that does not exist yet
    writes an empty, valid index (as it leaves an existing one as it was), never a traceback;
    search and ask answer "nothing", and the first file then goes in as usual."""
    root, folder = tmp_path / "ny" / "ix", tmp_path / "tom"
    folder.mkdir()
    (folder / "anteckning.docx").write_bytes(b"not read")  # an unsupported file only
    out = cli("ingest", str(folder), "--index", str(root))
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    assert "0 indexed" in out.stdout + out.stderr and "0 chunks in the index" in out.stdout + out.stderr
    assert load_index(root).chunks == []
    out = cli("search", "Minirosen", "--index", str(root))
    assert out.returncode == 0 and out.stdout.strip() == "Inga träffar.", out.stdout + out.stderr
    out = cli("ask", "Vad beslutade vi om Minirosen?", "--index", str(root))
    assert out.returncode == 0 and "Traceback" not in out.stderr and "Inget i handlingarna" in out.stdout, out.stdout
    shutil.copy(corpus_file("000"), folder)
    out = cli("ingest", str(folder), "--index", str(root))
    assert out.returncode == 0 and "1 indexed" in out.stdout + out.stderr, out.stderr
    assert {d.source for d in load_index(root).documents} == {corpus_file("000").name}


def test_feed_is_read_by_a_feed_reader_without_the_login(served):
    url, root, alice, _ = served
    status, body = request(f"{url}/bevakning/{alice['token']}.atom")
    assert status == 200
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Bevakning: Ann-Christine Furustrand"
    assert feed.feed.language == "sv"
    titles = [e.title for e in feed.entries]
    # she asks about Minirosen in the protocol's § 10:3 and is named in the tjänsteutlåtande
    assert any(t.startswith("Kommunstyrelsens produktionsutskott 2020-09-16 · KSPU § 10:3") for t in titles), titles
    assert {e.link.split("?h=")[0].rsplit("/", 1)[0] for e in feed.entries} == {f"{url}/dokument"}
    assert len({e.id for e in feed.entries}) == len(feed.entries)
    entry = next(e for e in feed.entries if "KSPU § 10:3" in e.title)
    assert "Furustrand" in entry.summary
    # the entry's link opens the passage in the app, behind the login
    assert request(entry.link.split("#")[0])[0] == 401
    status, page = request(entry.link.split("#")[0], auth=("alice", "hemligt"))
    assert status == 200 and "Furustrand" in page.decode("utf-8")


def test_a_members_feed_has_each_section_where_she_moved(served):
    url, root, _, _ = served
    [s] = [x for x in Store(root).searches("bob") if x.follows]
    status, body = request(f"{url}/bevakning/{s.token}.atom")
    feed = feedparser.parse(body)
    assert status == 200 and not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "Bevakning: ledamot Michaela Fletcher (yrkande)"
    assert feed.feed.link == f"{url}/?person=Michaela+Fletcher"
    # she moves in KSPU §§ 10:4–10:8 of the 2020-09-16 protocol (and in no other file served)
    titles = sorted(e.title for e in feed.entries)
    assert [t.split(" · ")[1].split(" ")[2] for t in titles] == ["10:4", "10:5", "10:6", "10:7", "10:8"], titles
    assert all(t.startswith("Kommunstyrelsens produktionsutskott 2020-09-16 · KSPU § 10:") and t.endswith(" — yrkande")
               for t in titles)
    entry = next(e for e in feed.entries if "§ 10:8" in e.title)
    assert entry.summary == "Yrkande: Michaela Fletcher (M) yrkar att ärendet bereds vidare."
    assert "&markera=" in entry.link


def test_other_users_searches_and_revoked_tokens_are_not_found(served):
    url, root, alice, bob = served
    alice_auth = ("alice", "hemligt")
    status, body = request(f"{url}/bevakning/mina.json", auth=alice_auth)
    assert status == 200 and [s["query"] for s in json.loads(body)] == ["Ann-Christine Furustrand"]
    assert request(f"{url}/bevakning/mina.json")[0] == 401
    # bob's search is not alice's to remove or to give a new address
    assert request(f"{url}/bevakning/{bob['id']}", "DELETE", alice_auth)[0] == 404
    assert request(f"{url}/bevakning/{bob['id']}/ny-lank", "POST", alice_auth, {"x-namndsok-bevakning": "1"})[0] == 404
    assert Store(root).get(bob["id"]) is not None
    # a made-up token, and anything else under /bevakning/, is not open
    assert request(f"{url}/bevakning/{'A' * 32}.atom")[0] == 404
    assert request(f"{url}/bevakning/kort.atom")[0] == 401
    # alice makes a search, revokes its address: the old one is 404, the new one works
    status, body = request(f"{url}/bevakning/ny?q=elevh%C3%A4lsa", "POST", alice_auth)
    assert status == 403  # without the app's header: a form on another site cannot do it
    status, body = request(f"{url}/bevakning/ny?q=elevh%C3%A4lsa", "POST", alice_auth, {"x-namndsok-bevakning": "1"})
    assert status == 201
    made = json.loads(body)
    assert made["user"] == "alice" and request(made["feed"])[0] == 200
    status, body = request(f"{url}/bevakning/{made['id']}/ny-lank", "POST", alice_auth, {"x-namndsok-bevakning": "1"})
    assert status == 200
    renewed = json.loads(body)
    assert request(made["feed"])[0] == 404
    assert request(renewed["feed"])[0] == 200
    assert request(f"{url}/bevakning/{made['id']}", "DELETE", alice_auth)[0] == 204
    assert request(renewed["feed"])[0] == 404
    # a party from the record view (/?person=SD), its reservations only; an unknown kind is refused
    status, body = request(f"{url}/bevakning/ny?person=Sverigedemokraterna&slag=reservation", "POST", alice_auth,
                           {"x-namndsok-bevakning": "1"})
    party = json.loads(body)
    assert status == 201 and (party["party"], party["person"], party["facts"]) == ("SD", None, ["reservation"])
    status, body = request(f"{url}/bevakning/ny?person=SD&slag=s%C3%A5ng", "POST", alice_auth, {"x-namndsok-bevakning": "1"})
    assert status == 422 and "sång" in json.loads(body)["detail"]
    assert request(f"{url}/bevakning/{party['id']}", "DELETE", alice_auth)[0] == 204


def test_watch_stops_on_sigterm_with_the_index_intact(tmp_path):
    inbox, root = tmp_path / "inkorg", tmp_path / "ix"
    inbox.mkdir()
    shutil.copy(corpus_file("002"), inbox)
    log = open(tmp_path / "watch.log", "w", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "namndsok.app.cli", "watch", str(inbox), "--index", str(root),
                             "--interval", "5", "--settle", "0.2"],
                            stdout=log, stderr=subprocess.STDOUT, env={**quiet_env(), "NAMNDSOK_EMBEDDER": "toy"}, cwd=ROOT)
    try:
        deadline = time.monotonic() + 300
        text = ""
        while "1 indexed" not in text:  # the first ingest's line
            assert proc.poll() is None, (tmp_path / "watch.log").read_text()
            assert time.monotonic() < deadline, text
            time.sleep(0.1)
            text = (tmp_path / "watch.log").read_text(encoding="utf-8")
        shutil.copy(corpus_file("004"), inbox)
        while "2 unchanged" not in text and "1 unchanged" not in text:  # the second file seen too
            assert time.monotonic() < deadline, text
            time.sleep(0.1)
            text = (tmp_path / "watch.log").read_text(encoding="utf-8")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    text = (tmp_path / "watch.log").read_text(encoding="utf-8")
    assert "watch stopped" in text and "Traceback" not in text
    ix = load_index(root)
    assert {d.source for d in ix.documents} == {corpus_file("002").name, corpus_file("004").name}
    # the writer lock was let go: the next ingest runs and finds both files unchanged
    from namndsok.index.builder import ingest
    from namndsok.index.embedders import create_embedder

    assert len(ingest([inbox], root, create_embedder("toy"), progress=False).unchanged) == 2


def test_an_uploaded_pdf_alerts_the_saved_search_it_matches(tmp_path):
    """Documents added through the app run the bevakningar too: the feed has the new § at once."""
    from test_uploads import UPLOAD, _post, _wait, simhall_pdf
    from test_web_security import basic

    root, docs = tmp_path / "ix", tmp_path / "docs"
    docs.mkdir()
    shutil.copy(corpus_file("004"), docs)
    assert cli("ingest", str(docs), "--index", str(root)).returncode == 0
    follow = Store.create(root).add("simhall Åkersberga", user="sara")
    server = Server(["--index", str(root), "--auth", "sara:uppladdning tillåten", "--allow-upload", str(tmp_path / "up")],
                    tmp_path / "serve.log")
    try:
        status, job = _post(server.url, "simhall.pdf", simhall_pdf(tmp_path / "simhall.pdf"),
                            {**UPLOAD, **basic("sara", "uppladdning tillåten")})
        assert status == 202
        assert _wait(server.url, job["id"])["state"] == "klar"
        status, body = request(f"{server.url.rstrip('/')}/bevakning/{follow.token}.atom")
    finally:
        server.stop()
    feed = feedparser.parse(body)
    assert status == 200 and not feed.bozo
    # the PDF's protocol: Kultur- och fritidsnämnden, § 12 Ny simhall i Åkersberga, on its first page
    [entry] = feed.entries
    assert "§ 12 Ny simhall i Åkersberga" in entry.title and "Dnr KFN 2024/0012" in entry.title
    assert entry.link.endswith("#page=1")


@pytest.mark.browser
@pytest.mark.slow
def test_in_the_browser_the_tab_shows_the_list_at_once_and_a_member_is_followed_from_the_record(served, browser):  # noqa: F811
    """`/?flik=bevakningar` opened directly shows alice's searches and their matches without a
    click; on a member's record (`/?person=…`) "Bevaka" saves a search of that member. (Last in
    this file: it adds a search of alice's, which it removes again.)"""
    from selenium.webdriver.common.by import By

    from test_browser import _login, _text_in

    url, root, alice, _ = served
    d = browser
    d.delete_all_cookies()
    _login(d, url + "/", "alice", "hemligt")
    _text_in(d, "#ns-question", "")  # logged in: the app is there
    d.get(url + "/?flik=bevakningar")
    listing = _text_in(d, "#ns-bevakningar", f"Bevakning {alice['id']}: Ann-Christine Furustrand",
                       "Kommunstyrelsens produktionsutskott 2020-09-16 · KSPU § 10:3")
    assert listing.find_elements(By.CSS_SELECTOR, f'a[href="/bevakning/{alice["token"]}.atom"]')
    d.get(url + "/?person=Ann-Christine+Furustrand")
    _text_in(d, "#ns-decisions-out", "Ledamot: Ann-Christine Furustrand")
    d.find_element(By.ID, "ns-follow-person").click()
    _text_in(d, "#ns-follow-person-out", "sparad: ledamot Ann-Christine Furustrand")
    [made] = [s for s in Store(root).searches("alice") if s.follows]
    assert (made.person, made.party, made.query) == ("Ann-Christine Furustrand", None, "")
    d.get(url + "/?flik=bevakningar")
    _text_in(d, "#ns-bevakningar", f"Bevakning {made.id}: ledamot Ann-Christine Furustrand")
    assert Store(root).remove(made.id)
    d.delete_all_cookies()
