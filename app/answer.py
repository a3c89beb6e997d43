"""Answers with citations. The default is extractive: verbatim sentences from the retrieved
passages, each followed by a marker [n] that maps to a source; the answer never says
anything that is not in a cited passage. A decision question prefers the section's
decision text and says when only a proposal exists. When nothing relevant enough is found
the answer is "Inget svar hittades" with the closest passages.

The optional generative mode (llm.py) is tried first when configured and falls back here.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from namndsok.index.lexical import tokenize
from namndsok.index.search import Filters, Searcher
from namndsok.ingest.rules import SUBHEADINGS
from namndsok.model import Hit

from .llm import LLMConfig, LLMError, generate

log = logging.getLogger(__name__)

NO_ANSWER = "Inget svar hittades i de indexerade handlingarna."
MAX_SENTENCES = 3
READ_HITS = 5  # passages whose sentences are considered
MAX_QUESTION_CHARS = 2000
# Calibrated on eval/questions.jsonl: at 0.4 all 12 no-answer questions are refused and
# 15 of 89 answerable ones too (at 0.5: 32); see eval/RESULTS.md.
# a question is answered when the best passage covers enough of its content words, or the
# query names an identifier the index holds.
MIN_COVERAGE = 0.4
# a further sentence joins the answer only when it scores close to the best one
RELATIVE_CUTOFF = 0.35

DECISION_Q_RE = re.compile(r"\b(beslut\w*|beslöt|besluta\w*|bestämde?s?|decid\w*|decision\w*|resolved)\b", re.IGNORECASE)
_SENT_SPLIT_RE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9\"*-])")
_UNIT_START_RE = re.compile(r"^\s*(?:[-*•]\s|\d{1,2}[.)]\s|[A-ZÅÄÖ][\w ]{0,30}:\s)")


@dataclass
class Answer:
    question: str
    answer: str
    no_answer: bool
    citations: list[Hit]  # in the order of the markers [1], [2], …
    passages: list[Hit]  # everything retrieved, for "closest passages"
    mode: str = "extractive"
    note: str | None = None
    highlights: dict[int, list[str]] = field(default_factory=dict)  # citation index → sentences used
    flagged: list[str] = field(default_factory=list)  # citations the model invented, dropped

    def to_json(self) -> dict[str, Any]:
        cites = []
        for n, h in enumerate(self.citations):
            d = h.to_json()
            d["marker"] = n + 1
            d["highlights"] = self.highlights.get(n, [])
            cites.append(d)
        return {
            "question": self.question,
            "answer": self.answer,
            "no_answer": self.no_answer,
            "citations": cites,
            "mode": self.mode,
            "note": self.note,
            "dropped_citations": self.flagged,
            "passages": [h.to_json() for h in self.passages] if self.no_answer else [],
        }


def split_sentences(text: str) -> list[str]:
    """Sentences, list items and table rows of a passage, whitespace joined, verbatim otherwise.

    Lines of one paragraph are joined (PDF text breaks lines mid-sentence); a bullet, a
    numbered point or a table row (tabs) stays a unit of its own.
    """
    out = []
    for para in re.split(r"\n\s*\n", text):
        units: list[str] = []
        for line in para.split("\n"):
            if not line.strip():
                continue
            heading = line.strip().lower() in SUBHEADINGS
            if not units or heading or _UNIT_START_RE.match(line) or "\t" in line or "\t" in units[-1] or units[-1].strip().lower() in SUBHEADINGS:
                units.append(line)
            else:
                units[-1] += " " + line
        for unit in units:
            for piece in _SENT_SPLIT_RE.split(unit):
                s = " ".join(piece.split())
                if len(s) >= 6 and re.search(r"\w{2,}", s) and not s.lower().startswith("forts."):
                    out.append(s)
    return out


def is_heading(sentence: str) -> bool:
    """A short line without closing punctuation reads as a heading, not as an answer."""
    return not re.search(r"[.!?:;)%]$", sentence) and len(sentence.split()) < 10


def content_tokens(text: str) -> set[str]:
    return set(tokenize(text))


def coverage(q: set[str], hit: Hit, idf: dict[str, float]) -> float:
    """Share of the question's content words `q` found in the passage and its context, each
    word weighted by its idf: "beslut" matches everywhere and proves little, "Malmö" or
    "spårvagnar" missing from the corpus weigh most."""
    total = sum(idf[t] for t in q)
    if not total:
        return 0.0
    h = content_tokens(hit.chunk.embed_text())
    return sum(idf[t] for t in q & h) / total


class Answerer:
    def __init__(self, searcher: Searcher, llm: LLMConfig | None = None):
        self.searcher = searcher
        self.llm = llm

    def relevant(self, question: str, hits: list[Hit]) -> bool:
        if not hits:
            return False
        if any("exact" in h.why for h in hits[:3]):
            return True
        q = content_tokens(question)
        idf = dict(zip(q, self.searcher.index.lexical.idf(list(q))))
        return max(coverage(q, h, idf) for h in hits[:3]) >= MIN_COVERAGE

    def ask(self, question: str, k: int = 8, filters: Filters | None = None) -> Answer:
        question = clean_question(question)
        if not re.search(r"\w", question):
            return Answer(question, "Skriv en fråga med minst ett ord.", True, [], [], note="tom fråga")
        hits = self.searcher.search(question, k=k, filters=filters)
        if not self.relevant(question, hits):
            return Answer(question, NO_ANSWER, True, [], hits[:5], note="visar de närmaste passagerna")
        if self.llm and self.llm.url:
            try:
                return generate(self.llm, question, hits[:READ_HITS])
            except LLMError as exc:
                log.warning("generative answer failed, falling back: %s", exc)
                ans = self.extractive(question, hits)
                ans.note = f"Språkmodellen svarade inte ({exc}); visar ett utdrag ur källorna i stället."
                return ans
        return self.extractive(question, hits)

    def extractive(self, question: str, hits: list[Hit]) -> Answer:
        pool = hits[:READ_HITS]
        wants_decision = bool(DECISION_Q_RE.search(question))
        lines: list[str] = []
        cited: list[Hit] = []
        highlights: dict[int, list[str]] = {}
        note = None

        def cite(hit: Hit) -> int:
            for n, c in enumerate(cited):
                if c.chunk.id == hit.chunk.id:
                    return n
            cited.append(hit)
            return len(cited) - 1

        if wants_decision:
            top = pool[0]
            dec = next((h for h in pool[:3] if h.chunk.decision and h.chunk.citation.section == top.chunk.citation.section), None)
            if dec is not None:
                n = cite(dec)
                text = " ".join(dec.chunk.decision.split())
                label = "Beslut" if dec.chunk.decision_kind == "beslut" else "Förslag till beslut (inget fattat beslut i källan)"
                lines.append(f"{label}: {text} [{n + 1}]")
                highlights.setdefault(n, []).extend(split_sentences(dec.chunk.decision) or [text])
            else:
                note = f"{top.chunk.citation.section or 'Källan'} innehåller inget beslut; svaret är utdrag ur handlingen."
        picked = self._best_sentences(question, pool, MAX_SENTENCES - len(lines))
        for hit, sentence in picked:
            if any(sentence in ln for ln in lines):
                continue
            n = cite(hit)
            lines.append(f"{sentence} [{n + 1}]")
            highlights.setdefault(n, []).append(sentence)
        if not lines:
            return Answer(question, NO_ANSWER, True, [], hits[:5], note="visar de närmaste passagerna")
        return Answer(question, "\n".join(lines), False, cited, hits, "extractive", note, highlights)

    def _best_sentences(self, question: str, pool: list[Hit], n: int) -> list[tuple[Hit, str]]:
        if n <= 0:
            return []
        q_tokens = content_tokens(question)
        cands: list[tuple[float, int, Hit, str]] = []
        for rank, hit in enumerate(pool):
            title = " ".join((hit.chunk.section_title or "").split())
            for s in split_sentences(hit.chunk.text):
                # a heading repeats the question's words; a question in the text is not its answer
                if s == title or s == hit.chunk.citation.section or s.endswith("?"):
                    continue
                toks = content_tokens(s)
                overlap = len(q_tokens & toks) / (len(q_tokens) or 1)
                prior = 1.0 / (rank + 2)  # the retriever's order matters
                score = overlap + 0.5 * prior
                if is_heading(s):
                    score *= 0.3
                cands.append((score, rank, hit, s))
        if not cands:
            return []
        cands.sort(key=lambda c: -c[0])
        cands = cands[:10]
        emb = self.searcher.embedder
        qv = self.searcher.embed_query(" ".join(question.split()))
        sv = emb.encode_passages([c[3] for c in cands])
        dense = sv @ qv
        # centre the bunched dense scores so they rank, not dominate
        dense = (dense - dense.mean()) / (dense.std() + 1e-6)
        scored = [(c[0] + 0.25 * float(d), c[2], c[3]) for c, d in zip(cands, dense)]
        scored.sort(key=lambda t: -t[0])
        out: list[tuple[Hit, str]] = []
        best = scored[0][0]
        for score, hit, s in scored:
            if len(out) >= n or (out and score < best - RELATIVE_CUTOFF):
                break
            if any(s == o[1] for o in out):
                continue
            out.append((hit, s))
        # read in the retriever's order, and in document order within a passage
        rank = {h.chunk.id: r for r, h in enumerate(pool)}
        out.sort(key=lambda o: (rank[o[0].chunk.id], o[0].chunk.text.find(o[1].split()[0])))
        return out


def clean_question(question: str) -> str:
    """Control characters out, whitespace collapsed, length capped."""
    q = "".join(ch if ch.isprintable() or ch in "\t\n" else " " for ch in question)
    q = " ".join(q.split())
    return q[:MAX_QUESTION_CHARS]
