"""Which of the chunks an ingest added or changed each saved search alerts on.

A match is a verified hit, never merely a high rank: a query naming a dnr or a § label
matches the chunks of that section or that mention it (the exact path of index/search.py);
any other query matches a chunk when every one of its content terms is in the chunk's text
or its header (document title, organ, § label, section title, heading path, dnr), compared
by Swedish stem, and a term of five letters or more also inside a longer word, so that
"familjecentral" finds "familjecentralsliknande" (and "covid-19" finds "Covidpandemin").
A chunk holding some of the terms but not all matches when its best sentence is close to
the query in meaning, `subject_z` standard deviations above the query's
similarity to the whole index (subject.py): "hemarbete distansarbete" finds a passage on
hemarbete, "covid-19 pandemins påverkan" one on "den pågående pandemin". The filters are those of search
(Filters.admits). Only the new chunks are looked at, through a term index built once per
ingest, so a thousand saved searches cost little beside the ingest itself.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import logging
import re
from collections import defaultdict
from dataclasses import dataclass

from namndsok.dates import DateError
from namndsok.identifiers import LABEL_NUM_RE, PARA_REF_RE, find_dnr_keys
from namndsok.index.lexical import tokenize
from namndsok.index.search import Filters
from namndsok.model import Chunk

from .store import NewAlert, SavedSearch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MatchSettings:
    min_compound: int = 5  # a term this long or longer also matches inside a longer word
    min_held: int = 1  # a passage holding this many of the query's terms (not all) is judged by meaning
    subject_z: float = 3.4  # … and matches when its best sentence is this far above the query's background
    excerpt_chars: int = 300  # how much of the passage an alert quotes
    # a search's background (subject.py) is measured again once the index's sentence count has
    # moved this share away from the count it was measured on
    background_reuse: float = 0.02


DEFAULT_MATCH = MatchSettings()


def chunk_key(c: Chunk) -> str:
    """What makes a passage the same passage across re-ingests: its file name and its text."""
    return hashlib.sha256(f"{c.source}\0{c.text}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


_WORD_RE = re.compile(r"[^\W_]{2,}")


def _words(text: str) -> list[str]:
    """The text's words, lower-cased, split at anything not a letter or digit."""
    return _WORD_RE.findall(text.lower())


@dataclass(frozen=True)
class ParsedQuery:
    """What matching needs of a query's words, read once: its dnr keys, its § references
    (organ prefix or None, number) and its content terms (Swedish stems, each once)."""

    dnr_keys: tuple[str, ...]
    paras: tuple[tuple[str | None, str], ...]
    terms: list[str]

    @property
    def identifies(self) -> bool:
        return bool(self.dnr_keys or self.paras)


@functools.lru_cache(maxsize=65_536)
def parsed(query: str) -> ParsedQuery:
    """A query parsed once per process (a watch or a server runs the same searches after every
    ingest; three regexes and a stemmer per search were a third of the matching's cost)."""
    return ParsedQuery(tuple(find_dnr_keys(query)), tuple((m["org"], m["num"]) for m in PARA_REF_RE.finditer(query)),
                       list(dict.fromkeys(tokenize(query))))


