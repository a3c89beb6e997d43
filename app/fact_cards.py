"""HTML for a decision card's protocol facts: the yrkanden, the outcome (propositionsordning),
the vote and any reservation, in Swedish (the lead wires it into the Beslut tab)."""

from __future__ import annotations

import html

from .matters import DecisionRow


def decision_facts_html(row: DecisionRow) -> str:
    """`<dl class="ns-facts">` with Yrkanden, Utfall, Omröstning and Reservation rows; "" when
    the protocol records none of them for this §."""
    parts: list[str] = []
    yrkanden = [m for m in row.motions if m.kind == "yrkande"]
    reservations = [m for m in row.motions if m.kind == "reservation"]
    if yrkanden:
        items = "".join(f"<li>{html.escape(m.who)} {html.escape(m.text)}</li>" for m in yrkanden)
        parts.append(f"<dt>Yrkanden</dt><dd><ul>{items}</ul></dd>")
    if row.proposition:
        parts.append(f"<dt>Utfall</dt><dd>{html.escape(' '.join(row.proposition.split()))}</dd>")
    if row.vote:
        v = row.vote
        parts.append(f"<dt>Omröstning</dt><dd>{v['ja']} ja, {v['nej']} nej, {v['avstår'] or 0} avstår</dd>")
    if reservations:
        items = "".join(f"<li>{html.escape(m.who)} {html.escape(m.text)}</li>" for m in reservations)
        parts.append(f"<dt>Reservation</dt><dd><ul>{items}</ul></dd>")
    return f'<dl class="ns-facts">{"".join(parts)}</dl>' if parts else ""
