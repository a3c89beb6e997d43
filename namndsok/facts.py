"""Protocol facts: who chaired, who attended, who proposed what, how the vote went, who reserved.

ingest/protocol.py fills these from a parsed Document; the index stores them as facts.json;
answers and the CLI read them. Every fact carries its Cite: the file, its hash, the § and
the character span in Document.text (line and page follow from Document.line_at/page_at).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

FACT_KINDS = ("meeting", "role", "attendance", "yrkande", "proposition", "vote", "reservation",
              "anteckning", "jav")
YRKANDE_KINDS = ("bifall", "avslag", "återremiss", "ändring", "eget")
ATTENDANCE_KINDS = ("ledamot", "ersättare", "övrig", "frånvarande")
VOTE_CHOICES = ("ja", "nej", "avstår")


@dataclass
class Cite:
    """Where a fact is written: character offsets [start, end) into Document.text."""

    source: str
    sha256: str
    section: str | None  # the § label as written ("KSPU § 10:7"), None for the front matter
    start: int
    end: int


@dataclass
class Meeting:
    organ: str | None
    date: str | None  # ISO
    time: str | None  # as written: "08.00-08.48"
    place: str | None
    cite: Cite


@dataclass
class Role:
    """ordförande, vice ordförande, sekreterare, justerare; or justeringsdatum (then `date`)."""

    role: str
    person: str | None
    party: str | None
    paragraphs: str | None  # the § range as written: "10:1-10:8"
    cite: Cite
    date: str | None = None
    also: list[Cite] = field(default_factory=list)  # a § that records the same ("utser X till justerare")


@dataclass
class Attendance:
    kind: str  # one of ATTENDANCE_KINDS
    person: str
    party: str | None
    cite: Cite
    serving_for: str | None = None  # the ledamot an ersättare served for
    paragraphs: str | None = None  # the §§ served, as written; None = the whole meeting
    function: str | None = None  # an övrig närvarande's function, a ledamot's post


@dataclass
class Yrkande:
    section: str
    person: str
    party: str | None
    kind: str  # one of YRKANDE_KINDS
    text: str  # the sentence as written
    cite: Cite


@dataclass
class Proposition:
    """The chair's propositionsordning: which yrkanden were put, and which won."""

    section: str
    put: list[str]  # persons whose yrkanden were put against each other, in order
    winner: str | None  # the person whose yrkande the organ adopted
    winner_party: str | None
    text: str
    cite: Cite


@dataclass
class Vote:
    section: str
    ja: int | None
    nej: int | None
    avstar: int | None
    votes: list[tuple[str, str | None, str]]  # (person, party, ja/nej/avstår)
    cite: Cite
    ja_means: str | None = None  # what a ja vote was for, as written


@dataclass
class Reservation:
    section: str
    persons: list[str]
    party: str | None
    against: str | None  # as written: "beslutet", "till förmån för eget yrkande"
    written: bool
    bilaga: str | None
    cite: Cite


@dataclass
class Anteckning:
    """A protokollsanteckning."""

    section: str
    persons: list[str]
    party: str | None
    text: str
    cite: Cite


@dataclass
class Jav:
    section: str
    person: str
    party: str | None
    cite: Cite


_LISTS = {"roles": Role, "attendance": Attendance, "yrkanden": Yrkande, "propositions": Proposition,
          "votes": Vote, "reservations": Reservation, "anteckningar": Anteckning, "jav": Jav}


@dataclass
class ProtocolFacts:
    """Everything recorded in one protocol (a bundle can hold several)."""

    source: str
    sha256: str
    meeting: Meeting
    complete: bool  # the parser recognised the protocol's structure: attendance/roles and its § list
    paragraphs: list[str]  # the § labels covered, as written
    roles: list[Role] = field(default_factory=list)
    attendance: list[Attendance] = field(default_factory=list)
    yrkanden: list[Yrkande] = field(default_factory=list)
    propositions: list[Proposition] = field(default_factory=list)
    votes: list[Vote] = field(default_factory=list)
    reservations: list[Reservation] = field(default_factory=list)
    anteckningar: list[Anteckning] = field(default_factory=list)
    jav: list[Jav] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the parser could not read, one line each

    def party_of(self, person: str) -> str | None:
        for a in self.attendance:
            if a.person == person and a.party:
                return a.party
        for r in self.roles:
            if r.person == person and r.party:
                return r.party
        return None

    def range_label(self) -> str:
        """`§§ 10:1–10:8` (the numbers without the organ prefix)."""
        if not self.paragraphs:
            return ""
        nums = [p.split("§", 1)[-1].strip() for p in self.paragraphs]
        return f"§ {nums[0]}" if len(nums) == 1 else f"§§ {nums[0]}–{nums[-1]}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "ProtocolFacts":
        d = dict(d)
        d["meeting"] = _load(Meeting, d["meeting"])
        for key, typ in _LISTS.items():
            d[key] = [_load(typ, x) for x in d.get(key, [])]
        return cls(**d)


def _load(typ: type, d: dict[str, Any]) -> Any:
    d = dict(d)
    d["cite"] = Cite(**d["cite"])
    if typ is Role:
        d["also"] = [Cite(**c) for c in d.get("also", [])]
    if typ is Vote:
        d["votes"] = [tuple(v) for v in d["votes"]]
    names = {f.name for f in fields(typ)}
    return typ(**{k: v for k, v in d.items() if k in names})


_OPEN_END_RE = re.compile(r"(?:\batt|:|innebärande|enligt följande)\s*$", re.IGNORECASE)
_LIST_ITEM_RE = re.compile(r"^\s*(?:\d{1,2}[.)]|[-•–*])\s+\S")


def continued(text: str, cite: Cite, limit: int = 1500) -> Cite:
    """A yrkande that ends "… innebärande att" goes on in the list below it: the cite widened to
    that list (numbered or bulleted lines, or one paragraph), the same cite otherwise."""
    if not _OPEN_END_RE.search(text[cite.start:cite.end]):
        return cite
    end = pos = cite.end
    open_end = True  # the text so far ends "att" or ":": a plain paragraph may follow
    for line in text[cite.end: cite.end + limit].split("\n"):
        at = pos
        pos += len(line) + 1
        stripped = line.strip()
        if not stripped:
            continue
        if _LIST_ITEM_RE.match(stripped) or (open_end and len(stripped) > 20 and "yrkar" not in stripped):
            end = at + len(line)
            open_end = bool(_OPEN_END_RE.search(stripped))
        else:
            break
    return Cite(cite.source, cite.sha256, cite.section, cite.start, end) if end > cite.end else cite