class NewChunks:
    """The chunks of one ingest with their terms indexed, matched against many searches."""

    def __init__(self, changed: list[tuple[int, Chunk]], settings: MatchSettings = DEFAULT_MATCH):
        self.settings = settings
        self.items = changed
        self.stems: dict[str, set[int]] = defaultdict(set)
        self.words: dict[str, set[int]] = defaultdict(set)
        self.by_dnr: dict[str, set[int]] = defaultdict(set)
        self.by_para: dict[str, set[int]] = defaultdict(set)
        for i, (_, c) in enumerate(changed):
            text = c.lexical_text()  # the header (title, organ, §, section title, headings, dnr) and the text
            for t in tokenize(text):
                self.stems[t].add(i)
            for w in _words(text):
                self.words[w].add(i)
            if c.dnr_key:
                self.by_dnr[c.dnr_key].add(i)
                self.by_dnr[c.dnr_key.split("-")[0]].add(i)  # `2015/119` finds `2015/119-100`
            for k in find_dnr_keys(c.text):
                self.by_dnr[k].add(i)
            m = LABEL_NUM_RE.search(c.citation.section or "")
            if m:
                self.by_para[m["num"]].add(i)
        self._term_cache: dict[str, set[int]] = {}
        self._partial_cache: dict[str, set[int]] = {}
        # every distinct word once, joined: a term inside a compound is found by str.find over
        # one string instead of a Python loop over thousands of words per term
        self._vocab = list(self.words)
        self._joined = "\0".join(self._vocab)
        self._starts = list(itertools.accumulate((len(w) + 1 for w in self._vocab[:-1]), initial=0))

    def _term(self, t: str) -> set[int]:
        """Chunks holding a term: by stem, or (long terms) inside a longer word; a hyphenated
        term by its first part too ("covid-19" in "covidpandemin", "covid19")."""
        got = self._term_cache.get(t)
        if got is None:
            got = set(self.stems.get(t, ()))
            part = t.split("-")[0]
            if len(part) >= self.settings.min_compound and part.isalpha():
                at = self._joined.find(part)
                while at >= 0:
                    n = bisect.bisect_right(self._starts, at) - 1
                    got |= self.words[self._vocab[n]]
                    at = self._joined.find(part, self._starts[n] + len(self._vocab[n]) + 1)  # the next word on
            self._term_cache[t] = got
        return got

    def terms(self, query: str) -> list[str]:
        return parsed(query).terms

    def partial(self, query: str) -> set[int]:
        """Chunks holding at least `min_held` of the query's terms but not all (none for a
        one-word query or one naming an identifier)."""
        got = self._partial_cache.get(query)
        if got is not None:
            return got
        terms = self.terms(query)
        got = set()
        if len(terms) >= 2 and not parsed(query).identifies:
            counts: dict[int, int] = defaultdict(int)
            for t in terms:
                for i in self._term(t):
                    counts[i] += 1
            need = max(1, self.settings.min_held)
            got = {i for i, n in counts.items() if need <= n < len(terms)}
        self._partial_cache[query] = got
        return got

    def candidates(self, query: str) -> set[int]:
        """Positions of the new chunks the query verifiably hits by its words (before filters)."""
        q = parsed(query)
        keys, paras = q.dnr_keys, q.paras
        if keys or paras:  # an identifier says exactly where: the exact path decides
            out: set[int] = set()
            for k in keys:
                out |= self.by_dnr.get(k, set())
            for org, num in paras:
                out |= {i for i in self.by_para.get(num, ())
                        if not org or (self.items[i][1].citation.section or "").startswith(org)}
            return out
        terms = self.terms(query)
        if not terms:
            return set()
        out = None
        for t in sorted(terms, key=lambda t: len(self.stems.get(t, ()))):  # rarest first: the set shrinks fast
            got = self._term(t)
            out = got if out is None else out & got
            if not out:
                return set()
        return out or set()

    def match(self, search: SavedSearch, closeness=None) -> list[tuple[int, Chunk]]:
        """The (document position, chunk) pairs this saved search alerts on, in index order;
        `closeness` (subject.Closeness) judges the chunks that hold part of its words."""
        q = parsed(search.query)
        if not q.identifies and not any(self._term(t) for t in q.terms):
            return []  # none of its words is new: most searches after a small ingest
        try:
            f = filters_of(search)
        except DateError as exc:
            log.warning("bevakning %d: its dates cannot be read (%s); skipped", search.id, exc)
            return []
        hits = self.candidates(search.query)
        if closeness is not None:
            near = [i for i in self.partial(search.query) if f is None or self._admits(f, i)]
            hits |= {i for i in near if closeness.z(search, self.items[i][1].id) >= self.settings.subject_z}
        hits = sorted(hits)
        if f is not None:
            hits = [i for i in hits if self._admits(f, i)]
        return [self.items[i] for i in hits]

    def _admits(self, f: Filters, i: int) -> bool:
        c = self.items[i][1]
        return f.admits(c.citation, c.dnr_key)


