"""Which language a question is written in, from its function words.

The documents are Swedish. The dense side (multilingual-e5) matches an English question to
Swedish text; the lexical side cannot, so search weights BM25 down for a foreign question
and the answer says that the sources are in Swedish. Questions are short, so a statistical
detector trained on prose guesses badly; the stopword lists bm25s ships per language
decide instead, with Swedish winning ties (names and numbers carry no language).
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _lists() -> dict[str, frozenset[str]]:
    from bm25s import stopwords as sw

    return {
        "sv": frozenset(sw.STOPWORDS_SWEDISH),
        "en": frozenset(sw.STOPWORDS_EN_PLUS),
        "da": frozenset(sw.STOPWORDS_DANISH),
        "no": frozenset(sw.STOPWORDS_NORWEGIAN),
        "de": frozenset(sw.STOPWORDS_GERMAN),
        "fr": frozenset(sw.STOPWORDS_FRENCH),
        "es": frozenset(sw.STOPWORDS_SPANISH),
        "fi": frozenset(),  # no list: Finnish questions fall back to letters below
    }


def detect_language(text: str) -> str:
    """"sv", "en", "da", "no", "de", "fr" or "es"; "sv" when nothing tells otherwise."""
    words = [w.lower() for w in _WORD_RE.findall(text)]
    if not words:
        return "sv"
    hits = {lang: sum(w in stop for w in words) for lang, stop in _lists().items()}
    # letters only Swedish (and Finnish) use among these languages; æ/ø are Danish/Norwegian
    if re.search(r"[äö]", text, re.IGNORECASE):
        hits["sv"] += 2
    if re.search(r"[æø]", text, re.IGNORECASE):
        hits["sv"] -= 2
    best = max(hits, key=lambda lang: (hits[lang], lang == "sv"))
    return best if hits[best] > hits["sv"] else "sv"


def is_foreign(text: str) -> bool:
    return detect_language(text) != "sv"
