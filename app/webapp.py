"""The app's functions, independent of Gradio so they can be called and tested directly:
answers, searches, decisions, matters and documents, as data (the API, the exports) and as
HTML (cards.py).

The index is loaded at start and again when `ingest` replaces it (a folder's CURRENT changes,
a database's generation: checked once per request); each request is answered from one snapshot of it. Source
documents are addressed by their position in the index and their hash (`/dokument/{n}?h=…`),
never by a path taken from the request. The index is used through the Searcher's API.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import re
import threading
from dataclasses import dataclass

from namndsok.dates import DateError
from namndsok.errors import NamndsokError
from namndsok.index.search import Filters, IndexedDocument, Searcher
from namndsok.index.stores import open_store
from namndsok.model import Chunk, Document, Hit, Section

from . import cards, fact_cards, labels
from .answering.answer import Answer, Answerer
from .answering.settings import DEFAULT_ANSWER
from .cards import CardOptions
from .answering.llm import LLMConfig
from .matters import DecisionRow, Step, list_decisions, matter_timeline
from .passages import Passage
from .redaction import open_searcher
from .record import party_label, person_record, sections_of, who_of

log = logging.getLogger(__name__)

ALL = "Alla"


@dataclass(frozen=True)
class AppSettings:
    """The web app's tuning values, passed to WebApp."""

    max_k: int = 50  # passages per request through the app
    search_k: int = 20  # passages a search shows


DEFAULT_APP = AppSettings()
MAX_K, SEARCH_K = DEFAULT_APP.max_k, DEFAULT_APP.search_k  # the API documents its bounds from these
MODES = {"svar": "Svar", "sok": "Sök"}  # the URL's word → the form's
CLOSEST_PLACES = 3  # places shown when a claim could not be verified
MAX_QUESTION_CHARS = DEFAULT_ANSWER.max_question_chars  # what an answer reads of a question; longer is refused


class InputError(ValueError):
    """A filter or input the app cannot use; the message is one Swedish sentence."""


class TooLong(InputError):
    """A question longer than the app takes."""


