"""Progress without a terminal: log lines on time (every NAMNDSOK_PROGRESS_SECONDS) while one
long batch runs, not only when the count moves; and the defaults `serve --help` and `make run`
show. The clock and the ticker's wait are injected: no test sleeps."""

from __future__ import annotations

import logging
import queue
import subprocess
import sys
import threading

from conftest import ROOT
from namndsok.index.progress import Progress


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.arrived = threading.Condition()

    def emit(self, record: logging.LogRecord) -> None:
        with self.arrived:
            self.lines.append(record.getMessage())
            self.arrived.notify_all()

    def wait_for(self, n: int) -> list[str]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.lines) >= n, timeout=30)
            return list(self.lines)


def test_progress_logs_on_time_while_a_batch_runs(monkeypatch):
    monkeypatch.delenv("NAMNDSOK_PROGRESS_SECONDS", raising=False)
    now = [100.0]
    ticks: queue.Queue[bool] = queue.Queue()
    handler = _Lines()
    logger = logging.getLogger("namndsok.progress")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        p = Progress("embedding", "chunk", mode="log", clock=lambda: now[0], wait=lambda s: ticks.get())
        assert p.every == 5.0  # the README's "every 5 s"
        p.start(456)
        assert handler.wait_for(1) == ["embedding: 0 of 456 chunks"]
        p.update(128)  # the first batch, at once: no line (5 s have not passed)
        now[0] += 6.0  # the second batch runs for a long time: the count does not move
        ticks.put(False)
        lines = handler.wait_for(2)
        assert len(lines) == 2 and lines[1].startswith("embedding: 128 of 456 chunks"), lines
        now[0] += 2.0  # less than `every` since the last line: the ticker stays quiet
        ticks.put(False)
        now[0] += 4.0
        ticks.put(False)
        lines = handler.wait_for(3)
        assert len(lines) == 3 and lines[2].startswith("embedding: 128 of 456 chunks"), lines
        p.update(328)  # the count still logs when it moves on time
        p.close()
        ticks.put(True)
        assert handler.wait_for(4)[3].startswith("embedding: 456 of 456 chunks")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def test_progress_seconds_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("NAMNDSOK_PROGRESS_SECONDS", "2")
    assert Progress("parsing", "file", mode="log").every == 2.0


def test_serve_help_shows_defaults_and_make_run_takes_a_port():
    r = subprocess.run([sys.executable, "-m", "namndsok.app.cli", "serve", "--help"], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    text = " ".join(r.stdout.split())
    for default in ("(default: 127.0.0.1)", "(default: 7860)", "(default: 50.0)"):
        assert default in text, text
    dry = subprocess.run(["make", "-n", "run", "PORT=7870"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert dry.returncode == 0, dry.stderr
    assert "namndsok serve --port 7870" in dry.stdout, dry.stdout
    plain = subprocess.run(["make", "-n", "run"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert "namndsok serve --port 7860" in plain.stdout, plain.stdout
