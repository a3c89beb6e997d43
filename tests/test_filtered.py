"""Filtered dense search: the metadata columns admit exactly what Filters.admits admits, and
a selective filter on an HNSW graph still finds the exact nearest allowed chunks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from namndsok.index.filtered import FilterSettings, MetadataColumns, dense_search, exact_top
from namndsok.index.search import Filters
from namndsok.index.store import build_dense


@pytest.mark.slow
def test_columns_admit_what_filters_admit(searcher):
    chunks = searcher.chunks
    cols = MetadataColumns.of_chunks(chunks)
    organs = ["produktionsutskott", "VÄSTKOM", "förvaltningsgrupp", "ingen sådan", None]
    dates = [(None, None), ("2020-01-01", "2020-12-31"), ("2021-09-23", None), (None, "2021-01-01"), ("2023", None)]
    dnrs = [None, "2020/0033", "UBN.2023.428", "KS 2015/0119"]
    types = [None, "protokoll", "tjänsteutlåtande"]
    for organ, (lo, hi), dnr, typ in itertools.product(organs, dates, dnrs, types):
        f = Filters(organ=organ, date_from=lo, date_to=hi, dnr=dnr, doc_type=typ)
        want = np.array([f.admits(c.citation, c.dnr_key, c.decision) for c in chunks])
        assert np.array_equal(cols.mask(f), want), f
    f = Filters(decided=True)
    assert cols.mask(f).sum() == sum(bool(c.decision) for c in chunks) > 0
    src = chunks[0].citation.source
    f = Filters(source=src)
    assert np.array_equal(cols.mask(f), np.array([f.admits(c.citation, c.dnr_key, c.decision) for c in chunks]))


def _clustered(n: int, dim: int = 64, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(40, dim))
    v = centres[rng.integers(0, 40, n)] + 0.6 * rng.normal(size=(n, dim))
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("share", [0.003, 0.05, 0.3])
def test_filtered_hnsw_finds_the_exact_neighbours(share):
    vectors = _clustered(30_000)
    index = build_dense(vectors, "hnsw")
    rng = np.random.default_rng(1)
    # a filter that cuts across the clusters, as one municipality does across topics
    allowed = rng.random(len(vectors)) < share
    settings = FilterSettings(exact_limit=1_000)  # 0.3 % is below it, 5 % and 30 % use the graph
    everything = np.ones(len(vectors), dtype=bool)
    recalls, baseline = [], []
    for q in _clustered(30, seed=2):
        want, _ = exact_top(vectors, np.flatnonzero(allowed), q, 10)
        got = [i for i, _ in dense_search(index, vectors, allowed, q, 10, settings)]
        assert all(allowed[got])
        recalls.append(len(set(got) & set(want.tolist())) / 10)
        want, _ = exact_top(vectors, np.arange(len(vectors)), q, 10)
        got = [i for i, _ in dense_search(index, vectors, everything, q, 10, settings)]
        baseline.append(len(set(got) & set(want.tolist())) / 10)
    # the filter costs no recall against the same graph searched without one
    assert np.mean(recalls) >= min(0.95, np.mean(baseline) - 0.02), (np.mean(recalls), np.mean(baseline))
