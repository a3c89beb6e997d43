"""Ingest on a Dask cluster: `namndsok ingest --scheduler tcp://HOST:8786 …` or `--workers N`
(a LocalCluster of N single-threaded worker processes on this machine).

`DaskWork` is a `Work` strategy (index/work.py): the builder still finds files, hashes them,
decides what is new, caches and persists every vector and writes the index; the cluster
only parses (with OCR) and embeds. A parse task gets a file's bytes as the coordinator
hashed them, so workers need no shared disk; an embed task gets a batch of texts and returns
their keys and vectors. Each worker process loads the embedder once, on its first batch.

Lost work: when a worker dies the scheduler gives its tasks to another worker (as many
times as the scheduler's `allowed-failures` says; 1 on a `--workers` cluster), and a task
that raises is retried once elsewhere. What is lost even so is run once more on its own at
the end (a file queued beside one that kills its worker dies with it, innocent); a file
whose parse is lost then is reported as failed; a batch of texts lost for good fails the files it came from (their previous version
stays). Everything else goes on.

Dask is imported only here, and only when one of the two options is given
(`pip install 'namndsok[cluster]'`). Workers need the same namndsok installed.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from namndsok.errors import NamndsokError
from namndsok.ingest import PARSER_VERSION

from .embedcache import text_key
from .embedders import Embedder, create_embedder, spec_for
from .work import ParseJob, ParseOptions, Parsed, parse_job

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'namndsok[cluster]'"


class ClusterError(NamndsokError):
    """The cluster cannot be reached or its workers cannot run this ingest."""


# ------------------------------------------------------------------ on the workers

PLUGIN = "namndsok-embedders"


class WorkerEmbedders:
    """A worker's embedders, loaded on first use and kept on the worker itself (a Dask worker
    plugin that DaskWork registers): the state belongs to the worker it serves, and a worker
    started again after a crash gets a fresh one."""

    name = PLUGIN

    def __init__(self) -> None:
        self._embedders: dict[str, Embedder] = {}
        self._lock = threading.Lock()

    def setup(self, worker: Any) -> None:
        with self._lock:
            self._embedders = {}

    def teardown(self, worker: Any) -> None:
        with self._lock:
            self._embedders.clear()

    def embedder(self, spec: str) -> Embedder:
        with self._lock:
            if spec not in self._embedders:
                self._embedders[spec] = create_embedder(spec)
            return self._embedders[spec]

    def __getstate__(self) -> dict:  # sent to the workers empty
        return {}

    def __setstate__(self, state: dict) -> None:
        self.__init__()


def worker_embedder(spec: str) -> Embedder:
    """The embedder of the worker running this task (its WorkerEmbedders plugin)."""
    from distributed import get_worker

    plugin = get_worker().plugins.get(PLUGIN)
    if plugin is None:
        raise RuntimeError(f"this Dask worker has no {PLUGIN} plugin; ingest registers it (DaskWork)")
    return plugin.embedder(spec)


def parse_task(job: ParseJob, options: ParseOptions) -> Parsed:
    return parse_job(job, options)


def embed_task(spec: str, name: str, texts: list[str]) -> tuple[list[str], np.ndarray]:
    """(keys, vectors) of a batch of passages, embedded by this worker's embedder."""
    embedder = worker_embedder(spec)
    if embedder.name != name:
        raise RuntimeError(f"this worker's {spec!r} embedder is {embedder.name!r}, not {name!r}")
    vecs = np.asarray(embedder.encode_passages(texts), dtype=np.float32)
    return [text_key(t) for t in texts], vecs


def worker_versions() -> dict[str, Any]:
    """What a worker runs, checked against the coordinator before any work is sent."""
    return {"parser_version": PARSER_VERSION}


# ------------------------------------------------------------------ on the coordinator

