"""Tables as rows: each data row keeps the column headers it sits under.

A pure function of lines (`find_rows`), so that "Invent ny/omb skola/fsk" + "2026" can find
"40 000": the chunker writes each row out as `label – 2024: 2 000 tkr; 2025: 10 000 tkr; …`
in the text it embeds. What the corpus's tables look like, and what is done about it:

- a header row, then data rows, tab-separated, no blank line between rows;
- a two-line header whose top cells span columns (`…\t2023\t\t2024` over
  `\tPrognos\tBudget\tBudget`): the top cell carries right over empty cells → `2023 Budget`;
- grouped rows whose first cell is empty (`Barnomsorg, barn 1-5 år` above
  `\tAntal barn i pedagogisk omsorg…`): the row's group is the last first cell written;
- a page break inside a table: a blank line and the header again (sometimes mistyped), after
  which the same table goes on;
- rows that lost their tabs (`Invent ny/omb skola/fsk 2 000 10 000 40 000 30 000`): the
  header says how many values there are, and Swedish thousands grouping (a head of 1–3 digits,
  groups of exactly three) says where one number ends;
- a unit in the label header (`belopp i tkr`, `netto mnkr`) that belongs to every figure.

Only rows with a quantity among their values are kept (not a date, a time or a dnr): an
agenda, a list of dates or a table of prose cells is left to the text. Tables of contents
never qualify, since a header row holds no figures other than years.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from namndsok.model import TableRow

from . import rules


@dataclass
class _Header:
    cells: list[str]  # one per column, the label column first
    unit: str | None


@dataclass
class _Table:
    header: _Header
    raw: list[tuple[int, int, list[str]]] = field(default_factory=list)  # (start, end, cells)


def _clean(cell: str) -> str:
    return " ".join(rules.CELL_MARKUP_RE.sub("", cell).split())


def _cells(line: str) -> list[str]:
    return [_clean(c) for c in line.split("\t")]


def _is_figure(cell: str) -> bool:
    return bool(rules.QUANTITY_CELL_RE.match(cell))


def _unit(label_header: str) -> str | None:
    m = rules.TABLE_UNIT_RE.search(label_header)
    return m["unit"].lower() if m else None


def _header(line: str, nxt: str | None) -> tuple[_Header, bool] | None:
    """The header starting at `line` and whether it takes the next line too, or None."""
    if "\t" not in line:
        m = rules.YEAR_HEADER_RE.match(line.strip())
        if not m or not m["label"]:
            return None
        label = _clean(m["label"])
        return _Header([label] + m["years"].split(), _unit(label)), False
    cells = _cells(line)
    values = cells[1:]
    if len(cells) < 2 or not any(values):
        return None
    if any(_is_figure(c) and not rules.YEAR_CELL_RE.match(c) for c in values):
        return None  # figures other than years: a data row (or a table of contents)
    two = False
    if nxt is not None and "\t" in nxt:
        below = _cells(nxt)
        # a second header line: no label, no figures, and it fills the top line's empty cells
        if not below[0] and not any(_is_figure(c) for c in below) and "" in values and any(below[1:]):
            n = max(len(cells), len(below))
            top = cells + [""] * (n - len(cells))
            below = below + [""] * (n - len(below))
            for j in range(2, n):  # a spanning top cell carries right over empty ones
                if not top[j] and below[j]:
                    top[j] = top[j - 1]
            cells = [f"{a} {b}".strip() for a, b in zip(top, below)]
            two = True
    return _Header(cells, _unit(cells[0])), two


def _same_header(cells: list[str], header: _Header) -> bool:
    """A header repeated after a page break, perhaps with a typo ("Verksamhetsmätt")."""
    if len(cells) != len(header.cells) or any(_is_figure(c) and not rules.YEAR_CELL_RE.match(c) for c in cells[1:]):
        return False
    same = sum(1 for a, b in zip(cells, header.cells) if a == b)
    return same * 2 >= len(cells)


# ---------------------------------------------------------------- rows without tabs


def _number_spans(tokens: list[str]) -> list[list[tuple[int, int]]]:
    """Every way to read all of `tokens` as numbers: lists of (first, last+1) token spans."""
    n = len(tokens)
    memo: dict[int, list[list[tuple[int, int]]]] = {n: [[]]}

    def ends(i: int) -> list[int]:
        """Token indices just after one number starting at token i."""
        out = []
        t = tokens[i]
        if rules.NUMBER_PLAIN_RE.match(t):
            out.append(i + 1)
        if rules.NUMBER_HEAD_RE.match(t):
            j = i + 1
            while j < n and rules.NUMBER_GROUP_LAST_RE.match(tokens[j]):
                out.append(j + 1)
                if not rules.NUMBER_GROUP_RE.match(tokens[j]):
                    break  # decimals close the number
                j += 1
        # "86,2 %": a percent sign belongs to the number before it
        return [e + 1 if e < n and tokens[e] == rules.PERCENT_TOKEN else e for e in out]

    def walk(i: int) -> list[list[tuple[int, int]]]:
        if i not in memo:
            memo[i] = [[(i, e)] + rest for e in ends(i) for rest in walk(e)][:64]
        return memo[i]

    return walk(0) if n else []


def split_numeric_row(text: str, n_values: int) -> tuple[str, list[str]] | None:
    """`Invent ny/omb skola/fsk 2 000 10 000 40 000 30 000`, 4 → (label, ["2 000", …]).

    Among the readings of trailing tokens as exactly `n_values` numbers, the best one: first
    the fewest numbers cut before a three-digit group that could have continued them
    ("-1 010" + "299"), then the numbers closest in length to each other (a column's figures
    are alike: "9 223,3 %" next to "215,8 %" is not), then the shortest tail, so that the
    label keeps a number of its own ("… efter årskurs 9"). None when no reading fits."""
    tokens = text.split()
    best: tuple[tuple[int, int, int], int, list[tuple[int, int]]] | None = None
    for k in range(len(tokens) - 1, 0, -1):
        tail = tokens[k:]
        for reading in _number_spans(tail):
            if len(reading) != n_values:
                continue
            widths = [sum(len(t) for t in tail[a:b]) for a, b in reading]
            cuts = sum(1 for _, b in reading[:-1] if rules.NUMBER_GROUP_RE.match(tail[b]))
            key = (cuts, sum(abs(x - y) for x, y in pairwise(widths)), -k)
            if best is None or key < best[0]:
                best = (key, k, reading)
    if best is None:
        return None
    _, k, reading = best
    return " ".join(tokens[:k]), [" ".join(tokens[k + a : k + b]) for a, b in reading]


# ---------------------------------------------------------------- tables


def _data_cells(line: str, header: _Header) -> list[str] | None:
    n = len(header.cells)
    if "\t" in line:
        cells = _cells(line)
        if all(rules.RULE_CELL_RE.match(c) or not c for c in cells):
            return None
        while len(cells) > n and not cells[-1]:
            cells.pop()
        return cells + [""] * (n - len(cells))
    split = split_numeric_row(line, n - 1)
    return [_clean(split[0])] + split[1] if split else None


def _rows(table: _Table) -> list[TableRow]:
    header = table.header
    n = len(header.cells)
    with_figures = [c for _, _, c in table.raw if any(_is_figure(v) for v in c[1:])]
    # grouped rows: the first cell is empty under a group, the second names the row
    grouped = (
        n >= 4
        and any(not c[0] and c[1] for c in with_figures)
        and not any(_is_figure(c[1]) for _, _, c in table.raw)
    )
    label_cols = 2 if grouped else 1
    out = []
    group = label = None
    for start, end, cells in table.raw:
        if grouped:
            group = cells[0] or group
            label = cells[1] or label
            if cells[0] and not cells[1]:
                label = None
        else:
            label = cells[0]
        values = [(header.cells[j] if j < n else "", v) for j, v in enumerate(cells) if j >= label_cols and v]
        if any(_is_figure(v) for _, v in values):
            out.append(TableRow(label=label or "", cells=values, start=start, end=end, unit=header.unit,
                                group=group if grouped else None))
    return out


def find_rows(lines: list[tuple[int, str]]) -> list[TableRow]:
    """Table rows in a run of lines: (offset of the line in the document, text without its
    newline). Blank lines count: a table's rows follow one another without a gap."""
    rows: list[TableRow] = []
    table: _Table | None = None
    gap = False  # a blank line since the last row of `table`
    i = 0
    while i < len(lines):
        at, line = lines[i]
        # the row's span is its text without surrounding blanks: a chunk's text is stripped,
        # and a row with an empty first cell starts with a tab
        start, end = at + len(line) - len(line.lstrip()), at + len(line.rstrip())
        if not line.strip():
            gap = True
            i += 1
            continue
        if table is not None:
            cells = _cells(line) if "\t" in line else None
            if cells is not None and _same_header(cells, table.header):
                gap = False  # the header again after a page break: the table goes on
                i += 1
                continue
            if not gap:
                data = _data_cells(line, table.header)
                if data is not None:
                    table.raw.append((start, end, data))
                    i += 1
                    continue
            rows += _rows(table)
            table = None
        nxt = lines[i + 1][1] if i + 1 < len(lines) else None
        found = _header(line, nxt)
        if found:
            table = _Table(found[0])
            gap = False
            i += 2 if found[1] else 1
            continue
        i += 1
    if table is not None:
        rows += _rows(table)
    return rows


def rows_in_text(text: str, base: int = 0) -> list[TableRow]:
    """find_rows over a text whose first character sits at document offset `base`."""
    lines, pos = [], base
    for raw in text.split("\n"):
        lines.append((pos, raw.rstrip("\r")))
        pos += len(raw) + 1
    return find_rows(lines)

