"""Progress of a long step (files parsed, chunks embedded): a tqdm bar on a terminal, log
lines every few seconds otherwise (cron, CI, a pipe), so a long ingest is never silent.

    INFO namndsok.progress: embedding: 1200 of 5000 chunks (41.3 chunks/s, about 1 min 32 s left)
"""

from __future__ import annotations

import logging
import os
import sys
import time

log = logging.getLogger("namndsok.progress")

DEFAULT_EVERY = 5.0  # seconds between log lines; NAMNDSOK_PROGRESS_SECONDS overrides


def progress_mode(enabled: bool | str) -> str:
    """"bar" on a terminal, "log" elsewhere, "off" when disabled; a string is taken as is."""
    if isinstance(enabled, str):
        return enabled
    if not enabled:
        return "off"
    return "bar" if sys.stderr.isatty() else "log"


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


class Progress:
    """Counts work done towards a total; `start` may be called again with a new total."""

    def __init__(self, what: str, unit: str, mode: str = "off", total: int | None = None, every: float | None = None):
        self.what, self.unit, self.mode = what, unit, mode
        env = os.environ.get("NAMNDSOK_PROGRESS_SECONDS")
        self.every = every if every is not None else (float(env) if env else DEFAULT_EVERY)
        self._bar = None
        self.total = self.done = 0
        if total is not None:  # else nothing is shown until start()
            self.start(total)

    def start(self, total: int) -> "Progress":
        self.total, self.done = total, 0
        self._t0 = self._last = time.monotonic()
        if self.mode == "bar":
            from tqdm.auto import tqdm

            if self._bar is not None:
                self._bar.close()
            self._bar = tqdm(total=total, desc=self.what, unit=self.unit)
        return self

    def update(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        elif self.mode == "log":
            now = time.monotonic()
            if now - self._last >= self.every:
                self._last = now
                log.info("%s", self.line(now))

    def line(self, now: float | None = None) -> str:
        elapsed = (now or time.monotonic()) - self._t0
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = f", about {_duration((self.total - self.done) / rate)} left" if rate > 0 and self.total > self.done else ""
        return f"{self.what}: {self.done} of {self.total} {self.unit}s ({rate:.1f} {self.unit}s/s{left})"

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.mode == "log" and self.total:
            log.info("%s", self.line())
