"""`namndsok watch DIR…`: ingest files as they appear or change, then run the bevakningar.

File events come from watchdog (inotify on Linux; its polling observer where the system
gives none); without any event the folders are still scanned every `interval` seconds. A
change is ingested only once every supported file has kept its size and modification time
for `settle` seconds, so a file still being copied is never read half-written. Each ingest
is the same `ingest` as the command line's (the index is replaced whole or not at all, under
its writer lock); a broken file is reported by name and the watch goes on. `stop()` (SIGTERM)
ends the watch; an ingest under way stops at its next step, before anything is written, and
its embedded batches are kept for the next run.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from namndsok.errors import IndexLockedError, NamndsokError
from namndsok.ingest.read import SUPPORTED

from . import AfterIngest, after_ingest

log = logging.getLogger(__name__)

Snapshot = dict[str, tuple[int, int]]  # path → (size, mtime_ns)


@dataclass(frozen=True)
class WatchSettings:
    interval: float = 60.0  # seconds between scans when no file event arrives
    settle: float = 2.0  # a file must keep its size and time this long before it is read


class Stopped(Exception):
    """Raised inside an ingest when the watch is told to stop."""


def scan(dirs: list[Path]) -> Snapshot:
    """Size and modification time of every supported file under the folders (as ingest finds
    them: hidden files and folders left out)."""
    out: Snapshot = {}
    for d in dirs:
        for dirpath, dirnames, filenames in os.walk(d):
            dirnames[:] = [n for n in dirnames if not n.startswith(".")]
            for name in filenames:
                if name.startswith(".") or Path(name).suffix.lower() not in SUPPORTED:
                    continue
                p = os.path.join(dirpath, name)
                try:
                    st = os.stat(p)
                except OSError:  # gone between listing and stat
                    continue
                out[p] = (st.st_size, st.st_mtime_ns)
    return out


class Watcher:
    """Watches folders and ingests them into the index at `root` as they change."""

    def __init__(self, dirs: list[Path], root: Path, embedder, settings: WatchSettings = WatchSettings(),
                 ingest_options: dict | None = None, smtp=None,
                 on_ingest: Callable[[object, AfterIngest | None], None] | None = None):
        self.dirs = [Path(d) for d in dirs]
        self.root = Path(root)
        self.embedder = embedder
        self.settings = settings
        self.ingest_options = ingest_options or {}
        self.smtp = smtp
        self.on_ingest = on_ingest  # called with (IngestReport, AfterIngest) after each ingest
        self._stop = threading.Event()
        self._wake = threading.Event()
        self.ingests = 0
        self.scans = 0
        self.last_scan: Snapshot = {}

    # ------------------------------------------------------------ control

    def stop(self) -> None:
        """Ask the watch to end (safe from a signal handler)."""
        self._stop.set()
        self._wake.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _scan(self) -> Snapshot:
        snap = scan(self.dirs)
        self.last_scan = snap
        self.scans += 1
        return snap

    # ------------------------------------------------------------ the loop

    def run(self) -> None:
        """Ingest what is there, then each change once it has settled, until stop()."""
        observer = self._observe()
        try:
            done: Snapshot | None = None
            while not self.stopping:
                self._wake.clear()
                snap = self._scan()
                if snap != done and (snap or (self.root / "CURRENT").exists()):  # an empty folder, no index: nothing to do
                    snap = self._settled(snap)
                    if snap is None:
                        break
                    if self._ingest():
                        done = snap
                    else:
                        self._stop.wait(self.settings.settle)  # locked by another writer: try again soon
                        continue
                self._wake.wait(self.settings.interval)
        finally:
            if observer is not None:
                observer.stop()
                observer.join(timeout=10)

    def _settled(self, snap: Snapshot) -> Snapshot | None:
        """The folders' state once nothing has changed for `settle` seconds (None: stopped)."""
        while True:
            if self._stop.wait(self.settings.settle):
                return None
            again = self._scan()
            if again == snap:
                return snap
            snap = again

    def _ingest(self) -> bool:
        """One ingest of the folders and the bevakningar after it; False when the index was
        locked by another writer (the change is tried again)."""
        from namndsok.index.builder import ingest

        def progress(_p) -> None:  # called at every step of the ingest: a stop ends it there
            if self.stopping:
                raise Stopped()

        try:
            report = ingest(self.dirs, self.root, self.embedder, progress=progress, **self.ingest_options)
        except Stopped:
            log.info("watch: stopped during an ingest; the index is as it was")
            return True
        except IndexLockedError as exc:
            log.warning("watch: %s; trying again", exc)
            return False
        except NamndsokError as exc:
            log.error("watch: ingest failed: %s", exc)
            return True
        except Exception as exc:  # a fault of namndsok itself: said in one line, the watch goes on
            log.exception("watch: ingest failed unexpectedly (%s: %s); the index is as it was", type(exc).__name__, exc)
            return True
        self.ingests += 1
        for path, reason in report.failed:
            log.warning("FAILED %s: %s", path, reason)
        for path, reason in report.skipped:
            log.info("skipped %s: %s", path, reason)
        result = None
        try:
            result = after_ingest(self.root, report.changed_chunks, self.smtp, self.embedder, facts=report.changed_facts)
        except NamndsokError as exc:  # the index is written; only the alerts of this ingest are lost
            log.error("watch: bevakningar not run: %s", exc)
        if report.indexed or report.removed or report.failed:
            extra = f"; {len(result.alerts)} new bevakning matches" if result and result.alerts else ""
            log.info("watch: %s%s", report.summary(), extra)
        if self.on_ingest is not None:
            self.on_ingest(report, result)
        return True

    def _observe(self):
        """A watchdog observer that wakes the loop on any change (None when none can start:
        the interval scan still finds every change)."""
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:  # pragma: no cover - a dependency; polling still works
            log.warning("watch: watchdog is not installed; scanning every %g s", self.settings.interval)
            return None
        wake = self._wake

        class Wake(FileSystemEventHandler):
            def on_any_event(self, event) -> None:
                if event.event_type not in ("opened", "closed_no_write"):
                    wake.set()

        observer = Observer()
        try:
            for d in self.dirs:
                observer.schedule(Wake(), str(d), recursive=True)
            observer.start()
        except OSError as exc:  # e.g. inotify watches exhausted: fall back to polling
            from watchdog.observers.polling import PollingObserver

            log.info("watch: file events unavailable (%s); polling", exc)
            observer = PollingObserver(timeout=max(1.0, self.settings.settle))
            for d in self.dirs:
                observer.schedule(Wake(), str(d), recursive=True)
            observer.start()
        return observer
