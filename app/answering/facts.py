"""Answers from protocol facts: roles, attendance, yrkanden, propositionsordning, votes,
reservations, protokollsanteckningar and jäv, each line cited to the chunk that holds it.

`answer_from_facts` returns None for a question that is not about these, so the normal
pipeline runs. A protocol the parser read completely gives true negatives ("Inga
reservationer antecknades vid … [1]"); one it did not read whole gives none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from namndsok.facts import Cite, ProtocolFacts
from namndsok.identifiers import PARA_REF_RE
from namndsok.ingest.protocol import name_key
from namndsok.model import Hit

from .result import Answer

# party names (Swedish, genitive, English) → letters
PARTY_WORDS: dict[str, str] = {
    "socialdemokraterna": "S", "socialdemokrat": "S", "social democrats": "S", "social democratic": "S",
    "moderaterna": "M", "moderat": "M", "moderates": "M", "moderate party": "M",
    "sverigedemokraterna": "SD", "sverigedemokrat": "SD", "sweden democrats": "SD",
    "centerpartiet": "C", "centerpartist": "C", "centre party": "C", "center party": "C",
    "vänsterpartiet": "V", "vänsterpartist": "V", "left party": "V",
    "liberalerna": "L", "liberal": "L",
    "kristdemokraterna": "KD", "kristdemokrat": "KD", "christian democrats": "KD",
    "miljöpartiet": "MP", "miljöpartist": "MP", "green party": "MP",
}
PARTY_LETTERS = ("SD", "KD", "MP", "S", "M", "C", "V", "L")
PARTY_FULL = {"S": "Socialdemokraterna", "M": "Moderaterna", "SD": "Sverigedemokraterna", "C": "Centerpartiet",
              "V": "Vänsterpartiet", "L": "Liberalerna", "KD": "Kristdemokraterna", "MP": "Miljöpartiet"}

# what a question asks about (first match wins for the kind; several may apply)
KIND_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("jav", re.compile(r"\bjäv|\bconflict of interest|\brecus", re.IGNORECASE)),
    ("reservation", re.compile(r"\breserv", re.IGNORECASE)),
    ("anteckning", re.compile(r"anteckning", re.IGNORECASE)),
    ("vote", re.compile(r"\bröstade|\bomröstning|\bvotering|\bvot(?:e|ed|ing)\b|\bröster\b", re.IGNORECASE)),
    ("proposition", re.compile(r"propositionsordning|vems yrkande|vilket yrkande (?:vann|bifölls|gick igenom)|\bvann\b|which (?:motion|proposal) (?:won|passed)", re.IGNORECASE)),
    ("yrkande", re.compile(r"\byrka|\byrkande|\bpropos(?:e|ed|al)|\bmoved\b", re.IGNORECASE)),
    ("attendance", re.compile(r"närvar|\bdeltog|\bdeltagare|ersättare|tjänstgör|frånvar|\battend|\bpresent\b|\babsent\b", re.IGNORECASE)),
    ("role", re.compile(r"\b(?:vice )?ordförande|\bordf\b|\bsekreterare|\bjuster|\bchair|\bsecretary|\bpresided", re.IGNORECASE)),
]
ROLE_WORDS = [("vice ordförande", re.compile(r"vice ordf|vice chair", re.IGNORECASE)),
              ("ordförande", re.compile(r"(?<!vice )ordförande|\bordf\b|\bchair|presided", re.IGNORECASE)),
              ("sekreterare", re.compile(r"sekreterare|secretary", re.IGNORECASE)),
              ("justerare", re.compile(r"juster", re.IGNORECASE))]
# a role question needs a "who" or the like: "Vad sa ordföranden om …" is not one
WHO_RE = re.compile(r"\b(?:vem|vilka|vilken|vilket|vilken person|namn|who|which)\b", re.IGNORECASE)
_WORD_RE = re.compile(r"[a-zåäöéü]{5,}")
# words of fact questions that never name a matter
_QUESTION_WORDS = {"yrkade", "yrkanden", "yrkande", "reservationer", "reservation", "reserverade", "röstade",
                   "ärendet", "mötet", "sammanträdet", "protokollet", "ordförande", "sekreterare", "justerare",
                   "närvarande", "lämnades", "antecknades", "anmälde", "omröstning", "propositionsordning",
                   "ersättare", "tjänstgörande", "vilka", "vilken", "vilket", "frågan", "sammanträde", "möte",
                   "enligt", "närvarolistan", "närvarolista", "mötets", "sammanträdets", "protokollets", "yrkandet",
                   "chaired", "chair", "meeting", "committee", "board", "members", "member", "present", "absent",
                   "attended", "voted", "reservations", "recorded", "secretary", "proposed", "which", "there",
                   "anybody", "someone", "anyone", "where", "parties", "party", "partiet", "partier", "ledamöter",
                   "fanns", "finns", "deltog", "hände", "gjorde", "blev", "utsåg", "valdes", "någon", "några",
                   "nämnden", "nämndens", "styrelsen", "styrelsens", "utskottet", "utskottets"}
# which part of a närvarolista a question asks for (none named: all of it)
ATTENDANCE_ASKED = [("frånvarande", re.compile(r"frånvar|\babsent|\bmissing", re.IGNORECASE)),
                    ("ersättare", re.compile(r"ersättare|tjänstgör|substitut|deputy", re.IGNORECASE)),
                    ("övrig", re.compile(r"övriga|tjänstem|officials|staff", re.IGNORECASE))]
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
    date: str | None
    organ_words: list[str]
    subject: list[str]  # word stems naming a matter
    question: str = ""


def party_of_text(text: str) -> str | None:
    """The party a text names: "Socialdemokraterna", "S", "(SD)", "the Moderates"."""
    low = text.lower()
    for word, letter in sorted(PARTY_WORDS.items(), key=lambda kv: -len(kv[0])):
        if word in low:
            return letter
    for letter in PARTY_LETTERS:
        if re.search(rf"(?<![\w-]){letter}(?![\w-])", text):
            return letter
    return None


def _stems(text: str) -> set[str]:
    return {w[:6] for w in _WORD_RE.findall(text.lower())}


def scope_of(question: str, protocols: list[ProtocolFacts]) -> Scope | None:
    kinds = [k for k, pat in KIND_RULES if pat.search(question)]
    if not kinds:
        return None
    roles = [r for r, pat in ROLE_WORDS if pat.search(question)]
    if kinds == ["role"] and not WHO_RE.search(question):
        return None
    if "role" in kinds and "proposition" not in kinds and len(kinds) > 1 and roles and not WHO_RE.search(question):
        kinds.remove("role")
    qkey = name_key(question)
    person = None
    for p in protocols:
        for name in _names(p):
            k = name_key(name)
            if k in qkey or (k.split(" ")[-1] in qkey.split(" ") and len(k.split(" ")[-1]) > 4):
                person = k
                break
        if person:
            break
    without_names = question
    for p in protocols:
        for name in _names(p):
            without_names = re.sub(re.escape(name) + "s?", " ", without_names)
    party = party_of_text(without_names)
    para = PARA_REF_RE.search(question)
    date = re.search(r"\b(\d{4}-\d{2}-\d{2}|\d{4})\b", question)
    organ_stems = {s for p in protocols for s in _stems(p.meeting.organ or "")}
    q_stems = _stems(without_names)
    organ_words = sorted(q_stems & organ_stems)
    if "västkom" in question.lower():
        organ_words.append("västko")
    skip = _stems(" ".join(_QUESTION_WORDS)) | organ_stems | _stems(" ".join(PARTY_WORDS))
    return Scope(kinds, roles, person, party, para["num"] if para else None, date[1] if date else None,
                 organ_words, sorted(q_stems - skip), question)


def _names(p: ProtocolFacts) -> list[str]:
    names = [a.person for a in p.attendance] + [r.person for r in p.roles if r.person]
    names += [y.person for y in p.yrkanden] + [n for r in p.reservations for n in r.persons]
    return list(dict.fromkeys(names))


def meeting_name(p: ProtocolFacts) -> str:
    return " ".join(x for x in (p.meeting.organ, p.meeting.date) if x) or p.source


def select_protocols(protocols: list[ProtocolFacts], scope: Scope, filters=None,
                     texts: dict[tuple[str, int], str] | None = None) -> list[ProtocolFacts]:
    out = []
    for p in protocols:
        organ = (p.meeting.organ or "").lower()
        if filters is not None:
            if getattr(filters, "organ", None) and filters.organ.lower() not in organ:
                continue
            if getattr(filters, "doc_type", None) not in (None, "", "protokoll", "kallelse"):
                continue  # a tjänsteutlåtande or a report holds no protocol
            if getattr(filters, "source", None) and filters.source != p.source:
                continue
            if getattr(filters, "date_from", None) and not (p.meeting.date and p.meeting.date >= filters.date_from):
                continue
            if getattr(filters, "date_to", None) and not (p.meeting.date and p.meeting.date <= filters.date_to):
                continue
        if scope.organ_words and not any(w in _stems(organ) for w in scope.organ_words):
            continue
        if scope.date and not (p.meeting.date or "").startswith(scope.date):
            continue
        if scope.paragraph and not any(lab.endswith(f"§ {scope.paragraph}") for lab in p.paragraphs):
            continue
        if len(scope.subject) >= SUBJECT_MIN_WORDS and texts is not None:
            # "Who chaired the SRO meeting?" names a meeting that is no parsed protocol
            low = texts.get((p.sha256, p.meeting.cite.start), "")
            if sum(1 for w in scope.subject if w in low) < SUBJECT_MIN_SHARE * len(scope.subject):
                continue
        out.append(p)
    return out


class _Citer:
    """Markers for cited facts: one per chunk, in order of first use."""

    def __init__(self, searcher) -> None:
        self.searcher = searcher
        self.hits: list[Hit] = []
        self.highlights: dict[int, list[str]] = {}
        self._by_chunk: dict[int, int] = {}
        self._docs = {d.sha256: d for d in searcher.index.documents}

    def mark(self, cite: Cite) -> str:
        chunk = self._chunk(cite)
        if chunk is None:
            return ""
        n = self._by_chunk.setdefault(chunk.id, len(self.hits))
        if n == len(self.hits):
            self.hits.append(Hit(chunk, 1.0, {"facts": 1.0}))
        doc = self._docs.get(cite.sha256)
        if doc is not None:
            for line in doc.text[cite.start:cite.end].split("\n"):
                line = line.strip()
                if line and line not in self.highlights.setdefault(n, []):
                    self.highlights[n].append(line)
        return f" [{n + 1}]"

    def _chunk(self, cite: Cite):
        best = None
        for c in _chunks_of(self.searcher).get(cite.sha256, []):
            if not (c.start <= cite.start < c.end):
                continue
            if c.end >= cite.end:
                return c
            best = best or c
        return best


def _cached(searcher, key: str, build):
    """A table built once per loaded index (kept on the searcher: a new index means a new searcher)."""
    cache = searcher.__dict__.setdefault("_protocol_facts_cache", {})
    if key not in cache:
        cache[key] = build()
    return cache[key]


def _chunks_of(searcher) -> dict[str, list]:
    def build():
        out: dict[str, list] = {}
        for c in searcher.chunks:
            out.setdefault(c.doc_sha256, []).append(c)
        return out
    return _cached(searcher, "chunks", build)


def _who(name: str, party: str | None) -> str:
    return f"{name} ({party})" if party else name


def _section_matches(label: str, p: ProtocolFacts, scope: Scope, titles: dict[str, str]) -> bool:
    if scope.paragraph and not label.endswith(f"§ {scope.paragraph}"):
        return False
    if scope.subject:
        return bool(_stems(titles.get(label, "")) & set(scope.subject))
    return True


def _titles(searcher, p: ProtocolFacts) -> dict[str, str]:
    doc = next((d for d in searcher.index.documents if d.sha256 == p.sha256), None)
    return {s.label: s.title for s in doc.sections} if doc else {}


def _lines_for(p: ProtocolFacts, scope: Scope, cit: _Citer, titles: dict[str, str]) -> list[str]:
    name = meeting_name(p)
    span = p.range_label()
    subject_known = scope.subject and any(_stems(titles.get(lab, "")) & set(scope.subject) for lab in p.paragraphs)
    if scope.subject and not subject_known:
        scope = Scope(**{**vars(scope), "subject": []})  # the words named no matter here
    in_scope = lambda lab: _section_matches(lab, p, scope, titles)  # noqa: E731
    person_ok = lambda n, party: ((scope.person is None or name_key(n) == scope.person)  # noqa: E731
                                  and (scope.party is None or party == scope.party))
    whole = f"vid {name} ({span})"
    front = p.meeting.cite
    out: list[str] = []
    for kind in scope.kinds:
        if kind == "role":
            for r in p.roles:
                if r.role == "justeringsdatum":
                    if "justerare" in scope.roles:
                        out.append(f"Protokollet justerades {r.date}{cit.mark(r.cite)}")
                    continue
                if (not scope.roles or r.role in scope.roles) and r.person:
                    where = f" (§§ {r.paragraphs})" if r.paragraphs else ""
                    marks = "".join(dict.fromkeys(cit.mark(c) for c in [r.cite, *r.also]))
                    out.append(f"{r.role.capitalize()} vid {name} var {_who(r.person, r.party)}{where}{marks}")
        elif kind == "attendance":
            groups = {"ledamot": "Närvarande ledamöter", "ersättare": "Ersättare", "övrig": "Övriga närvarande",
                      "frånvarande": "Frånvarande"}
            asked = [k for k, pat in ATTENDANCE_ASKED if pat.search(scope.question)]
            for k, title in groups.items():
                if asked and k not in asked:
                    continue
                people = [a for a in p.attendance if a.kind == k and person_ok(a.person, a.party)]
                if not people:
                    continue
                parts = []
                for a in people:
                    extra = f", tjänstgörande för {a.serving_for}" if a.serving_for else ""
                    extra += f", §§ {a.paragraphs}" if a.paragraphs else ""
                    extra += f", {a.function}" if a.function and k == "övrig" else ""
                    parts.append((_who(a.person, a.party) + extra, cit.mark(a.cite)))
                marks = {m for _, m in parts}
                if len(marks) == 1:
                    out.append(f"{title} vid {name}: " + "; ".join(t for t, _ in parts) + marks.pop())
                else:
                    out.append(f"{title} vid {name}: " + "; ".join(t + m for t, m in parts))
            if not p.attendance:
                out.append(f"Protokollet från {name} har ingen närvarolista som kunde läsas{cit.mark(front)}")
        elif kind == "yrkande":
            found = [y for y in p.yrkanden if in_scope(y.section) and person_ok(y.person, y.party)]
            out += [f"{y.section}: {y.text}{cit.mark(y.cite)}" for y in found]
            if not found and p.complete:
                who = f" från {scope.party}" if scope.party else ""
                out.append(f"Inga yrkanden{who} antecknades {whole}{cit.mark(front)}")
        elif kind == "proposition":
            found = [x for x in p.propositions if in_scope(x.section)]
            out += [f"{x.section}: {x.text}{cit.mark(x.cite)}" for x in found]
        elif kind == "vote":
            found = [v for v in p.votes if in_scope(v.section)]
            for v in found:
                head = f"{v.section}: omröstning, {v.ja} ja, {v.nej} nej, {v.avstar or 0} avstår"
                mine = [f"{_who(n, pa)} {c}" for n, pa, c in v.votes if person_ok(n, pa)]
                out.append(head + (" – " + ", ".join(mine) if mine and (scope.party or scope.person) else "")
                           + cit.mark(v.cite))
            if not found and p.complete:
                out.append(f"Ingen omröstning antecknades {whole}{cit.mark(front)}")
        elif kind in ("reservation", "anteckning", "jav"):
            items = {"reservation": p.reservations, "anteckning": p.anteckningar, "jav": p.jav}[kind]
            found = [x for x in items if in_scope(x.section)
                     and (scope.party is None or x.party == scope.party)
                     and (scope.person is None or any(name_key(n) == scope.person for n in _persons_of(x)))]
            for x in found:
                if kind == "jav":
                    out.append(f"{x.section}: {_who(x.person, x.party)} anmälde jäv{cit.mark(x.cite)}")
                else:
                    out.append(f"{x.section}: {_verbatim(cit, x.cite)}{cit.mark(x.cite)}")
            if not found and p.complete:
                none = {"reservation": "Inga reservationer antecknades", "anteckning": "Inga protokollsanteckningar antecknades",
                        "jav": "Ingen jäv anmäldes"}[kind]
                out.append(f"{none} {whole}{cit.mark(front)}")
    return out


def protocol_texts(searcher, protocols: list[ProtocolFacts]) -> dict[tuple[str, int], str]:
    """Each protocol's text, lower-cased: from its front matter to the end of its last §."""
    docs = {d.sha256: d for d in searcher.index.documents}
    out = {}
    for p in protocols:
        doc = docs.get(p.sha256)
        if doc is None:
            continue
        ends = [s.end for s in doc.sections if s.label in p.paragraphs and s.start >= p.meeting.cite.start]
        out[(p.sha256, p.meeting.cite.start)] = doc.text[p.meeting.cite.start: max(ends, default=len(doc.text))].lower()
    return out


