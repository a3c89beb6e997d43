"""Answers with citations, as a pipeline: read the question (question.py), retrieve,
verify what may be claimed (verify.py), compose by the kind of answer asked (compose.py).

There are three outcomes, each honest: "answer" — a verified claim, verbatim sentences (or a
section's own fields, or table cells with their row and column) each with a marker [n] that
maps to a source; "closest" — nothing verified: the closest places with their best sentence
marked and one line saying what is missing, never a headline that reads like an answer;
"none" — the question names something no document uses, and the answer names it.

The optional generative mode (llm.py) reads the passages when an endpoint is configured and
falls back to the extractive answer when it fails.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from namndsok.index.search import Filters, Searcher
from namndsok.model import Hit

from . import compose
from .facts import answer_from_facts
from .llm import LLMConfig, LLMError, generate
from .question import Question, read_question
from .result import NO_ANSWER, Answer
from .settings import DEFAULT_ANSWER, AnswerSettings
from .unrecorded import unrecorded_meeting
from .verify import Verdict, verify
from .vocabulary import Vocabulary
from .wordlists import WordLists

log = logging.getLogger(__name__)

FOREIGN_NOTE = "Källorna är på svenska; svaret citerar dem ordagrant."
LANGUAGE_NAMES = {"en": "engelska", "de": "tyska", "fr": "franska", "es": "spanska", "da": "danska", "no": "norska"}


class Answerer:
    """Answers questions from one loaded index (its Searcher)."""

    def __init__(self, searcher: Searcher, llm: LLMConfig | None = None, settings: AnswerSettings = DEFAULT_ANSWER,
                 words: WordLists | None = None):
        self.searcher = searcher
        self.llm = llm
        self.settings = settings
        vocabulary, idf = searcher.lexicon()
        self.vocab = Vocabulary(vocabulary, idf, [c.text for c in searcher.chunks], searcher.organs(), words or WordLists.load())
        self._by_section: dict[tuple[str, str, int], list[int]] = {}
        for i, c in enumerate(searcher.chunks):
            self._by_section.setdefault((c.source, c.doc_sha256, c.section_index), []).append(i)

    def read(self, question: str) -> Question:
        return read_question(question, self.settings.max_question_chars, self.vocab.truecase)

    def ask(self, question: str, k: int | None = None, filters: Filters | None = None) -> Answer:
        s = self.settings
        q = self.read(question)
        if not q.text:
            return Answer(q.asked, "Skriv en fråga med minst ett ord.", True, [], [], note="tom fråga",
                          no_answer_kind="nothing", reason="Frågan är tom.")
        # protocol facts first: roles, attendance, yrkanden, votes, reservations, jäv
        if (facts := answer_from_facts(q.asked, self.searcher, filters)) is not None:
            return facts
        lexical = self.vocab.translated(q)
        hits = self.searcher.search(q.text, k=max(k or s.k, s.read_hits, s.reader_hits if self.llm and self.llm.url else 0),
                                    filters=filters, lexical=lexical)
        if not hits:
            return Answer(q.asked, NO_ANSWER, True, [], [], note="inga passager matchar", no_answer_kind="nothing",
                          language=q.language, reason="Inga passager matchar frågan och filtren.")
        if (missing := unrecorded_meeting(q.asked, self.searcher.facts, self.searcher.documents)) is not None:
            # a meeting no protocol here records: a passage from another meeting would answer something else
            return Answer(q.asked, f"{NO_ANSWER} {missing}", True, [], hits[:5], note="visar de närmaste passagerna",
                          no_answer_kind="nothing", language=q.language, outcome="none", reason=missing)
        if q.decision:
            # a decision can rank far below the passages that discuss its subject at length:
            # the decision-carrying passages are searched on their own and added behind
            decided = replace(filters, decided=True) if filters else Filters(decided=True)
            seen = {h.chunk.id for h in hits}
            hits += [h for h in self.searcher.search(q.text, k=s.decision_hits, filters=decided, lexical=lexical)
                     if h.chunk.id not in seen]
        sentences = self.searcher.sentences(q.text, hits[: s.read_hits])
        verdict = verify(q, hits, sentences, self.vocab, s, self.decision_label)
        if self.llm and self.llm.url:
            try:
                return self.generative(q, hits, verdict)
            except LLMError as exc:
                log.warning("generative answer failed, falling back: %s", exc)
                ans = self.extractive(q, hits, sentences, verdict)
                ans.note = f"Språkmodellen svarade inte ({exc}); visar ett utdrag ur källorna i stället."
                return ans
        return self.extractive(q, hits, sentences, verdict)

    # ------------------------------------------------------------ composing the outcome

    def where_decided(self, hit: Hit) -> Hit:
        """The passage of the hit's section whose text holds its decision (a decision is the
        section's, and the passage retrieved may be another part of it)."""
        want = " ".join((hit.chunk.decision or "").split())
        if not want or want in " ".join(hit.chunk.text.split()):
            return hit
        c = hit.chunk
        for other in self._by_section.get((c.source, c.doc_sha256, c.section_index), []):
            if want in " ".join(self.searcher.chunks[other].text.split()):
                return Hit(self.searcher.chunks[other], hit.score, dict(hit.why))
        return hit

    def extractive(self, q: Question, hits: list[Hit], sentences, v: Verdict) -> Answer:
        if v.outcome == "none":
            return Answer(q.asked, f"{NO_ANSWER} {v.reason}", True, [], hits[:5], note="visar de närmaste passagerna",
                          no_answer_kind="nothing", language=q.language, outcome="none", reason=v.reason)
        if v.outcome == "closest":
            if v.check is not None:  # a proposal that is no decision: the passage that holds it
                hits = list(hits)
                hits[v.check.n] = self.where_decided(hits[v.check.n])
            out = compose.closest(v, hits, sentences)
            return Answer(q.asked, v.reason or "", True, out.cited, hits[:5], note="inget verifierat svar",
                          highlights=out.highlights, no_answer_kind="near_miss", language=q.language,
                          outcome="closest", reason=v.reason)
        if q.decision and v.check is not None:
            hits = list(hits)
            hits[v.check.n] = self.where_decided(hits[v.check.n])
        out = compose.answer(q, v, hits, sentences, self.vocab, self.settings, self.decision_label)
        if out.decision:
            out.notes.extend(self.later_steps(hits[v.check.n]))
        if q.language != "sv":
            out.notes.insert(0, f"Frågan är på {LANGUAGE_NAMES.get(q.language, 'ett annat språk')}. {FOREIGN_NOTE}")
        return Answer(q.asked, "\n".join(out.lines), False, out.cited, hits, "extractive", " ".join(out.notes) or None,
                      out.highlights, decision=out.decision, language=q.language, outcome="answer",
                      verify_score=v.score)

    def generative(self, q: Question, hits: list[Hit], v: Verdict) -> Answer:
        """The reader reads the closest passages and decides: an answer, or the closest places
        (re-ranked by it) and why. Its citations are checked against the passages it got."""
        read = hits[: self.settings.reader_hits]
        g = generate(self.llm, q.asked, read)
        if g.refused:
            reason = g.text or "Språkmodellen fann inget svar i de närmaste ställena."
            shown = [read[i] for i in g.order][:3] or read[:3]
            return Answer(q.asked, reason, True, shown, hits, "generative", None, no_answer_kind="near_miss",
                          language=q.language, outcome="closest", reason=reason)
        note = None
        if g.flagged:
            note = f"Språkmodellen angav källor som inte finns ({', '.join(g.flagged)}); de har tagits bort."
        return Answer(q.asked, g.text, False, [read[i] for i in g.cited], hits, "generative", note, flagged=g.flagged,
                      language=q.language, outcome="answer")

    def decision_label(self, hit: Hit) -> str:
        """"beslut" only for a decision an organ made in its protocol; a tjänsteutlåtande's or a
        kallelse's text is always a proposal, whatever its heading says."""
        section = self.searcher.section_of(hit.chunk)
        doc = self.searcher.document_of(hit.chunk)
        made = hit.chunk.decision_kind == "beslut" and section is not None and section.kind in ("paragraph", "item")
        if doc is not None and doc.doc_type == "kallelse" and section is not None and section.organ is None:
            made = False  # the bundle's own items are on the agenda, not decided; attached protocols name their organ
        return "beslut" if made else "förslag"

    def later_steps(self, hit: Hit) -> list[str]:
        """When the matter went on after this section, say where it went last."""
        from ..matters import matter_timeline

        key = hit.chunk.dnr_key
        if not key:
            return []
        steps = matter_timeline(self.searcher, key)
        if len(steps) < 2:
            return []
        last = steps[-1]
        here = hit.chunk.citation
        if last.citation.source == here.source and last.citation.section == here.section:
            return [f"Ärendet har {len(steps)} steg; detta är det senaste (se ärendets gång för dnr {hit.chunk.citation.dnr})."]
        return [f"Ärendet har {len(steps)} steg; det senaste: {last.citation.date or ''} {last.citation.organ or ''} "
                f"{last.citation.section or ''} ({last.what}). Se ärendets gång för dnr {hit.chunk.citation.dnr}."]
