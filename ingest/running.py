"""Running heads and feet: lines that belong to the page, not to the text on it.

A pure function of a parsed document (`running_lines`): the indices of lines to leave out of
chunk text and decision text. The document text itself keeps them (offsets stay true).

- page marks anywhere: `1(3)`, `Sida 2 av 5`;
- continuation heads of a protocol: `Forts.`, `Forts. KSPU § 10:3`;
- a document's identification line below its first line, naming its kind and its own
  meeting date: `Protokoll Styrelse VästKom 230622 Extrainsatt` in a § of that meeting;
- in a PDF, a line at the top or bottom edge of several pages (digits ignored, so that
  "Sida 3" and "Sida 4" are one line), of at least half the pages from its first to its
  last, and of two pages of one section — a head runs on every page, while a "Dnr …" line
  opens each § now and then and "Akt" closes each §'s list of recipients once — unless it
  is structure: a § heading, a Dnr line, a decision marker, a numbered heading or item, a
  subheading or the first line of an attached document.

A text file has no pages, so the last rule needs a PDF; the first three need none.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict

from namndsok.identifiers import is_dnr_label_line
from namndsok.model import Document

from . import rules
from .lines import Line, split_lines


def _iso(written: str) -> str:
    """`230622` → `2023-06-22`; an ISO date stays as it is."""
    if len(written) == 6:
        return f"20{written[:2]}-{written[2:4]}-{written[4:]}"
    return written


def _structural(text: str) -> bool:
    return bool(
        rules.PARAGRAPH_RE.match(text)
        or rules.NUMBERED_HEADING_RE.match(text)
        or rules.ITEM_RE.match(text)
        or text.lower().strip("*:") in rules.SUBHEADINGS
        or is_dnr_label_line(text)
        or any(p.match(text) for p, _ in rules.DECISION_RULES)
        or any(p.match(text) for p, _ in rules.PART_START_RULES)
    )


def _page_edges(doc: Document, lines: list[Line]) -> set[int]:
    """Lines repeated at the top or bottom edge of several PDF pages."""
    starts = doc.page_starts or []
    if len(starts) < 2:
        return set()
    by_page: dict[int, list[Line]] = defaultdict(list)
    for ln in lines:
        if ln.text:
            by_page[bisect.bisect_right(starts, ln.start)].append(ln)
    sections = [s.start for s in doc.sections]
    pages_of: dict[str, set[int]] = defaultdict(set)
    per_section: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    where: dict[str, list[int]] = defaultdict(list)
    k = rules.RUNNING_EDGE_LINES
    for page, page_lines in by_page.items():
        for ln in page_lines[:k] + page_lines[-k:]:
            if _structural(ln.text):
                continue
            key = re.sub(r"\d+", "#", " ".join(ln.text.split()).lower())
            pages_of[key].add(page)
            per_section[key][bisect.bisect_right(sections, ln.start)] += 1
            where[key].append(ln.no)
    need = min(rules.RUNNING_MIN_PAGES, len(starts))
    return {
        no
        for key, pages in pages_of.items()
        if len(pages) >= need
        and 2 * len(pages) >= max(pages) - min(pages) + 1
        and max(per_section[key].values()) >= 2
        for no in where[key]
    }


def running_lines(doc: Document, lines: list[Line] | None = None) -> set[int]:
    """Indices (as split_lines numbers them) of running heads, feet and page marks."""
    lines = lines if lines is not None else split_lines(doc.text)
    out = {ln.no for ln in lines if ln.text and (rules.PAGE_MARK_RE.match(ln.text) or rules.CONTINUATION_RE.match(ln.text))}
    starts = [ln.start for ln in lines]
    for sec in doc.sections:
        date = sec.date or doc.date
        if not date:
            continue
        first = True
        for ln in lines[max(0, bisect.bisect_right(starts, sec.start) - 1) :]:
            if ln.start >= sec.end:
                break
            if not ln.text:
                continue
            if not first and (m := rules.DOC_IDENT_RE.match(ln.text)) and _iso(m["date"]) == date:
                out.add(ln.no)
            first = False
    return out | _page_edges(doc, lines)
