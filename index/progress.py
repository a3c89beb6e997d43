"""Progress of a long step (files parsed, chunks embedded): a tqdm bar on a terminal, log
lines otherwise (cron, CI, a pipe) — one when a step starts, then every few seconds, also while
one long batch is still running (a ticker thread logs on time, not only when the count moves) —
so a long ingest is never silent; or a function called at every step (the web app's uploads).

    INFO namndsok.progress: embedding: 0 of 456 chunks
    INFO namndsok.progress: embedding: 128 of 456 chunks (41.3 chunks/s, about 8 s left)
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from typing import Callable

log = logging.getLogger("namndsok.progress")

DEFAULT_EVERY = 5.0  # seconds between log lines; NAMNDSOK_PROGRESS_SECONDS overrides


Listener = Callable[["Progress"], None]
Clock = Callable[[], float]
Waiter = Callable[[float], bool]  # waits up to n seconds; True when the ticker must stop


def progress_mode(enabled: bool | str | Listener) -> str:
    """"bar" on a terminal, "log" elsewhere, "off" when disabled, "call" for a function;
    a string is taken as is."""
    if isinstance(enabled, str):
        return enabled
    if callable(enabled):
        return "call"
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

    def __init__(self, what: str, unit: str, mode: str = "off", total: int | None = None, every: float | None = None,
                 listener: Listener | None = None, clock: Clock = time.monotonic, wait: Waiter | None = None):
        """`clock` and `wait` (how the ticker waits between lines) are injected by tests."""
        self.what, self.unit, self.mode = what, unit, mode
        self.listener = listener if mode == "call" else None
        env = os.environ.get("NAMNDSOK_PROGRESS_SECONDS")
        self.every = every if every is not None else (float(env) if env else DEFAULT_EVERY)
        self.clock = clock
        self._stop = threading.Event()
        self._wait = wait or self._stop.wait
        self._ticker: threading.Thread | None = None
        self._lock = threading.Lock()
        self._bar = None
        self.total = self.done = 0
        self._logged = -1
        self._t0 = self._last = clock()
        if total is not None:  # else nothing is shown until start()
            self.start(total)

    def start(self, total: int) -> "Progress":
        with self._lock:
            self.total, self.done, self._logged = total, 0, -1
            self._t0 = self._last = self.clock()
        if self.mode == "log" and total and self._ticker is None:
            # one embedding batch can take a minute: log on time too, not only when the count moves
            self._stop.clear()
            self._ticker = threading.Thread(target=self._tick_loop, name=f"progress-{self.what}", daemon=True)
            self._ticker.start()
        if self.mode == "bar":
            from tqdm.auto import tqdm

            if self._bar is not None:
                self._bar.close()
            self._bar = tqdm(total=total, desc=self.what, unit=self.unit)
        elif self.mode == "log" and total:
            log.info("%s: 0 of %d %ss", self.what, total, self.unit)
        elif self.listener is not None:
            self.listener(self)
        return self

    def update(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        elif self.mode == "log":
            self.tick()
        elif self.listener is not None:
            self.listener(self)

    def tick(self) -> None:
        """Log the count when `every` seconds have passed since the last line (log mode)."""
        with self._lock:
            now = self.clock()
            if now - self._last < self.every or not self.total:
                return
            self._last, self._logged = now, self.done
            text = self.line(now)
        log.info("%s", text)

    def _tick_loop(self) -> None:
        while not self._wait(self.every) and not self._stop.is_set() and self.done < self.total:
            self.tick()

    def line(self, now: float | None = None) -> str:
        elapsed = (now if now is not None else self.clock()) - self._t0
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = f", about {_duration((self.total - self.done) / rate)} left" if rate > 0 and self.total > self.done else ""
        return f"{self.what}: {self.done} of {self.total} {self.unit}s ({rate:.1f} {self.unit}s/s{left})"

    def close(self) -> None:
        self._stop.set()
        self._ticker = None
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.mode == "log" and self.total and self._logged != self.done:  # the last count, once
            log.info("%s", self.line())
