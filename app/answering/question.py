"""What a question asks, read once: the form that is searched and verified, its language, the
kind of answer it wants, whether it asks for a decision, the years it names and its content
words. The patterns that tell these apart live here and nowhere else.

The searched form is the same for the question however it is typed: without "?" or with it,
lower-cased or not, with extra spaces or commas, with a trailing "tack", with "vi",
"nämnden" or "kommunen" as its subject — so the same question gets the same answer. Case is
restored from the documents (a word the corpus writes capitalised, such as "Minirosen" or
"KSPU", is written so), because the embedding model reads case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from namndsok.index.language import detect_language

from namndsok.dates import MONTHS
from namndsok.identifiers import DNR_RE, PARA_REF_RE, key_of_match

YEAR_RE = re.compile(r"\b(?:19|20)\d{2}\b")  # a year named in a question or a table header

# an amount as the documents write one: "40 000 tkr", "5 500 kr", "12 procent", "3,5 mnkr"
AMOUNT_RE = re.compile(r"\d[\d  ]*(?:,\d+)?\s*(?:kr\b|kronor|tkr|mkr|mnkr|miljon\w*|miljard\w*|procent|%)|"
                       r"\b(?:tkr|mkr|mnkr)\b", re.IGNORECASE)
DATE_RE = re.compile(rf"\b(?:\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}} (?:{'|'.join(MONTHS)})|(?:{'|'.join(MONTHS)}|våren|hösten|"
                     r"vecka)\b|(?:19|20)\d{2}\b|kl\.? ?\d)", re.IGNORECASE)
PERSON_RE = re.compile(r"[A-ZÅÄÖ][a-zåäöé]+(?:-[A-ZÅÄÖ][a-zåäöé]+)? [A-ZÅÄÖ][a-zåäöé]+|\((?:M|S|SD|C|V|L|KD|MP|FiA)\)|"
                       r"\b(?:ordförande|sekreterare|direktör|chef|controller|förvaltningschef)\b")

# a count: a number that is not a share or an amount ("6 elever", "10-12 platser", "tre")
COUNT_RE = re.compile(r"\b\d{1,3}(?:[  ]\d{3})*(?:[-–]\d+)?\b(?!\s*(?:%|procent|kr\b|kronor|tkr|mkr))|"
                      r"\b(?:två|tre|fyra|fem|sex|sju|åtta|nio|tio|elva|tolv|femton|tjugo)\b", re.IGNORECASE)

# What a question asks for (first match wins), and what a sentence holding that answer contains.
ANSWER_KINDS: dict[str, tuple[re.Pattern[str], re.Pattern[str] | None]] = {
    "dnr": (re.compile(r"\b(?:diarienummer\w*|dnr|ärendenummer|reference number|case number)\b", re.IGNORECASE), None),
    "section": (re.compile(r"\b(?:vilken paragraf|vilket §|under vilken §|which paragraph|which section)\b", re.IGNORECASE), None),
    "share": (re.compile(r"\b(?:andel\w*|procent\w*|hur stor del|share|percent\w*|proportion)\b", re.IGNORECASE),
              re.compile(r"\d\s*(?:%|procent)", re.IGNORECASE)),
    "count": (re.compile(r"\b(?:hur många|antal\w*|how many|number of)\b", re.IGNORECASE), COUNT_RE),
    "amount": (re.compile(r"\b(?:kost\w*|belopp\w*|budget\w*|pengar|kronor|tkr|mkr|sparkrav|underskott\w*|överskott\w*|"
                          r"hur mycket|satsa\w*|investera\w*|how much|cost\w*|money|spend\w*|paid|pay|surplus|deficit|"
                          r"invest\w*)\b", re.IGNORECASE), AMOUNT_RE),
    "date": (re.compile(r"\b(?:när|datum|vilken dag|från när|hur länge|vilka datum|when|what date|which date|"
                        r"until when|dates?)\b", re.IGNORECASE), DATE_RE),
    "person": (re.compile(r"\b(?:vem|vilka personer|vems|who|whom)\b", re.IGNORECASE), PERSON_RE),
}

DECISION_RE = re.compile(
    r"\b(beslut\w*|beslöt|besluta\w*|bestämde?s?|föreslå\w*|förslag\w*|föreslog|ställning\w*|tog ställning|"
    r"tyckte|vad (?:gjorde|hände)|göra med|"
    r"decid\w*|decision\w*|resolv\w*|resolution|propos\w*|agreed|approv\w*)\b",
    re.IGNORECASE,
)

# said around a question without changing it
_FILLER_RE = re.compile(r"(?:^|\s)(?:tack(?: på förhand| så mycket)?|snälla|please|thanks|thank you|hej)(?=\s|$)",
                        re.IGNORECASE)
# who asks: "vad beslutade vi/nämnden/kommunen" is one question
_ASKER_RE = re.compile(r"(?<!\w)(?:vi|nämnden|kommunen)(?!\w)", re.IGNORECASE)
_EDGE_PUNCT = "?!.,;:¿¡ \"'«»”“"

# Words that say what kind of answer is wanted or how the question is put, never its subject.
QUESTION_WORDS = frozenset("""
vad vilken vilket vilka när var vart hur varför vem vems vilkas mycket många länge stor stort stora
finns fanns gäller gällde handlar handlade står stod sägs sade sa säger nämns nämndes framgår framgick
beslut beslutet besluten beslutade beslutar besluta beslöt bestämde bestämdes fattade fattades togs tog
förslag förslaget föreslår föreslogs föreslog föreslagit föreslås ställning tyckte gjorde hände göra
kostade kostar kostnad kostnaden kostnader kostnaderna belopp beloppet summa pengar kronor
datum dag dagen tid tidpunkt antal antalet andel andelen procent
fick får får ska skulle kommer blev blir bli vara är var varit har hade haft kan kunde
något någon några ngt typ egentligen ungefär cirka exakt senaste förra nästa
om angående kring gällande rörande beträffande enligt genom inför bland samt även också per
år året åren hela mer mest fram upp ut in ned
ärende ärendet ärenden fråga frågan frågor möte mötet mötets sammanträde sammanträdet sammanträdets
utskottet utskottets styrelsen styrelsens protokollet protokollets handlingarna dokumentet
what which who whom whose when where why how much many does did do is are was were has have had
decide decided decision proposal proposed propose say said says mention mentioned about regarding
cost costs money amount number date dates
""".split())


@dataclass(frozen=True)
class Question:
    asked: str  # as typed, control characters out and whitespace collapsed
    text: str  # what is searched and verified: the same for every way of typing the question
    language: str
    kind: str | None  # ANSWER_KINDS key, or None for a question of fact
    decision: bool  # asks what was decided or proposed
    years: tuple[str, ...]
    words: tuple[str, ...]  # the words of `text`, lower-cased, in order
    months: tuple[str, ...] = ()  # month names the question uses ("i september 2021")
    identifiers: tuple[str, ...] = ()  # the dnr keys and § numbers it names
    identifier_words: frozenset[str] = frozenset()  # their letter prefixes ("pu", "ubn", "kspu")
    asked_words: tuple[str, ...] = ()  # the words as typed (their case tells a name)
    numbers: tuple[str, ...] = ()  # the numbers it names ("2023", "5")
    counted: str | None = None  # what "hur många" counts ("elever")
    # asks what was decided, not what is proposed: a proposal does not answer it
    made: bool = False

    def holds_kind(self, sentence: str) -> bool:
        """Whether a sentence holds the kind of answer asked for (always, for a question of
        fact). A year the question names itself is no answer to "när" or "hur många"."""
        if self.kind is None:
            return True
        pattern = ANSWER_KINDS[self.kind][1]
        if pattern is None:
            return True
        # a number the question names itself (a year, "årskurs 5") is no answer to it
        for number in self.numbers:
            sentence = re.sub(rf"(?<![\d,]){re.escape(number)}(?![\d,])", " ", sentence)
        if self.kind == "count" and self.counted and self.language == "sv":
            # "hur många elever": a number that counts them ("6 elever", "10-12 platser för elever")
            stem = self.counted[: max(4, len(self.counted) - 2)]
            return bool(re.search(rf"(?:{COUNT_RE.pattern})\s+(?:\S+\s+){{0,3}}?{re.escape(stem)}", sentence, re.IGNORECASE))
        return bool(pattern.search(sentence))


def clean(question: str, limit: int) -> str:
    """Control characters out, whitespace collapsed, length capped (cut first: the work on a
    huge question stays bounded)."""
    q = "".join(ch if ch.isprintable() or ch in "\t\n" else " " for ch in question[: 4 * limit])
    return " ".join(q.split())[:limit]


def canonical(question: str, truecase: Callable[[str], str] | None = None) -> str:
    """The searched form: filler and the asker out, edge punctuation and commas out,
    lower-cased, the corpus's own case restored, a capital first letter and one "?"."""
    q = _FILLER_RE.sub(" ", f" {question} ")
    q = _ASKER_RE.sub(" ", q)
    q = re.sub(r"(?<=\w)[,;](?=\s|$)|\s[,;]\s", " ", q)
    words = q.strip(_EDGE_PUNCT).lower().split()
    if truecase is not None:
        words = [truecase(w) for w in words]
    q = " ".join(words).strip(_EDGE_PUNCT)
    if not q:
        return ""
    return q[0].upper() + q[1:] + "?"


