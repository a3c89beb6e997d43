"""PDFs added through the browser (`serve --allow-upload DIR`, only with a login).

An upload is written to a hidden part file in the folder the operator chose, refused past
the size cap or when it is not a PDF, then named after the file (never a path from the
request) and ingested in the background, one at a time, by `namndsok.index.builder.ingest`
under the index's writer lock, exactly as `namndsok ingest` does: the index is replaced
whole or not at all. A file the ingest cannot read is reported by its name and removed from
the folder; the index is not touched. The running app switches to the new index at its next
request (CURRENT changes). Progress is kept per job for the page to poll.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import re
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from namndsok.errors import IndexLockedError, NamndsokError

log = logging.getLogger(__name__)

DEFAULT_MAX_MB = 50
LOCK_WAIT = 600  # seconds an upload waits for another ingest to finish
KEEP_JOBS = 50
_NAME_RE = re.compile(r"[^\w .,()+-]")


class UploadError(ValueError):
    """An upload refused; the message is one Swedish sentence naming the file."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class Job:
    id: str
    name: str  # the file's name in the upload folder
    new_file: bool = True  # False when the same file was there already (then it is never removed)
    state: str = "väntar"  # väntar, indexerar, klar, fel
    step: str = ""  # "parsing", "embedding"
    done: int = 0
    total: int = 0
    unit: str = ""
    message: str = ""
    started: float = 0.0

    def to_json(self) -> dict:
        return asdict(self)


def check_folder(folder: Path, index_root: Path, repository: Path | None = None) -> Path:
    """The upload folder, made if missing; never inside the repository or the index."""
    folder = Path(folder).expanduser().resolve()
    for other, what in ((repository, "the namndsok repository"), (Path(index_root).resolve(), "the index directory")):
        if other is not None and (folder == other or other in folder.parents):
            raise NamndsokError(f"--allow-upload {folder}: uploads may not land inside {what} ({other}); choose another folder")
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o750)
    except OSError as exc:
        raise NamndsokError(f"--allow-upload {folder}: cannot create the folder ({exc.strerror or exc})") from None
    if not os.access(folder, os.W_OK):
        raise NamndsokError(f"--allow-upload {folder}: the folder is not writable")
    return folder


def safe_name(raw: str) -> str:
    """A file name from what the browser sent: its last part, tame characters, ending in .pdf."""
    name = re.split(r"[/\\]", raw or "")[-1].strip().lstrip(".")
    name = _NAME_RE.sub("_", name)[:120].strip() or "uppladdad"
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    return name


