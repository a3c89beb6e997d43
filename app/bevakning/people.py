"""Which protocol facts of an ingest each saved search for a member or a party alerts on.

A fact is new when its place in the protocol overlaps a passage the ingest added or changed
(IngestReport.changed_facts and changed_chunks): an edit of one § of a protocol read before
brings that §'s facts only. The member or party is recognised as app/record.py's
`person_record` recognises it (any spelling, a genitive, a surname alone; a party by its
letters or its name). One alert is one § of one protocol with what the member or party did
there (yrkande, röst, reservation, jäv, protokollsanteckning — or the kinds the search
names), titled by the citation like every alert and linking to the first fact's place.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

from namndsok.facts import Cite, ProtocolFacts
from namndsok.model import Chunk

from ..fact_cards import KIND_WORDS
from ..record import party_label, person_record
from .match import filters_of, title_of
from .store import ACTION_KINDS, NewAlert, SavedSearch


def fact_key(e: dict[str, Any]) -> str:
    """What makes a fact the same fact across re-ingests: its file, §, kind, who and what (not
    its offsets, which move when an earlier § is edited)."""
    parts = (e["cite"].source, e["section"] or "", e["kind"], e["person"] or "", e["party"] or "", " ".join(e["text"].split()))
    return "fact:" + hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _place(cite: Cite, chunks: list[tuple[int, Chunk]]) -> tuple[int, Chunk] | None:
    """The changed passage holding the fact (the one where it starts, else any it overlaps)."""
    over = [(n, c) for n, c in chunks if c.start < cite.end and cite.start < c.end]
    return next(((n, c) for n, c in over if c.start <= cite.start < c.end), over[0] if over else None)


def _did(e: dict[str, Any]) -> str:
    """One fact in words: `Reservation: Sverigedemokraterna (SD) – mot beslutet`; a yrkande or a
    protokollsanteckning by its sentence, which names who made it."""
    kind = KIND_WORDS.get(e["kind"], e["kind"])
    text = " ".join(e["text"].split())
    if e["kind"] in ("yrkande", "anteckning"):
        return f"{kind}: {text}"
    who = (f"{e['person']} ({e['party']})" if e["party"] else e["person"]) if e["person"] else party_label(e["party"] or "")
    return f"{kind}: {who} – {text}"


def _link(n: int, c: Chunk, cite: Cite) -> str:
    """The fact in the app: at its page in a PDF, marked in a text."""
    url = f"/dokument/{n}?h={c.doc_sha256[:16]}"
    if c.citation.page is not None:
        return url + f"#page={c.citation.page}"
    return url + f"&markera={cite.start}-{cite.end}#ns-hit"


def fact_alerts(changed: list[tuple[int, Chunk]], facts: list[ProtocolFacts], searches: list[SavedSearch],
                excerpt_chars: int = 300) -> list[NewAlert]:
    """The alerts of the member and party searches: one per § of a protocol where the member or
    party did something the search follows, among the facts of the changed passages."""
    follows = [s for s in searches if s.follows]
    if not follows or not facts or not changed:
        return []
    by_doc: dict[str, list[tuple[int, Chunk]]] = defaultdict(list)
    for n, c in changed:
        by_doc[c.doc_sha256].append((n, c))
    facts = [f for f in facts if f.sha256 in by_doc]
    if not facts:
        return []
    records: dict[tuple[str | None, str | None], list[tuple[dict, int, Chunk]]] = {}
    out: list[NewAlert] = []
    for s in follows:
        who = (s.person, s.party)
        if who not in records:  # one record per member or party, however many searches follow it
            records[who] = [(e, *at) for e in person_record(facts, s.person, s.party)
                            if (at := _place(e["cite"], by_doc[e["cite"].sha256])) is not None]
        try:
            f = filters_of(s)
        except ValueError:
            continue  # dates that cannot be read: match.py logs it for the search
        kinds = s.facts or ACTION_KINDS
        sections: dict[tuple[str, str | None], list[tuple[dict, int, Chunk]]] = {}
        for e, n, c in records[who]:
            if e["kind"] in kinds and (f is None or f.admits(c.citation, c.dnr_key)):
                sections.setdefault((c.doc_sha256, e["section"]), []).append((e, n, c))
        for items in sections.values():
            e, n, c = items[0]
            did = list(dict.fromkeys(KIND_WORDS.get(x["kind"], x["kind"]).lower() for x, _, _ in items))
            excerpt = "; ".join(dict.fromkeys(_did(x) for x, _, _ in items))
            if len(excerpt) > excerpt_chars:
                excerpt = excerpt[:excerpt_chars].rsplit(" ", 1)[0] + " …"
            out.append(NewAlert(s.id, tuple(fact_key(x) for x, _, _ in items), c.source, c.doc_sha256,
                                f"{title_of(c)} — {', '.join(did)}", _link(n, c, e["cite"]), excerpt, c.citation.date))
    return out
