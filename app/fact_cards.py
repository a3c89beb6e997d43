"""HTML for the protocol facts in the app: a decision card's yrkanden, outcome
(propositionsordning), vote and reservations, and a member's or party's record across meetings."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from namndsok.facts import Cite

from .matters import DecisionRow


_WON_RE = re.compile(r"finner att \S+ beslutar enligt (.+? yrkande)|beslutar enligt (.+? yrkande) och finner att så är fallet",
                     re.IGNORECASE)


def outcome_of(proposition: str) -> str:
    """"… och finner att produktionsutskottet beslutar enligt Michaela Fletchers (M) yrkande" →
    "Enligt Michaela Fletchers (M) yrkande"; the proposition as written when it says otherwise."""
    m = _WON_RE.search(proposition)
    return f"Enligt {m[1] or m[2]}" if m else proposition


def decision_facts_html(row: DecisionRow) -> str:
    """`<dl class="ns-facts">` with Yrkanden, Utfall, Omröstning and Reservation rows; "" when
    the protocol records none of them for this §."""
    parts: list[str] = []
    yrkanden = [m for m in row.motions if m.kind == "yrkande"]
    reservations = [m for m in row.motions if m.kind == "reservation"]
    if yrkanden:
        items = "".join(f"<li>{html.escape(m.who)} {html.escape(m.text)}</li>" for m in yrkanden)
        parts.append(f'<dt>Yrkanden</dt><dd><ul class="ns-motions">{items}</ul></dd>')
    if row.proposition:
        full = " ".join(row.proposition.split())
        parts.append(f'<dt>Utfall</dt><dd title="{html.escape(full)}">{html.escape(outcome_of(full))}</dd>')
    if row.vote:
        v = row.vote
        parts.append(f"<dt>Omröstning</dt><dd>{v['ja']} ja, {v['nej']} nej, {v['avstår'] or 0} avstår</dd>")
    if reservations:
        items = "".join(f"<li>{html.escape(m.who)} {html.escape(m.text)}</li>" for m in reservations)
        parts.append(f"<dt>Reservation</dt><dd><ul>{items}</ul></dd>")
    return f'<dl class="ns-facts">{"".join(parts)}</dl>' if parts else ""


KIND_WORDS = {"roll": "Roll", "närvaro": "Närvaro", "yrkande": "Yrkande", "röst": "Röst", "reservation": "Reservation",
              "anteckning": "Protokollsanteckning", "jäv": "Jäv"}


def _without_who(e: dict) -> str:
    """An entry's text without the name it starts with ("Anna Ek (S) yrkar …" → "yrkar …")."""
    text = " ".join(e["text"].split())
    person = e.get("person") or ""
    if person and text.startswith(person):
        text = re.sub(r"^\s*(?:\([A-ZÅÄÖ]{1,3}\))?\s*", "", text[len(person):])
    return text


def record_html(title: str, entries: list[dict], link: Callable[[Cite], str]) -> str:
    """A member's or party's record across meetings (app/record.py `person_record`): one line per
    fact, oldest meeting first, each linked to the place in its protocol."""
    if not entries:
        return (f'<section class="ns-record" aria-label="{html.escape(title)}"><h3>{html.escape(title)}</h3>'
                "<p>Inga uppgifter i protokollen.</p></section>")
    items = []
    for e in entries:
        who = f"{e['person']} ({e['party']})" if e.get("person") and e.get("party") else (e.get("person") or e.get("party") or "")
        where = " · ".join(x for x in (e.get("date"), e.get("organ"), e.get("section")) if x)
        url = link(e["cite"])
        src = f' <a class="ns-source" href="{html.escape(url)}" target="_blank">källa</a>' if url else ""
        items.append(f"<li><span class=\"ns-where\">{html.escape(where)}</span> · <b>{KIND_WORDS.get(e['kind'], e['kind'])}</b>: "
                     f"{html.escape(who)} – {html.escape(_without_who(e))}{src}</li>")
    return (f'<section class="ns-record" aria-label="{html.escape(title)}"><h3>{html.escape(title)}</h3>'
            f'<ul>{"".join(items)}</ul></section>')
