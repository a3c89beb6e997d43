"""What an extractive answer says: the sentences chosen by meaning, the decision of the
section the question is about, and a table cell with its row and column.

Pure functions over the retrieved passages and their scored sentences (Searcher.sentences);
nothing here embeds or searches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from namndsok.index.lexical import tokenize
from namndsok.index.search import Sentence
from namndsok.ingest.sentences import is_heading
from namndsok.model import Hit

if TYPE_CHECKING:
    from namndsok.model import TableRow

from .answerability import ANSWER_TYPES, YEAR_RE, expected_type
from .settings import AnswerSettings

DECISION_Q_RE = re.compile(
    r"\b(beslut\w*|beslöt|besluta\w*|bestämde?s?|föreslå\w*|förslag\w*|föreslog|ställning\w*|tog ställning|"
    r"tyckte|vad (?:gjorde|hände)|göra med|"
    r"decid\w*|decision\w*|resolv\w*|resolution|propos\w*|agreed|approv\w*|vote\w*)\b",
    re.IGNORECASE,
)
AMOUNT_Q_RE = re.compile(r"\b(?:hur mycket|belopp|kost\w*|budget\w*|tkr|mkr|kronor|how much|cost|budget\w*|amount)\b|\b(?:19|20)\d{2}\b",
                         re.IGNORECASE)


@dataclass
class Pick:
    hit: Hit
    sentence: Sentence
    score: float


def choose_sentences(question: str, hits: list[Hit], sentences: list[Sentence], s: AnswerSettings) -> list[Pick]:
    """Up to `max_sentences` sentences: by meaning first (similarity to the question), the
    retriever's order and the question's words as tie-breakers; a further sentence only when it
    scores within `sentence_margin` of the best. Returned section by section in the
    retriever's order, each section's sentences in document order."""
    q_tokens = set(tokenize(question))
    kind = expected_type(question)
    holds = ANSWER_TYPES[kind][1] if kind else None
    scored: list[Pick] = []
    seen: set[str] = set()
    for sent in sentences:
        if sent.hit >= s.read_hits or sent.text in seen:
            continue
        hit = hits[sent.hit]
        title = " ".join((hit.chunk.section_title or "").split())
        # a heading repeats the question's words; a question in the text is not its answer
        if sent.text == title or sent.text == hit.chunk.citation.section or sent.text.endswith("?"):
            continue
        seen.add(sent.text)
        overlap = len(q_tokens & set(tokenize(sent.rendered))) / (len(q_tokens) or 1)
        score = sent.score + s.rank_prior / (sent.hit + 1) + s.word_weight * overlap
        if holds is not None and holds.search(sent.rendered):
            score += s.type_bonus  # "hur mycket": a sentence with an amount in it
        if is_heading(sent.text) and "\t" not in hit.chunk.text[sent.start:sent.end]:
            score -= s.heading_penalty
        scored.append(Pick(hit, sent, score))
    if not scored:
        return []
    scored.sort(key=lambda p: -p.score)
    best = scored[0].score
    picked = [p for p in scored[: s.max_sentences] if p.score >= best - s.sentence_margin]
    # sections in the retriever's order (its first is the likeliest source, and the first
    # citation is the one people copy), sentences of a section in document order
    first: dict[tuple[str, int], int] = {}
    for p in picked:
        key = (p.hit.chunk.source, p.hit.chunk.section_index)
        first[key] = min(first.get(key, p.sentence.hit), p.sentence.hit)
    return sorted(picked, key=lambda p: (first[(p.hit.chunk.source, p.hit.chunk.section_index)],
                                         p.hit.chunk.start + p.sentence.start))


# ------------------------------------------------------------------ decisions


def wants_decision(question: str) -> bool:
    return bool(DECISION_Q_RE.search(question))


def pick_decision(hits: list[Hit], sentences: list[Sentence], s: AnswerSettings) -> Hit | None:
    """The decision-carrying section the question is about, not simply the first hit's.

    Each section with a decision among the first `decision_candidates` hits is scored by how
    close its *title or decision text* comes to the question (those are sentences too): a
    section that merely mentions the subject, such as an agenda listing "fråga om Minirosen"
    under "Dagordningen fastställs", is not a decision about it. A section whose title and
    decision stay `decision_gap` below the best sentence of the top passages decides nothing
    on the subject, and None is returned. An exact dnr/§ match in the question wins."""
    limit = s.decision_candidates
    best = max((x.score for x in sentences if x.hit < s.read_hits), default=0.0)
    about: dict[int, float] = {}
    other: dict[int, float] = {}
    for sent in sentences:
        if sent.hit >= limit:
            continue
        chunk = hits[sent.hit].chunk
        text = " ".join(sent.text.split())
        own = " ".join((chunk.decision or "").split()), " ".join((chunk.section_title or "").split())
        table = about if text and any(text in t for t in own) else other
        table[sent.hit] = max(table.get(sent.hit, -1.0), sent.score)
    sections: dict[tuple[str, str, int], tuple[float, Hit]] = {}
    for n, h in enumerate(hits[:limit]):
        if not h.chunk.decision:
            continue
        key = (h.chunk.source, h.chunk.doc_sha256, h.chunk.section_index)
        # a passage without the decision's own words is judged by its text, at a discount
        score = max(about.get(n, -1.0), other.get(n, -1.0) - s.decision_text_discount)
        if "exact" in h.why:
            score += 1.0
        elif score < best - s.decision_gap:
            continue
        score += 0.001 / (n + 1)  # the retriever's order breaks ties
        if key not in sections or score > sections[key][0]:
            sections[key] = (score, h)
    if not sections:
        return None
    return max(sections.values(), key=lambda t: t[0])[1]


# ------------------------------------------------------------------ tables


def table_row_of(hit: Hit, sentence: Sentence) -> "TableRow | None":
    """The table row a sentence unit is, if it is one."""
    for row in getattr(hit.chunk, "rows", None) or []:
        if hit.chunk._text_offset(row.start) == sentence.start:
            return row
    return None


def cell_answer(question: str, row: "TableRow") -> str:
    """`Invent ny/omb skola/fsk, 2026: 40 000 tkr`: the cells whose column the question names
    (by year or by a word of the header), else the whole row with its headers."""
    years = set(YEAR_RE.findall(question))
    q_tokens = set(tokenize(question))
    cells = [(h, v) for h, v in row.cells if h and (set(YEAR_RE.findall(h)) & years)]
    if not cells:
        cells = [(h, v) for h, v in row.cells if h and set(tokenize(h)) & q_tokens - set(tokenize(row.label or ""))]
    cells = cells or row.cells
    label = f"{row.group} › {row.label}" if row.group and row.label else (row.label or row.group or "")
    parts = "; ".join(f"{h}: {row._with_unit(v)}" if h else row._with_unit(v) for h, v in cells)
    return f"{label}, {parts}" if label else parts
