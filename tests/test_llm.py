"""The generative path against a real OpenAI-compatible chat server on loopback: a good
reply, a reply citing a passage that does not exist, and a timeout that falls back."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from namndsok.app.answering.answer import Answerer
from namndsok.app.answering.llm import LLMConfig

pytestmark = pytest.mark.slow


class ChatServer:
    def __init__(self):
        self.reply = ""
        self.delay = 0.0
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server API)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                time.sleep(outer.delay)
                data = json.dumps({"choices": [{"message": {"role": "assistant", "content": outer.reply}}]}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def chat_server():
    server = ChatServer()
    yield server
    server.httpd.shutdown()


def test_good_reply_maps_citations(searcher, chat_server):
    chat_server.reply, chat_server.delay = "Minirosen har 10-12 platser [1].", 0
    ans = Answerer(searcher, LLMConfig(url=chat_server.url, model="m", key="hemlig")).ask("Hur många platser har Minirosen?")
    assert ans.mode == "generative" and not ans.no_answer
    assert ans.answer == "Minirosen har 10-12 platser [1]."
    assert ans.citations[0].chunk.citation.section == "KSPU § 10:3"
    req = chat_server.requests[-1]
    assert req["path"] == "/v1/chat/completions" and req["auth"] == "Bearer hemlig"
    prompt = req["body"]["messages"][-1]["content"]
    assert "[1] Kommunstyrelsens produktionsutskott 2020-09-16 · KSPU § 10:3" in prompt


def test_structured_answer_maps_citations_and_reads_twenty_passages(searcher, chat_server):
    """The reader gets the 20 closest passages and replies with a JSON verdict; its markers are
    checked against the passages it was given."""
    chat_server.reply = json.dumps({"verdict": "answer", "order": [1, 2], "answer": "Minirosen har 10-12 platser [1].",
                                    "reason": ""})
    chat_server.delay = 0
    ans = Answerer(searcher, LLMConfig(url=chat_server.url)).ask("Hur många platser har Minirosen?")
    assert ans.mode == "generative" and ans.outcome == "answer" and ans.answer == "Minirosen har 10-12 platser [1]."
    prompt = chat_server.requests[-1]["body"]["messages"][-1]["content"]
    assert "[20] " in prompt and "[21] " not in prompt and '"verdict"' in chat_server.requests[-1]["body"]["messages"][0]["content"]


def test_structured_closest_reranks_and_gives_the_reason(searcher, chat_server):
    """A reader that finds no answer: the closest places in its order, its reason, no claim."""
    chat_server.reply = "```json\n" + json.dumps({"verdict": "closest", "order": [3, 1, 3, 99], "answer": "",
                                                   "reason": "Källorna nämner inte vad Minirosen kostar."}) + "\n```"
    chat_server.delay = 0
    answerer = Answerer(searcher, LLMConfig(url=chat_server.url))
    ans = answerer.ask("Vad kostar Minirosen?")
    assert ans.outcome == "closest" and ans.no_answer and ans.reason == "Källorna nämner inte vad Minirosen kostar."
    hits = searcher.search(answerer.read("Vad kostar Minirosen?").text, k=20)
    assert [h.chunk.id for h in ans.citations] == [hits[2].chunk.id, hits[0].chunk.id]  # 99 named no passage


def test_a_verdict_that_is_not_json_falls_back(searcher, chat_server):
    chat_server.reply, chat_server.delay = '{"verdict": "kanske"}', 0
    ans = Answerer(searcher, LLMConfig(url=chat_server.url)).ask("Hur många platser har Minirosen?")
    assert ans.mode == "extractive" and "Språkmodellen svarade inte" in ans.note


def test_bogus_citation_is_dropped_and_flagged(searcher, chat_server):
    chat_server.reply, chat_server.delay = "Minirosen har 10-12 platser [1]. Skolan får en ny aula [99].", 0
    ans = Answerer(searcher, LLMConfig(url=chat_server.url)).ask("Hur många platser har Minirosen?")
    assert ans.flagged == ["[99]"]
    assert "[9]" not in ans.answer and "källor som inte finns" in ans.note
    assert len(ans.citations) == 1


def test_timeout_falls_back_to_extractive(searcher, chat_server):
    chat_server.reply, chat_server.delay = "för sent [1]", 3.0
    ans = Answerer(searcher, LLMConfig(url=chat_server.url, timeout=0.5)).ask("Hur många platser har Minirosen?")
    assert ans.mode == "extractive" and not ans.no_answer
    assert "Språkmodellen svarade inte" in ans.note
    assert "Minirosen" in ans.answer


def test_unreachable_endpoint_falls_back(searcher):
    ans = Answerer(searcher, LLMConfig(url="http://127.0.0.1:9/v1", timeout=1)).ask("Hur många platser har Minirosen?")
    assert ans.mode == "extractive" and "Språkmodellen svarade inte" in ans.note


def test_llm_settings_from_the_environment(corpus_index, chat_server):
    """NAMNDSOK_LLM_URL, _MODEL, _KEY and _TIMEOUT reach the endpoint through `namndsok ask`."""
    import os
    import subprocess
    import sys

    from conftest import ROOT

    chat_server.reply, chat_server.delay = "Minirosen har 10-12 platser [1].", 0
    chat_server.requests.clear()
    env = dict(os.environ, PYTHONPATH=str(ROOT), NAMNDSOK_LLM_URL=chat_server.url, NAMNDSOK_LLM_MODEL="lokal-modell",
               NAMNDSOK_LLM_KEY="hemlig-nyckel", NAMNDSOK_LLM_TIMEOUT="20")
    r = subprocess.run([sys.executable, "-m", "namndsok.app.cli", "ask", "Hur många platser har Minirosen?", "--json",
                        "--index", str(corpus_index)], capture_output=True, text=True, env=env, timeout=180)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["mode"] == "generative" and res["answer"] == "Minirosen har 10-12 platser [1]."
    assert [(q["path"], q["body"]["model"], q["auth"]) for q in chat_server.requests] == [
        ("/v1/chat/completions", "lokal-modell", "Bearer hemlig-nyckel")]
    # a timeout from the environment is honoured: a slow endpoint falls back to the extractive answer
    chat_server.delay = 3
    r = subprocess.run([sys.executable, "-m", "namndsok.app.cli", "ask", "Hur många platser har Minirosen?", "--json",
                        "--index", str(corpus_index)], capture_output=True, text=True,
                       env=dict(env, NAMNDSOK_LLM_TIMEOUT="1"), timeout=180)
    assert r.returncode == 0 and json.loads(r.stdout)["mode"] == "extractive", r.stderr
    chat_server.delay = 0
