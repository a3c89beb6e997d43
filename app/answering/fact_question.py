"""What a question about protocol facts asks: the kind of fact (role, attendance, meeting place
and time, signing time, yrkande, propositionsordning, vote, reservation, jäv), which role,
person, party, §, meeting and matter it names, and whether it asks for a count.

Read in the asker's words: "förde protokollet" is the sekreterare, "ledde mötet" and
"chaired" the ordförande, "skrev under" a signature, "fysiskt"/"via Teams" the meeting's
place, "hur många" a count. A question about anything else gives None (the normal pipeline).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from namndsok.dates import MONTHS
from namndsok.facts import ProtocolFacts
from namndsok.identifiers import PARA_REF_RE
from namndsok.ingest.protocol import name_key

from .fact_words import (CHAIR_PHRASES, DISAGREE_PHRASES, DISAGREE_RE, DISSENT_PHRASES, KIND_WORDS,
                         MINUTES_PHRASES, MONTHS_EN, NOT_NAMES, PARTY_LETTERS, PARTY_WORDS, PRESENT_WORDS,
                         QUESTION_WORDS, SUBSTITUTE_PHRASES, SUBSTITUTE_RE, month_abbreviation)
from .question import YEAR_RE

_I = re.IGNORECASE
# "avstod från att tjänstgöra" is jäv, not attendance: these phrases are read as jäv and then
# taken out of the question before the other kinds are looked for
JAV_PHRASES = re.compile(r"\bjäv|\bconflict of interest|\brecus|avst(?:od|år|ått) från att (?:delta|tjänstgöra)"
                         r"|deltog inte i (?:handläggningen|beslutet|behandlingen)|lämnade (?:lokalen|rummet|salen)"
                         r"|did not take part in the decision|left the room", _I)
SIGN_WORDS = re.compile(r"\bskr(?:ev|iver|ivit)\b(?:\s+[\w-]+){0,4}?\s+under\b|undertecknade|undertecknat|signerade|signerat|\bsign(?:ed|ature)\b"
                        r"|\bsign\b|e-sign|underskrift|\bsigna", _I)
WHEN_WORDS = re.compile(r"\bnär\b|\bvilken tid|\bvilket klockslag|\bklockan\b|\bwhen\b|\bwhat time\b|\bat what time|\bdatum", _I)
COUNT_WORDS = re.compile(r"\bhur många\b|\bhur stort antal|\bantal(?:et)?\b|\bhow many\b|\bnumber of\b|\bcount\b", _I)
# a count of times ("hur många gånger") is a count of §§, not of people
TIMES_WORDS = re.compile(r"\bgånger\b|\btimes\b|\bi hur många (?:ärenden|paragrafer)", _I)
MEETING_WORDS = re.compile(r"\bvar hölls|\bvar träffades|\bvar sammanträdde|\bplats\b|\blokal\b|\bfysisk|\bpå plats\b"
                           r"|\bin person\b|\bdigital|\bvia teams\b|\bteams\b|\bzoom\b|\bpå distans\b|\bdistansmöte"
                           r"|\bhur länge\b|\bhow long\b|\bwhere was\b|\bwhere did\b|\bheld\b|\bbörjade\b|\bslutade mötet"
                           r"|\bstartade\b|\bavslutades\b|\bvilken tid\b|\bwhat time\b|\blasted\b|\bpågick\b|\bhöll (?:mötet|sammanträdet) på\b"
                           r"|\bnär (?:hölls|sammanträdde|träffades|ägde)|\bvilket datum|\bwhen (?:was|did)\b", _I)

# place and time words ask about the meeting only beside a meeting's name ("Vilken plats har
# Sverige i rankingen?" and "Hur länge gäller avtalet?" do not)
MEETING_NOUNS = re.compile(r"möte|sammanträd|träffades|\bmeeting|\bmet\b|\bsession", _I)
# an organ's name ("kommunfullmäktige", "byggnadsnämnden"): a question naming one that no
# parsed protocol is from is not about these protocols
ORGAN_WORD = re.compile(r"\b\w{3,}(?:nämnd|nämnden|nämndens|styrelse|styrelsen|styrelsens|fullmäktige|fullmäktiges"
                        r"|utskott|utskottet|utskottets|rådet|rådets|förbundet|förbundets)\b", _I)

# what someone named was at a meeting: their post in the närvarolista ("1:e vice ordf.",
# "Ekonomidirektör") or the municipality they sat for ("Theres Sahlström, Skövde"); asked
# without a name ("Vilken roll har förvaltningen?") these words are no protocol question
PERSON_POST = re.compile(r"\broll(?:en)?\b|\bfunktion(?:en)?\b|\bbefattning|\brole\b|\bposition\b|\bjob title\b"
                         r"|\bparti(?:et)?\b|\bparty\b|\btillhör|\bbelong"
                         r"|\brepresent|\bföreträd|\bsatt för\b|\bsat for\b|\bmunicipality\b|\bvilken kommun\b", _I)
# "Was Eva Wetterstrand at the meeting?", "Var Peter Freme med på mötet?"
ATTENDED = re.compile(r"^\s*(?:was|were|var|satt)\b|\bvar\b.{0,40}\b(?:med|på|vid|närvarande)\b", _I)
# "Who represented Stenungsund?", "Vem företrädde Borås?": the place a member sat for
REPRESENTED = re.compile(r"\b(?:represent(?:ed|s)?|representerade|representerar|företrädde|företräder|satt för|sat for)\s+([\w-]{3,})", _I)
# what someone named proposed, in other words than "yrka": "ville Furustrand bifalla?"
PERSON_PROPOSED = re.compile(r"\bbifalla|\bavslå\b|\bföreslog\b|\bföreslagit\b|\bville\b.{0,40}\b(?:bifall|avslag|ändra)"
                             r"|\btyckte\b|\bansåg\b|\bståndpunkt|\bstance\b|\bthink\b|\bthought\b|\bposition\b"
                             r"|\bsuggest|\bwant(?:ed)? to (?:approve|reject)", _I)

# what a question asks about (several may apply; the order is the order of the answer's lines)
KIND_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("jav", JAV_PHRASES),
    ("reservation", re.compile(r"\breserv|" + "|".join(DISSENT_PHRASES), _I)),
    ("anteckning", re.compile(r"anteckning", _I)),
    # "voting members" are the beslutande, not a vote
    ("vote", re.compile(r"\bröstade|\bomröstning|\bvotering|\bvoter(?:a|ade)\b|\bvot(?:e|ed|es)\b|\bvoting\b(?! (?:members|rights))"
                        r"|\bröster\b|\bröstsiffr|avst(?:od|odde|ått|år) från att rösta|nedlagda röster|\babstain|\babstention", _I)),
    ("proposition", re.compile(r"propositionsordning|vems yrkande|vilket yrkande (?:vann|bifölls|gick igenom|segrade)|\bvann\b"
                               r"|which (?:motion|proposal) (?:won|passed)|\bföll\b|\bfell\b|\bsegrade\b|\bgick igenom\b|\bprevailed\b"
                               r"|\bmot varandra\b|\bagainst each other\b"
                               r"|\bställ(?:a|de|des|t) (?:\w+ ){0,3}(?:yrkanden|förslag) mot|\bproposition|" + "|".join(DISAGREE_PHRASES), _I)),
    ("yrkande", re.compile(r"\byrka|\byrkande|\bpropos(?:e|ed|al)|\bmoved\b|\bmotion\b|återremi|referred back", _I)),
    ("attendance", re.compile(r"närvar|\bdeltog|\bdeltagare|\bdeltagit|ersättare|tjänstgörande|tjänstgjorde|frånvar"
                              r"|\battend|\bpresent\b|\babsent\b|\bbeslutande\b|\btook part\b|\bparticipa"
                              r"|\btjänsteperson(?:er|erna)?\b|\btjänstemän(?:nen)?\b|\bofficials\b|\bledamöter(?:na)?\b|\bmembers\b"
                              r"|\b(?:var|was|were) (?:där|med|there)\b(?!\s+(?:any|några|något|någon)\b)|\bwho was at\b"
                              r"|\bpartier(?:na)?\b.{0,30}\b(?:representerade|företrädda|med)\b|\bwhich parties\b|" + "|".join(SUBSTITUTE_PHRASES), _I)),
    ("role", re.compile(r"\b(?:vice )?ordförande|\bmötesordförande|\bordf\b|\bsekreterare|\bjuster|\bchair|\bsecretary|\bpresided"
                        r"|förde protokollet|protokollför|skrev protokollet|\bminute|\bledde\b|\bled the\b|" + "|".join(MINUTES_PHRASES)
                        + r"|öppnade\b.{0,30}\b(?:möte|sammanträde)|opened\b.{0,40}\bmeeting|" + "|".join(CHAIR_PHRASES), _I)),
]
ROLE_WORDS = [("vice ordförande", re.compile(r"vice ordf|vice chair", _I)),
              ("ordförande", re.compile(r"(?<!vice )ordförande|\bordf\b|\bchair|presided|\bledde\b|\bled the\b"
                                        r"|mötesordförande|öppnade\b.{0,30}\b(?:möte|sammanträde)|opened\b.{0,40}\bmeeting"
                                        r"|" + "|".join(CHAIR_PHRASES), _I)),
              ("sekreterare", re.compile(r"sekreterare|secretary|förde protokollet|protokollför|skrev protokollet|" + "|".join(MINUTES_PHRASES)
                                         + r"|\bminute[- ]?taker|(?:took|kept|wrote) the minutes", _I)),
              ("justerare", re.compile(r"juster", _I))]
# a role question needs a "who" or the like: "Vad sa ordföranden om …" is not one
WHO_RE = re.compile(r"\b(?:vem|vilka|vilken|vilket|vilken person|namn|who|which)\b", _I)
_ROLE_GENITIVE = re.compile(r"\b(ordförandens|ordförande(?:n)?s|sekreterarens|justerarens|the chair(?:man|person)?'s)\b", _I)
# which part of a närvarolista a question asks for (none named: all of it)
ATTENDANCE_ASKED = [("frånvarande", re.compile(r"frånvar|\babsent|\bmissing|\bsaknades|\binte närvarande|\bnot present", _I)),
                    ("ersättare", re.compile(r"ersättare|tjänstgörande|tjänstgjorde|substitut|deputy|" + "|".join(SUBSTITUTE_PHRASES), _I)),
                    ("övrig", re.compile(r"övriga|\btjänstemän(?:nen)?\b|\btjänsteperson(?:er|erna)?\b|officials|\bstaff\b|\bcivil servants\b"
                                         r"|utöver ledamöterna|förutom ledamöterna|besides the members", _I)),
                    ("beslutande", re.compile(r"\bbeslutande\b|\bvoting members\b|\bledamöter(?:na)?\b|\bmembers\b", _I))]
# every pattern that says what kind of fact is asked: their words never name a matter
# (a meeting named by more than its organ or medium — "vårmötet", "dialogmötet" — is kept: it may
# be another meeting than the protocol's)
_MEETING_COMPOUND = re.compile(r"\b(?:styrelse|nämnd|nämnds|utskotts?|teams|zoom|distans|extra|digitalt?|ordinarie)?"
                               r"(?:möte|mötet|mötes|sammanträde|sammanträdet|meeting)\b", _I)
# "andre vice ordförande", "hösten 2020": an ordinal or a season says which post or when, not what
ORDINAL_SEASON = re.compile(r"\b(?:förste|första|andre|andra|tredje|first|second|third"
                            r"|hösten|våren|sommaren|vintern|autumn|spring|summer|winter)\b", _I)
_FACT_PATTERNS = [JAV_PHRASES, SIGN_WORDS, WHEN_WORDS, COUNT_WORDS, MEETING_WORDS, _MEETING_COMPOUND, ORDINAL_SEASON, PERSON_POST,
                  PERSON_PROPOSED, *(pat for _, pat in KIND_RULES), *(pat for _, pat in ROLE_WORDS),
                  *(pat for _, pat in ATTENDANCE_ASKED)]
_WORD_RE = re.compile(r"[a-zåäöéü]{5,}")
_MONTHS_SV = MONTHS
_MONTHS_EN = MONTHS_EN
_MONTH_RE = re.compile(r"\b(?:(\d{1,2})(?:st|nd|rd|th)?\s+)?(" + "|".join(_MONTHS_SV + _MONTHS_EN[:4] + _MONTHS_EN[5:])
                       + r"|may)\b(?:\s+(\d{4}))?", _I)
# share of a question's other words a protocol's text must hold for the question to be about it
SUBJECT_MIN_SHARE = 0.6
SUBJECT_MIN_WORDS = 2  # one stray word ("fanns") says too little to rule a protocol out


@dataclass
class Scope:
    """What a question restricts the facts to."""

    kinds: list[str]
    roles: list[str]
    person: str | None  # a name_key
    party: str | None
    paragraph: str | None  # "10:7"
    date: tuple[str | None, str | None, str | None] | None  # (year, month, day), any part unknown
    organ_words: list[str]
    subject: list[str]  # word stems naming a matter
    question: str = ""
    count: bool = False  # "hur många": a number first
    times: bool = False  # "hur många gånger": a count of §§
    attendance: list[str] = field(default_factory=list)  # the parts of a närvarolista asked for
    by_role: str | None = None  # "ordförandens yrkande": the yrkanden of whoever held that role
    sections: list[str] | None = None  # the §§ of one protocol the question is about (None: all)
    yrkande_kind: str | None = None  # "återremiss": only yrkanden of that kind
    choice: str | None = None  # "Vem avstod från att rösta?": the voters of that choice
    place: str | None = None  # "Who represented Borås?": the municipality or body a member sat for
    substitute: bool = False  # "Vem ersatte Jonas Attenius?": who served for the person named
    contested: bool = False  # "Which parties disagreed?": only §§ where yrkanden were put against each other


def party_of_text(text: str) -> str | None:
    """The party a text names: "Socialdemokraterna", "S", "(SD)", "the Moderates"."""
    low = text.lower()
    for word, letter in sorted(PARTY_WORDS.items(), key=lambda kv: -len(kv[0])):
        if word in low:
            return letter
    for letter in PARTY_LETTERS:
        if re.search(rf"(?<![\w-]){letter}(?![\w-])", text):
            return letter
    # "S-yrkandet", "m-förslaget", "SD-ledamoten": a party's letters joined to what it did
    if m := re.search(r"(?<![\w-])(sd|kd|mp|s|m|c|v|l)-(?:yrkande|förslag|ledam|grupp|reservation)", low):
        return m[1].upper()
    for letter in PARTY_LETTERS:  # a lower-cased question: "(s)", "hur röstade sd"
        if re.search(rf"\({letter}\)", low, re.IGNORECASE) or (
                len(letter) == 2 and re.search(rf"(?<![\w-]){letter}(?![\w-])", low, re.IGNORECASE)):
            return letter
    return None


def stems(text: str) -> set[str]:
    return {w[:6] for w in _WORD_RE.findall(text.lower())}


def subject_in(entry: str, text: str) -> bool:
    """A subject word (its stem, or "|"-separated stems of its translations) is in a lower-cased text."""
    return any(alt in text for alt in entry.split("|"))


def subject_in_words(entry: str, words: set[str]) -> bool:
    """A subject word begins one of these words' stems (a title's: "drog" is in "drogförebyggande")."""
    return any(w.startswith(alt) for alt in entry.split("|") for w in words)


_ENGLISH_RE = re.compile(r"\b(?:the|who|what|which|did|does|were|was|how|any|whose)\b", _I)


@functools.lru_cache(maxsize=1)
def _english_swedish() -> dict[str, tuple[str, ...]]:
    from .wordlists import WordLists

    return WordLists.load().english


def _subject_entry(word: str, english: bool) -> str:
    """A question word as a subject entry: its stem, and in an English question the stems of its
    Swedish translations ("prevention" → "preven|förebyg")."""
    alts = [word[:6]]
    if english:
        # the word as listed: "schools" is "school", "prepared" "prepare"
        forms = [word, word[:-1] if word.endswith("s") else "", word[:-2] if word.endswith("ed") else "",
                 word[:-1] if word.endswith("ed") else ""]
        listed = next((f for f in forms if f and f in _english_swedish()), word)
        for t in _english_swedish().get(listed, ())[:4]:
            if " " not in t and len(t) >= 4:
                alts.append(t[:6])
    return "|".join(dict.fromkeys(alts))


def _without_fact_words(question: str) -> str:
    """The question with every word that says what kind of fact is asked blanked out, whole
    ("yrkandet", "Teamsmöte", "omröstningen"): what is left may name a matter."""
    chars = list(question)
    for pat in _FACT_PATTERNS:
        for m in pat.finditer(question):
            a, b = m.span()
            while a > 0 and (question[a - 1].isalnum() or question[a - 1] == "-"):
                a -= 1
            while b < len(question) and (question[b].isalnum() or question[b] == "-"):
                b += 1
            chars[a:b] = " " * (b - a)
    return "".join(chars)


@functools.lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    """Swedish and English function words (bm25s's lists): "the", "sin", "vilken"."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_SWEDISH

    return frozenset(w.lower() for w in [*STOPWORDS_SWEDISH, *STOPWORDS_EN_PLUS])


def _stem_lengths(text: str) -> dict[str, int]:
    """Each word's stem → the length of the longest word with that stem."""
    out: dict[str, int] = {}
    for w in _WORD_RE.findall(text.lower()):
        out[w[:6]] = max(out.get(w[:6], 0), len(w))
    return out


def _skipped(word: str, skip: dict[str, int]) -> bool:
    """A form of a skipped word ("sammanträdet"), not a compound that only begins like one
    ("sammanträdestiderna" names a matter)."""
    return word[:6] in skip and len(word) <= skip[word[:6]] + 4


@functools.lru_cache(maxsize=1)
def _stopword_stems() -> dict[str, int]:
    """Function words ("eller", "något", "about") never name a matter (bm25s's Swedish and English lists)."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_SWEDISH

    return _stem_lengths(" ".join([*STOPWORDS_SWEDISH, *STOPWORDS_EN_PLUS]))


def names_of(p: ProtocolFacts) -> list[str]:
    names = [a.person for a in p.attendance] + [r.person for r in p.roles if r.person]
    names += [y.person for y in p.yrkanden] + [n for r in p.reservations for n in r.persons]
    return list(dict.fromkeys(names))


def organ_aliases(p: ProtocolFacts) -> set[str]:
    """What a question may call a protocol's organ: its words and its § labels' prefix ("KSPU")."""
    out = {w for w in re.findall(r"[a-zåäöéü]{4,}", (p.meeting.organ or "").lower())}
    for label in p.paragraphs:
        prefix = label.split("§", 1)[0].strip().lower()
        if len(prefix) >= 2:
            out.add(prefix)
    return out


# "nämnden", "styrelsen" name no organ in particular ("vi" is often written "nämnden")
GENERIC_ORGAN_WORDS = {"nämnd", "nämnden", "nämndens", "styrelse", "styrelsen", "styrelsens", "utskott", "utskottet",
                        "utskottets", "kommun", "kommunen", "kommunens", "board", "committee"}


def organ_heads(question: str) -> list[str]:
    """The organs a question names, each by its head word: "kommunstyrelsens arbetsutskott" is an
    arbetsutskott (not Kommunstyrelsens produktionsutskott), "kommunstyrelsen" itself."""
    heads: list[str] = []
    end = -2
    for m in ORGAN_WORD.finditer(question):
        word = m[0].lower()
        if heads and not question[end:m.start()].strip():
            heads.pop()  # "kommunstyrelsens arbetsutskott": the genitive before the head says whose
        end = m.end()
        heads.append(word)
    return [w for w in heads if w not in GENERIC_ORGAN_WORDS]


def organ_score(words: list[str], p: ProtocolFacts) -> int:
    """How well a question's words name a protocol's organ: 2 for each word as written
    ("kommunstyrelsen"), 1 for an inflected form ("produktionsutskottets", "VästKoms")."""
    score = 0
    for w in words:
        best = 0
        for a in organ_aliases(p):
            if w == a:
                best = 2
            elif min(len(w), len(a)) >= 5 and abs(len(w) - len(a)) <= 4 and (w.startswith(a) or a.startswith(w)):
                best = max(best, 1)
        score += best
    return score


def date_of(question: str) -> tuple[str | None, str | None, str | None] | None:
    """The meeting date a question names: "2020-09-16", "16 september 2020", "juni 2023", "22 June", "2023"."""
    if m := re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", question):
        return m[1], m[2], m[3]
    # "16/9 2020", "22/6": day/month as Swedes write it (not "25/2019", a number and its year)
    if (m := re.search(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])(?:[ -](\d{4})\b)?", question)) \
            and 1 <= int(m[1]) <= 31 and 1 <= int(m[2]) <= 12:
        return m[3], f"{int(m[2]):02d}", f"{int(m[1]):02d}"
    if m := _MONTH_RE.search(question):
        word = m[2].lower()
        month = (_MONTHS_SV.index(word) if word in _MONTHS_SV else _MONTHS_EN.index(word)) + 1
        if word == "may" and not (m[1] or m[3]):
            return None  # the English verb "may"
        return m[3], f"{month:02d}", f"{int(m[1]):02d}" if m[1] else None
    if abbreviated := month_abbreviation(question):
        return abbreviated
    for m in YEAR_RE.finditer(question):
        # "nr 25/2019", "läsåret 2019/2020", "PU 2020/0074": a number's or a school year's, no meeting's
        if "/" not in question[max(0, m.start() - 1):m.end() + 1]:
            return m[0], None, None
    return None


def date_matches(date: tuple[str | None, str | None, str | None] | None, iso: str | None) -> bool:
    if date is None:
        return True
    if not iso:
        return False
    parts = iso.split("-")
    return all(want is None or (len(parts) > i and parts[i] == want) for i, want in enumerate(date))


def kinds_of(question: str) -> list[str]:
    """The kinds of fact a question asks for, in the order its answer gives them."""
    if WHEN_WORDS.search(question) and (SIGN_WORDS.search(question) or re.search(r"\bjuster(?:ades|at|as|ats)\b", question, _I)):
        return ["signed"]  # "När skrev justeraren under?": the signature's time (or the justering's date)
    if SIGN_WORDS.search(question) and WHO_RE.search(question) and re.search(r"protokoll|\bminutes\b", question, _I):
        return ["role"]  # "Vem skrev under protokollet?": its signatories
    kinds = ["jav"] if JAV_PHRASES.search(question) else []
    rest = JAV_PHRASES.sub(" ", question)
    if MEETING_WORDS.search(rest) and MEETING_NOUNS.search(rest):
        kinds.append("meeting")
    kinds += [k for k, pat in KIND_RULES[1:] if pat.search(rest)]
    if "proposition" in kinds:
        # "ordföranden ställde två yrkanden mot varandra" asks for the propositionsordning only
        kinds = [k for k in kinds if k not in ("yrkande", "role", "attendance")]
    if "meeting" in kinds and "attendance" in kinds and not COUNT_WORDS.search(question) and not WHO_RE.search(question):
        kinds.remove("attendance")  # "Träffades ledamöterna fysiskt?" asks where
    return kinds


_NAME_PAIR = re.compile(r"\b([A-ZÅÄÖ][a-zåäöéü]+(?:-[A-ZÅÄÖ][a-zåäöéü]+)?) ([A-ZÅÄÖ][a-zåäöéü]+)\b")


def _other_first_name(question: str, name: str) -> bool:
    """"Anders Svensson" is not Kristofer Svensson: the question puts another first name before the surname."""
    first, last = name.split(" ")[0], name.split(" ")[-1]
    m = re.search(r"\b([A-ZÅÄÖ][\w-]+)\s+" + re.escape(last), question)
    return bool(m) and name_key(m[1]) != name_key(first)


def _unknown_person(question: str) -> bool:
    """The question names someone ("Anders Svensson") — two capitalised words, not at its start,
    not a party or an organ."""
    for m in _NAME_PAIR.finditer(question):
        if m.start() == 0 or m[2].lower() in NOT_NAMES or party_of_text(m[0]) or m[1].lower() in _MONTHS_EN:
            continue
        return True
    return False


def _choice(question: str) -> str | None:
    if re.search(r"avst(?:od|odde|ått|år)|nedlagda|\babstain|\babstention", question, _I):
        return "avstår"
    if re.search(r"röstade nej|\bnej-?röst|voted (?:no|against)", question, _I):
        return "nej"
    if re.search(r"röstade ja|\bja-?röst|voted (?:yes|in favour|in favor)", question, _I):
        return "ja"
    return None


def function_named(question: str, protocols: list[ProtocolFacts]) -> str | None:
    """The function of someone in a närvarolista that a question names in any form ("kanslichefen"
    is the Kanslichef, "Göteborgs" Göteborg), as the list writes it."""
    words = re.findall(r"[a-zåäöéü]{5,}", question.lower())
    for p in protocols:
        organ = organ_aliases(p)  # "Erik Lindskog, VästKom": staff of the organ itself, no post to ask for
        for a in p.attendance:
            f = (a.function or "").lower().strip(" .")
            if len(f) >= 5 and f not in organ and re.fullmatch(r"[a-zåäöéü]+", f) and any(w.startswith(f) and len(w) <= len(f) + 3 for w in words):
                return a.function
    return None


def person_named(question: str, protocols: list[ProtocolFacts]) -> str | None:
    """The name_key of the protocols' person a question names: the whole name, or the surname
    alone ("Fletcher", "Fletchers yrkande") unless another first name stands before it."""
    qkey = name_key(question)
    q_tokens = set(re.findall(r"[\w:]+", qkey))
    for p in protocols:
        for name in names_of(p):
            k = name_key(name)
            last = k.split(" ")[-1]
            if k in qkey or (len(last) > 4 and (last in q_tokens or last + "s" in q_tokens)
                             and not _other_first_name(question, name)):
                return k
    return None


def scope_of(question: str, protocols: list[ProtocolFacts]) -> Scope | None:
    # however it is typed: extra spaces, a trailing "tack", no "?"
    question = re.sub(r"[\s,]*\btack\W*$", "", " ".join(question.split()), flags=_I)
    kinds = kinds_of(question)
    place = None
    if not kinds:
        # about someone the protocols name, in other words: "Vilken roll hade Mathias Lindow?",
        # "Vilka åtgärder ville Furustrand bifalla?", "Vad föreslog Socialdemokraterna?"
        named = person_named(question, protocols)
        if named and (PERSON_POST.search(question) or (MEETING_NOUNS.search(question) and ATTENDED.search(question))):
            kinds = ["attendance"]
        elif named is None and (m := REPRESENTED.search(question)) and m[1].lower() not in _function_words():
            # a party is filtered as a party; a place is written as places are, however it was typed
            kinds, place = ["attendance"], None if party_of_text(m[1]) else m[1][0].upper() + m[1][1:]
        elif (named or party_of_text(question)) and PERSON_PROPOSED.search(question):
            kinds = ["yrkande"]
        elif (fn := function_named(question, protocols)) and (ATTENDED.search(question) or WHO_RE.search(question)) \
                and (MEETING_NOUNS.search(question) or PRESENT_WORDS.search(question)):
            # "Var kanslichefen med?", "Vem var ekonomidirektör på mötet?": a post, not a name
            kinds, place = ["attendance"], fn
        else:
            return None
    if kinds == ["attendance"] and place is None and not person_named(question, protocols):
        place = function_named(question, protocols)  # "Var ekonomidirektören närvarande?"
    roles = [r for r, pat in ROLE_WORDS if pat.search(question)]
    if kinds == ["role"] and not roles and SIGN_WORDS.search(question):
        roles = ["ordförande", "sekreterare", "justerare"]  # those who sign a protocol
    if "attendance" in kinds and "role" in kinds and not roles:
        kinds.remove("role")
    if kinds == ["role"] and not WHO_RE.search(question):
        return None
    if "role" in kinds and "proposition" not in kinds and len(kinds) > 1 and roles and not WHO_RE.search(question):
        kinds.remove("role")
    if "role" in kinds and len(kinds) > 1 and roles and WHO_RE.search(question) and kinds[-1] == "role" \
            and "attendance" in kinds and not COUNT_WORDS.search(question):
        kinds = ["role"]  # "Vem var ordförande och deltog …" asks for the role
    by_role = None
    if m := _ROLE_GENITIVE.search(question):
        if any(k in kinds for k in ("yrkande", "reservation", "vote", "jav", "anteckning")):
            by_role = "ordförande" if m[1].lower().startswith(("ordf", "chair")) else "sekreterare" \
                if m[1].lower().startswith(("sekr", "secr")) else "justerare"
            kinds = [k for k in kinds if k != "role"]  # "ordförandens yrkande" asks for the yrkande
    named_organs = organ_heads(question)
    if named_organs and not any(organ_score(named_organs, p) for p in protocols):
        return None  # "Hur många ledamöter har kommunfullmäktige?" with no fullmäktige protocol
    person = person_named(question, protocols)
    if person is None and _unknown_person(question):
        return None  # "Vad yrkade Anders Svensson?": no parsed protocol names him
    if kinds == ["signed"] and not roles and not person and not re.search(r"protokoll|\bminutes\b|justering", question, _I):
        return None  # "När skrev förvaltningen under avtalet?" is no protocol's signature
    without_names = question
    for p in protocols:
        for name in names_of(p):
            without_names = re.sub(re.escape(name) + "s?", " ", without_names, flags=_I)
    party = party_of_text(without_names)
    para = PARA_REF_RE.search(question)
    q_words = set(re.findall(r"[a-zåäöéü]+", without_names.lower()))
    organ_words = sorted(w for w in q_words - GENERIC_ORGAN_WORDS if any(organ_score([w], p) for p in protocols))
    english = bool(_ENGLISH_RE.search(question))
    if english and not organ_words:
        # "the production committee": an English word whose Swedish translation begins the organ's name
        aliases = {a for p in protocols for a in organ_aliases(p)}
        translated = {t[:6] for w in q_words - GENERIC_ORGAN_WORDS for t in _english_swedish().get(w, ())[:4]
                      if len(t) >= 6 and " " not in t}
        organ_words = sorted(a for a in aliases if any(a.startswith(t) for t in translated))
    skip = dict(_stopword_stems())
    for st, n in _stem_lengths(" ".join([*QUESTION_WORDS, *organ_words, *PARTY_WORDS])).items():
        skip[st] = max(n, skip.get(st, 0))
    q_stems = {_subject_entry(w, english) for w in _WORD_RE.findall(_without_fact_words(without_names).lower())
               if w not in KIND_WORDS and not _skipped(w, skip)}
    asked = [k for k, pat in ATTENDANCE_ASKED if pat.search(question)]
    if "beslutande" in asked and len(asked) > 1 and (not re.search(r"\bbeslutande\b|\bvoting\b", question, _I) or re.search(
            r"\b(?:utöver|förutom|besides|apart from|other than)\s+(?:de\s+|the\s+)?(?:beslutande|ledamöterna|voting members|members)\b",
            question, _I)):
        asked.remove("beslutande")  # "tjänstepersoner utöver ledamöterna", "members absent"
    count = bool(COUNT_WORDS.search(question))
    kind = "återremiss" if re.search(r"återremi|referred back", question, _I) else \
        "avslag" if re.search(r"\bavslag|\breject", question, _I) and "yrkande" in kinds else None
    # an English word whose Swedish translation begins the organ's name ("production") names the organ
    aliases = {a for p in protocols for a in organ_aliases(p)}
    subject = sorted(e for e in q_stems if e.split("|")[0] not in {"återre", "avslag", "reject"}
                     and not any(al.startswith(alt) for alt in e.split("|")[1:] for al in aliases))
    return Scope(kinds, roles, person, party, para["num"] if para else None, date_of(question), organ_words,
                 subject, question, count, count and bool(TIMES_WORDS.search(question)),
                 asked, by_role, yrkande_kind=kind, choice=_choice(question) if "vote" in kinds else None,
                 place=place, substitute=bool(person and SUBSTITUTE_RE.search(question)),
                 contested=bool(DISAGREE_RE.search(question)))
