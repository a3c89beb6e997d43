"""Answers with citations. The default is extractive: verbatim sentences from the retrieved
passages, chosen by meaning from the sentence vectors stored at ingest, each followed by a
marker [n] that maps to a source; the answer never says anything that is not in a cited
passage.

Whether to answer at all is decided by a small calibrated model (answerability.py). There
are two kinds of no: nothing on the subject in the documents, and a near miss — the
documents mention the subject but not what was asked; then what they do say is shown,
cited. A decision question is answered with the decision of the section it is about, labelled
"Beslut" only when an organ made it and "Förslag till beslut" otherwise; a question about a
figure gets the table cell with its row and column. A question in another language is
answered from the Swedish sources with a note saying so.

The optional generative mode (llm.py) is tried first when configured and falls back here.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from namndsok.index.language import detect_language
from namndsok.index.lexical import tokenize
from namndsok.index.search import Filters, Searcher
from namndsok.model import Hit

from . import compose
from .answerability import AnswerabilityModel, features, load_model, missing_years, unknown_names
from .llm import LLMConfig, LLMError, generate
from .settings import DEFAULT_ANSWER, AnswerSettings

log = logging.getLogger(__name__)

NO_ANSWER = "Inget svar hittades i de indexerade handlingarna."
NEAR_MISS = "Handlingarna tar upp ämnet men svarar inte på just det du frågar. Det närmaste de säger:"
FOREIGN_NOTE = "Källorna är på svenska; svaret citerar dem ordagrant."
UNCERTAIN_NOTE = "Osäkert svar: kontrollera att källan verkligen besvarar frågan."
LANGUAGE_NAMES = {"en": "engelska", "de": "tyska", "fr": "franska", "es": "spanska", "da": "danska", "no": "norska"}


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
    no_answer_kind: str | None = None  # "nothing" or "near_miss" when no_answer
    decision: str | None = None  # "beslut" or "förslag" when the answer gives a decision
    language: str = "sv"
    confidence: float | None = None  # the answerability model's probability
    # "answer" (a verified claim), "closest" (not verified: the closest places, each with its
    # best sentence, and why), "none" (the subject is not in the documents); see `reason`
    outcome: str = ""
    reason: str | None = None

    def __post_init__(self) -> None:
        if not self.outcome:
            self.outcome = "answer" if not self.no_answer else ("closest" if self.no_answer_kind == "near_miss" else "none")

    def to_json(self) -> dict[str, Any]:
        cites = []
        for n, h in enumerate(self.citations):
            d = h.to_json()
            d["marker"] = n + 1
            d["highlights"] = self.highlights.get(n, [])
            cites.append(d)
        return {
            "question": self.question,
            "outcome": self.outcome,
            "reason": self.reason,
            "answer": self.answer,
            "no_answer": self.no_answer,
            "no_answer_kind": self.no_answer_kind,
            "decision": self.decision,
            "language": self.language,
            "confidence": None if self.confidence is None else round(self.confidence, 3),
            "citations": cites,
            "mode": self.mode,
            "note": self.note,
            "dropped_citations": self.flagged,
            "passages": [h.to_json() for h in self.passages] if self.no_answer else [],
        }


class Answerer:
    def __init__(self, searcher: Searcher, llm: LLMConfig | None = None, settings: AnswerSettings = DEFAULT_ANSWER,
                 model: AnswerabilityModel | None = None):
        self.searcher = searcher
        self.llm = llm
        self.settings = settings
        self.model = model or load_model(settings.model_file)
        self.last_features: dict[str, float] = {}

    def ask(self, question: str, k: int | None = None, filters: Filters | None = None) -> Answer:
        s = self.settings
        question = clean_question(question, s.max_question_chars)
        if not re.search(r"\w", question):
            return Answer(question, "Skriv en fråga med minst ett ord.", True, [], [], note="tom fråga", no_answer_kind="nothing")
        language = detect_language(question)
        hits = self.searcher.search(question, k=max(k or s.k, s.decision_candidates), filters=filters)
        if not hits:
            return Answer(question, NO_ANSWER, True, [], [], note="inga passager matchar", no_answer_kind="nothing",
                          language=language)
        sentences = self.searcher.sentences(question, hits[: max(s.read_hits, s.decision_candidates)])
        terms = self.searcher.term_stats(question)
        p, feats = self.answerability(question, hits, sentences, language, terms)
        unknown = unknown_names(question, terms, tokenize) if language == "sv" else []
        if unknown and (p < self.model.uncertain_below or feats["unknown"] >= s.unknown_name_share):
            names = ", ".join(dict.fromkeys(unknown))
            return Answer(question, f"{NO_ANSWER} Handlingarna nämner inte {names}.", True, [], hits[:5],
                          note="visar de närmaste passagerna", no_answer_kind="nothing", language=language, confidence=p)
        years = missing_years(question, [f"{h.chunk.lexical_text()} {h.chunk.citation.date or ''}" for h in hits[: s.year_passages]])
        if years:
            missing = f"De närmaste passagerna nämner inte {' eller '.join(years)}."
            return self.refusal(question, hits, sentences, feats, p, language, missing)
        if p < self.model.threshold and (language == "sv" or s.gate_foreign):
            return self.refusal(question, hits, sentences, feats, p, language)
        if self.llm and self.llm.url:
            try:
                return self.generative(question, hits[: s.read_hits], p, language)
            except LLMError as exc:
                log.warning("generative answer failed, falling back: %s", exc)
                ans = self.extractive(question, hits, sentences, p, language)
                ans.note = f"Språkmodellen svarade inte ({exc}); visar ett utdrag ur källorna i stället."
                return ans
        return self.extractive(question, hits, sentences, p, language)

    # ------------------------------------------------------------ the decision to answer

    def answerability(self, question: str, hits: list[Hit], sentences, language: str,
                      terms: list[tuple[str, float, bool]] | None = None) -> tuple[float, dict[str, float]]:
        """The model's probability that the question is answered here, and its inputs;
        `terms`: the question's Searcher.term_stats when the caller has them already."""
        s = self.settings
        read = [x for x in sentences if x.hit < s.read_hits]
        passage_tokens = set(tokenize(" ".join(h.chunk.lexical_text() for h in hits[:3])))
        terms = self.searcher.term_stats(question) if terms is None else terms
        feats = features(
            question, hits, [(x.hit, x.score, x.rendered) for x in read], terms,
            self.searcher.background(question), language != "sv", passage_tokens,
        )
        self.last_features = feats
        return self.model.probability(feats), feats

    def refusal(self, question: str, hits: list[Hit], sentences, feats: dict[str, float], p: float, language: str,
                missing: str | None = None) -> Answer:
        """Nothing on the subject, or a near miss: the documents speak of it, but not of what was
        asked; `missing` says what the question names that the passages lack."""
        picks = compose.choose_sentences(question, hits, sentences, self.settings.with_(max_sentences=1))
        if picks and (missing or feats["z_sentence"] >= self.model.near_miss_z):
            pick = picks[0]
            text = f"{NEAR_MISS}\n{pick.sentence.text} [1]"
            if missing:
                text = f"{missing} {text}"
            return Answer(question, text, True, [pick.hit], hits[:5], note="visar vad handlingarna säger om ämnet",
                          highlights={0: [pick.sentence.text]}, no_answer_kind="near_miss", language=language, confidence=p)
        text = f"{NO_ANSWER} {missing}" if missing else NO_ANSWER
        return Answer(question, text, True, [], hits[:5], note="visar de närmaste passagerna", no_answer_kind="nothing",
                      language=language, confidence=p)

    # ------------------------------------------------------------ answers

    def extractive(self, question: str, hits: list[Hit], sentences, p: float | None = None, language: str = "sv") -> Answer:
        s = self.settings
        lines: list[str] = []
        cited: list[Hit] = []
        highlights: dict[int, list[str]] = {}
        notes: list[str] = []
        decision = None

        def cite(hit: Hit) -> int:
            for n, c in enumerate(cited):
                if c.chunk.id == hit.chunk.id:
                    return n
            cited.append(hit)
            return len(cited) - 1

        if compose.wants_decision(question):
            dec = compose.pick_decision(hits, sentences, s)
            if dec is not None:
                decision = self.decision_label(dec)
                n = cite(dec)
                text = " ".join((dec.chunk.decision or "").split())
                label = "Beslut" if decision == "beslut" else "Förslag till beslut"
                lines.append(f"{label}: {text} [{n + 1}]")
                highlights.setdefault(n, []).append(text)
                where = dec.chunk.citation.section or dec.chunk.section_title or "källan"
                if decision == "förslag":
                    notes.append(f"{where} innehåller ett förslag till beslut, inget fattat beslut.")
                notes.extend(self.later_steps(dec))
        picks = compose.choose_sentences(question, hits, sentences, s.with_(max_sentences=s.max_sentences - len(lines)))
        wants_amount = bool(compose.AMOUNT_Q_RE.search(question))
        for pick in picks:
            if any(pick.sentence.text in ln for ln in lines):
                continue
            n = cite(pick.hit)
            row = compose.table_row_of(pick.hit, pick.sentence) if wants_amount else None
            shown = compose.cell_answer(question, row) if row is not None else pick.sentence.text
            lines.append(f"{shown} [{n + 1}]")
            highlights.setdefault(n, []).append(pick.sentence.text)
        if compose.wants_decision(question) and decision is None and lines:
            notes.append("Inget beslut i handlingarna gäller frågan; svaret visar vad de säger om saken.")
        if not lines:
            return Answer(question, NO_ANSWER, True, [], hits[:5], note="visar de närmaste passagerna",
                          no_answer_kind="nothing", language=language, confidence=p)
        if language != "sv":
            notes.insert(0, f"Frågan är på {LANGUAGE_NAMES.get(language, 'ett annat språk')}. {FOREIGN_NOTE}")
        if p is not None and p < self.model.uncertain_below:
            notes.insert(0, UNCERTAIN_NOTE)
        return Answer(question, "\n".join(lines), False, cited, hits, "extractive", " ".join(notes) or None, highlights,
                      decision=decision, language=language, confidence=p)

    def generative(self, question: str, hits: list[Hit], p: float, language: str) -> Answer:
        g = generate(self.llm, question, hits)
        if g.refused:
            return Answer(question, NO_ANSWER, True, [], hits, "generative", "språkmodellen fann inget svar i källorna",
                          no_answer_kind="nothing", language=language, confidence=p)
        note = None
        if g.flagged:
            note = f"Språkmodellen angav källor som inte finns ({', '.join(g.flagged)}); de har tagits bort."
        return Answer(question, g.text, False, [hits[i] for i in g.cited], hits, "generative", note, flagged=g.flagged,
                      language=language, confidence=p)

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


def clean_question(question: str, limit: int = DEFAULT_ANSWER.max_question_chars) -> str:
    """Control characters out, whitespace collapsed, length capped (cut first: the work on a
    huge question stays bounded)."""
    q = question[: 4 * limit]
    q = "".join(ch if ch.isprintable() or ch in "\t\n" else " " for ch in q)
    q = " ".join(q.split())
    return q[:limit]
