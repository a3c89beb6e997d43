"""Decisions and matters (ärenden) from the parsed sections of an index.

A decision row is a section's decision text with its class: `beslut` (the organ decided)
or `förslag` (a proposal, never shown as a decision), plus what else the section records
(yrkande, reservation, omröstning, bordläggning, återremiss); who moved and reserved what,
the propositionsordning and the vote come from the protocol facts (ingest/protocol.py). A matter is the set of
sections sharing a normalised dnr, oldest first; a section without a dnr whose title
clearly names the same subject is linked as *inferred*, with the evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from namndsok.facts import continued
from namndsok.identifiers import find_dnr_keys, key_matches
from namndsok.index.lexical import tokenize
from namndsok.index.search import Filters
from namndsok.ingest.chunk import citation_for
from namndsok.model import Citation, Document, Section

KIND_LABELS = {"beslut": "Beslut", "förslag": "Förslag till beslut"}
EVENT_RULES = {
    "yrkande": re.compile(r"\byrkar\b|\byrkande", re.IGNORECASE),
    "reservation": re.compile(r"\breserver(ar|ade|ation)", re.IGNORECASE),
    "omröstning": re.compile(r"\bomröstning\b", re.IGNORECASE),
    "bordläggning": re.compile(r"\bbordl(ägg|agt|ägga)", re.IGNORECASE),
    "återremiss": re.compile(r"\båterremi(ss|tter|tteras|tterar|tterades)", re.IGNORECASE),
}


@dataclass
class Motion:
    """Who moved what (yrkande) or who entered a reservation, as written."""

    who: str
    kind: str  # "yrkande" or "reservation"
    text: str


def _who(name: str, party: str | None) -> str:
    return f"{name} ({party})" if party else name


def _from_verb(sentence: str, verb: str) -> str:
    """`Anna Berg (S) yrkar att …` → `yrkar att …` (the mover is in `who`)."""
    at = sentence.find(verb)
    return " ".join((sentence[at:] if at >= 0 else sentence).split())


@dataclass
class SectionFacts:
    """What the protocol facts (namndsok/facts.py, the one parser of them) record for a §."""

    motions: list[Motion] = field(default_factory=list)
    proposition: str | None = None
    vote: dict[str, Any] | None = None


def facts_by_section(index: Any) -> dict[tuple[str, str], SectionFacts]:
    """(document hash, § label) → its yrkanden, reservations, propositionsordning and vote, from
    the protocol facts of a StoredIndex or a Searcher (an index without facts gives none)."""
    protocols = getattr(index, "facts", None)
    if protocols is None and hasattr(index, "index"):
        protocols = getattr(index.index, "facts", None)
    out: dict[tuple[str, str], SectionFacts] = {}
    docs = {d.sha256: d for d in getattr(index, "documents", None) or []}
    for p in protocols or []:
        rows: list[tuple[int, str, Motion]] = []
        doc = docs.get(p.sha256)
        for y in p.yrkanden:
            # "… innebärande att" goes on in the list below it
            c = continued(doc.text, y.cite) if doc is not None else y.cite
            text = " ".join(doc.text[c.start:c.end].split()) if c is not y.cite else y.text
            rows.append((y.cite.start, y.section, Motion(_who(y.person, y.party), "yrkande", _from_verb(text, "yrkar"))))
        for r in p.reservations:
            who = ", ".join(_who(n, r.party) for n in r.persons) or (r.party or "")
            text = "reserverar sig" + (f" mot {r.against}" if r.against else "") + (f", bilaga {r.bilaga}" if r.bilaga else "")
            rows.append((r.cite.start, r.section, Motion(who, "reservation", text)))
        for _, label, m in sorted(rows, key=lambda x: x[0]):
            out.setdefault((p.sha256, label), SectionFacts()).motions.append(m)
        for x in p.propositions:
            out.setdefault((p.sha256, x.section), SectionFacts()).proposition = x.text
        for v in p.votes:
            out.setdefault((p.sha256, v.section), SectionFacts()).vote = {"ja": v.ja, "nej": v.nej, "avstår": v.avstar}
    return out


@dataclass
class DecisionRow:
    citation: Citation
    kind: str  # "beslut" or "förslag"
    title: str
    text: str
    events: list[str] = field(default_factory=list)
    motions: list[Motion] = field(default_factory=list)  # yrkanden and reservations, in document order
    proposition: str | None = None  # the propositionsordning as written
    vote: dict[str, Any] | None = None  # {"ja": 7, "nej": 4, "avstår": 0}
    document: Document | None = field(default=None, repr=False)  # where it stands (not in to_json)
    section: Section | None = field(default=None, repr=False)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    def to_json(self) -> dict[str, Any]:
        c = self.citation
        return {
            "source": c.source, "organ": c.organ, "date": c.date, "section": c.section, "dnr": c.dnr,
            "page": c.page, "title": self.title, "kind": self.kind, "text": self.text, "events": self.events,
            "motions": [vars(m) for m in self.motions], "proposition": self.proposition, "vote": self.vote,
        }


@dataclass
class Step:
    citation: Citation
    what: str  # "Beslut", "Förslag till beslut", "Handling"
    title: str
    text: str
    inferred: bool = False
    evidence: str | None = None
    document: Document | None = field(default=None, repr=False)  # where it stands (not in to_json)
    section: Section | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        c = self.citation
        return {
            "date": c.date, "organ": c.organ, "source": c.source, "section": c.section, "dnr": c.dnr,
            "page": c.page, "what": self.what, "title": self.title, "text": self.text,
            "inferred": self.inferred, "evidence": self.evidence,
        }


def section_events(doc: Document, sec: Section) -> list[str]:
    body = doc.text[sec.start : sec.end]
    return [name for name, pat in EVENT_RULES.items() if pat.search(body)]


class Corpus(Protocol):
    """What these functions read of an index: its parsed documents (a Searcher or a StoredIndex)."""

    documents: list[Document]


def _sections(index: Corpus):
    for doc in index.documents:
        for sec in doc.sections:
            yield doc, sec


def list_decisions(index: Corpus, filters: Filters | None = None, kind: str | None = None) -> list[DecisionRow]:
    rows = []
    facts = facts_by_section(index)
    for doc, sec in _sections(index):
        if not sec.decision or not sec.decision_kind or (kind and sec.decision_kind != kind):
            continue
        c = citation_for(doc, sec, sec.start)
        if not filters or filters.admits(c, sec.dnr_key):
            f = facts.get((doc.sha256, sec.label)) or SectionFacts()
            rows.append(DecisionRow(c, sec.decision_kind, sec.title, sec.decision, section_events(doc, sec),
                                    list(f.motions), proposition=f.proposition, vote=f.vote, document=doc, section=sec))
    rows.sort(key=lambda r: (r.citation.date or "", r.citation.source, r.citation.line or 0))
    return rows


def _title_words(title: str) -> set[str]:
    return {w[:7] for w in tokenize(title) if len(w) >= 4 and not w[0].isdigit() and not w.startswith("§")}


def same_subject(a: str, b: str) -> bool:
    """Titles naming the same subject: every distinctive word of the shorter one recurs."""
    wa, wb = _title_words(a), _title_words(b)
    small = min(wa, wb, key=len)
    return len(small) >= 3 and len(wa & wb) >= len(small)


def _step(doc: Document, sec: Section, inferred: bool = False, evidence: str | None = None) -> Step:
    what = KIND_LABELS.get(sec.decision_kind or "", "Handling")
    text = sec.decision or " ".join(doc.text[sec.start : sec.end].split())[:300]
    return Step(citation_for(doc, sec, sec.start), what, sec.title, text, inferred, evidence, doc, sec)


def matter_timeline(index: Corpus, key: str) -> list[Step]:
    """The steps of a matter named by a dnr (any written form) or by a subject."""
    keys = find_dnr_keys(key)
    members: list[tuple[Document, Section]] = []
    if keys:
        members = [(d, s) for d, s in _sections(index) if any(key_matches(k, s.dnr_key) for k in keys)]
    else:
        words = _title_words(key)
        # a subject names a matter when all its distinctive words are in a dnr'd title
        subject = [(d, s) for d, s in _sections(index) if s.dnr_key and words and words <= _title_words(s.title)]
        if subject:
            keys = sorted({s.dnr_key for _, s in subject if s.dnr_key})
            members = [(d, s) for d, s in _sections(index) if s.dnr_key in keys]
    if not members:
        return []
    titles = {s.title for _, s in members if s.kind in ("memo", "paragraph", "item")}
    steps = [_step(d, s) for d, s in members]
    seen = {(d.source, s.start) for d, s in members}
    for doc, sec in _sections(index):
        if (doc.source, sec.start) in seen or sec.dnr_key or sec.kind not in ("paragraph", "item", "memo"):
            continue
        match = next((t for t in titles if same_subject(t, sec.title)), None)
        if match:
            steps.append(_step(doc, sec, inferred=True, evidence=f"rubriken ”{sec.title}” motsvarar ”{match}”"))
    steps.sort(key=lambda s: (s.citation.date or "9999", s.citation.source, s.citation.line or 0))
    return steps
