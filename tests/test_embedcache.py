"""The embedding cache on its own: input order, each text embedded once, kinds kept apart,
batches persisted whole and found again by a new cache on the same folder."""

from __future__ import annotations

import json

import numpy as np

from namndsok.index.embedcache import EmbeddingCache
from namndsok.index.embedders import create_embedder


class Counting:
    """The toy embedder, counting the texts it is asked to embed."""

    def __init__(self):
        self._e = create_embedder("toy")
        self.name, self.dim = self._e.name, self._e.dim
        self.seen: list[str] = []

    def encode_passages(self, texts, batch_size=16, progress=False):
        self.seen += texts
        return self._e.encode_passages(texts)


TEXTS = [f"Ärende {i}: förskolan i Åkersberga, avdelning {i % 7}." for i in range(10)]


def test_vectors_in_input_order_each_text_embedded_once(tmp_path):
    emb = Counting()
    cache = EmbeddingCache(tmp_path / "c", batch=4)
    asked = TEXTS + TEXTS[:3] + ["kort"]
    vecs = cache.embed(emb, asked)
    assert vecs.shape == (14, emb.dim) and vecs.dtype == np.float32
    assert np.array_equal(vecs, emb._e.encode_passages(asked))
    assert sorted(emb.seen) == sorted(TEXTS + ["kort"]) and cache.embedded == 11
    assert cache.embed(emb, TEXTS[::-1]).tolist() == vecs[:10][::-1].tolist()
    assert cache.embedded == 0 and len(emb.seen) == 11


def test_batches_are_persisted_and_found_by_a_new_cache(tmp_path):
    folder = tmp_path / "c"
    EmbeddingCache(folder, batch=4).embed(Counting(), TEXTS)
    metas = sorted(folder.rglob("batch-*.json"))
    assert sorted(len(json.loads(m.read_text(encoding="utf-8"))["keys"]) for m in metas) == [2, 4, 4]
    assert all(m.with_suffix(".npy").is_file() for m in metas)
    emb = Counting()
    again = EmbeddingCache(folder)
    assert again.cached(emb.name) == 10
    assert np.array_equal(again.embed(emb, TEXTS), emb._e.encode_passages(TEXTS)) and emb.seen == []


def test_kinds_and_embedders_do_not_share_vectors(tmp_path):
    emb = Counting()
    cache = EmbeddingCache(tmp_path / "c")
    cache.embed(emb, TEXTS[:2], kind="chunk")
    cache.embed(emb, TEXTS[:2], kind="sentence")
    assert emb.seen == TEXTS[:2] * 2
    assert cache.cached(emb.name, "chunk") == cache.cached(emb.name, "sentence") == 2
    assert cache.cached("another/model", "chunk") == 0


def test_a_damaged_batch_is_embedded_again(tmp_path):
    folder = tmp_path / "c"
    EmbeddingCache(folder, batch=5).embed(Counting(), TEXTS)
    npy = sorted(folder.rglob("batch-*.npy"))[0]
    npy.write_bytes(npy.read_bytes()[:40])
    emb = Counting()
    vecs = EmbeddingCache(folder).embed(emb, TEXTS)
    assert len(emb.seen) == 5 and np.array_equal(vecs, emb._e.encode_passages(TEXTS))


def test_seeded_vectors_are_not_embedded(tmp_path):
    emb = Counting()
    cache = EmbeddingCache(None)
    cache.seed(emb.name, "chunk", TEXTS[:6], emb._e.encode_passages(TEXTS[:6]))
    cache.embed(emb, TEXTS)
    assert emb.seen == TEXTS[6:]
    assert not list(tmp_path.iterdir())
