"""The lexical side: a Swedish tokenizer and a BM25 index (bm25s) over the same chunks.

The tokenizer keeps identifiers whole — `§ 43` → `§43`, `10:3`, `2023/428` — because the
default `\\w\\w+` splitter breaks them apart; words are lower-cased, Swedish stopwords
dropped and stemmed with the snowball Swedish stemmer (PyStemmer).
"""

from __future__ import annotations

import json
import logging
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from namndsok.identifiers import IDENTIFIER_TOKENS, dnr_key

# identifiers first (§ 43, 2023/428, 10:3 stay whole), then words
_TOKEN_RE = re.compile(IDENTIFIER_TOKENS + r"|\w+(?:-\w+)*", re.UNICODE)


TOKENIZER_FILE = "namndsok_tokenizer.json"
MAX_QUERY_TERMS = 256  # distinct tokens of one query that BM25 scores: a bound on its cost, not a tuning value


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


def tokenize(text: str, ngram: int = 0) -> list[str]:
    """Identifiers whole, words stemmed, stopwords out; with `ngram` > 0 also the character
    n-grams of every longer word ("#skol", "#kolb", …), so that a compound such as
    "skolbussar" or "familjecentralsavtalet" meets its parts in other words."""
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
        if ngram and len(tok) > ngram and tok.isalpha():
            out.extend("#" + tok[i : i + ngram] for i in range(len(tok) - ngram + 1))
    return out


class LexicalIndex:
    """BM25 over chunk texts; full score vectors so that fusion and filters see every chunk."""

    def __init__(self, retriever=None, ngram: int = 0):
        self._r = retriever
        self.ngram = ngram  # the tokenizer's character n-grams (0: none); queries must use the same

    @classmethod
    def build(cls, texts: list[str], ngram: int = 0) -> "LexicalIndex":
        r = _bm25s().BM25(k1=1.2, b=0.75)
        corpus = [tokenize(t, ngram) or ["∅"] for t in texts]
        r.index(corpus, show_progress=False)
        return cls(r, ngram)

    def query_terms(self, query: str, max_terms: int = MAX_QUERY_TERMS) -> list[str]:
        """The query's tokens the corpus uses, as BM25 scores them (repeats count), from its
        first `max_terms` distinct ones and at most 4 × `max_terms` in all: a bound on what
        one query costs (the longest question of eval/questions has 78 distinct tokens)."""
        vocab = self._vocab()
        seen: set[str] = set()
        out: list[str] = []
        for t in tokenize(query, self.ngram):
            if t not in vocab:
                continue
            if t not in seen:
                if len(seen) == max_terms:
                    continue
                seen.add(t)
            out.append(t)
            if len(out) == 4 * max_terms:
                break
        return out

    def scores(self, query: str, max_terms: int = MAX_QUERY_TERMS) -> np.ndarray:
        toks = self.query_terms(query, max_terms)
        if not toks:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._r.get_scores(toks), dtype=np.float32)

    def _vocab(self) -> dict:
        return self._r.vocab_dict

    @property
    def vocabulary(self) -> dict:
        """Token → column, for "does the corpus use this word at all"."""
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
        (folder / TOKENIZER_FILE).write_text(json.dumps({"ngram": self.ngram}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        conf = folder / TOKENIZER_FILE
        ngram = int(json.loads(conf.read_text(encoding="utf-8")).get("ngram", 0)) if conf.exists() else 0
        return cls(_bm25s().BM25.load(str(folder), mmap=False), ngram)