class DaskWork:
    """Parsing and embedding on a Dask cluster; `close()` ends a cluster it started."""

    def __init__(self, scheduler: str | None = None, workers: int | None = None, window: int | None = None,
                 quiet: bool = True):
        """`quiet`: the cluster's own log lines (workers starting, connections closing) only
        when they are errors."""
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise ImportError(f"ingest on a Dask cluster needs Dask: {INSTALL_HINT}") from exc
        if quiet:
            logging.getLogger("distributed").setLevel(logging.ERROR)
        if (scheduler is None) == (workers is None):
            raise ValueError("give either a scheduler address or a number of workers")
        self.cluster = None
        try:
            if scheduler is not None:
                self.client = Client(scheduler, timeout="20s")
            else:
                # a task whose worker dies is given to another worker once, then reported
                with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
                    self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                dashboard_address=None, silence_logs=logging.ERROR)
                self.client = Client(self.cluster)
        except (OSError, TimeoutError) as exc:
            self.close()
            raise ClusterError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
        self._check_workers()
        self._register_embedders()
        # tasks in flight: enough to keep every worker busy, few enough to bound memory
        self.window = window or max(4, 3 * self._n_threads())

    def _n_threads(self) -> int:
        return sum(self.client.nthreads().values()) or 1

    def _check_workers(self) -> None:
        if not self.client.nthreads():
            self.client.wait_for_workers(1, timeout=60)
        try:
            found = self.client.run(worker_versions)
        except Exception as exc:  # a worker without namndsok cannot unpickle the function
            raise ClusterError(f"the Dask workers cannot run namndsok ({type(exc).__name__}: {exc}); "
                               "install the same namndsok on every worker") from exc
        for address, info in found.items():
            if info != worker_versions():
                raise ClusterError(f"the Dask worker {address} runs namndsok parser version "
                                   f"{info.get('parser_version')}, not {PARSER_VERSION}; install the same "
                                   "namndsok on every worker")

    def _register_embedders(self) -> None:
        """Every worker, and each one that joins later, keeps its embedders in a plugin."""
        from distributed.diagnostics.plugin import WorkerPlugin

        plugin = type("WorkerEmbeddersPlugin", (WorkerEmbedders, WorkerPlugin), {})
        self.client.register_plugin(plugin(), name=PLUGIN)

    def _run(self, fn: Callable, calls: Iterable[tuple[Any, tuple]]) -> Iterator[tuple[Any, Any]]:
        """Submit fn(*args) for each (tag, args), at most `window` at a time; yield (tag, future)
        as each finishes."""
        from distributed import as_completed

        calls = iter(calls)
        tags: dict[str, Any] = {}
        pending = as_completed()

        def top_up() -> None:
            while pending.count() < self.window:
                nxt = next(calls, None)
                if nxt is None:
                    return
                tag, args = nxt
                fut = self.client.submit(fn, *args, pure=False, retries=1)
                tags[fut.key] = tag
                pending.add(fut)

        top_up()
        for fut in pending:
            yield tags.pop(fut.key), fut
            fut.release()
            top_up()

    def _alone(self, fn: Callable, *args: Any) -> Any:
        """fn(*args) as the only task in flight: the result, or the exception that lost it."""
        return self.client.submit(fn, *args, pure=False).result()

    def parse(self, jobs: Iterable[ParseJob], options: ParseOptions) -> Iterator[Parsed]:
        lost: list[ParseJob] = []
        for job, fut in self._run(parse_task, ((job, (job, options)) for job in jobs)):
            try:
                yield fut.result()
            except Exception:  # the worker was lost more often than the scheduler allows
                lost.append(job)
        # A file queued on the same worker as one that kills it is lost with it: each lost
        # file is read once more on its own, so only a file that fails alone is reported.
        for job in lost:
            try:
                yield self._alone(parse_task, job, options)
            except Exception as exc:
                log.warning("%s: lost on the cluster: %s", job.path, exc)
                yield Parsed(job.n, job.path, error=f"lost on the cluster while being read ({_short(exc)})")

    def embed_batches(self, embedder: Embedder, batches: list[list[str]]) -> Iterator[tuple[int, np.ndarray | Exception]]:
        spec = spec_for(embedder.name)
        calls = ((i, (spec, embedder.name, texts)) for i, texts in enumerate(batches))
        lost: list[int] = []
        for i, fut in self._run(embed_task, calls):
            try:
                keys, vecs = fut.result()
                if keys != [text_key(t) for t in batches[i]]:
                    raise RuntimeError("a worker returned vectors for other texts")
            except Exception:
                lost.append(i)  # tried once more on its own, as a lost file is
                continue
            yield i, vecs
        for i in lost:
            try:
                keys, vecs = self._alone(embed_task, spec, embedder.name, batches[i])
                if keys != [text_key(t) for t in batches[i]]:
                    raise RuntimeError("a worker returned vectors for other texts")
            except Exception as exc:
                log.warning("a batch of %d texts was lost on the cluster: %s", len(batches[i]), exc)
                yield i, exc
                continue
            yield i, vecs

    def close(self) -> None:
        for thing in (getattr(self, "client", None), self.cluster):
            if thing is not None:
                try:
                    thing.close()
                except Exception:  # closing a cluster that is already gone
                    log.debug("closing %r failed", thing, exc_info=True)


def _short(exc: BaseException, limit: int = 160) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
