"""What a protocol says of someone who was not there: the ersättare who served for an absent member
("Vem ersatte Jonas Attenius?"), and that no member of a party sat, so what the party did is not
recorded ("Hur röstade SD?" asked of a meeting without SD)."""

from __future__ import annotations

from namndsok.facts import ProtocolFacts
from namndsok.ingest.protocol import name_key

from .fact_question import Scope
from .fact_words import PARTY_FULL


def meeting_name(p: ProtocolFacts) -> str:
    return " ".join(x for x in (p.meeting.organ, p.meeting.date) if x) or p.source


def who(name: str, party: str | None) -> str:
    return f"{name} ({party})" if party else name


def substitute_lines(p: ProtocolFacts, scope: Scope, cit) -> list[str]:
    """Who served for the person a question names, or that the närvarolista records nobody."""
    name = meeting_name(p)
    own = [a for a in p.attendance if name_key(a.person) == scope.person]
    shown = own[0].person if own else scope.person
    subs = [a for a in p.attendance if a.kind == "ersättare" and a.serving_for and name_key(a.serving_for) == scope.person]
    if subs:
        return [f"Tjänstgörande ersättare för {shown} vid {name}: "
                + "; ".join(who(a.person, a.party) + (f", §§ {a.paragraphs}" if a.paragraphs else "") + cit.mark(a.cite)
                            for a in subs)]
    if not p.complete:
        return []
    return [f"Ingen ersättare för {shown} antecknades i närvarolistan vid {name}{cit.mark(p.attendance[0].cite)}"]


# what a party did at a meeting (asked of a party no member of which sat there, nothing is recorded)
_PARTY_ACTS = {"yrkande", "vote", "reservation", "anteckning", "jav", "proposition"}


def party_absent(chosen: list[ProtocolFacts], scope: Scope, cit) -> str | None:
    """Why what a party did cannot be told: no member of it sat at the meeting (or the närvarolista
    names no parties), or None."""
    if not scope.party or scope.person or not set(scope.kinds) & _PARTY_ACTS:
        return None
    sat = lambda p: any(x.party == scope.party for x in [*p.attendance, *p.roles, *p.yrkanden])  # noqa: E731
    if any(sat(p) for p in chosen) or not all(p.attendance for p in chosen):
        return None
    party = PARTY_FULL.get(scope.party, scope.party)
    names = " och ".join(meeting_name(p) for p in chosen)
    for p in chosen:
        cit.mark(p.attendance[0].cite)
    if not any(a.party for p in chosen for a in p.attendance):
        return f"Närvarolistan vid {names} anger inga partier, så vad {party} gjorde står inte i protokollet."
    return f"Ingen ledamot från {party} ({scope.party}) antecknades i närvarolistan vid {names}."
