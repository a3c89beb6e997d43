"""The Atom feed of one saved search (feedgen): its latest alerts, each titled by the
citation and linking to the passage in the app. Served at `/bevakning/<token>.atom` without
the login: the unguessable token is the key, and revoking it closes the feed."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from .store import Alert, SavedSearch

FEED_LIMIT = 50  # entries in a feed: a reader polls often, it needs only the latest
_NS = uuid.UUID("8a0c6a8e-4f53-4b8a-9a55-6e616d6e6473")  # namndsok's namespace for entry ids


def _time(stamp: str) -> datetime:
    """A stored local time stamp as an aware datetime (Atom needs a zone)."""
    return datetime.fromisoformat(stamp).astimezone(timezone.utc)


def entry_id(search: SavedSearch, alert: Alert) -> str:
    """Stable across restarts and token changes: the search and the passage."""
    return uuid.uuid5(_NS, f"{search.id}:{alert.chunk_key}").urn


def atom_feed(search: SavedSearch, alerts: list[Alert], base_url: str) -> bytes:
    """The feed as Atom XML; `base_url` (`http://host:port`) makes the links absolute."""
    from feedgen.feed import FeedGenerator

    base = base_url.rstrip("/")
    fg = FeedGenerator()
    fg.id(uuid.uuid5(_NS, f"search:{search.id}").urn)
    what = search.label() + (f" ({search.filters_text()})" if search.filters_text() else "")
    fg.title(f"Bevakning: {what}")
    if search.follows:  # the member's or party's record in the app
        fg.subtitle(f"Nya protokoll där {what} yrkar, röstar, reserverar sig eller anmäler jäv")
        fg.link(href=f"{base}/?person={_quote(search.person or search.party)}", rel="alternate")
    else:
        fg.subtitle(f"Nya passager i nämndhandlingarna som nämner {what}")
        fg.link(href=f"{base}/?q={_quote(search.query)}", rel="alternate")
    fg.link(href=f"{base}/bevakning/{search.token}.atom", rel="self")
    fg.language("sv")
    fg.author({"name": "namndsok"})
    fg.generator("namndsok")
    newest = max((a.created for a in alerts), default=search.created)
    fg.updated(_time(newest))
    for a in reversed(alerts[:FEED_LIMIT]):  # feedgen lists the last added first
        fe = fg.add_entry()
        fe.id(entry_id(search, a))
        fe.title(a.title)
        fe.link(href=base + a.link, rel="alternate")
        fe.summary(a.excerpt)
        fe.updated(_time(a.created))
        fe.published(_time(a.created))
    return fg.atom_str(pretty=True)


def _quote(text: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(text)