def _about_them(chosen: list[ProtocolFacts], scope: Scope) -> list[ProtocolFacts]:
    """A person's protocols only; a party's only where it sat (unless it sat nowhere)."""
    if scope.person:
        chosen = [p for p in chosen if any(name_key(n) == scope.person for n in _names(p))]
    if scope.party:
        with_party = [p for p in chosen if any(a.party == scope.party for a in p.attendance)
                      or any(y.party == scope.party for y in p.yrkanden)]
        chosen = with_party or chosen
    return chosen


def _persons_of(x) -> list[str]:
    return list(getattr(x, "persons", None) or [getattr(x, "person", "")])


def _verbatim(cit: _Citer, cite: Cite) -> str:
    doc = cit._docs.get(cite.sha256)
    return re.sub(r"\s+", " ", doc.text[cite.start:cite.end]).strip() if doc else ""


def answer_from_facts(question: str, searcher, filters=None) -> Answer | None:
    """A cited answer from the protocol facts, or None when the question is not about them."""
    protocols: list[ProtocolFacts] = list(getattr(searcher.index, "facts", None) or [])
    if not protocols:
        return None
    scope = scope_of(question, protocols)
    if scope is None:
        return None
    texts = _cached(searcher, "texts", lambda: protocol_texts(searcher, protocols)) if len(scope.subject) >= SUBJECT_MIN_WORDS else None
    chosen = select_protocols(protocols, scope, filters, texts)
    chosen = _about_them(chosen, scope)
    if not chosen:
        return None
    cit = _Citer(searcher)
    lines: list[str] = []
    for p in chosen:
        lines += _lines_for(p, scope, cit, _titles(searcher, p))
    lines = [ln for ln in lines if ln.rstrip().endswith("]")]  # a line must carry its source
    if not lines:
        return None
    return Answer(question, "\n".join(lines), False, cit.hits, list(cit.hits), "facts", highlights=cit.highlights,
                  outcome="answer", reason=None, note="Svar ur protokollens uppgifter (närvaro, yrkanden, beslut).")
