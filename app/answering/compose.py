"""What an answer says, by the kind of answer asked for, from what verification let through:
a decision with its label, a dnr or § from the section's own fields, the figures of every
matching table row, or the passage's sentences that hold the subject. Sentences are quoted
verbatim, each followed by its marker [n].

Pure functions over the verified passage and its scored sentences (Searcher.sentences);
nothing here embeds or searches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from namndsok.index.search import Sentence
from namndsok.model import Hit, TableRow

from . import figures
from .question import Question
from .settings import AnswerSettings
from .verify import Check, Verdict
from .vocabulary import Vocabulary


@dataclass
class Composed:
    """An answer's lines and what they cite, in marker order."""

    lines: list[str] = field(default_factory=list)
    cited: list[Hit] = field(default_factory=list)
    highlights: dict[int, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    decision: str | None = None  # "beslut" or "förslag"

    def cite(self, hit: Hit, quote: str | None = None) -> int:
        """The marker number of this passage (1-based), citing it when new."""
        for n, c in enumerate(self.cited):
            if c.chunk.id == hit.chunk.id:
                break
        else:
            self.cited.append(hit)
            n = len(self.cited) - 1
        if quote:
            self.highlights.setdefault(n, []).append(quote)
        return n + 1


def table_row_of(hit: Hit, sentence: Sentence) -> TableRow | None:
    """The table row a sentence unit is, if it is one."""
    for row in hit.chunk.rows:
        if hit.chunk.text_offset(row.start) == sentence.start:
            return row
    return None


def decision(out: Composed, hit: Hit, label: str) -> None:
    text = " ".join((hit.chunk.decision or "").split())
    out.decision = label
    out.lines.append(f"{'Beslut' if label == 'beslut' else 'Förslag till beslut'}: {text} [{out.cite(hit, text)}]")
    if label == "förslag":
        where = hit.chunk.citation.section or hit.chunk.section_title or "källan"
        out.notes.append(f"{where} innehåller ett förslag till beslut, inget fattat beslut.")


def identifier(out: Composed, q: Question, hit: Hit) -> None:
    """A dnr or § question: the section's own field, with the section it belongs to."""
    c = hit.chunk.citation
    value = f"Dnr {c.dnr}" if q.kind == "dnr" else (c.section or "")
    written = c.dnr if q.kind == "dnr" else c.section
    # the line of the passage that carries the identifier, quoted as the evidence
    line = next((ln.strip() for ln in hit.chunk.text.splitlines() if written and written in ln), None)
    about = hit.chunk.section_title or c.title
    n = out.cite(hit, " ".join(line.split()) if line else None)
    out.lines.append(f"{value} ({about}) [{n}]" if about else f"{value} [{n}]")


def table(out: Composed, q: Question, hit: Hit, check: Check, vocab: Vocabulary) -> bool:
    """Every row of the passage's tables that matches the subject; False when none does."""
    rows = [r for r in figures.matching_rows(hit, check.matched, vocab) if q.holds_kind(r.render())]
    if not rows:
        return False
    n = None
    parts = []
    for row in rows:
        quote = " ".join(hit.chunk.text[hit.chunk.text_offset(row.start) : hit.chunk.text_offset(row.end)].split())
        n = out.cite(hit, quote)
        parts.append(figures.cells(q, row))
    out.lines.append(f"{'; '.join(parts)} [{n}]")
    out.notes.append(figures.table_kind(hit))
    return True


def sentences(out: Composed, q: Question, hits: list[Hit], check: Check, s: AnswerSettings,
              all_sentences: list[Sentence]) -> None:
    """The verified passage's sentences that hold the subject (and the kind asked), best
    first; a further one only within `sentence_margin` of the best; in document order."""
    scored = [(sc, x) for sc, x in zip(check.scores, check.sentences) if not x.text.endswith("?")]
    scored = scored or list(zip(check.scores, check.sentences))
    best = scored[0][0]
    chosen = [x for sc, x in scored[: s.max_sentences] if sc >= best - s.sentence_margin]
    hit = hits[check.n]
    chosen += list_after(chosen[0], [x for x in all_sentences if x.hit == check.n], s)
    for x in sorted({x.start: x for x in chosen}.values(), key=lambda x: x.start):
        row = table_row_of(hit, x) if q.kind in ("amount", "count", "share") else None
        shown = figures.cells(q, row) if row is not None else x.text
        out.lines.append(f"{shown} [{out.cite(hit, x.text)}]")


_ITEM_RE = re.compile(r"^(?:[-–*•]\s|\d{1,2}[.)]\s)")


def list_after(first: Sentence, passage: list[Sentence], s: AnswerSettings) -> list[Sentence]:
    """A sentence that introduces a list ("… följande:", "… enligt nedan") answers with the
    list: the list items that follow it in the passage."""
    after = sorted((x for x in passage if x.start > first.start), key=lambda x: x.start)
    if not (first.text.endswith(":") or (after and _ITEM_RE.match(after[0].text))):
        return []
    items = []
    for x in after:
        if not _ITEM_RE.match(x.text) and items:
            break
        items.append(x)
        if len(items) >= s.max_list_items:
            break
    return items


def answer(q: Question, v: Verdict, hits: list[Hit], all_sentences: list[Sentence], vocab: Vocabulary,
           s: AnswerSettings, label_of) -> Composed:
    """The lines of a verified answer; `label_of(hit)` says whether a decision is "beslut" or
    "förslag" (the index knows which organ made it)."""
    out = Composed()
    check = v.check
    assert check is not None
    hit = hits[check.n]
    if q.decision:
        decision(out, hit, label_of(hit))
        return out
    if q.kind in ("dnr", "section"):
        identifier(out, q, hit)
        return out
    if not check.matched and q.identifiers:  # the question is an identifier: what its section is
        c = hit.chunk
        what = c.decision or c.section_title or c.citation.title
        out.lines.append(f"{' · '.join(c.citation.locator()[:1] + [c.citation.section or ''])}".strip(" ·")
                         + f": {' '.join(what.split())} [{out.cite(hit, ' '.join(what.split()))}]")
        return out
    if q.kind in ("amount", "count", "share") and table(out, q, hit, check, vocab):
        return out
    sentences(out, q, hits, check, s, all_sentences)
    return out


def closest(v: Verdict, hits: list[Hit], all_sentences: list[Sentence]) -> Composed:
    """The closest places, each with its best sentence marked (a proposal that is no decision:
    its text); the reason is the text."""
    out = Composed()
    if v.check is not None and hits[v.check.n].chunk.decision:
        out.cite(hits[v.check.n], " ".join((hits[v.check.n].chunk.decision or "").split()))
    for n in v.shown:
        if any(c.chunk.id == hits[n].chunk.id for c in out.cited):
            continue
        own = [x for x in all_sentences if x.hit == n and not x.text.endswith("?")]
        best = max(own, key=lambda x: x.score, default=None)
        out.cite(hits[n], best.text if best else None)
    return out
