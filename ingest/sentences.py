"""Sentence units of a passage: sentences, list items and table rows, with their offsets.

Units are what the index stores a vector for (so that a search can rank a passage by its
best sentence, and an answer can choose sentences without embedding them again) and what
an extractive answer quotes. A unit's text is the passage's text with runs of whitespace
made one space; its span points into the passage, so a quote is always verbatim.

Lines of one paragraph are joined (PDF text breaks lines mid-sentence); a bullet, a
numbered point, a table row (tabs) or a subheading stays a unit of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import rules

# a sentence ends at . ! ? before whitespace and a capital, digit, quote, bullet or bold mark
_SENT_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9\"*•-])")
_UNIT_START_RE = re.compile(r"^\s*(?:[-*•]\s|\d{1,2}[.)]\s|[A-ZÅÄÖ][\w ]{0,30}:\s)")
# abbreviations that end in a period but not a sentence ("t.ex. Ale kommun")
_ABBREV_RE = re.compile(r"(?:\b(?:t\.ex|bl\.a|m\.m|o\.s\.v|s\.k|p\.g\.a|d\.v\.s|dvs|enl|ca|nr|kl|resp|jfr|fr\.o\.m|t\.o\.m)\.)$", re.IGNORECASE)
MIN_CHARS = 6


@dataclass(frozen=True)
class Unit:
    start: int  # offsets into the passage's text, end exclusive
    end: int
    text: str  # whitespace-normalised


def _is_subheading(line: str) -> bool:
    return line.strip().lower().strip("*:") in rules.SUBHEADINGS


def _line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line, end before the newline."""
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _blocks(text: str) -> list[tuple[int, int]]:
    """Spans of lines that read as one piece: paragraph lines joined, list items, table rows
    and subheadings on their own."""
    blocks: list[list[int]] = []  # [start, end, is_solo]
    prev_blank = True
    for start, end in _line_spans(text):
        line = text[start:end]
        if not line.strip():
            prev_blank = True
            continue
        solo = "\t" in line or _is_subheading(line) or bool(_UNIT_START_RE.match(line))
        if prev_blank or solo or not blocks or blocks[-1][2]:
            blocks.append([start, end, solo])
        else:
            blocks[-1][1] = end
        prev_blank = False
    return [(s, e) for s, e, _ in blocks]


def split_units(text: str) -> list[Unit]:
    """The passage's sentence units in order."""
    out: list[Unit] = []
    for bstart, bend in _blocks(text):
        block = text[bstart:bend]
        cuts = [0]
        for m in _SENT_END_RE.finditer(block):
            if "\t" in block:  # a table row is one unit whatever its punctuation
                break
            if _ABBREV_RE.search(block[: m.start()]):
                continue
            cuts.append(m.end())
        cuts.append(len(block))
        for a, b in zip(cuts, cuts[1:]):
            raw = block[a:b]
            lead = len(raw) - len(raw.lstrip())
            raw_s = raw.strip()
            s = " ".join(raw_s.split())
            if len(s) >= MIN_CHARS and re.search(r"\w{2,}", s) and not s.lower().startswith("forts."):
                start = bstart + a + lead
                out.append(Unit(start, start + len(raw_s), s))
    return out


def is_heading(sentence: str) -> bool:
    """A short line without closing punctuation reads as a heading, not as an answer."""
    return not re.search(r"[.!?:;)%]$", sentence) and len(sentence.split()) < 10
