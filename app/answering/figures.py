"""Figures from tables: every row that matches the question's subject, each with its row and
column ("Invent ny/omb skola/fsk, 2026: 40 000 tkr"), and what the table is — a proposed plan,
a decided budget or an outcome — so a figure is never read as more than it is.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from namndsok.index.lexical import tokenize
from namndsok.model import Hit, TableRow

from .question import YEAR_RE, Question

if TYPE_CHECKING:
    from .vocabulary import Term, Vocabulary

_PLAN_RE = re.compile(r"\b(?:plan\w*|budget\w*|förslag\w*|investeringsplan\w*|ram\w*)\b", re.IGNORECASE)
_OUTCOME_RE = re.compile(r"\b(?:utfall\w*|bokslut\w*|resultat\w*|prognos\w*|uppföljning\w*|avvikelse\w*)\b", re.IGNORECASE)


def matching_rows(hit: Hit, terms: "list[Term]", vocab: "Vocabulary") -> list[TableRow]:
    """The passage's table rows whose label or group holds a subject word — one the table's
    heading does not hold already ("investeringarna" names the whole "Investeringsplan"; "skolor"
    picks its rows)."""
    rows = hit.chunk.rows
    if not rows:
        return []
    c = hit.chunk
    heading = set(tokenize(" ".join([c.section_title or "", *c.heading_path])))
    telling = [t for t in terms if not vocab.found(t, heading)] or terms
    return [r for r in rows if any(vocab.found(t, set(tokenize(f"{r.group or ''} {r.label}"))) for t in telling)]


def cells(question: Question, row: TableRow) -> str:
    """`Invent ny/omb skola/fsk, 2026: 40 000 tkr`: the cells whose column the question names
    (by year or by a word of the header), else the whole row with its headers."""
    years = set(YEAR_RE.findall(question.text))
    q_tokens = set(tokenize(question.text))
    picked = [(h, v) for h, v in row.cells if h and (set(YEAR_RE.findall(h)) & years)]
    if not picked:
        picked = [(h, v) for h, v in row.cells if h and set(tokenize(h)) & q_tokens - set(tokenize(row.label or ""))]
    picked = picked or row.cells
    label = f"{row.group} › {row.label}" if row.group and row.label else (row.label or row.group or "")
    parts = "; ".join(f"{h}: {row.with_unit(v)}" if h else row.with_unit(v) for h, v in picked)
    return f"{label}, {parts}" if label else parts


def table_kind(hit: Hit) -> str:
    """What the figures are, from the table's headings and the document: a plan or proposal,
    an outcome or forecast, or figures of a document not yet decided."""
    c = hit.chunk
    where = " ".join([c.section_title or "", *c.heading_path, c.citation.title or ""])
    heading = " › ".join([c.section_title or "", *c.heading_path]).strip(" ›") or (c.citation.title or "")
    if _OUTCOME_RE.search(where):
        return f"Siffrorna är utfall eller prognos ur {heading}."
    if _PLAN_RE.search(where) or c.citation.doc_type in ("tjänsteutlåtande", "kallelse"):
        return f"Siffrorna är ett förslag eller en plan ur {heading}, inget fattat beslut."
    return f"Siffrorna är ur {heading}."
