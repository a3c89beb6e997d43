"""The lexical side: a Swedish tokenizer and a BM25 index (bm25s) over the same chunks.

The tokenizer keeps identifiers whole — `§ 43` → `§43`, `10:3`, `2023/428` — because the
default `\\w\\w+` splitter breaks them apart; words are lower-cased, Swedish stopwords
dropped and stemmed with the snowball Swedish stemmer (PyStemmer).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from namndsok.identifiers import IDENTIFIER_TOKENS, dnr_key

# identifiers first (§ 43, 2023/428, 10:3 stay whole), then words
_TOKEN_RE = re.compile(IDENTIFIER_TOKENS + r"|\w+(?:-\w+)*", re.UNICODE)


def _bm25s():
    import bm25s

    # bm25s sets its own logger to DEBUG on import; keep its chatter out of our output
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_SWEDISH

    return frozenset(STOPWORDS_SWEDISH)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("swedish")


def _norm_id(tok: str) -> str:
    if tok.startswith("§"):
        return "§" + tok[1:].strip()
    return dnr_key(tok) or tok  # the same key as the exact path: 2023/0011 → 2023/11


def tokenize(text: str) -> list[str]:
    stop = _stopwords()
    stem = _stemmer().stemWord
    out = []
    for tok in _TOKEN_RE.findall(text.lower()):
        if tok[0] == "§" or tok[0].isdigit():
            out.append(_norm_id(tok))
            continue
        if tok in stop or len(tok) < 2:
            continue
        out.append(stem(tok))
    return out


class LexicalIndex:
    """BM25 over chunk texts; full score vectors so that fusion and filters see every chunk."""

    def __init__(self, retriever=None):
        self._r = retriever

    @classmethod
    def build(cls, texts: list[str]) -> "LexicalIndex":
        r = _bm25s().BM25(k1=1.2, b=0.75)
        corpus = [tokenize(t) or ["∅"] for t in texts]
        r.index(corpus, show_progress=False)
        return cls(r)

    def scores(self, query: str) -> np.ndarray:
        toks = [t for t in tokenize(query) if t in self._vocab()]
        if not toks:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._r.get_scores(toks), dtype=np.float32)

    def _vocab(self) -> dict:
        return self._r.vocab_dict

    def idf(self, tokens: list[str]) -> list[float]:
        """BM25 idf of each token; a token the corpus never uses gets the highest idf."""
        import math

        n = self.size
        indptr = self._r.scores["indptr"]
        vocab = self._vocab()
        out = []
        for t in tokens:
            i = vocab.get(t)
            df = int(indptr[i + 1] - indptr[i]) if i is not None else 0
            out.append(math.log((n - df + 0.5) / (df + 0.5) + 1))
        return out

    @property
    def size(self) -> int:
        return int(self._r.scores["num_docs"])

    def save(self, folder: Path) -> None:
        self._r.save(str(folder))

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        return cls(_bm25s().BM25.load(str(folder), mmap=False))
