"""Query vectors, embedded once and kept a while: retrieval and the answer statistics share
them (an answer re-uses its search's vector), from many threads at once."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Generic, Hashable, TypeVar

import numpy as np

from .embedders import Embedder

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class RecentCache(Generic[K, V]):
    """The last `size` values by key, shared by threads: every read and eviction under one lock.
    A value is made outside the lock (embedding takes milliseconds); two threads asking for the
    same new key may both make it, and both get an equal value."""

    def __init__(self, size: int):
        self.size = size
        self._values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, make: Callable[[K], V]) -> V:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = make(key)
        with self._lock:
            self._values[key] = value
            while len(self._values) > max(self.size, 1):
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


class QueryVectors:
    """The embedder's query vectors, the last `size` of them kept."""

    def __init__(self, embedder: Embedder, size: int):
        self.embedder = embedder
        self.cache: RecentCache[str, np.ndarray] = RecentCache(size)

    def vector(self, query: str) -> np.ndarray:
        return self.cache.get(query, lambda q: self.embedder.encode_queries([q])[0].astype(np.float32))
