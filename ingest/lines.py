"""Lines of a document with their offsets: the unit every layout rule looks at."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Line:
    no: int  # 0-based line index
    start: int
    end: int  # offset after the line's text (without the newline)
    text: str  # stripped


def split_lines(text: str) -> list[Line]:
    # split on "\n" only, as Document.line_at counts: str.splitlines also breaks at \f, \v, \x85 …
    out: list[Line] = []
    pos = 0
    for i, raw in enumerate(text.split("\n")):
        body = raw.rstrip("\r")
        out.append(Line(i, pos, pos + len(body), body.strip()))
        pos += len(raw) + 1
    return out


def nonblank(lines: list[Line], start: int, end: int, limit: int | None = None) -> list[Line]:
    found = []
    for ln in lines[start:end]:
        if ln.text:
            found.append(ln)
            if limit and len(found) >= limit:
                break
    return found
