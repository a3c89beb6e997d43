"""A meeting's summary and a person's or party's record across meetings, from protocol facts.

Used by `namndsok meeting` and `namndsok person`; each line carries its citation (file, §,
line) so that it can be checked in the protocol.
"""

from __future__ import annotations

from typing import Any

from namndsok.facts import Cite, ProtocolFacts
from namndsok.ingest.protocol import name_key
from namndsok.model import Document

from .answering.fact_absent import meeting_name
from .answering.fact_question import party_of_text
from .answering.fact_words import PARTY_FULL, PARTY_WORDS


def _where(cite: Cite, docs: dict[str, Document]) -> str:
    doc = docs.get(cite.sha256)
    line = f", rad {doc.line_at(cite.start)}" if doc else ""
    page = doc.page_at(cite.start) if doc else None
    return f"{cite.source}{', ' + cite.section if cite.section else ''}{line}{f', s. {page}' if page else ''}"


def _cite_json(cite: Cite, docs: dict[str, Document]) -> dict[str, Any]:
    doc = docs.get(cite.sha256)
    return {"source": cite.source, "sha256": cite.sha256, "section": cite.section, "start": cite.start,
            "end": cite.end, "line": doc.line_at(cite.start) if doc else None,
            "page": doc.page_at(cite.start) if doc else None}


def select_meetings(facts: list[ProtocolFacts], organ: str | None = None, date: str | None = None) -> list[ProtocolFacts]:
    return [p for p in facts
            if (not organ or organ.lower() in (p.meeting.organ or "").lower())
            and (not date or (p.meeting.date or "").startswith(date))]


def meeting_lines(p: ProtocolFacts, docs: dict[str, Document]) -> list[str]:
    """A readable summary: who, roles, each § with its yrkanden, outcome, votes, reservations."""
    m = p.meeting
    w = lambda c: f"  ({_where(c, docs)})"  # noqa: E731
    out = [f"{meeting_name(p)}  {p.range_label()}" + (f"  kl. {m.time}" if m.time else "") + (f"  {m.place}" if m.place else "")]
    if not p.complete:
        out.append("  Obs: protokollet lästes inte helt (" + "; ".join(p.notes or ["okänd struktur"]) + ")")
    for r in p.roles:
        who = r.date if r.role == "justeringsdatum" else _who(r.person, r.party)
        out.append(f"  {r.role.capitalize()}: {who}" + (f", §§ {r.paragraphs}" if r.paragraphs else "") + w(r.cite))
    for kind, title in (("ledamot", "Ledamöter"), ("ersättare", "Ersättare"), ("övrig", "Övriga närvarande"), ("frånvarande", "Frånvarande")):
        people = [a for a in p.attendance if a.kind == kind]
        if people:
            out.append(f"  {title}: " + "; ".join(
                _who(a.person, a.party) + (f" för {a.serving_for}" if a.serving_for else "")
                + (f" §§ {a.paragraphs}" if a.paragraphs else "") for a in people))
    for label in p.paragraphs:
        items = ([f"    Yrkande ({y.kind}): {y.text}{w(y.cite)}" for y in p.yrkanden if y.section == label]
                 + [f"    Proposition: {x.text}{w(x.cite)}" for x in p.propositions if x.section == label]
                 + [f"    Omröstning: {v.ja} ja, {v.nej} nej, {v.avstar or 0} avstår{w(v.cite)}" for v in p.votes if v.section == label]
                 + [f"    Reservation: {', '.join(r.persons) or r.party} ({r.party or '-'}) mot {r.against or 'beslutet'}"
                    + (", skriftlig" if r.written else "") + (f", bilaga {r.bilaga}" if r.bilaga else "") + w(r.cite)
                    for r in p.reservations if r.section == label]
                 + [f"    Protokollsanteckning: {', '.join(n.persons)}{w(n.cite)}" for n in p.anteckningar if n.section == label]
                 + [f"    Jäv: {_who(j.person, j.party)}{w(j.cite)}" for j in p.jav if j.section == label])
        if items:
            out.append(f"  {label}")
            out += items
    if p.complete and not p.reservations:
        out.append("  Inga reservationer antecknades.")
    return out


def _who(name: str | None, party: str | None) -> str:
    return f"{name} ({party})" if name and party else (name or "")


