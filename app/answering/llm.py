"""Optional generative answers through any OpenAI-compatible chat endpoint (Ollama,
llama.cpp server, vLLM, a hosted API). The prompt holds only the retrieved passages with
their ids; citations in the reply that map to no passage are dropped and flagged.

The reader gets the 20 closest passages and replies with a JSON object: its verdict
("answer" or "closest"), the passages re-ranked, the answer with markers, or why the passages
do not answer. A plain-text reply is read as an answer (older endpoints and prompts).

Configured by --llm-url/--llm-model or NAMNDSOK_LLM_URL, NAMNDSOK_LLM_MODEL,
NAMNDSOK_LLM_KEY and NAMNDSOK_LLM_TIMEOUT. Uses only the standard library.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from namndsok.errors import NamndsokError
from namndsok.model import Hit

from .result import MARKER_RE

SYSTEM_PROMPT = (
    "Du svarar på frågor om kommunala nämndhandlingar. Använd ENDAST de numrerade källorna; källorna är "
    "på svenska. Svara med ett JSON-objekt och inget annat: "
    '{"verdict": "answer" eller "closest", "order": [källnummer, mest relevanta först], '
    '"answer": "kort svar (högst fyra meningar) på frågans språk, varje mening avslutad med källans nummer '
    'inom hakparentes, t.ex. [1]", "reason": "en mening om varför källorna inte besvarar frågan"}. '
    'Välj "answer" bara om källorna säger det som frågas; annars "closest" med "reason" och tomt "answer".'
)


class LLMError(NamndsokError):
    """The endpoint failed, timed out or replied with something unusable."""


@dataclass
class LLMConfig:
    url: str | None = None
    model: str = "llama3"
    key: str | None = None
    timeout: float = 30.0

    @classmethod
    def from_env(cls, url: str | None = None, model: str | None = None) -> "LLMConfig":
        return cls(
            url=url or os.environ.get("NAMNDSOK_LLM_URL") or None,
            model=model or os.environ.get("NAMNDSOK_LLM_MODEL") or "llama3",
            key=os.environ.get("NAMNDSOK_LLM_KEY") or None,
            timeout=float(os.environ.get("NAMNDSOK_LLM_TIMEOUT") or 30),
        )


def build_messages(question: str, hits: list["Hit"]) -> list[dict[str, str]]:
    sources = []
    for n, h in enumerate(hits, 1):
        sources.append(f"[{n}] {h.chunk.citation.format()}\n{h.chunk.text}")
    user = "Källor:\n\n" + "\n\n".join(sources) + f"\n\nFråga: {question}"
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def chat(cfg: LLMConfig, messages: list[dict[str, str]]) -> str:
    body = json.dumps({"model": cfg.model, "messages": messages, "temperature": 0}).encode()
    req = urllib.request.Request(cfg.url.rstrip("/") + "/chat/completions", data=body, method="POST")
    req.add_header("Content-Type", "application/json")
    if cfg.key:
        req.add_header("Authorization", f"Bearer {cfg.key}")
    try:
        with urllib.request.urlopen(req, timeout=cfg.timeout) as resp:
            data = json.loads(resp.read().decode("utf-8"))
        return str(data["choices"][0]["message"]["content"])
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise LLMError(f"endpoint {cfg.url} failed: {getattr(exc, 'reason', exc)}") from exc
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LLMError(f"endpoint {cfg.url} replied with an unexpected shape ({exc})") from exc


@dataclass
class Generated:
    """A model's reply with its citations checked: `cited` are positions in the hits given, in
    the order of the renumbered markers [1], [2], …; markers that named no passage are dropped."""

    text: str
    cited: list[int] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    refused: bool = False  # the reader found no answer in the passages ("closest")
    order: list[int] = field(default_factory=list)  # the passages re-ranked by the reader, best first


def _structured(reply: str) -> dict | None:
    """The reply's JSON object (a code fence around it is allowed), or None for plain text."""
    text = re.sub(r"^```(?:json)?\s*|\s*```$", "", reply.strip())
    if not text.startswith("{"):
        return None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise LLMError(f"the reply is not valid JSON ({exc})") from exc
    if not isinstance(data, dict) or data.get("verdict") not in ("answer", "closest"):
        raise LLMError("the reply's verdict is neither 'answer' nor 'closest'")
    return data


def generate(cfg: LLMConfig, question: str, hits: list[Hit]) -> Generated:
    """The reader's verdict on the passages: an answer whose markers are checked against
    them, or "closest" with the passages re-ranked (`order`) and a one-line `reason`."""
    reply = chat(cfg, build_messages(question, hits)).strip()
    if not reply:
        raise LLMError("empty reply")
    data = _structured(reply)
    order: list[int] = []
    if data is not None:
        for n in data.get("order") or []:
            if isinstance(n, int) and 1 <= n <= len(hits) and n - 1 not in order:
                order.append(n - 1)
        if data["verdict"] == "closest":
            return Generated(str(data.get("reason") or ""), refused=True, order=order)
        reply = str(data.get("answer") or "").strip()
        if not reply:
            raise LLMError("the reply's verdict is 'answer' but it holds no answer")
    elif reply.lower().startswith(("inget svar hittades", "no answer found")):
        return Generated(reply, refused=True)
    cited: list[int] = []
    renumber: dict[int, int] = {}
    flagged: list[str] = []

    def fix(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if not 1 <= n <= len(hits):
            flagged.append(m.group(0))
            return ""
        if n not in renumber:
            cited.append(n - 1)
            renumber[n] = len(cited)
        return f"[{renumber[n]}]"

    text = MARKER_RE.sub(fix, reply)
    text = re.sub(r"[ \t]+([.,;:])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()
    if not cited:
        raise LLMError("the reply cites none of the given passages")
    return Generated(text, cited, flagged, order=order)