class Uploads:
    def __init__(self, folder: Path, index_root: Path, embedder_spec: str, max_mb: float = DEFAULT_MAX_MB):
        self.folder = folder
        self.root = index_root
        self.spec = embedder_spec
        self.max_bytes = int(max_mb * 1e6)
        self.max_mb = max_mb
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[Job, Path]] = queue.Queue()
        self._embedder = None
        self._worker = threading.Thread(target=self._run, name="namndsok-uploads", daemon=True)
        self._worker.start()

    # ------------------------------------------------------------ receiving

    async def receive(self, raw_name: str, chunks, length: int | None) -> Job:
        """Write the body (an async iterator of bytes) to the folder and queue its ingest."""
        name = safe_name(raw_name)
        if length is not None and length > self.max_bytes:
            raise UploadError(f"{name} är större än {self.max_mb:g} MB och togs inte emot.", 413)
        part = self.folder / f".upload-{uuid.uuid4().hex}.part"
        size, digest, head = 0, hashlib.sha256(), b""
        try:
            with open(part, "wb") as fh:
                async for block in chunks:
                    size += len(block)
                    if size > self.max_bytes:
                        raise UploadError(f"{name} är större än {self.max_mb:g} MB och togs inte emot.", 413)
                    if len(head) < 5:
                        head += block[: 5 - len(head)]
                    digest.update(block)
                    fh.write(block)
            if size == 0:
                raise UploadError(f"{name} är tom.")
            if not head.startswith(b"%PDF-"):
                raise UploadError(f"{name} är inte en PDF-fil.", 415)
            with self._lock:  # two uploads of one name get two files
                target = self._place(name, digest.hexdigest())
                new_file = not target.exists()
                if new_file:
                    os.replace(part, target)
        finally:
            part.unlink(missing_ok=True)
        job = Job(uuid.uuid4().hex[:12], target.name, new_file, started=time.time())
        with self._lock:
            self.jobs[job.id] = job
            for old in list(self.jobs)[:-KEEP_JOBS]:
                if self.jobs[old].state in ("klar", "fel"):
                    del self.jobs[old]
        self._queue.put((job, target))
        log.info("upload %s (%d bytes) queued for ingest", target, size)
        return job

    def _place(self, name: str, sha: str) -> Path:
        """Where the file goes: its name, or name-2.pdf, … when another file has that name."""
        stem, suffix = name[:-4], name[-4:]
        for n in range(1, 1000):
            target = self.folder / (name if n == 1 else f"{stem}-{n}{suffix}")
            if not target.exists():
                return target
            if hashlib.sha256(target.read_bytes()).hexdigest() == sha:
                return target  # the same file again: ingest finds it unchanged
        raise UploadError(f"{name}: för många filer med samma namn.")

    def status(self) -> list[dict]:
        with self._lock:
            return [j.to_json() for j in self.jobs.values()]

    # ------------------------------------------------------------ ingesting, one at a time

    def _run(self) -> None:
        while True:
            job, path = self._queue.get()
            try:
                self._ingest(job, path)
            except Exception as exc:  # noqa: BLE001 - a failed job is reported, the worker lives on
                log.exception("upload %s: ingest failed", path)
                self._fail(job, path, f"indexeringen misslyckades ({type(exc).__name__})")

    def _ingest(self, job: Job, path: Path) -> None:
        from namndsok.index.builder import ingest
        from namndsok.index.embedders import create_embedder
        from namndsok.ingest.read import ReadLimits

        if self._embedder is None:  # its own handle: the app's answers queries meanwhile
            self._embedder = create_embedder(self.spec)
        job.state = "indexerar"
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                report = ingest([path], self.root, self._embedder, progress=lambda p: self._progress(job, p),
                                limits=ReadLimits(max_file_mb=max(self.max_mb, 1)))
                break
            except IndexLockedError:
                if time.monotonic() > deadline:
                    return self._fail(job, path, "indexet skrivs av en annan indexering; försök igen senare")
                job.step, job.message = "", "väntar på att en annan indexering blir klar"
                time.sleep(2)
        failed = [reason for p, reason in report.failed if Path(p).resolve() == path.resolve()]
        if failed:
            return self._fail(job, path, failed[0])
        _bevakningar(self.root, report, self._embedder)  # done when its saved searches have run
        job.state, job.step = "klar", ""
        same = any(Path(p).resolve() == path.resolve() for p in report.unchanged)
        job.message = "fanns redan i indexet" if same else "indexerad"
        log.info("upload %s indexed: %s", path, report.summary())

    def _progress(self, job: Job, p) -> None:
        job.step, job.done, job.total, job.unit = p.what, p.done, p.total, p.unit
        job.message = ""

    def _fail(self, job: Job, path: Path, reason: str) -> None:
        job.state, job.step = "fel", ""
        job.message = f"{job.name} kunde inte indexeras: {reason}. Indexet är oförändrat."
        if job.new_file:
            path.unlink(missing_ok=True)
        log.warning("upload %s not indexed: %s", path, reason)


def _bevakningar(root: Path, report, embedder) -> None:
    """The saved searches over what an upload added, as after `namndsok ingest` (never failing the upload)."""
    from namndsok.app.bevakning import after_ingest
    from namndsok.app.bevakning.mail import SmtpSettings

    try:
        after_ingest(root, report.changed_chunks, SmtpSettings.from_env(), embedder, facts=report.changed_facts)
    except NamndsokError as exc:
        log.error("bevakningar not run after an upload: %s", exc)