def kind_of(text: str) -> str | None:
    for name, (asks, _) in ANSWER_KINDS.items():
        if asks.search(text):
            return name
    return None


_MADE_RE = re.compile(r"\b(?:beslutade|beslöt|beslutat|fattade|fattat|fattades|beslut (?:togs|fattades)|"
                      r"vilket beslut|vilka beslut|decided|decision was)\b", re.IGNORECASE)
_PROPOSED_RE = re.compile(r"\b(?:föreslå\w*|föreslog|förslag\w*|propos\w*|recommend\w*)\b", re.IGNORECASE)
_COUNTED_RE = re.compile(r"\b(?:hur många|antalet|antal|how many|number of)\s+(?:\w+\s+)??([^\W\d_]{3,})", re.IGNORECASE)
WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)


def read_question(raw: str, limit: int, truecase: Callable[[str], str] | None = None) -> Question:
    asked = clean(raw, limit)
    text = canonical(asked, truecase)
    ids = [m for m in DNR_RE.finditer(text) if key_of_match(m)] + list(PARA_REF_RE.finditer(text))
    words = tuple(w.lower() for w in WORD_RE.findall(text))
    return Question(
        asked=asked,
        text=text,
        language=detect_language(text),
        kind=kind_of(text),
        decision=bool(DECISION_RE.search(text)),
        years=tuple(dict.fromkeys(y for y in YEAR_RE.findall(text) if not any(y in m[0] for m in ids))),
        words=words,
        months=tuple(dict.fromkeys(w for w in words if w in MONTHS)),
        identifiers=tuple(m[0] for m in ids),
        identifier_words=frozenset(w.lower() for m in ids for w in WORD_RE.findall(m[0]))
        | frozenset(p.lower() for m in ids for p in re.findall(r"([^\W\d_]{1,6})[ .]?$", text[: m.start()])),
        asked_words=tuple(WORD_RE.findall(asked)),
        numbers=tuple(dict.fromkeys(re.findall(r"\d+", text))),
        counted=(m[1].lower() if (m := _COUNTED_RE.search(text)) else None),
        made=bool(_MADE_RE.search(text)) and not _PROPOSED_RE.search(text),
    )