def filters_of(search: SavedSearch) -> Filters | None:
    """The search's filters, as search applies them (None for none); DateError for dates that
    cannot be read."""
    if search.organ or search.doc_type or search.date_from or search.date_to:
        return Filters(organ=search.organ, doc_type=search.doc_type, date_from=search.date_from,
                       date_to=search.date_to)
    return None


def title_of(c: Chunk) -> str:
    """An alert's title, the citation: `Kommunstyrelsens produktionsutskott 2020-09-16 · KSPU § 10:3
    Minirosen · Dnr PU 2020/0011` (committee and date, § and its title, dnr, page)."""
    cit = c.citation
    head = " ".join(p for p in (cit.organ or cit.title or cit.source, cit.date) if p)
    parts = [head]
    label, title = _short(cit.section), _short(c.section_title)
    # a section without a § label is cited by its title: do not say it twice
    where = label if not title or title[:40] in label else f"{label} {title}".strip()
    if where:
        parts.append(where)
    parts += cit.locator()
    return " · ".join(parts)


def _short(text: str | None, limit: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def link_of(doc_number: int, chunks: list[Chunk]) -> str:
    """The passages in the app: `/dokument/N?h=HASH` at the first one's page (PDF) or marked
    from the first to the last (text); the hash finds the document even after a later index
    numbers it differently."""
    c = chunks[0]
    url = f"/dokument/{doc_number}?h={c.doc_sha256[:16]}"
    if c.citation.page is not None:
        return url + f"#page={c.citation.page}"
    return url + f"&markera={c.start}-{max(x.end for x in chunks)}#ns-hit"


def excerpt_of(c: Chunk, query: str, limit: int) -> str:
    """The passage's text on one line, around the first word of the query it holds."""
    text = " ".join(c.text.split())
    if len(text) <= limit:
        return text
    low = text.lower()
    at = min((p for p in (low.find(w[:5]) for w in _words(query) if len(w) > 2) if p >= 0), default=0)
    start = max(0, min(at - limit // 3, len(text) - limit))
    cut = text[start : start + limit]
    if start + limit < len(text):
        cut = cut.rsplit(" ", 1)[0] + "…"
    return ("…" if start else "") + cut


def alerts_for(changed: list[tuple[int, Chunk]], searches: list[SavedSearch],
               settings: MatchSettings = DEFAULT_MATCH, closeness=None) -> list[NewAlert]:
    """The matches of every search as alerts to store, one per section of a document holding
    matched chunks (the store drops chunks a search has alerted on before)."""
    searches = [s for s in searches if not s.follows]  # a member or party: people.py, over the facts
    if not changed or not searches:
        return []
    index = NewChunks(changed, settings)
    if closeness is not None:  # the query vectors needed, embedded in one batch if not kept yet
        closeness.prepare([s for s in searches if index.partial(s.query)])
    out = []
    keys: dict[int, str] = {}  # a chunk's key, computed once however many searches it matches
    for s in searches:
        sections: dict[tuple[int, int], list[Chunk]] = {}
        for n, c in index.match(s, closeness):
            sections.setdefault((n, c.section_index), []).append(c)
        for (n, _), chunks in sections.items():
            c = chunks[0]
            out.append(NewAlert(s.id, tuple(keys.get(id(x)) or keys.setdefault(id(x), chunk_key(x)) for x in chunks), c.source, c.doc_sha256, title_of(c),
                                link_of(n, chunks), excerpt_of(c, s.query, settings.excerpt_chars), c.citation.date))
    return out
