"""The protocol facts in the app, over real HTTP on the real corpus index: decision cards show
the yrkanden and the outcome, the Beslut tab filters by member or party, and a member's record
across meetings links each line to its place in the protocol."""

from __future__ import annotations

import html
import json
import re
import urllib.parse

import pytest

pytest.importorskip("gradio_client")  # the app's own client; under CI a missing one fails in conftest

from gradio_client import Client  # noqa: E402

from test_app import get  # noqa: E402

KSPU = "Kommunstyrelsens produktionsutskott"


@pytest.fixture(scope="module")
def client(app_server) -> Client:
    return Client(app_server, verbose=False)


def test_decision_cards_show_yrkanden_and_the_outcome(client):
    page = client.predict(KSPU, "Alla", "", "", "", api_name="/decisions_html")
    card = next(c for c in page.split('class="ns-card') if "medborgarförslag nr 25/2019" in c)
    facts = re.search(r'<dl class="ns-facts">(.*?)</dl>', card, re.S)[1]
    # § 10:7 of the protocol: two competing yrkanden, the chair's won
    assert "Ann-Christine Furustrand (S) yrkar bifall till åtgärder 2, 4 och 5" in html.unescape(facts)
    assert "Michaela Fletcher (M) yrkar bifall till ordförandeförslaget" in html.unescape(facts)
    assert "<dt>Utfall</dt>" in facts and "Enligt Michaela Fletchers (M) yrkande" in html.unescape(facts)
    assert "<dt>Reservation</dt>" not in facts and "<dt>Omröstning</dt>" not in facts  # none recorded


def test_the_member_filter_keeps_the_paragraphs_they_took_part_in(client, app_server):
    page = client.predict(KSPU, "Alla", "", "", "Ann-Christine Furustrand", api_name="/decisions_html")
    text = html.unescape(page)
    # her record: justerare, 2:e vice ordförande, present, and her yrkande in § 10:7, each linked
    record = re.search(r'<section class="ns-record"[^>]*>(.*?)</section>', page, re.S)[1]
    assert "Ledamot: Ann-Christine Furustrand" in record
    assert "justerare" in record and "KSPU § 10:7" in record
    links = [html.unescape(u) for u in re.findall(r'<a class="ns-source" href="([^"]+)"', record)]
    assert len(links) == record.count("<li>") >= 3
    yrkande = next(u for u in links if "markera=" in u and u == links[-1])
    status, body = get(app_server, yrkande.split("#")[0])
    assert status == 200
    marked = re.search(r"<mark[^>]*>(.*?)</mark>", body, re.S)
    assert marked and "yrkar bifall till åtgärder 2, 4 och 5" in html.unescape(re.sub(r"<[^>]+>", "", marked[1]))
    # the decision cards: only § 10:7, where she moved
    assert text.count('class="ns-card') == 1 and "medborgarförslag nr 25/2019" in text
    link = html.unescape(re.search(r'<a class="ns-permalink" href="([^"]+)"', page)[1])
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["ledamot"] == ["Ann-Christine Furustrand"]


def test_party_filter_by_letter_or_name_and_the_export(app_server, client):
    by_name = client.predict("Alla", "Alla", "", "", "Moderaterna", api_name="/decisions_html")
    by_letter = client.predict("Alla", "Alla", "", "", "M", api_name="/decisions_html")
    titles = lambda page: re.findall(r'<div class="ns-dectitle">(.*?)</div>', page)  # noqa: E731
    assert titles(by_name) == titles(by_letter) and len(titles(by_name)) >= 3
    assert "Parti: Moderaterna (M)" in by_name
    # M's ordförande moved in every § of the protocol with a yrkande; S only in § 10:7
    q = urllib.parse.urlencode({"organ": KSPU, "ledamot": "S"})
    status, body = get(app_server, f"/export/beslut.json?{q}")
    assert status == 200 and [r["section"] for r in json.loads(body)] == ["KSPU § 10:7"]
    q = urllib.parse.urlencode({"organ": KSPU, "ledamot": "M"})
    status, body = get(app_server, f"/export/beslut.json?{q}")
    assert {"KSPU § 10:4", "KSPU § 10:7", "KSPU § 10:8"} <= {r["section"] for r in json.loads(body)}
    page = client.predict("Alla", "Alla", "", "", "Ingen Sådan Person", api_name="/decisions_html")
    assert "Inga uppgifter i protokollen." in page and "Inga beslut hittades." in page
