"""Optional generative answers through any OpenAI-compatible chat endpoint (Ollama,
llama.cpp server, vLLM, a hosted API). The prompt holds only the retrieved passages with
their ids; citations in the reply that map to no passage are dropped and flagged.

Configured by --llm-url/--llm-model or NAMNDSOK_LLM_URL, NAMNDSOK_LLM_MODEL,
NAMNDSOK_LLM_KEY and NAMNDSOK_LLM_TIMEOUT. Uses only the standard library.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING

from namndsok.errors import NamndsokError

if TYPE_CHECKING:
    from namndsok.model import Hit

    from .answer import Answer

SYSTEM_PROMPT = (
    "Du svarar på frågor om kommunala nämndhandlingar. Använd ENDAST de numrerade källorna. "
    "Svara kort på svenska (högst fyra meningar) och avsluta varje mening med källans nummer "
    "inom hakparentes, t.ex. [1]. Om källorna inte besvarar frågan, svara exakt: Inget svar hittades."
)
_MARK_RE = re.compile(r"\[(\d{1,3})\]")


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


def generate(cfg: LLMConfig, question: str, hits: list["Hit"]) -> "Answer":
    from .answer import NO_ANSWER, Answer

    reply = chat(cfg, build_messages(question, hits)).strip()
    if not reply:
        raise LLMError("empty reply")
    if reply.lower().startswith("inget svar hittades"):
        return Answer(question, NO_ANSWER, True, [], hits, "generative", "språkmodellen fann inget svar i källorna")
    cited: list[Hit] = []
    renumber: dict[int, int] = {}
    flagged: list[str] = []

    def fix(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if not 1 <= n <= len(hits):
            flagged.append(m.group(0))
            return ""
        if n not in renumber:
            cited.append(hits[n - 1])
            renumber[n] = len(cited)
        return f"[{renumber[n]}]"

    text = _MARK_RE.sub(fix, reply)
    text = re.sub(r"[ \t]+([.,;:])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()
    if not cited:
        raise LLMError("the reply cites none of the given passages")
    note = None
    if flagged:
        note = f"Språkmodellen angav källor som inte finns ({', '.join(flagged)}); de har tagits bort."
    return Answer(question, text, False, cited, hits, "generative", note, flagged=flagged)
