"""Domain errors: each names the file or index it concerns and says what to do."""

from __future__ import annotations


class NamndsokError(Exception):
    """Base class: a problem the user can act on; the CLI prints it as one sentence."""


class IngestError(NamndsokError):
    """A file could not be read or parsed; the batch goes on without it."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class IndexError_(NamndsokError):
    """The index directory is missing, damaged, locked or incompatible."""


class ModelMismatchError(IndexError_):
    """The index was built with another embedding model than the one asked for."""


class IndexLockedError(IndexError_):
    """Another process is writing the index."""