def person_record(facts: list[ProtocolFacts], name: str | None = None, party: str | None = None) -> list[dict[str, Any]]:
    """What a person (any spelling) or a party (letter or name) proposed, voted, reserved
    against, noted (protokollsanteckning), chaired or attended, across meetings: one entry per
    fact, oldest meeting first."""
    key = name_key(name) if name else None
    letter = (party_of_text(party) or party.upper()) if party else None

    def mine(person: str | None, p_party: str | None) -> bool:
        if key is not None:
            # "Furustrands" (a genitive) is Furustrand
            if person is None:
                return False
            nk = name_key(person)
            # a surname alone ("Furustrand") is enough
            return key in (nk, nk + "s") or (" " not in key and key in (nk.split(" ")[-1], nk.split(" ")[-1] + "s"))
        return p_party == letter

    out: list[dict[str, Any]] = []
    for p in sorted(facts, key=lambda f: f.meeting.date or ""):
        base = {"organ": p.meeting.organ, "date": p.meeting.date}
        for r in p.roles:
            if r.person and mine(r.person, r.party or p.party_of(r.person)):
                out.append({**base, "kind": "roll", "person": r.person, "party": r.party, "section": None,
                            "text": f"{r.role}" + (f", §§ {r.paragraphs}" if r.paragraphs else ""), "cite": r.cite})
        for a in p.attendance:
            if mine(a.person, a.party) and a.kind != "övrig":
                out.append({**base, "kind": "närvaro", "person": a.person, "party": a.party, "section": None,
                            "text": a.kind + (f" för {a.serving_for}" if a.serving_for else ""), "cite": a.cite})
        for y in p.yrkanden:
            if mine(y.person, y.party):
                out.append({**base, "kind": "yrkande", "person": y.person, "party": y.party, "section": y.section,
                            "text": y.text, "cite": y.cite})
        for v in p.votes:
            for person, vparty, choice in v.votes:
                if mine(person, vparty):
                    out.append({**base, "kind": "röst", "person": person, "party": vparty, "section": v.section,
                                "text": choice, "cite": v.cite})
        for r in p.reservations:
            if any(mine(n, r.party) for n in r.persons) or (not r.persons and key is None and r.party == letter):
                out.append({**base, "kind": "reservation", "person": ", ".join(r.persons) or None, "party": r.party,
                            "section": r.section, "text": f"mot {r.against or 'beslutet'}", "cite": r.cite})
        for n in p.anteckningar:
            if any(mine(x, n.party) for x in n.persons) or (not n.persons and key is None and n.party == letter):
                out.append({**base, "kind": "anteckning", "person": ", ".join(n.persons) or None, "party": n.party,
                            "section": n.section, "text": n.text, "cite": n.cite})
        for j in p.jav:
            if mine(j.person, j.party):
                out.append({**base, "kind": "jäv", "person": j.person, "party": j.party, "section": j.section,
                            "text": "anmälde jäv", "cite": j.cite})
    return out


def record_json(entries: list[dict[str, Any]], docs: dict[str, Document]) -> list[dict[str, Any]]:
    return [{**{k: v for k, v in e.items() if k != "cite"}, "citation": _cite_json(e["cite"], docs)} for e in entries]


def record_lines(entries: list[dict[str, Any]], docs: dict[str, Document]) -> list[str]:
    return [f"{e['date'] or '????-??-??'} {e['organ'] or ''} · {e['section'] or 'protokollet'} · {e['kind']}: "
            f"{_who(e['person'], e['party'])} – {' '.join(e['text'].split())}  ({_where(e['cite'], docs)})"
            for e in entries]


def party_label(letter: str) -> str:
    return f"{PARTY_FULL.get(letter, letter)} ({letter})"


def who_of(text: str) -> tuple[str | None, str | None]:
    """A form's "Ledamot eller parti" field → (person, party): "S", "(SD)", "Socialdemokraterna",
    "the Moderates" are a party; anything else is a name (matched across spellings and genitives)."""
    text = " ".join((text or "").split())
    if not text:
        return None, None
    low = text.lower().strip("() ")
    if low.upper() in PARTY_FULL:
        return None, low.upper()
    if any(low == w or low == f"the {w}" for w in PARTY_WORDS):
        return None, PARTY_WORDS[low.removeprefix("the ")]
    return text, None


def sections_of(entries: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """The (file, § label) pairs a person's or party's record touches (yrkanden, votes, reservations,
    protokollsanteckningar, jäv)."""
    return {(e["cite"].source, e["section"]) for e in entries if e["section"]}
