"""What namndsok owns in an index directory, and the rule that it touches nothing else.

An index directory is namndsok's only when it carries the marker `namndsok-index.json`
(format name, schema version, and every folder namndsok created there and has not removed
yet). namndsok writes the marker when it creates the directory or finds it empty; a
directory that is not empty and has no marker belongs to someone else and is refused, even
with `--rebuild`. Folders are removed only when the marker records them, never because
their name looks like ours, and a CURRENT that names a folder the marker does not record is
reported, never followed or replaced.

An index written before the marker existed (schema 1: only CURRENT, lock and data folders,
and CURRENT naming a folder with a namndsok manifest) is recognised by its content and
adopted: the marker is written, recording its data folders.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import uuid
from pathlib import Path
from typing import Any, Iterator

from namndsok.errors import IndexError_

MARKER = "namndsok-index.json"
FORMAT = "namndsok-index"
SCHEMA_VERSION = 2  # 2: sha256 per file in the manifest, the marker; 1: sizes only, no marker
LEGACY_VERSIONS = (1,)
WORK = "work"  # the work folder: the embedding cache of an unfinished ingest
_LEGACY_FOLDER_RE = re.compile(r"(?:\.tmp-)?data-\d{8}-\d{6}-[0-9a-f]{8}")
_LEGACY_FILE_RE = re.compile(r"CURRENT|lock|\.CURRENT\.[0-9a-f]{8}")
_MANIFEST_KEYS = ("schema_version", "embedder", "chunk_count", "documents", "files")


class NotOurs(IndexError_):
    """The directory, or something CURRENT names in it, was not made by namndsok."""


def read_marker(root: Path) -> dict[str, Any] | None:
    """The marker of `root`, or None when there is none; a damaged or foreign marker is an error."""
    p = root / MARKER
    try:
        raw = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise NotOurs(f"{root} is a file, not a folder; choose another --index") from None
    except OSError as exc:
        raise IndexError_(f"cannot read {p} ({exc.strerror or exc})") from exc
    try:
        marker = json.loads(raw)
    except ValueError:
        marker = None
    if not isinstance(marker, dict) or marker.get("format") != FORMAT or not isinstance(marker.get("folders"), list):
        raise NotOurs(f"{p} is not a namndsok index marker; {root} is not a namndsok index, choose another --index")
    return marker


def write_marker(root: Path, folders: list[str]) -> None:
    """Record the folders namndsok owns in `root` (written whole, then switched to)."""
    marker = {"format": FORMAT, "schema_version": SCHEMA_VERSION, "folders": sorted(set(folders))}
    tmp = root / f".{MARKER}.{uuid.uuid4().hex[:8]}"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(marker, fh, indent=1)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, root / MARKER)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def owned(root: Path) -> list[str]:
    marker = read_marker(root)
    return list(marker["folders"]) if marker else []


def record(root: Path, *names: str) -> None:
    write_marker(root, owned(root) + list(names))


def forget(root: Path, *names: str) -> None:
    write_marker(root, [n for n in owned(root) if n not in names])


def links_inside(root: Path) -> list[str]:
    """The symbolic links in `root` (its entries, and anything inside the folders it records
    and the work folder), as paths relative to it; they are never followed while looking."""
    try:
        entries = list(os.scandir(root))
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = [e.name for e in entries if e.is_symlink()]
    try:
        ours = set(owned(root)) | {WORK}
    except IndexError_:
        ours = {WORK}
    for e in entries:
        if e.name in ours and e.is_dir(follow_symlinks=False):
            for folder, dirs, files in os.walk(e.path, followlinks=False):
                found += [os.path.relpath(os.path.join(folder, n), root) for n in dirs + files
                          if os.path.islink(os.path.join(folder, n))]
    return sorted(found)


def refuse_links(root: Path) -> None:
    """NotOurs when the index holds a symbolic link: namndsok opens, writes and deletes only
    files and folders that are really inside its index, never what a link points at."""
    links = links_inside(root)
    if links:
        more = f" and {len(links) - 1} more" if len(links) > 1 else ""
        raise NotOurs(f"{root} holds a symbolic link ({links[0]}{more}); namndsok never follows a link inside "
                      "its index: remove the link, or choose another --index")


def claim(root: Path) -> None:
    """Make sure `root` is a namndsok index directory, creating it (and its marker) if need be.

    Raises NotOurs for a directory of another program or one holding a symbolic link,
    IndexError_ when it cannot be written.
    """
    with writing(root):
        if root.exists() and not root.is_dir():
            raise NotOurs(f"{root} is a file, not a folder; choose another --index")
        try:
            root.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise NotOurs(f"{root} cannot be created: a part of that path is a file, not a folder; "
                          "choose another --index") from None
        refuse_links(root)
        if read_marker(root) is not None:
            return
        entries = os.listdir(root)
        if not entries:
            write_marker(root, [])
            return
        legacy = legacy_folders(root, entries)
        if legacy is None:
            raise NotOurs(f"{root} is not a namndsok index and is not empty; choose another --index")
        write_marker(root, legacy)


def legacy_folders(root: Path, entries: list[str] | None = None) -> list[str] | None:
    """The data folders of an index written before the marker existed, or None when `root`
    is not one: every entry must be one namndsok writes, and CURRENT must name a folder
    holding a namndsok manifest."""
    entries = os.listdir(root) if entries is None else entries
    folders = [e for e in entries if _LEGACY_FOLDER_RE.fullmatch(e) and (root / e).is_dir()]
    if any(e not in folders and not (_LEGACY_FILE_RE.fullmatch(e) and (root / e).is_file()) for e in entries):
        return None
    try:
        name = (root / "CURRENT").read_text(encoding="utf-8").strip()
        manifest = json.loads((root / name / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if name not in folders or name.startswith(".") or not isinstance(manifest, dict):
        return None
    if not all(k in manifest for k in _MANIFEST_KEYS) or manifest["schema_version"] not in LEGACY_VERSIONS:
        return None
    return folders


def current_name(root: Path) -> str | None:
    """The data folder CURRENT names, checked to be one namndsok made; None without CURRENT."""
    try:
        name = (root / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        if root.is_dir() and os.listdir(root) and read_marker(root) is None and legacy_folders(root) is None:
            raise NotOurs(f"{root} is not a namndsok index; choose another --index") from None
        return None
    except NotADirectoryError:
        raise NotOurs(f"{root} is a file, not a folder; choose another --index") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexError_(f"cannot read {root / 'CURRENT'} ({getattr(exc, 'strerror', None) or exc})") from exc
    marker = read_marker(root)
    ours = marker["folders"] if marker else (legacy_folders(root) or [])
    if not marker and not ours:
        raise NotOurs(f"{root} is not a namndsok index (its CURRENT was not written by namndsok); "
                      "choose another --index")
    if name not in ours or name.startswith(".") or name == WORK:
        raise NotOurs(f"{root}/CURRENT names {name!r}, which namndsok did not create there; "
                      f"{root} is not a namndsok index, or it was changed by hand")
    return name


@contextlib.contextmanager
def writing(root: Path) -> Iterator[None]:
    """Turn an operating-system error while writing the index into one sentence."""
    try:
        yield
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename and str(exc.filename) != str(root) else ""
        hint = "free some space or choose another --index" if exc.errno == errno.ENOSPC else "choose another --index"
        raise IndexError_(f"cannot write the index in {root}: {exc.strerror or exc}{where}; {hint}") from exc
