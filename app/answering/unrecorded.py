"""Questions about a meeting no protocol here records: an organ's meeting on a date it has no
protocol from, or the reservations, votes or jäv of an organ with no protocol at all.

Such a question gets no claim: any passage that mentions an "Ordförande" or a "budget" from
another meeting would answer something else. The reason names what is missing.
"""

from __future__ import annotations

import re

from namndsok.dates import MONTHS
from namndsok.facts import ProtocolFacts

from .fact_question import date_matches, kinds_of, organ_heads, organ_score, scope_of

# what only a protocol records: asked of an organ without one, no other text holds it
PROTOCOL_ONLY = {"reservation": "reservationer", "vote": "omröstningar", "jav": "jäv",
                 "proposition": "propositionsordningar"}


def _date_text(date: tuple[str | None, str | None, str | None]) -> str:
    year, month, day = date
    if year and month and day:
        return f"{year}-{month}-{day}"
    return " ".join(x for x in (str(int(day)) if day else None, MONTHS[int(month) - 1] if month else None, year) if x)


def unrecorded_meeting(question: str, protocols: list[ProtocolFacts], documents) -> str | None:
    """Why the meeting a fact question asks about has no record here, or None: the question names
    no organ, or no meeting date, or a document of that organ and date exists (its text may answer)."""
    kinds = kinds_of(question)
    if not protocols or not kinds:
        return None
    scope = scope_of(question, protocols)
    if scope is not None:
        # "produktionsutskottets möte den 14 oktober 2020" with a protocol from 16 september only
        if not (scope.date and scope.date[1] and scope.organ_words):
            return None
        ours = [p for p in protocols if organ_score(scope.organ_words, p)]
        if not ours or any(date_matches(scope.date, p.meeting.date) for p in ours):
            return None
        organs = {p.meeting.organ for p in ours}
        if any(d.organ in organs and date_matches(scope.date, d.date) for d in documents):
            return None
        dates = ", ".join(sorted({p.meeting.date for p in ours if p.meeting.date}))
        return (f"Handlingarna har inget protokoll från {ours[0].meeting.organ} {_date_text(scope.date)} "
                f"(protokoll finns från {dates}).")
    # "Vem reserverade sig i kommunfullmäktige?" with no protocol of kommunfullmäktige
    if not kinds or not set(kinds) <= set(PROTOCOL_ONLY):
        return None
    named = organ_heads(question)
    if not named or any(organ_score([w.lower() for w in named], p) for p in protocols):
        return None
    stem = named[0].lower()[:8]
    if any(d.doc_type == "protokoll" and stem in (d.organ or "").lower() for d in documents):
        return None  # a protocol the parser could not read: its text may answer
    what = " eller ".join(PROTOCOL_ONLY[k] for k in kinds)
    # the organ as the question names it: "kommunstyrelsens arbetsutskott", not its head alone
    whole = re.search(r"(?:\w+s\s+)?" + re.escape(named[0]), question, re.IGNORECASE)
    return f"Handlingarna har inget protokoll från {whole[0] if whole else named[0]}, och {what} står bara i protokoll."
