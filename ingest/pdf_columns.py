"""A protocol's tables keep their columns when read from a PDF: a vote list (X marks under
Ja / Nej / Avstår, or a vote word beside each name) and a närvarolista table.

pypdf's plain text loses where a cell stood: "Anna Ek (S) X" no longer says whether the X was
under Ja or Nej, and a table drawn cell by cell comes out one cell per line. For a page whose
plain text holds such a header, the page is read again in pypdf's layout mode (fixed-width
lines, so an X lands under its column's header), and the table is written back into the plain
text as tab-separated rows, as a text export has it ("Anna Ek (S)\tX\t\t"). Everything else
on the page stays as the plain text read it. A table whose marks do not line up in columns,
or whose words cannot be found again in the plain text, is left as it was: never guessed.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from . import protocol_rules as R

log = logging.getLogger(__name__)

# cheap tests on the plain text before the slower layout read, on one line or (a cell per text
# object) on consecutive lines: a vote list's "Ja" then "Nej"; a vote word alone on its line
# (the second cell of a list "Anna Ek (S) | Nej"); a närvarolista's "Ledamöter … Närvarande"
_MAYBE_RE = re.compile(r"(?:^|\s)Ja\s+Nej(?:\s|$)|^[ \t]*(?:Ja|Nej|Avstår|Avstod)[ \t]*$"
                       r"|\b(?:Ledamöter|Ledamot|Namn)\s+Närv", re.MULTILINE)
_PERSON_HEADS = {"ledamöter", "ledamot", "namn"}
# layout cells: runs of text separated by two or more spaces
_CELL_RE = re.compile(r"\S+(?: \S+)*")


@dataclass(frozen=True)
class ColumnSettings:
    """How strictly a table's layout text is read (in layout mode's fixed-width characters)."""

    mark_spread: int = 2  # how far the X marks of one column may stray from each other
    blank_rows: int = 2  # blank layout lines allowed between two rows of one table


@dataclass(frozen=True)
class _Cell:
    start: int
    end: int
    text: str


def _cells(line: str) -> list[_Cell]:
    return [_Cell(m.start(), m.end(), m.group()) for m in _CELL_RE.finditer(line)]


def _is_header(cells: list[_Cell]) -> bool:
    """A vote list's header (a "Ja" cell, then "Nej", then maybe "Avstår") or a närvarolista's
    ("Ledamöter" and "Närvarande")."""
    words = [c.text.lower() for c in cells]
    if any(a == "ja" and b == "nej" for a, b in zip(words, words[1:])):
        return all(w in R.VOTE_COLUMN_HEADS for w in words[words.index("ja"):])
    return any(w in _PERSON_HEADS for w in words) and any(w.startswith("närv") for w in words)


def _is_word_row(cells: list[_Cell]) -> bool:
    """A row of a vote list written in words: a person, then Ja, Nej or Avstår."""
    return len(cells) == 2 and cells[1].text.lower() in R.VOTE_WORDS


def _column_of(cell: _Cell, head: list[_Cell]) -> int:
    """The header column a cell stands under: column i starts halfway between the end of
    header cell i-1 and the start of header cell i (a mark may be centred under its header)."""
    col = 0
    for i in range(1, len(head)):
        if cell.start >= (head[i - 1].end + head[i].start) / 2:
            col = i
    return col


def _aligned(rows: list[list[_Cell]], head: list[_Cell], settings: ColumnSettings) -> bool:
    """The marks under each header stand in one column (a table drawn with positions, not a
    line of text whose spaces happen to put an X somewhere)."""
    starts: dict[int, list[int]] = {}
    for cells in rows:
        for c in cells:
            if c.text in R.VOTE_MARKS:
                starts.setdefault(_column_of(c, head), []).append(c.start)
    return all(max(s) - min(s) <= settings.mark_spread for s in starts.values())


def _table_at(lines: list[str], i: int, settings: ColumnSettings) -> tuple[int, list[str], list[str]] | None:
    """The table whose header is lines[i]: (the line after it, its words in reading order,
    its rows as tab-separated lines), or None."""
    head = _cells(lines[i])
    if not (len(head) >= 2 and _is_header(head)):
        return None
    if head[0].text.lower() == "ja":  # no header over the names: they are the first column
        head.insert(0, _Cell(0, 0, ""))
    j = i + 1
    body: list[list[_Cell]] = []
    while j < len(lines):
        k = j
        while k < min(j + settings.blank_rows, len(lines) - 1) and not lines[k].strip():
            k += 1  # layout mode may leave a blank line between rows (a summa row set apart)
        cells = _cells(lines[k])
        # a row has a cell beyond the first column (a mark, a count, an ersättare, a party);
        # a line of running text, or more blank lines, ends the table
        if not cells or all(_column_of(c, head) == 0 for c in cells):
            break
        body.append(cells)
        j = k + 1
    if not body or not _aligned(body, head, settings):
        return None
    rows = ["\t".join(c.text for c in head)]
    for cells in body:
        row = [""] * len(head)
        for c in cells:
            k = _column_of(c, head)
            row[k] = f"{row[k]} {c.text}".strip()
        rows.append("\t".join(row))
    return j, [w for ln in lines[i:j] for w in ln.split()], rows


def _tables(layout: str, settings: ColumnSettings) -> list[tuple[list[str], list[str]]]:
    """Each table in a page's layout text: (its words in reading order, its rows as tab-separated lines)."""
    lines = layout.split("\n")
    out = []
    i = 0
    while i < len(lines):
        if _is_word_row(_cells(lines[i])):
            j = i
            while j < len(lines) and _is_word_row(_cells(lines[j])):
                j += 1
            if j - i >= 2:  # a list of at least two "name | word" rows
                out.append(([w for ln in lines[i:j] for w in ln.split()],
                            ["\t".join(c.text for c in _cells(ln)) for ln in lines[i:j]]))
            i = j
        elif table := _table_at(lines, i, settings):
            i = table[0]
            out.append(table[1:])
        else:
            i += 1
    return out


def with_table_columns(page, text: str, settings: ColumnSettings = ColumnSettings()) -> str:
    """The page's plain `text`, with each vote list or närvarolista table on it written as
    tab-separated rows read from the page's layout text; `text` itself when it holds none."""
    if not _MAYBE_RE.search(text):
        return text
    try:
        layout = page.extract_text(extraction_mode="layout") or ""
    except Exception as exc:  # layout mode meets odd fonts differently: keep the plain text
        log.debug("layout text not read (%s); the page keeps its plain text", exc)
        return text
    for words, rows in _tables(layout, settings):
        found = list(re.finditer(r"\s*".join(re.escape(w) for w in words), text))
        if len(found) != 1:  # not the same words in the same order: never guess where it goes
            log.debug("a table's layout text matched its plain text %d times; left as it was", len(found))
            continue
        m = found[0]
        text = text[:m.start()] + "\n".join(rows) + text[m.end():]
    return text
