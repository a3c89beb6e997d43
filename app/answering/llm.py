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
from dataclasses import dataclass, field

from namndsok.errors import NamndsokError
from namndsok.model import Hit

SYSTEM_PROMPT = (
    "Du svarar på frågor om kommunala nämndhandlingar. Använd ENDAST de numrerade källorna. "
    "Svara kort (högst fyra meningar) på samma språk som frågan och avsluta varje mening med källans "
    "nummer inom hakparentes, t.ex. [1]. Källorna är på svenska. Om källorna inte besvarar frågan, "
    "svara exakt: Inget svar hittades."
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


@dataclass
class Generated:
    """A model's reply with its citations checked: `cited` are positions in the hits given, in
    the order of the renumbered markers [1], [2], …; markers that named no passage are dropped."""

    text: str
    cited: list[int] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    refused: bool = False


def generate(cfg: LLMConfig, question: str, hits: list[Hit]) -> Generated:
    reply = chat(cfg, build_messages(question, hits)).strip()
    if not reply:
        raise LLMError("empty reply")
    if reply.lower().startswith(("inget svar hittades", "no answer found")):
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

    text = _MARK_RE.sub(fix, reply)
    text = re.sub(r"[ \t]+([.,;:])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()
    if not cited:
        raise LLMError("the reply cites none of the given passages")
    return Generated(text, cited, flagged)
