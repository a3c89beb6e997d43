"""What the app shows and gives, over real HTTP on the real corpus index (fixture
`app_process`): the documented `/answer` JSON with only a question, `view_api()` with
optional, explained parameters, an impossible date as one Swedish sentence without a
traceback, search cards (one per stretch of a section, the query's words marked, snippets
cut at words, no markdown asterisks), a document link that lands on the quoted sentence,
links that reproduce a view, CSV and JSON exports, and the list of documents."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import typing
import urllib.parse

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from gradio_client import Client  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402

from conftest import CORPUS, corpus_file  # noqa: E402
from namndsok.app import api  # noqa: E402
from test_app import get  # noqa: E402

pytestmark = pytest.mark.slow

KSPU = "Kommunstyrelsens produktionsutskott"


@pytest.fixture(scope="module")
def client(app_server) -> Client:
    c = Client(app_server, verbose=False, httpx_kwargs={"timeout": 120})
    yield c
    c.close()


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def _cards(page: str) -> list[str]:
    return re.findall(r'<div class="ns-card".*?<div class="ns-actions">.*?</div></div>', page, re.DOTALL)


# ------------------------------------------------------------------ the API


def test_answer_with_only_a_question_is_the_documented_json(client):
    res = client.predict("Hur många platser har Minirosen?", api_name="/answer")
    assert set(res) == set(typing.get_type_hints(api.Answer))
    assert res["citations"] and all(set(c) == set(typing.get_type_hints(api.Citation)) for c in res["citations"])
    first = res["citations"][0]
    assert first["organ"] == KSPU and first["date"] == "2020-09-16" and first["section"].startswith("KSPU § 10:")
    assert res["language"] == "sv" and res["mode"] == "extractive" and "[1]" in res["answer"]
    hits = client.predict("Minirosen platser", api_name="/search")
    assert hits and all(set(h) == set(typing.get_type_hints(api.Hit)) for h in hits)


def test_view_api_documents_two_endpoints_with_optional_explained_parameters(client):
    info = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert sorted(info) == ["/answer", "/search"]  # the page's own endpoints are not the API
    params = {p["parameter_name"]: p for p in info["/answer"]["parameters"]}
    assert list(params) == ["question", "organ", "doc_type", "date_from", "date_to"]
    assert not params["question"]["parameter_has_default"]
    assert all(params[n]["parameter_has_default"] for n in ("organ", "doc_type", "date_from", "date_to"))
    assert params["date_from"]["parameter_default"] == "" and params["organ"]["parameter_default"] == "Alla"
    assert "ÅÅÅÅ-MM-DD" in params["date_from"]["python_type"]["description"]
    assert "tjänsteutlåtande" in params["doc_type"]["python_type"]["type"]
    ret = info["/answer"]["returns"][0]
    assert ret["label"] == "svar" and "no_answer_kind: None | Literal['nothing', 'near_miss']" in ret["python_type"]["type"]
    assert info["/search"]["returns"][0]["label"] == "träffar"
    assert not any(p["label"].startswith("value_") for e in info.values() for p in e["returns"])


def test_an_impossible_date_is_one_swedish_sentence_and_no_traceback(client, app_process):
    page = client.predict("Minirosen", "Svar", "Alla", "Alla", "2020-13-45", "", api_name="/ask_html")
    # written right, but there is no month 13: said so, not how to write a date
    assert _text(page) == "Från-datumet '2020-13-45' finns inte: det finns ingen månad 13."
    with pytest.raises(AppError, match=r"^Från-datumet '2020-13-45' finns inte: det finns ingen månad 13\.$"):
        client.predict("Minirosen", "Alla", "Alla", "2020-13-45", api_name="/answer")
    with pytest.raises(AppError, match="Från-datumet 2021 är efter till-datumet 2020"):
        client.predict("Minirosen", "Alla", "Alla", "2021", "2020", 5, api_name="/search")
    assert "Traceback" not in app_process.log()


# ------------------------------------------------------------------ search cards


def test_search_cards_show_each_stretch_once_with_the_query_marked(client):
    page = client.predict("Minirosen", "Sök", "Alla", "Alla", "", "", api_name="/ask_html")
    cards = _cards(page)
    assert cards and f"<b>{len(cards)} träffar</b>" in page
    corpus = " ".join(p.read_text(encoding="utf-8").replace("*", "") for p in CORPUS.glob("*.txt"))
    passages = []
    for card in cards:
        snippet = re.search(r'<blockquote class="ns-passage ns-said">(.*?)</blockquote>', card, re.DOTALL)[1]
        text = _text(re.sub(r"</td>|</tr>", " ", snippet))  # a table's cells read apart, as on screen
        # markdown is not shown raw (a footnote's lone asterisk is the document's: "VP 2021*", "*inkl. …")
        assert not re.search(r"(?<![\w*])\*[^\s*][^*\n]*[^\s*]\*(?![\w*])", text) and "**" not in text, text
        if text.endswith(" …"):  # cut after a whole word of the document
            last = text[:-2].split()[-1]
            assert re.search(rf"(?<!\w){re.escape(last)}(?!\w)", corpus), (last, text[-80:])
        if text.startswith("… "):  # and begun at one
            word = text[2:].split()[0]
            assert re.search(rf"(?<!\w){re.escape(word)}(?!\w)", corpus), (word, text[:80])
        if "KSPU § 10:3" in card:
            passages.append(text)
    # § 10:3 answers Ann-Christine Furustrand's questions about Minirosen: its passages are shown, marked,
    # and no two of its cards repeat a stretch of text (overlapping chunks are merged)
    assert passages and any('<mark class="ns-word">Minirosen</mark>' in c for c in cards if "KSPU § 10:3" in c)
    for i, a in enumerate(passages):
        for b in passages[i + 1:]:
            assert not _shared_run(a, b, 80), (a[:200], b[:200])


def _shared_run(a: str, b: str, n: int) -> bool:
    a, b = " ".join(a.replace("…", "").split()), " ".join(b.replace("…", "").split())
    return any(a[i:i + n] in b for i in range(0, max(1, len(a) - n), 10))


def test_the_document_link_lands_on_the_quoted_sentence(client, app_server):
    question = "Vad beslutade vi om Minirosen?"
    quoted = client.predict(question, api_name="/answer")["citations"][0]["highlights"][0]
    page = client.predict(question, "Svar", "Alla", "Alla", "", "", api_name="/ask_html")
    href = html.unescape(re.search(r'<a class="ns-open" href="([^"]+)"', _cards(page)[0])[1])
    assert re.fullmatch(r"/dokument/\d+\?h=[0-9a-f]{16}&markera=\d+-\d+#ns-hit", href), href
    status, body = get(app_server, href.split("#")[0])
    assert status == 200
    assert '<meta name=\'viewport\' content=\'width=device-width, initial-scale=1\'>' in body
    marked = _text(re.search(r'<mark class="ns-quote" id="ns-hit">(.*?)</mark>', body, re.DOTALL)[1])
    assert " ".join(marked.split()) == quoted
    assert quoted in " ".join(corpus_file("000").read_text(encoding="utf-8").split())  # from the protocol itself


# ------------------------------------------------------------------ links, exports, documents


def test_links_reproduce_the_view(client):
    page = client.predict("Vad beslutade vi om Minirosen?", "Sök", KSPU, "protokoll", "2020", "", api_name="/ask_html")
    link = html.unescape(re.search(r'<a class="ns-permalink" href="([^"]+)"', page)[1])
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(link).query) == {
        "q": ["Vad beslutade vi om Minirosen?"], "lage": ["sok"], "organ": [KSPU], "typ": ["protokoll"], "fran": ["2020"]}
    page = client.predict(KSPU, "beslut", "", "", "", api_name="/decisions_html")
    link = html.unescape(re.search(r'<a class="ns-permalink" href="([^"]+)"', page)[1])
    assert link == "/?" + urllib.parse.urlencode({"flik": "beslut", "organ": KSPU, "slag": "beslut"})
    page = client.predict("UBN.2023.428", api_name="/matter_html")
    assert 'href="/?arende=UBN.2023.428"' in page


def test_search_and_decisions_export_as_csv_and_json(app_server):
    q = urllib.parse.urlencode({"q": "Minirosen platser", "organ": KSPU})
    status, body = get(app_server, f"/export/sok.json?{q}")
    rows = json.loads(body)
    assert status == 200 and rows[0]["rank"] == 1 and {r["organ"] for r in rows} == {KSPU}
    first = next(r for r in rows if r["section"] == "KSPU § 10:3")
    assert first["reference"] == f"{KSPU}, protokoll 2020-09-16, KSPU § 10:3, Dnr PU 2020/0011"
    status, body = get(app_server, f"/export/sok.csv?{q}")
    table = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert status == 200 and body.startswith("\ufeffrank;reference;document;")
    assert [r["reference"] for r in table] == [r["reference"] for r in rows]
    assert all("\n" not in r["text"] for r in table)
    # the Beslut list: what the protocol of 2020-09-16 decided (test_matters: § 10:7 only proposes, § 10:3 decides nothing)
    q = urllib.parse.urlencode({"organ": KSPU, "slag": "beslut"})
    status, body = get(app_server, f"/export/beslut.json?{q}")
    assert status == 200 and [r["section"] for r in json.loads(body)] == [
        "KSPU § 10:1", "KSPU § 10:2", "KSPU § 10:4", "KSPU § 10:5", "KSPU § 10:6", "KSPU § 10:8"]
    status, body = get(app_server, f"/export/beslut.csv?{q}")
    assert len(list(csv.DictReader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))) == 6
    status, body = get(app_server, "/export/beslut.csv?fran=2020-13-45")
    assert status == 422 and "finns ingen månad 13" in body


def test_the_documents_tab_lists_every_indexed_document(corpus_index):
    from namndsok.app.webapp import WebApp
    from namndsok.index.search import Searcher

    page = WebApp(corpus_index).documents_html()
    rows = re.findall(r'<tr data-organ[^>]*><td>(.*?)</td><td>(.*?)</td>.*?<td class="ns-num" data-label="Sidor">(.*?)</td>'
                      r'<td class="ns-num" data-label="Passager">(\d+)</td><td class="ns-date" data-label="Indexerad">(.*?)</td></tr>',
                      page, re.DOTALL)
    shown = {_text(t): (_text(label), int(chunks), when) for t, label, _, chunks, when in rows}
    # titles and labels as the documents' heads read
    assert shown["Svar på motion 5/2015 från Ann-Christine Furustrand – Inför regelbundna presidieträffar med Produktionsstyrelsen"][0] \
        == "Tjänsteutlåtande 2016-03-20, till Kommunfullmäktige"
    assert shown["Sammanträdesprotokoll för Kommunstyrelsens produktionsutskott"][0] == f"{KSPU}, protokoll 2020-09-16"
    assert len(shown) == 5 and "5 dokument i indexet." in page
    counts = {}
    for c in Searcher.open(corpus_index).chunks:
        counts[c.citation.title] = counts.get(c.citation.title, 0) + 1
    assert {t: v[1] for t, v in shown.items()} == counts
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", v[2]) for v in shown.values())


def _csv_rows(body: str) -> list[dict]:
    """A CSV as Swedish Excel reads it: a byte order mark, then semicolon-separated fields."""
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:]), delimiter=";"))


def test_answers_and_matters_export_as_swedish_csv_and_json(app_server):
    """Svar and Ärende download too; the CSV has semicolons, a BOM and decimal commas."""
    question = "Hur många platser har Minirosen?"
    q = urllib.parse.urlencode({"q": question})
    status, body = get(app_server, f"/export/svar.json?{q}")
    rows = json.loads(body)
    assert status == 200 and rows and {r["question"] for r in rows} == {question} and rows[0]["outcome"] == "answer"
    # the protocol's § 10:3 answers the questions about Minirosen: it is a source of the answer
    assert any(r["reference"] == f"{KSPU}, protokoll 2020-09-16, KSPU § 10:3, Dnr PU 2020/0011" for r in rows)
    status, body = get(app_server, f"/export/svar.csv?{q}")
    table = _csv_rows(body)
    assert status == 200 and [r["reference"] for r in table] == [r["reference"] for r in rows]
    assert all(r["role"] == "källa" and "\n" not in r["answer"] for r in table)
    # a score is a number with a decimal comma (0,87), not a text with a point
    for r, j in zip(table, rows):
        assert re.fullmatch(r"\d+(,\d+)?", r["score"]) and float(r["score"].replace(",", ".")) == pytest.approx(j["score"], abs=1e-5)
    # the matter of UBN.2023.428: its steps, oldest first, the § 43 of VästKom's board among them
    status, body = get(app_server, "/export/arende.json?arende=UBN.2023.428")
    steps = json.loads(body)
    assert status == 200 and [s["step"] for s in steps] == list(range(1, len(steps) + 1)) and len(steps) >= 2
    assert [s["date"] for s in steps] == sorted(s["date"] for s in steps)
    assert any(s["section"] == "§ 43" and s["organ"] == "VästKom Styrelse" for s in steps)
    status, body = get(app_server, "/export/arende.csv?arende=UBN.2023.428")
    table = _csv_rows(body)
    assert status == 200 and [r["reference"] for r in table] == [s["reference"] for s in steps]
    assert {r["inferred"] for r in table} <= {"ja", "nej"}
    # a question that is missing, an impossible date: one Swedish sentence
    assert get(app_server, "/export/svar.csv")[0] == 422
    status, body = get(app_server, f"/export/svar.csv?{q}&fran=2020-13-45")
    assert status == 422 and "finns ingen månad 13" in body
    # the links to them stand beside the answer and the matter
    page = Client(app_server, verbose=False).predict(question, "Svar", "Alla", "Alla", "", "", api_name="/ask_html")
    assert f'href="/export/svar.csv?{html.escape(q)}"' in page
    page = Client(app_server, verbose=False).predict("UBN.2023.428", api_name="/matter_html")
    assert 'href="/export/arende.csv?arende=UBN.2023.428"' in page


def test_pages_of_their_own_are_swedish_html_with_a_way_back(app_server):
    status, body = get(app_server, "/dokument/999")
    assert status == 404 and body.startswith("<!doctype html><html lang='sv'>")
    assert "Dokumentet finns inte i indexet." in body and "detail" not in body
    assert '<a class="ns-back" href="/?flik=dokument">' in body
    status, body = get(app_server, "/dokument/0")
    assert status == 200 and '<a class="ns-back" href="/?flik=dokument">' in body
    status, body = get(app_server, "/om-api")
    assert status == 200 and "<h1>Appens API</h1>" in body and "/gradio_api/call/answer" in body
