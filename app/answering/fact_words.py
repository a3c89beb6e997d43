"""The words of fact questions as data: party names, and what askers who do not know a protocol's
terms call its facts ("chef för mötet" is the ordförande, "dissent" a reservation, "oense" two
yrkanden put against each other, "vem ersatte Jonas Attenius?" an ersättare serving for him).

fact_question.py compiles these tables into its patterns; a new wording is a new line here.
"""

from __future__ import annotations

import re

from namndsok.dates import MONTHS as MONTHS_SV

# party names (Swedish, genitive, English) → letters
PARTY_WORDS: dict[str, str] = {
    "socialdemokraterna": "S", "socialdemokrat": "S", "social democrats": "S", "social democratic": "S",
    "moderaterna": "M", "moderat": "M", "moderates": "M", "moderate party": "M",
    "sverigedemokraterna": "SD", "sverigedemokrat": "SD", "sweden democrats": "SD",
    "centerpartiet": "C", "centerpartist": "C", "centre party": "C", "center party": "C",
    "vänsterpartiet": "V", "vänsterpartist": "V", "left party": "V",
    "liberalerna": "L", "liberal": "L",
    "kristdemokraterna": "KD", "kristdemokrat": "KD", "christian democrats": "KD",
    "miljöpartiet": "MP", "miljöpartist": "MP", "green party": "MP", "greens": "MP",
}
PARTY_LETTERS = ("SD", "KD", "MP", "S", "M", "C", "V", "L")
PARTY_FULL = {"S": "Socialdemokraterna", "M": "Moderaterna", "SD": "Sverigedemokraterna", "C": "Centerpartiet",
              "V": "Vänsterpartiet", "L": "Liberalerna", "KD": "Kristdemokraterna", "MP": "Miljöpartiet"}

# the ordförande in lay words (each a regex fragment, matched case-insensitively)
CHAIR_PHRASES = (
    r"\bchef(?:en)? (?:för|över) (?:mötet|sammanträdet)", r"\bmötesledare", r"\bledde\b", r"\bled the\b",
    r"\bhöll i (?:mötet|sammanträdet|klubban)", r"\bklubbade\b", r"\bklubban\b", r"\bordförandeskap",
    r"\bin charge of the (?:meeting|session)", r"\bran the (?:meeting|session)", r"\bhead(?:ed)? (?:of )?the (?:meeting|session)",
    r"\bpresided", r"\bpresiding",
)
# the sekreterare in other words than "förde protokollet": "tog protokollet", "höll i pennan"
MINUTES_PHRASES = (
    r"\b(?:tog|höll|skötte) (?:i )?protokollet", r"\bhöll i pennan", r"\bnote[- ]?taker",
    r"\btook notes\b", r"\brecorded the minutes",
)
# a reservation in other words: "dissent", "objection entered", "protesterade mot beslutet"
DISSENT_PHRASES = (
    r"\bdissent", r"\bobjection", r"\bobjected\b", r"\bprotesterade mot beslutet", r"\bprotest(?:ed)? against the decision",
    r"\bgick emot beslutet", r"\bmotsatte sig beslutet",
)
# two yrkanden put against each other in other words: "which parties disagreed?", "var de oense?"
DISAGREE_PHRASES = (
    r"\bdisagre", r"\boense\b", r"\boeniga\b", r"\binte överens\b", r"\bolika meningar", r"\bdelade meningar",
    r"\bskilda meningar", r"\bmeningsskiljaktighet", r"\bconflicting (?:motions|proposals)", r"\bcompeting (?:motions|proposals)",
    r"\bnot agree\b", r"\bdidn'?t agree\b",
)
# who served for a named member: the name follows these words
SUBSTITUTE_PHRASES = (
    r"\bersatte\b", r"\bersätter\b", r"\bersattes\b", r"\bersättare för\b", r"\bersättaren för\b", r"\btjänstgjorde för\b",
    r"\btjänstgör för\b", r"\bträdde in för\b", r"\bhoppade in för\b", r"\bvikarierade för\b", r"\bi (?:stället|stöllet) för\b",
    r"\bistället för\b", r"\breplaced\b", r"\bstood in for\b", r"\bsat in for\b", r"\bfilled in for\b",
    r"\bsubstitut\w* for\b", r"\bin place of\b", r"\bdeputi[sz]ed for\b",
)
MONTHS_EN = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
             "november", "december")
