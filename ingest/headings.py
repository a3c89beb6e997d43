"""Numbered headings inside a section: the heading path every chunk carries.

A pure function of a section's lines (`find_headings`). A line such as `4.2 Investeringsplan`
looks like a heading, but so do a list item ("1. Notera …" under a Beslutsförslag), a
reference to an attachment ("2.2 VästKoms framtida inriktning" in a protocol) and a table
of contents. What decides, in order:

1. layout: a line with a tab is a table row or a table-of-contents entry; so is a line with
   dot leaders and a page number (rules.TOC_ENTRY_RE). Neither is a heading;
2. lists: a `1.` right after a subheading, a decision marker or a line that leads into it
   (ending in ":" or an open "… innebärande att") opens a list, and the next numbers within
   a few lines continue it;
3. numbering: headings follow one sequence. The first one is 1 (or 1.1 …); each next one is
   the first child of the previous (3.4 → 3.4.1), the next sibling of it or of one of its
   ancestors (3.4.4 → 3.5, → 4), or the same number again (documents do repeat one: "2.1
   Ordförande har ordet", "2.1 Förbättrings- och utvecklingsområden"). Anything else —
   "4 Medium (Bör åtgärdas) Totalt: 4" after "1 Årets prioriterade risker", a § that begins
   at "5.1" — is text;
4. appendices ("Bilaga 1. Mall …") are headings, and numbering starts again inside each;
5. an unnumbered title that the section's own table of contents lists ("Referenser",
   "Bilagor") is a heading at the top level.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import rules


@dataclass
class Heading:
    line: int  # index into the lines given to find_headings
    text: str  # as written (stripped)
    level: int  # 1 = outermost


def _toc_titles(lines: list[str]) -> tuple[set[str], int]:
    """Unnumbered titles listed in a table of contents, and the index of its last entry.

    An entry is a title (perhaps after a number in its own cell) and a page number; a table
    row that happens to end in a small number has more cells than that."""
    titles: set[str] = set()
    entries, last = 0, -1
    for i, raw in enumerate(lines):
        m = rules.TOC_ENTRY_RE.match(raw.strip())
        if not m or len(m["title"].split("\t")) > 2:
            continue
        entries, last = entries + 1, i
        title = " ".join(m["title"].replace("\t", " ").split()).rstrip(". ")
        if not rules.NUMBERED_HEADING_RE.match(title) and not rules.APPENDIX_HEADING_RE.match(title):
            titles.add(title.lower())
    if entries < 3:  # one stray line is not a table of contents
        return set(), -1
    return titles, last


def follows(prev: tuple[int, ...] | None, num: tuple[int, ...]) -> bool:
    """Whether heading number `num` may come right after heading number `prev`."""
    if prev is None:
        return all(n == 1 for n in num)
    if num == prev or num == prev + (1,):
        return True
    j = len(num) - 1  # next sibling of prev's ancestor at num's depth
    return j < len(prev) and num[:j] == prev[:j] and num[j] == prev[j] + 1


def _opens_list(prev_text: str) -> bool:
    low = prev_text.lower().strip("*: ")
    return (
        bool(rules.LIST_INTRO_RE.search(prev_text))
        or low in rules.SUBHEADINGS
        or any(p.match(prev_text) for p, _ in rules.DECISION_RULES)
    )


def find_headings(lines: list[str], skip_first: bool = True) -> list[Heading]:
    """Headings among a section's lines, in order, with their levels.

    `skip_first`: the section's own heading line (its first non-blank line) is not a heading
    below it."""
    toc, toc_end = _toc_titles(lines)
    out: list[Heading] = []
    prev_num: tuple[int, ...] | None = None
    base = 0  # levels added by an enclosing appendix
    last_appendix = 0
    list_num, list_at = 0, 0  # the open list: its last number and where it was (non-blank lines)
    prev_text = ""
    seen_first = not skip_first
    nb = 0  # non-blank lines so far
    for i, raw in enumerate(lines):
        text = raw.strip()
        if not text:
            continue
        nb += 1
        if not seen_first:
            seen_first = True
            prev_text = text
            continue
        tabbed = "\t" in raw or rules.TOC_ENTRY_RE.match(text)
        m = None if tabbed else rules.NUMBERED_HEADING_RE.match(text)
        a = None if tabbed else rules.APPENDIX_HEADING_RE.match(text)
        if a and int(a["num"]) > last_appendix:
            last_appendix = int(a["num"])
            out.append(Heading(i, text, 1))
            prev_num, base = None, 1
        elif m:
            num = tuple(int(n) for n in m["num"].split("."))
            if len(num) == 1 and (
                (num[0] == 1 and _opens_list(prev_text))
                or (list_num and num[0] == list_num + 1 and nb - list_at <= rules.LIST_CONTINUES_WITHIN)
            ):
                list_num, list_at = num[0], nb  # a list item, not a heading
            elif len(num) <= rules.MAX_HEADING_DEPTH and follows(prev_num, num):
                out.append(Heading(i, text, base + len(num)))
                prev_num = num
        elif i > toc_end >= 0 and text.rstrip(". ").lower() in toc:
            out.append(Heading(i, text, 1))
            base = 0
        prev_text = text
    return out


def heading_paths(headings: list[Heading]) -> list[list[str]]:
    """The path (outermost first) that each heading opens."""
    stack: list[Heading] = []
    paths = []
    for h in headings:
        while stack and stack[-1].level >= h.level:
            stack.pop()
        stack.append(h)
        paths.append([s.text for s in stack])
    return paths
