"""Bevakningar: saved searches that alert when an ingest brings a passage they match.

store.py keeps the searches and their alerts (SQLite beside the index), match.py decides
what a new chunk matches, feed.py writes a search's Atom feed, mail.py the e-mail digests,
watch.py ingests a watched folder; `after_ingest` is what every ingest runs when done.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from namndsok.facts import ProtocolFacts
from namndsok.model import Chunk

from .match import DEFAULT_MATCH, MatchSettings, alerts_for
from .store import Alert, Store

log = logging.getLogger(__name__)


@dataclass
class AfterIngest:
    """What the bevakningar did after one ingest."""

    alerts: list[Alert]
    mailed: int  # messages delivered
    seconds: float  # matching and storing (mail excluded: it waits on a server)


def after_ingest(root: Path, changed: list[tuple[int, Chunk]], smtp=None, embedder=None,
                 settings: MatchSettings = DEFAULT_MATCH, facts: list[ProtocolFacts] | None = None) -> AfterIngest | None:
    """Match the chunks an ingest added or changed (IngestReport.changed_chunks) against every
    saved search of the index in `root`, and the protocol facts of the documents it read
    (IngestReport.changed_facts) against the searches of a member or a party; store the new
    alerts, then mail the digests (`smtp`: mail.SmtpSettings, None for none). With the
    index's `embedder`, a passage holding part of a search's words is judged by meaning too
    (subject.py); without it, by words only. Nothing happens without a bevakningar database;
    an ingest that changed no passage costs one look at the database's file (and a retry of
    digests a server refused)."""
    store = Store.existing(root)
    if store is None:
        return None
    t = time.perf_counter()
    new = []
    if changed:  # an ingest that changed no passage (nothing new, a deletion) has nothing to match
        with store.session():
            new = _match(root, store, changed, facts, embedder, settings)
    seconds = time.perf_counter() - t
    if new:
        log.info("bevakningar: %d new %s", len(new), "match" if len(new) == 1 else "matches")
    mailed = 0
    if smtp is not None:  # digests a refusing server left behind go out after any ingest
        from .mail import send_digests

        mailed = send_digests(store, smtp)
    return AfterIngest(new, mailed, seconds)


def _match(root: Path, store: Store, changed: list[tuple[int, Chunk]], facts: list[ProtocolFacts] | None,
           embedder, settings: MatchSettings) -> list[Alert]:
    searches = store.searches()
    words = [s for s in searches if not s.follows]
    people = [s for s in searches if s.follows]
    found = []
    if words:
        from .subject import Closeness

        # the index's sentence vectors are read only when a passage holds part of a search's words
        found += alerts_for(changed, words, settings, Closeness.lazy(root, embedder, store, settings.background_reuse))
    if people and facts:
        from .people import fact_alerts

        found += fact_alerts(changed, facts, people, settings.excerpt_chars)
    return store.record(found)
