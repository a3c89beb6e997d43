"""What may be claimed: checks a person can follow, made before anything is said.

A `Svar` (outcome "answer") needs a retrieved passage that holds
- the question's subject: its content words (question words, stopwords and organ names left
  out) found in the passage, its section title or heading path — by stem, compound part,
  synonym, or for an English question through the dictionary (vocabulary.py);
- every year the question names (in the text or the meeting date);
- the kind of answer asked for: an amount, date, count, share or person in a sentence of the
  passage that also names the subject; a dnr or § from the section's own fields;
- for a decision question, a decision or proposal whose own words (title, decision text)
  hold the subject: a section that only mentions it is no decision on it.
A question with a word no document uses by any route is "none", naming the word. Otherwise,
when no passage passes, the outcome is "closest": the places nearest the question, each with
its best sentence, and one line saying what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from namndsok.identifiers import PARA_REF_RE, find_dnr_keys, key_matches
from namndsok.index.lexical import tokenize
from namndsok.ingest.sentences import is_heading
from namndsok.index.search import Sentence
from namndsok.model import Hit

from .question import MONTHS, Question
from .settings import AnswerSettings
from .vocabulary import Term, Vocabulary

KIND_WORDS = {"amount": "belopp", "count": "antal", "share": "andel", "date": "datum", "person": "namn",
              "dnr": "diarienummer", "section": "paragraf"}


@dataclass
class Check:
    """One passage held against the question."""

    n: int  # its rank among the hits
    matched: list[Term]
    coverage: float  # weighted share of the subject's terms found
    years: bool
    sentences: list[Sentence] = field(default_factory=list)  # those holding the subject and the kind, best first
    scores: list[float] = field(default_factory=list)  # their scores: similarity and subject words
    decision: bool = True  # for a decision question: its decision is about the subject

    heaviest: bool = False  # the question's rarest word is among the matched

    foreign: bool = False  # the question is not Swedish: its words were translated

    def subject(self, s: AnswerSettings) -> bool:
        need = s.foreign_subject_coverage if self.foreign else s.subject_coverage
        return self.years and self.heaviest and self.coverage >= need - 1e-9


@dataclass
class Verdict:
    outcome: str  # "answer", "closest" or "none"
    reason: str | None
    terms: list[Term]
    check: Check | None = None  # the passage that passed (outcome "answer")
    shown: list[int] = field(default_factory=list)  # hits to show for "closest", best first
    score: float = 0.0  # how well the claim is supported (risk–coverage curve)


def quoted(words: list[str]) -> str:
    words = [f"»{w}»" for w in dict.fromkeys(words)] or ["det du frågar om"]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " eller " + words[-1]


def passage_tokens(hit: Hit) -> set[str]:
    c = hit.chunk
    return set(tokenize(" ".join([c.lexical_text(), c.section_title or "", *c.heading_path])))


def check_passage(q: Question, n: int, hit: Hit, terms: list[Term], vocab: Vocabulary,
                  sentences: list[Sentence], s: AnswerSettings) -> Check:
    tokens = passage_tokens(hit)
    matched = [t for t in terms if vocab.found(t, tokens)]
    total = sum(t.weight for t in terms)
    coverage = sum(t.weight for t in matched) / total if total else 1.0
    where = f"{hit.chunk.lexical_text()} {hit.chunk.citation.date or ''}"
    years = all(y in where for y in q.years) and names_identifiers(q, hit) and names_months(q, hit)
    top = max((t.weight for t in terms), default=0.0)
    heaviest = any(t.weight >= top - 1e-9 for t in matched) or not terms
    title = " ".join((hit.chunk.section_title or "").split())
    heavy = sum(t.weight for t in matched) or 1.0
    holding: list[tuple[float, Sentence]] = []
    for x in (x for x in sentences if x.hit == n):
        if x.text == title or not q.holds_kind(x.rendered):
            continue
        if is_heading(x.text) and "\t" not in hit.chunk.text[x.start : x.end]:
            continue  # a heading repeats the question's words but answers nothing
        own = set(tokenize(x.rendered))
        share = sum(t.weight for t in matched if vocab.found(t, own)) / heavy
        # the sentence itself names the subject (a question that is only an identifier has none)
        if share > s.sentence_subject or not terms:
            holding.append((x.score + s.term_weight * share, x))
    holding.sort(key=lambda p: -p[0])
    return Check(n, matched, coverage, years, [x for _, x in holding], [sc for sc, _ in holding], heaviest=heaviest,
                 foreign=q.language != "sv")


def names_months(q: Question, hit: Hit) -> bool:
    """A month the question names is in the passage or is its meeting's month."""
    if not q.months:
        return True
    text = hit.chunk.lexical_text().lower()
    date = hit.chunk.citation.date or ""
    return all(m in text or (len(date) >= 7 and int(date[5:7]) == MONTHS.index(m) + 1) for m in q.months)


def names_identifiers(q: Question, hit: Hit) -> bool:
    """A dnr or § the question names is the passage's own (or one it mentions)."""
    keys = find_dnr_keys(q.text)
    if keys and not any(key_matches(k, hit.chunk.dnr_key) or k in find_dnr_keys(hit.chunk.text) for k in keys):
        return False
    paras = [m["num"] for m in PARA_REF_RE.finditer(q.text)]
    label = hit.chunk.citation.section or ""
    return not paras or any(label.endswith(f"§ {p}") for p in paras)


