"""sentence-transformers backend: any model by hub name or local folder (torch is imported
here only, so the default path never pays for it). Needs `pip install 'namndsok[st]'`."""

from __future__ import annotations

import logging

import numpy as np

from . import normalise

log = logging.getLogger(__name__)

# models trained with e5-style instructions want these prefixes
_E5_PREFIXES = ("query: ", "passage: ")


class SentenceTransformerEmbedder:
    def __init__(self, model: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ImportError(
                "the sentence-transformers backend needs the 'st' extra: pip install 'namndsok[st]'"
            ) from exc
        self._model = SentenceTransformer(model, device="cpu")
        self.name = f"st/{model}"
        dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim())  # renamed in sentence-transformers 6
        self._prefixes = _E5_PREFIXES if "e5" in model.lower() else ("", "")

    def token_counts(self, texts: list[str]) -> list[int]:
        """Tokens each text has for the model (before the cut at max_tokens): for benchmarks."""
        tok = self._model.tokenizer
        return [len(tok(x, add_special_tokens=True)["input_ids"]) for x in texts]

    @property
    def max_tokens(self) -> int:
        """What the model reads of a text; the rest of a longer one is cut."""
        return int(self._model.max_seq_length)

    def fit(self, text: str) -> str:
        # the model truncates by itself, but tokenizes all of a text first: cut before, to the
        # characters of the tokens it reads (32 characters per token bound the tokenizer's work)
        cut = text[: self.max_tokens * 32]
        enc = self._model.tokenizer(self._prefixes[0] + cut, truncation=True, max_length=self.max_tokens,
                                    return_offsets_mapping=True, add_special_tokens=True)
        end = max((e for _, e in enc["offset_mapping"]), default=0) - len(self._prefixes[0])
        return cut[: max(end, 0)] if len(enc["input_ids"]) >= self.max_tokens else cut

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        texts = [self._prefixes[0] + self.fit(t) for t in texts]
        return normalise(self._model.encode(texts, convert_to_numpy=True, show_progress_bar=False))

    def encode_passages(self, texts: list[str], batch_size: int = 16, progress: bool = False) -> np.ndarray:
        texts = [self._prefixes[1] + t for t in texts]
        return normalise(self._model.encode(texts, batch_size=batch_size, convert_to_numpy=True, show_progress_bar=progress))
