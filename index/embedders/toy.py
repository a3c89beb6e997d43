"""A deterministic toy embedder (hashed character trigrams) for plumbing tests: fast,
no model, but similar strings get similar vectors. Never the default."""

from __future__ import annotations

import hashlib

import numpy as np

from . import normalise


class ToyEmbedder:
    name = "toy/trigram-64"
    dim = 64

    def _one(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        t = f"  {text.lower()}  "
        for i in range(len(t) - 2):
            h = int.from_bytes(hashlib.blake2b(t[i : i + 3].encode(), digest_size=4).digest(), "little")
            v[h % self.dim] += 1.0
        return v

    max_tokens = 2048  # characters: the toy "reads" this much of a query

    def fit(self, text: str) -> str:
        return text[: self.max_tokens]

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return normalise(np.stack([self._one(self.fit(t)) for t in texts]))

    def encode_passages(self, texts: list[str], batch_size: int = 16, progress: bool = False) -> np.ndarray:
        return normalise(np.stack([self._one(t) for t in texts])) if texts else np.zeros((0, self.dim), np.float32)