def decision_about(q: Question, hit: Hit, terms: list[Term], vocab: Vocabulary, s: AnswerSettings) -> bool:
    """The section's decision or proposal is about the question's subject: its title or its
    decision text holds every subject word (an agenda item that mentions the subject is not
    a decision on it)."""
    c = hit.chunk
    if not c.decision:
        return False
    own = set(tokenize(" ".join([c.section_title or "", c.decision, c.citation.dnr or ""])))
    if not terms:
        return bool(q.identifiers)
    total = sum(t.weight for t in terms)
    return sum(t.weight for t in terms if vocab.found(t, own)) / total >= s.decision_coverage - 1e-9


def verify(q: Question, hits: list[Hit], sentences: list[Sentence], vocab: Vocabulary, s: AnswerSettings,
           label_of: Callable[[Hit], str] = lambda h: h.chunk.decision_kind or "förslag") -> Verdict:
    """The outcome and its reason; `label_of(hit)` says whether a section's decision is a
    "beslut" an organ made or a "förslag" (the index knows which organ wrote what)."""
    terms = vocab.terms(q)
    unknown = [t.word for t in terms if not t.known and t.telling]
    terms = [t for t in terms if t.known]  # an unknown short word cannot be checked either way
    if unknown:
        return Verdict("none", f"Handlingarna nämner inte {quoted(unknown)}.", terms,
                       shown=list(range(min(3, len(hits)))))
    checks = [check_passage(q, n, h, terms, vocab, sentences, s) for n, h in enumerate(hits[: s.verify_hits])]
    if q.decision:
        # a decision can rank below the passages that discuss its subject at length: every
        # decision-carrying passage retrieved is a candidate, judged by its own words
        for n, h in enumerate(hits):
            if h.chunk.decision and n >= s.verify_hits:
                checks.append(check_passage(q, n, h, terms, vocab, sentences, s))
    proposal: Check | None = None
    organs = vocab.organs_named(q)
    for c in checks:
        if not (terms or q.identifiers) or not (c.subject(s) or (q.decision and c.years and hits[c.n].chunk.decision)):
            continue
        hit = hits[c.n]
        if q.decision:
            # "vad beslutade utbildningsnämnden": another organ's decision does not answer it
            by = set(tokenize(hit.chunk.citation.organ or ""))
            c.decision = decision_about(q, hit, terms, vocab, s) and c.years and (
                not organs or any(any(o == b or b.startswith(o) or o.startswith(b) for b in by) for o in organs))
            if c.decision and q.made and label_of(hit) != "beslut":
                proposal = proposal or c  # asked what was decided: a proposal is not that
                continue
            if c.decision:
                return Verdict("answer", None, terms, c, score=_score(c))
            continue
        if not terms or q.kind in ("dnr", "section"):  # a question that is an identifier: its section
            has = hit.chunk.citation.dnr if q.kind == "dnr" else (hit.chunk.citation.section or hit.chunk.section_title)
            if has:
                return Verdict("answer", None, terms, c, score=_score(c))
            continue
        if c.sentences:
            return Verdict("answer", None, terms, c, score=_score(c))
    if proposal is not None:
        reason = "Handlingarna innehåller ett förslag till beslut om det, men inget fattat beslut."
        shown = [proposal.n] + [n for n in shown_order(checks, s) if n != proposal.n]
        return Verdict("closest", reason, terms, proposal, shown=shown[: s.closest_shown])
    return Verdict("closest", closest_reason(q, terms, checks, s), terms, shown=shown_order(checks, s))


def _score(c: Check) -> float:
    return c.coverage + (c.scores[0] if c.scores else 0.0)


def shown_order(checks: list[Check], s: AnswerSettings) -> list[int]:
    """The closest places: the passages holding most of the subject first, then by rank."""
    order = sorted(checks, key=lambda c: (-round(c.coverage, 6), c.n))
    return [c.n for c in order[: s.closest_shown]]


def closest_reason(q: Question, terms: list[Term], checks: list[Check], s: AnswerSettings) -> str:
    """One line: what the closest places hold of the question, and what they lack."""
    if not terms and not q.identifiers:
        return "Frågan nämner inget ämne som kan kontrolleras mot handlingarna; här är de närmaste ställena."
    full = [c for c in checks if c.subject(s)]
    subject = " ".join(t.word for t in terms) or " ".join(q.identifiers)
    if full:
        if q.decision:
            return f"Handlingarna nämner {subject} men inget beslut eller förslag om det."
        if q.kind:
            return f"Handlingarna nämner {subject} men de närmaste ställena anger inget {KIND_WORDS[q.kind]} för det."
        return f"Handlingarna nämner {subject}, men inget ställe svarar säkert på just frågan."
    best = max(checks, key=lambda c: c.coverage, default=None)
    if best is None or (not best.matched and terms):
        return f"Inget av de närmaste ställena nämner {quoted([t.word for t in terms])}."
    missing = [t.word for t in terms if t not in best.matched]
    if best.coverage >= s.subject_coverage - 1e-9 and not best.years:
        named = list(q.years) + list(q.months) + list(q.identifiers)
        return f"De närmaste ställena nämner {subject} men inte {quoted(named)}." if named else \
            f"Handlingarna nämner {subject}, men inget ställe svarar säkert på just frågan."
    have = " ".join(t.word for t in best.matched)
    return f"De närmaste ställena nämner {have} men inte {quoted(missing)}."
