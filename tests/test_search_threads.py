"""The read path under many threads, as `namndsok serve` runs it for many clients: searches
from many threads on one Searcher over the real corpus index give exactly the results of the
same searches run one after another, with a query cache far smaller than the questions (so
that it evicts all the time), and each search reports its own timings."""

from __future__ import annotations

import random
import sys
import threading

import pytest

from namndsok.eval.qset import load_split
from namndsok.index.search import Filters, Searcher

pytestmark = pytest.mark.slow

THREADS = 6


def _questions() -> list[str]:
    return [q.question for q in load_split("dev")][:16]  # distinct: far more than the cache holds


def _result(searcher: Searcher, q: str) -> tuple:
    hits = searcher.search(q, k=5)
    filtered = searcher.search(q, k=3, filters=Filters(organ="utskott"))
    sentences = searcher.sentences(q, hits[:2])
    return ([(h.chunk.id, round(h.score, 6)) for h in hits], [h.chunk.id for h in filtered],
            [(s.hit, s.start, round(s.score, 5)) for s in sentences], tuple(round(x, 5) for x in searcher.background(q)))


def test_many_threads_search_as_one(corpus_index):
    questions = _questions()
    searcher = Searcher.open(corpus_index)
    searcher.query_cache_size = 1  # every other query evicts: the cache is shared by all threads
    expected = {q: _result(searcher, q) for q in questions}
    searcher.forget_queries()
    got: dict[str, list[tuple]] = {q: [] for q in questions}
    errors: list[str] = []
    start = threading.Barrier(THREADS)
    # switch threads as often as the interpreter can, so that any unguarded read-modify-write
    # of shared state is interleaved (a cache eviction raced into KeyError within a few queries)
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)

    def work(seed: int) -> None:
        order = list(questions)
        random.Random(seed).shuffle(order)
        start.wait()  # all threads begin together
        for q in order:
            try:
                got[q].append(_result(searcher, q))
            except Exception as exc:  # noqa: BLE001 - every failure counts
                errors.append(f"{q!r}: {exc!r}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join(600)
    finally:
        sys.setswitchinterval(old_interval)
    assert not any(t.is_alive() for t in threads)
    assert not errors, errors[:5]
    wrong = [q for q in questions if any(r != expected[q] for r in got[q])]
    assert not wrong and all(len(got[q]) == THREADS for q in questions), wrong[:5]


def test_a_search_keeps_nothing_on_the_searcher(searcher):
    q = "Vad beslutade vi om Minirosen?"
    searcher.search(q, k=5, filters=Filters(organ="utskott"))  # lazily built columns: built now
    before = {name: id(value) for name, value in vars(searcher).items()}
    hits, timings = searcher.search_timed("budget förskola 2024", k=5)
    assert {name: id(value) for name, value in vars(searcher).items()} == before
    assert hits and timings.embed > 0 and timings.dense > 0 and timings.bm25 > 0 and "units" in timings.extra
    assert [h.chunk.id for h in hits] == [h.chunk.id for h in searcher.search("budget förskola 2024", k=5)]