# words of fact questions that never name a matter
QUESTION_WORDS = {"yrkade", "yrkanden", "yrkande", "reservationer", "reservation", "reserverade", "röstade",
                   "ärendet", "mötet", "sammanträdet", "protokollet", "ordförande", "sekreterare", "justerare",
                   "närvarande", "lämnades", "antecknades", "anmälde", "omröstning", "propositionsordning",
                   "ersättare", "tjänstgörande", "vilka", "vilken", "vilket", "frågan", "sammanträde", "möte",
                   "enligt", "närvarolistan", "närvarolista", "mötets", "sammanträdets", "protokollets", "yrkandet",
                   "chaired", "chair", "meeting", "committee", "board", "members", "member", "present", "absent",
                   "attended", "voted", "reservations", "recorded", "secretary", "proposed", "which", "there",
                   "anybody", "someone", "anyone", "where", "parties", "party", "partiet", "partier", "ledamöter",
                   "fanns", "finns", "deltog", "hände", "gjorde", "blev", "utsåg", "valdes", "någon", "några",
                   "nämnden", "nämndens", "kommunen", "kommunens", "styrelsen", "styrelsens", "utskottet", "utskottets",
                   }
# further words of fact questions, skipped as whole words only ("tjänstemän" must not hide
# "tjänstemannasvaret", a matter's word)
KIND_WORDS = {
                   "förde", "protokollförare", "ledde", "sammanträdde", "träffades", "fysiskt", "länge",
                   "höll", "hölls", "började", "slutade", "startade", "avslutades", "pågick", "skrev", "under",
                   "undertecknade", "signerade", "signed", "minutes", "justeraren", "ordföranden", "sekreteraren",
                   "tjänstepersoner", "tjänstemän", "utöver", "ledamöterna", "ledamot", "beslutande", "voting",
                   "officials", "gånger", "många", "ställa", "ställde", "varandra", "yrkanden", "against", "other",
                   "times", "antal", "number", "extra", "extrainsatt", "extrainsatta", "styrelsemöte",
                   "styrelsemötet", "board's", "avstod", "tjänstgöra", "tjänstgjorde", "conflict", "interest",
                   "interests", "propositionsordningen", "omröstningen", "voteringen", "votering", "hennes", "hans",
                   "deras", "föll", "vann", "segrade", "bifölls", "avslogs", "entered", "reserved", "teams",
                   "digitalt", "distans", "plats", "lokal", "klockan", "person", "people", "took", "part",
                   "lasted", "long", "held", "physically", "did", "were", "signature", "secretary",
                   *MONTHS_SV, *MONTHS_EN}
# "med", "närvarande": a post asked about is asked about as present ("Var kanslichefen med?")
PRESENT_WORDS = re.compile(r"\bmed\b|\bnärvar|\bpresent\b|\bthere\b|\battend", re.IGNORECASE)
# capitalised words that name no person ("Social Democrats", "VästKom Styrelse")
NOT_NAMES = {"committee", "board", "council", "party", "democrats", "democrat", "moderates", "styrelse", "styrelsen",
             "nämnd", "nämnden", "fullmäktige", "utskott", "utskottet", "kommun", "kommunen", "region", "regionen"}
# months as they are abbreviated ("16 sept 2020", "22 jun"): only beside a day or a year
MONTH_ABBREVIATIONS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
                       "okt": 10, "oct": 10, "nov": 11, "dec": 12}


def alternation(phrases: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(phrases), re.IGNORECASE)


CHAIR_RE = alternation(CHAIR_PHRASES)
DISSENT_RE = alternation(DISSENT_PHRASES)
DISAGREE_RE = alternation(DISAGREE_PHRASES)
SUBSTITUTE_RE = alternation(SUBSTITUTE_PHRASES)
MONTH_ABBR_RE = re.compile(r"\b(\d{1,2})\.?\s+(" + "|".join(MONTH_ABBREVIATIONS) + r")\.?(?:\s+(\d{4}))?\b"
                           r"|\b(" + "|".join(MONTH_ABBREVIATIONS) + r")\.?\s+(\d{4})\b", re.IGNORECASE)


def month_abbreviation(question: str) -> tuple[str | None, str | None, str | None] | None:
    """(year, month, day) of an abbreviated month beside a day or a year: "16 Sept 2020", "jun 2023"."""
    m = MONTH_ABBR_RE.search(question)
    if not m:
        return None
    if m[2]:
        return m[3], f"{MONTH_ABBREVIATIONS[m[2].lower()]:02d}", f"{int(m[1]):02d}"
    return m[5], f"{MONTH_ABBREVIATIONS[m[4].lower()]:02d}", None