def _number(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")  # 2 000, as Swedish writes it


def checked_question(question: str | None, limit: int = MAX_QUESTION_CHARS) -> str:
    """The question, or TooLong with one sentence: every route refuses a question past the
    limit before any work is done on it (the search and the answer bound their work too)."""
    question = question or ""
    if len(question) > limit:
        raise TooLong(f"Frågan är för lång: högst {_number(limit)} tecken, den här har {_number(len(question))}.")
    return question


@dataclass
class Snapshot:
    """One loaded index and what the app derives from it."""

    searcher: Searcher
    answerer: Answerer
    doc_ids: dict[tuple[str, str], int]
    organs: list[str]
    key: tuple | None  # CURRENT's identity when it was loaded


_REQUEST = contextvars.ContextVar("namndsok_snapshot", default=None)


def one_snapshot(fn):
    """Answer a request from one snapshot, even if the index is replaced meanwhile."""
    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        if _REQUEST.get() is not None:  # called from another entry point of the same request
            return fn(self, *args, **kwargs)
        token = _REQUEST.set(self.snapshot())
        try:
            return fn(self, *args, **kwargs)
        finally:
            _REQUEST.reset(token)
    return wrapper


MAX_PERSON = 200  # a name or a party; longer input is cut, never an error


class WebApp:
    def __init__(self, root, llm: LLMConfig | None = None, redact: bool = False,
                 settings: AppSettings = DEFAULT_APP):
        """`root`: the index folder, a store address (postgresql://…) or a store (index/stores.py)."""
        self.store = open_store(root)
        self.root = self.store.root  # the folder beside which saved searches live; None in a database
        self.llm = llm
        self.redact = redact  # personal data masked in everything shown (app/redaction.py)
        self.settings = settings
        self._reload_lock = threading.Lock()
        self._failed_key: tuple | None = None
        self._snap = self._load(self._current_key(), None)
        # the embedder is a single native handle: one query at a time through it
        self._lock = threading.Lock()

    # ------------------------------------------------------------ the index, reloaded when replaced

    def _current_key(self):
        """Changes when a writer has replaced the index: CURRENT's identity for a folder, the
        generation for a database (one cheap read per request); None when it cannot be read."""
        return self.store.key()

    def _load(self, key, embedder) -> Snapshot:
        searcher = open_searcher(self.store, embedder, self.redact)
        docs = searcher.documents
        return Snapshot(
            searcher=searcher,
            answerer=Answerer(searcher, llm=self.llm),
            # two files may share a name (protokoll.pdf in every meeting folder): the hash tells them apart
            doc_ids={(d.source, d.sha256): n for n, d in enumerate(docs)},
            organs=[ALL] + searcher.organs(),
            key=key,
        )

    def snapshot(self) -> Snapshot:
        """The current snapshot, reloaded first when `ingest` has replaced the index. One
        request loads; the others go on with the previous snapshot meanwhile."""
        snap = self._snap
        key = self._current_key()
        if key == snap.key or key == self._failed_key or key is None:
            return snap
        if not self._reload_lock.acquire(blocking=False):
            return snap
        try:
            if self._snap.key != snap.key:  # another request has just loaded it
                return self._snap
            try:
                self._snap = self._load(key, snap.searcher.embedder)
                log.info("index %s replaced: %d documents now", self.store, len(self._snap.searcher.documents))
            except NamndsokError as exc:
                self._failed_key = key
                log.error("index %s changed but cannot be loaded (%s); still serving the previous one", self.store, exc)
            return self._snap
        finally:
            self._reload_lock.release()

    def _now(self) -> Snapshot:
        return _REQUEST.get() or self.snapshot()

    @property
    def searcher(self) -> Searcher:
        return self._now().searcher

    @property
    def answerer(self) -> Answerer:
        return self._now().answerer

    @property
    def organs(self) -> list[str]:
        return self._now().organs

    # ------------------------------------------------------------ data

    def filters(self, organ: str | None = ALL, doc_type: str | None = ALL, date_from: str | None = "",
                date_to: str | None = "") -> Filters:
        """The form's filters; dates as in the CLI (namndsok.dates), errors in Swedish."""
        try:
            return Filters(
                organ=None if organ in (None, "", ALL) else organ,
                doc_type=None if doc_type in (None, "", ALL) else doc_type,
                date_from=date_from if isinstance(date_from, str) else None,
                date_to=date_to if isinstance(date_to, str) else None,
            )
        except DateError as exc:
            raise InputError(exc.swedish) from None

    @one_snapshot
    def answer(self, question: str, f: Filters) -> Answer:
        question = checked_question(question)
        with self._lock:
            return self.answerer.ask(question or "", filters=f)

    @one_snapshot
    def answer_json(self, question: str, organ: str = ALL, doc_type: str = ALL, date_from: str = "", date_to: str = "") -> dict:
        """The API: the same object as `namndsok ask --json`."""
        return self.answer(question, self.filters(organ, doc_type, date_from, date_to)).to_json()

    @one_snapshot
    def search(self, query: str, f: Filters, k: int | None = None) -> list[Hit]:
        query = checked_question(query)
        k = max(1, min(int(self.settings.search_k if k is None else k), self.settings.max_k))
        with self._lock:
            return self.searcher.search(query or "", k=k, filters=f)

    @one_snapshot
    def search_json(self, query: str, organ: str = ALL, doc_type: str = ALL, date_from: str = "", date_to: str = "",
                    k: int = SEARCH_K) -> list[dict]:
        return [h.to_json() for h in self.search(query, self.filters(organ, doc_type, date_from, date_to), k)]

    @one_snapshot
    def decisions(self, organ: str = ALL, kind: str = ALL, date_from: str = "", date_to: str = "",
                  person: str = "") -> list[DecisionRow]:
        """The decisions; with `person` (a name or a party), only the §§ where that member or
        party moved, voted, reserved or declared jäv (from the protocol facts)."""
        f = self.filters(organ, None, date_from, date_to)
        rows = list_decisions(self.searcher, f, kind=None if kind in (ALL, "", None) else kind)
        name, party = who_of((person or "")[:MAX_PERSON])
        if name or party:
            touched = sections_of(person_record(self.facts(), name, party))
            rows = [r for r in rows if (r.citation.source, r.citation.section) in touched]
        return rows

    def facts(self) -> list:
        return self.searcher.facts

    @one_snapshot
    def person_record_html(self, person: str) -> str:
        """One member's (or party's) record across meetings, each line linked to its protocol."""
        name, party = who_of((person or "")[:MAX_PERSON])
        if not (name or party):
            return ""
        entries = person_record(self.facts(), name, party)
        title = f"Ledamot: {name}" if name else f"Parti: {party_label(party)}"
        return fact_cards.record_html(title, entries, self.cite_link)

    def cite_link(self, cite) -> str:
        """The URL of a fact's place in its document (marked), "" when the document is gone."""
        doc = next((d for d in self.searcher.documents if d.sha256 == cite.sha256), None)
        if doc is None:
            return ""
        return self.link(Passage(doc, None, None, "", cite.start, cite.end), cite.start, cite.end)

    @one_snapshot
    def documents(self) -> list[IndexedDocument]:
        return self.searcher.indexed_documents()

    # ------------------------------------------------------------ passages and links

    def passage(self, chunk: Chunk) -> Passage:
        s = self.searcher
        return Passage.of_chunk(chunk, s.document_of(chunk), s.section_of(chunk))

    def section_passage(self, doc: Document | None, section: Section | None, citation) -> Passage:
        if doc is None or section is None:
            return Passage(None, citation, section, "", 0, 0)
        return Passage(doc, citation, section, doc.text[section.start:section.end], section.start, section.end)

    def grouped(self, hits: list[Hit]) -> list[Passage]:
        """Hits as passages, best first; overlapping chunks of one section become one passage."""
        out: list[Passage] = []
        for h in hits:
            p = next((p for p in out if p.overlaps(h.chunk)), None)
            if p is not None:
                p.merge(h.chunk)
            else:
                out.append(self.passage(h.chunk))
        return out

    def link(self, p: Passage, start: int | None = None, end: int | None = None) -> str:
        """The document's URL, landing on [start, end) (text) or its page (PDF)."""
        doc = p.doc
        if doc is None:
            return ""
        n = self._now().doc_ids.get((doc.source, doc.sha256))
        if n is None:
            return ""
        url = f"/dokument/{n}?h={doc.sha256[:16]}"  # the hash keeps the link right after a reload renumbers
        if doc.page_starts:
            return url + f"#page={doc.page_at(start if start is not None else p.start)}"
        if start is not None and end is not None and end > start:
            return url + f"&markera={start}-{end}#ns-hit"
        return url + f"#L{doc.line_at(p.start)}"

    def document(self, n: int, h: str | None = None) -> Document | None:
        """The n-th document of the current snapshot; with a hash prefix `h`, the document
        with that hash wherever a reload has put it (None when there is none)."""
        docs = self.snapshot().searcher.documents
        doc = docs[n] if 0 <= n < len(docs) else None
        if h is not None:
            if not re.fullmatch(r"[0-9a-f]{8,64}", h):
                return None
            if doc is None or not doc.sha256.startswith(h):
                doc = next((d for d in docs if d.sha256.startswith(h)), None)
        return doc

    # ------------------------------------------------------------ HTML

    @one_snapshot
    def ask_html(self, question: str, mode: str = "Svar", organ: str = ALL, doc_type: str = ALL, date_from: str = "",
                 date_to: str = "") -> str:
        params = {"q": question, "lage": "sok" if mode == "Sök" else None, "organ": organ, "typ": doc_type,
                  "fran": date_from, "till": date_to}
        try:
            f = self.filters(organ, doc_type, date_from, date_to)
            if not (question or "").strip():
                return cards.error_html("Skriv en fråga eller några sökord.")
            checked_question(question)
            if mode == "Sök":
                return self._search_html(question, f, params)
            ans = self.answer(question, f)
        except TooLong as exc:
            return cards.error_html(str(exc))
        except InputError as exc:
            return cards.error_html(str(exc))  # the same sentence as on every tab
        except Exception:  # never a stack trace in the page, never a dead app
            log.exception("request failed")
            return cards.error_html("Något gick fel när frågan besvarades. Försök igen eller formulera om frågan.")
        return cards.answer_html(ans.to_json(), *self._answer_cards(ans, question), cards.query_link(params))

    def _answer_cards(self, ans: Answer, question: str) -> tuple[list[str], list[str]]:
        """(the cited sources, the closest passages) as cards, by the answer's outcome: an
        answer's sources; the closest places (up to 3), each with its best sentence marked;
        for "none" only the closest passages (shown folded)."""
        cited = list(enumerate(ans.citations))
        if ans.outcome == "closest":
            cited = cited[:CLOSEST_PLACES]
        found = [cards.card(self.passage(h.chunk), self.link, CardOptions(marker=n + 1, sentences=ans.highlights.get(n)))
                 for n, h in cited] if ans.outcome != "none" else []
        nearest = []
        if ans.outcome == "none" or (ans.outcome == "closest" and not found):
            nearest = [cards.card(p, self.link, CardOptions(query=question, width=cards.ANSWER_SNIPPET // 2))
                       for p in self.grouped(ans.passages)[:CLOSEST_PLACES if ans.outcome == "closest" else None]]
        if ans.outcome == "closest" and not found:  # the closest places are the passages, shown open
            return nearest, []
        return found, nearest

    def _search_html(self, query: str, f: Filters, params: dict) -> str:
        hits = self.search(query, f)
        shown = [cards.card(p, self.link, CardOptions(marker=n + 1, query=query, width=360))
                 for n, p in enumerate(self.grouped(hits))]
        exports = {"CSV": "/export/sok.csv" + cards.query_link(params)[1:], "JSON": "/export/sok.json" + cards.query_link(params)[1:]}
        return cards.search_html(shown, cards.query_link(params), exports)

    @one_snapshot
    def decisions_html(self, organ: str = ALL, kind: str = ALL, date_from: str = "", date_to: str = "",
                       person: str = "") -> str:
        try:
            rows = self.decisions(organ, kind, date_from, date_to, person)
        except InputError as exc:
            return cards.error_html(str(exc))
        person = " ".join((person or "").split())
        params = {"flik": "beslut", "organ": organ, "slag": kind, "fran": date_from, "till": date_to, "ledamot": person}
        link = cards.query_link(params)
        exports = {"CSV": "/export/beslut.csv" + link[1:], "JSON": "/export/beslut.json" + link[1:]}
        record = self.person_record_html(person) if person else ""
        if not rows:
            return record + "<p>Inga beslut hittades.</p>" + cards.permalink_html(link, "Länk till listan")
        out = []
        for r in rows:
            p = self.section_passage(r.document, r.section, r.citation)
            extra = cards.decision_extra(r.kind, r.title, r.events, r.text, facts=fact_cards.decision_facts_html(r))
            out.append(cards.card(p, self.link, CardOptions(sentences=[r.text], extra=extra, where_title=False,
                                                            passage_folded="Visa paragrafens text")))
        n_dec = sum(r.kind == "beslut" for r in rows)
        head = f"<p><b>{n_dec} beslut och {len(rows) - n_dec} förslag till beslut</b>, äldst först</p>"
        return record + head + cards.permalink_html(link, "Länk till listan", exports) + "".join(out)

    @one_snapshot
    def matter_html(self, key: str) -> str:
        if not (key or "").strip():
            return "<p>Skriv ett diarienummer (t.ex. 2023/428) eller ett ämne.</p>"
        try:
            checked_question(key)
        except TooLong as exc:
            return cards.error_html(str(exc))
        steps: list[Step] = matter_timeline(self.searcher, key)
        if not steps:
            return f"<p>Inget ärende hittades för {cards.esc(key)}.</p>"
        link = cards.query_link({"arende": key.strip()})
        exports = {"CSV": "/export/arende.csv" + link[1:], "JSON": "/export/arende.json" + link[1:]}
        out = [f"<p><b>{len(steps)} steg</b>, äldst först</p>",
               cards.permalink_html(link, "Länk till ärendet", exports), '<ol class="ns-steps">']
        for s in steps:
            p = self.section_passage(s.document, s.section, s.citation)
            opts = CardOptions(sentences=[s.text] if s.section is not None and s.section.decision else None,
                               extra=cards.step_extra(s.what, s.inferred, s.evidence), width=300, where_title=True)
            out.append(f"<li>{cards.card(p, self.link, opts)}</li>")
        return "".join(out) + "</ol>"

    @one_snapshot
    def documents_html(self) -> str:
        rows = []
        for e in self.documents():
            p = Passage(e.document, _doc_citation(e.document), None, "", 0, 0)
            href = self.link(p, None, None).split("#")[0]
            rows.append((e.document, e.number, e.chunks, e.indexed, href))
        return cards.documents_table(rows)

    # ------------------------------------------------------------ exports

    @one_snapshot
    def search_rows(self, query: str, organ: str = ALL, doc_type: str = ALL, date_from: str = "", date_to: str = "") -> list[dict]:
        """Search results for export: the API's fields plus what the card says."""
        out = []
        for n, h in enumerate(self.search(query, self.filters(organ, doc_type, date_from, date_to)), 1):
            doc, sec = self.searcher.document_of(h.chunk), self.searcher.section_of(h.chunk)
            out.append({"rank": n, **_described(doc, sec, h.chunk.citation), **h.to_json()})
        return out

    @one_snapshot
    def answer_rows(self, question: str, organ: str = ALL, doc_type: str = ALL, date_from: str = "",
                    date_to: str = "") -> list[dict]:
        """An answer for export: one row per source (the closest passages when there is no
        answer), each with the question, the outcome, the answer's text and why."""
        ans = self.answer(question, self.filters(organ, doc_type, date_from, date_to))
        res = ans.to_json()
        head = {"question": ans.question, "outcome": ans.outcome, "answer": ans.answer, "reason": ans.reason}
        out = []
        for n, h in enumerate(ans.citations):
            doc, sec = self.searcher.document_of(h.chunk), self.searcher.section_of(h.chunk)
            out.append({**head, "role": "källa", **_described(doc, sec, h.chunk.citation), **res["citations"][n]})
        if not ans.citations:
            for h in ans.passages:
                doc, sec = self.searcher.document_of(h.chunk), self.searcher.section_of(h.chunk)
                out.append({**head, "role": "närmaste passage", **_described(doc, sec, h.chunk.citation), **h.to_json()})
        return out or [head]

    @one_snapshot
    def matter_rows(self, key: str) -> list[dict]:
        """A matter's steps for export, oldest first."""
        return [{"step": n, **_described(s.document, s.section, s.citation), **s.to_json()}
                for n, s in enumerate(matter_timeline(self.searcher, key or ""), 1)]

    @one_snapshot
    def decision_rows(self, organ: str = ALL, kind: str = ALL, date_from: str = "", date_to: str = "",
                      person: str = "") -> list[dict]:
        return [{**_described(r.document, r.section, r.citation), **r.to_json()}
                for r in self.decisions(organ, kind, date_from, date_to, person)]


def _described(doc: Document | None, sec: Section | None, c) -> dict:
    return {"document": labels.source_label(doc, sec, c), "document_title": labels.document_title(doc, c),
            "reference": labels.reference(doc, sec, c)}


def _doc_citation(doc: Document):
    from namndsok.model import Citation

    return Citation(doc.source, doc.title, doc.organ, doc.date, None, None, None, None, doc.doc_type)

