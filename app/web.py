"""The web app (Gradio): ask a question, search passages, browse decisions, follow a matter.

The index is loaded at start and again when `ingest` replaces it (CURRENT changes; checked
with one stat per request); each request is answered from one snapshot of it. Everything
from a question or a document is HTML-escaped before it is shown. Source documents are
served only from the index, by their position in it and their hash (`/dokument/{n}?h=…`),
never by a path taken from the request. The answer function is also an API endpoint
(`/answer`) for gradio_client. guard.py stands in front of every route: the login, slowed
failed logins, no uploads, checked API input.
"""

from __future__ import annotations

import contextvars
import functools
import html
import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from namndsok.dates import DateError
from namndsok.errors import NamndsokError
from namndsok.index.search import Filters, Searcher
from namndsok.model import DECISION_KINDS, DOC_TYPES

from .answer import Answerer
from .guard import ApiSpec, Guard
from .llm import LLMConfig
from .matters import list_decisions, matter_timeline

log = logging.getLogger(__name__)

ALL = "Alla"
MAX_K = 50  # passages per request through the app
DOC_TYPE_CHOICES = [ALL, *DOC_TYPES]
EXAMPLES = [
    "Vad beslutade vi om Minirosen?",
    "Vad beslutade VästKoms styrelse om samverkansavtalet för familjecentraler?",
    "2023/395",
]
CSS = """
.ns-answer {font-size: 1.1em; line-height: 1.5; white-space: pre-line}
.ns-card {border: 1px solid #ccc; border-radius: 6px; padding: .6em .8em; margin: .5em 0}
.ns-cite {font-weight: 600}
.ns-passage {white-space: pre-wrap; font-size: .95em}
.ns-note {color: #6b4e00}
mark {background: #fff2a8}
"""


def _esc(s: Any) -> str:
    return html.escape(str(s if s is not None else ""), quote=True)


@dataclass
class Snapshot:
    """One loaded index and what the app derives from it."""

    searcher: Searcher
    answerer: Answerer
    doc_ids: dict[tuple[str, str], int]
    doc_by_name: dict[str, int]
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


class WebApp:
    """The app's functions, independent of Gradio so they can be called and tested directly."""

    def __init__(self, root: Path, llm: LLMConfig | None = None):
        self.root = root
        self.llm = llm
        self._reload_lock = threading.Lock()
        self._failed_key: tuple | None = None
        self._snap = self._load(self._current_key(), None)
        # the embedder is a single native handle: one query at a time through it
        self._lock = threading.Lock()

    # ------------------------------------------------------------ the index, reloaded when replaced

    def _current_key(self) -> tuple | None:
        try:
            st = os.stat(self.root / "CURRENT")
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _load(self, key: tuple | None, embedder) -> Snapshot:
        from namndsok.index.store import load_index

        index = load_index(self.root)
        same_model = embedder is not None and embedder.name == index.embedder_name
        searcher = Searcher(index, embedder if same_model else None)
        docs = index.documents
        doc_by_name: dict[str, int] = {}
        for n, d in enumerate(docs):
            doc_by_name.setdefault(d.source, n)
        return Snapshot(
            searcher=searcher,
            answerer=Answerer(searcher, llm=self.llm),
            # two files may share a name (protokoll.pdf in every meeting folder): the hash tells them apart
            doc_ids={(d.source, d.sha256): n for n, d in enumerate(docs)},
            doc_by_name=doc_by_name,
            organs=[ALL] + sorted({c.citation.organ for c in searcher.chunks if c.citation.organ}),
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
                log.info("index %s replaced: now serving %s", self.root, self._snap.searcher.index.folder.name)
            except NamndsokError as exc:
                self._failed_key = key
                log.error("index %s changed but cannot be loaded (%s); still serving the previous one", self.root, exc)
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
    def doc_ids(self) -> dict[tuple[str, str], int]:
        return self._now().doc_ids

    @property
    def doc_by_name(self) -> dict[str, int]:
        return self._now().doc_by_name

    @property
    def organs(self) -> list[str]:
        return self._now().organs

    # ------------------------------------------------------------ data

    def filters(self, organ: str | None, doc_type: str | None, date_from: str | None, date_to: str | None) -> Filters:
        """The form's filters; dates as in the CLI (namndsok.dates), errors in Swedish."""
        try:
            return Filters(
                organ=None if organ in (None, "", ALL) else organ,
                doc_type=None if doc_type in (None, "", ALL) else doc_type,
                date_from=date_from if isinstance(date_from, str) else None,
                date_to=date_to if isinstance(date_to, str) else None,
            )
        except DateError as exc:
            raise ValueError(exc.swedish) from None

    @one_snapshot
    def answer_json(self, question: str, organ: str = ALL, doc_type: str = ALL, date_from: str = "", date_to: str = "") -> dict:
        """The API: the same object as `namndsok ask --json`."""
        f = self.filters(organ, doc_type, date_from, date_to)
        with self._lock:
            return self.answerer.ask(question or "", filters=f).to_json()

    @one_snapshot
    def search_json(self, query: str, organ: str = ALL, doc_type: str = ALL, date_from: str = "", date_to: str = "", k: int = 20) -> list[dict]:
        f = self.filters(organ, doc_type, date_from, date_to)
        k = max(1, min(int(k), MAX_K))
        with self._lock:
            return [h.to_json() for h in self.searcher.search(query or "", k=k, filters=f)]

    # ------------------------------------------------------------ HTML

    def doc_link(self, cite: dict) -> str:
        snap = self._now()
        n = snap.doc_ids.get((cite["source"], cite.get("sha256")), snap.doc_by_name.get(cite["source"]))
        if n is None:
            return ""
        # the hash keeps the link right after a reload renumbers the documents
        h = f"?h={snap.searcher.index.documents[n].sha256[:16]}"
        frag = f"#page={cite['page']}" if cite.get("page") else (f"#L{cite['line']}" if cite.get("line") else "")
        return f'<a href="/dokument/{n}{h}{frag}" target="_blank" rel="noopener">Öppna dokumentet</a>'

    def card(self, n: int | None, cite: dict, highlights: list[str] | None = None) -> str:
        passage = _esc(cite["text"])
        for sent in highlights or []:
            words = [re.escape(_esc(w)) for w in sent.split()]
            if words:
                passage = re.sub(r"\s+".join(words), lambda m: f"<mark>{m.group(0)}</mark>", passage, count=1)
        parts = [cite.get("organ"), cite.get("date"), cite.get("section"), f"Dnr {cite['dnr']}" if cite.get("dnr") else None,
                 f"s. {cite['page']}" if cite.get("page") else None]
        head = " · ".join(_esc(p) for p in parts if p)
        dnr_btn = ""
        if cite.get("dnr"):
            dnr_btn = (f' · <a class="ns-dnr" href="/?arende={quote(cite["dnr"], safe="")}" target="_blank" rel="noopener" '
                       f'title="Visa ärendets gång">ärende {_esc(cite["dnr"])}</a>')
        marker = f"[{n}] " if n is not None else ""
        title = f"<div>{_esc(cite.get('section_title') or '')}</div>" if cite.get("section_title") else ""
        return (
            f'<div class="ns-card"><div class="ns-cite">{marker}{head}</div>{title}'
            f'<div><small>{_esc(cite["source"])} — {_esc(cite.get("title"))}</small> {self.doc_link(cite)}{dnr_btn}</div>'
            f'<div class="ns-passage">{passage}</div></div>'
        )

    @one_snapshot
    def ask_html(self, question: str, mode: str, organ: str, doc_type: str, date_from: str, date_to: str) -> str:
        try:
            if mode == "Sök":
                hits = self.search_json(question, organ, doc_type, date_from, date_to)
                if not hits:
                    return '<div class="ns-answer">Inga träffar.</div>'
                return f"<div><b>{len(hits)} passager</b></div>" + "".join(self.card(i + 1, h) for i, h in enumerate(hits))
            res = self.answer_json(question, organ, doc_type, date_from, date_to)
        except ValueError as exc:
            return f'<div class="ns-note">Kunde inte söka: {_esc(exc)}</div>'
        except Exception:  # never a stack trace in the page, never a dead app
            log.exception("request failed")
            return '<div class="ns-note">Något gick fel när frågan besvarades. Försök igen eller formulera om frågan.</div>'
        out = [f'<div class="ns-answer" id="ns-answer">{_esc(res["answer"])}</div>']
        if res.get("note"):
            out.append(f'<p class="ns-note">{_esc(res["note"])}</p>')
        if res["no_answer"] and res.get("passages"):
            out.append("<h4>Närmaste passager</h4>" + "".join(self.card(None, p) for p in res["passages"]))
        elif res["citations"]:
            out.append("<h4>Källor</h4>" + "".join(self.card(c["marker"], c, c.get("highlights")) for c in res["citations"]))
        return "".join(out)

    @one_snapshot
    def decisions_html(self, organ: str, kind: str, date_from: str, date_to: str) -> str:
        try:
            f = self.filters(organ, None, date_from, date_to)
            rows = list_decisions(self.searcher.index, f, kind=None if kind in (ALL, "", None) else kind)
        except ValueError as exc:
            return f'<div class="ns-note">{_esc(exc)}</div>'
        if not rows:
            return "<p>Inga beslut hittades.</p>"
        out = []
        for r in rows:
            j = r.to_json()
            events = f" <small>({_esc(', '.join(r.events))})</small>" if r.events else ""
            motions = "".join(f"<div><small>{_esc(m.who)} {_esc(m.text)}</small></div>" for m in r.motions)
            out.append(
                f'<div class="ns-card"><div class="ns-cite">{_esc(r.kind_label)}: {_esc(r.title)}{events}</div>'
                f"<div>{_esc(r.citation.format())} {self.doc_link(j | {'line': r.citation.line})}</div>"
                f'<div class="ns-passage">{_esc(r.text)}</div>{motions}</div>'
            )
        return f"<p>{len(rows)} beslut och förslag</p>" + "".join(out)

    @one_snapshot
    def matter_html(self, key: str) -> str:
        if not (key or "").strip():
            return "<p>Skriv ett diarienummer (t.ex. 2023/428) eller ett ämne.</p>"
        steps = matter_timeline(self.searcher.index, key)
        if not steps:
            return f"<p>Inget ärende hittades för {_esc(key)}.</p>"
        out = [f"<p>{len(steps)} steg, äldst först</p><ol>"]
        for s in steps:
            j = s.to_json()
            flag = f' <small class="ns-note">(kopplat via rubrik, ej dnr: {_esc(s.evidence)})</small>' if s.inferred else ""
            out.append(
                f'<li class="ns-card"><div class="ns-cite">{_esc(s.citation.date)} · {_esc(s.citation.organ)} · {_esc(s.citation.section)}{flag}</div>'
                f"<div><b>{_esc(s.what)}</b>: {_esc(s.text)}</div><div><small>{_esc(s.citation.format())}</small> "
                f"{self.doc_link(j | {'line': s.citation.line})}</div></li>"
            )
        return "".join(out) + "</ol>"

    def document(self, n: int, h: str | None = None):
        """The n-th document of the current snapshot; with a hash prefix `h`, the document
        with that hash wherever a reload has put it (None when there is none)."""
        docs = self.snapshot().searcher.index.documents
        doc = docs[n] if 0 <= n < len(docs) else None
        if h is not None:
            if not re.fullmatch(r"[0-9a-f]{8,64}", h):
                return None
            if doc is None or not doc.sha256.startswith(h):
                doc = next((d for d in docs if d.sha256.startswith(h)), None)
        return doc

    def document_html(self, doc) -> str:
        """A text document as HTML, each line addressable as #L<number>."""
        lines = doc.text.split("\n")
        body = "\n".join(f'<span id="L{i + 1}">{_esc(line)}</span>' for i, line in enumerate(lines))
        return (
            f"<!doctype html><html lang='sv'><meta charset='utf-8'><title>{_esc(doc.title)}</title>"
            f"<style>pre{{white-space:pre-wrap}} :target{{background:#fff2a8}}</style>"
            f"<h1>{_esc(doc.title)}</h1><p>{_esc(doc.organ)} {_esc(doc.date)} — {_esc(doc.source)}</p><pre>{body}</pre></html>"
        )


def build_blocks(webapp: WebApp):
    import gradio as gr

    with gr.Blocks(title="namndsok – sök i nämndhandlingar") as demo:
        gr.Markdown("# namndsok\nSök och få svar med källhänvisning i protokoll, kallelser och tjänsteutlåtanden.")
        with gr.Tabs() as tabs:
            with gr.Tab("Fråga", id="fraga"):
                question = gr.Textbox(label="Fråga", placeholder="Vad beslutade vi om Minirosen?", lines=2, elem_id="ns-question")
                with gr.Row():
                    mode = gr.Radio(["Svar", "Sök"], value="Svar", label="Läge", info="Svar: kort svar med källor. Sök: alla passager i rangordning.")
                    organ = gr.Dropdown(webapp.organs, value=ALL, label="Nämnd/organ")
                    doc_type = gr.Dropdown(DOC_TYPE_CHOICES, value=ALL, label="Dokumenttyp")
                    date_from = gr.Textbox(label="Från datum", placeholder="ÅÅÅÅ-MM-DD")
                    date_to = gr.Textbox(label="Till datum", placeholder="ÅÅÅÅ-MM-DD")
                ask_btn = gr.Button("Fråga", variant="primary", elem_id="ns-ask")
                result = gr.HTML(elem_id="ns-result")
                gr.Examples(EXAMPLES, inputs=[question], label="Exempel")
                inputs = [question, mode, organ, doc_type, date_from, date_to]
                ask_btn.click(webapp.ask_html, inputs, result, api_name="ask_html", concurrency_limit=4)
                question.submit(webapp.ask_html, inputs, result, api_visibility="private", concurrency_limit=4)
            with gr.Tab("Beslut", id="beslut"):
                with gr.Row():
                    d_organ = gr.Dropdown(webapp.organs, value=ALL, label="Nämnd/organ")
                    d_kind = gr.Dropdown([ALL, *DECISION_KINDS], value=ALL, label="Slag")
                    d_from = gr.Textbox(label="Från datum", placeholder="ÅÅÅÅ-MM-DD")
                    d_to = gr.Textbox(label="Till datum", placeholder="ÅÅÅÅ-MM-DD")
                d_btn = gr.Button("Visa beslut", elem_id="ns-decisions")
                d_out = gr.HTML(elem_id="ns-decisions-out")
                d_btn.click(webapp.decisions_html, [d_organ, d_kind, d_from, d_to], d_out, api_name="decisions_html")
            with gr.Tab("Ärende", id="arende"):
                m_key = gr.Textbox(label="Diarienummer eller ämne", placeholder="2023/428", elem_id="ns-matter-key")
                m_btn = gr.Button("Visa ärendets gång", elem_id="ns-matter")
                m_out = gr.HTML(elem_id="ns-matter-out")
                m_btn.click(webapp.matter_html, [m_key], m_out, api_name="matter_html")

        def open_matter(request: gr.Request):
            # a source card's dnr links to /?arende=DNR: open that matter's timeline
            key = (request.query_params.get("arende") or "").strip() if request else ""
            if not key:
                return gr.update(), gr.update(), gr.update()
            return key, webapp.matter_html(key), gr.Tabs(selected="arende")

        # this module postpones annotations; Gradio needs the real class to inject the request
        open_matter.__annotations__["request"] = gr.Request
        demo.load(open_matter, None, [m_key, m_out, tabs], api_visibility="private")
        gr.api(webapp.answer_json, api_name="answer")
        gr.api(webapp.search_json, api_name="search")
    return demo


API_INPUTS = {
    "answer": ApiSpec("question", (("organ", ALL), ("doc_type", ALL), ("date_from", ""), ("date_to", ""))),
    "search": ApiSpec("query", (("organ", ALL), ("doc_type", ALL), ("date_from", ""), ("date_to", ""), ("k", 20))),
}


def create_app(root: Path, llm: LLMConfig | None = None, auth: tuple[str, str] | None = None):
    """A FastAPI app with the Gradio UI at / and the document route, behind the Guard."""
    import gradio as gr
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import FileResponse, HTMLResponse
    from gradio.routes import App as GradioApp
    from starlette.routing import Mount

    webapp = WebApp(root, llm=llm)
    app = FastAPI()

    @app.get("/dokument/{n}")
    def dokument(n: int, h: str | None = None):
        # only documents in the index, addressed by their number (and hash) in it
        doc = webapp.document(n, h)
        if doc is None:
            raise HTTPException(404, "Dokumentet finns inte i indexet")
        if doc.page_starts:
            p = Path(doc.path)
            if not p.is_file():
                raise HTTPException(410, "PDF-filen finns inte längre på disk")
            return FileResponse(p, media_type="application/pdf", filename=doc.source)
        return HTMLResponse(webapp.document_html(doc))

    demo = build_blocks(webapp)
    demo.queue(default_concurrency_limit=4, max_size=256)
    app = gr.mount_gradio_app(app, demo, path="", auth=auth, css=CSS, theme=gr.themes.Default())
    gradio_app = next(r.app for r in app.routes if isinstance(r, Mount) and isinstance(r.app, GradioApp))

    def session_user(cookies: dict[str, str]) -> str | None:
        token = cookies.get(f"access-token-{gradio_app.cookie_id}") or cookies.get(f"access-token-unsecure-{gradio_app.cookie_id}")
        return gradio_app.tokens.get(token) if token else None

    app.add_middleware(Guard, auth=auth, session_user=session_user, apis=API_INPUTS)
    return app, webapp


def serve(root: Path, host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None,
          llm: LLMConfig | None = None) -> None:
    """`auth` is (user, password), checked by the CLI (`parse_auth`)."""
    import uvicorn

    creds = auth
    if host not in ("127.0.0.1", "localhost", "::1") and not creds:
        log.warning("serving on %s without a login: anyone who reaches this address can read the index; set --auth or NAMNDSOK_AUTH", host)
        print(f"WARNING: serving on {host} without a login; set --auth USER:PASSWORD or NAMNDSOK_AUTH", flush=True)
    app, _ = create_app(root, llm=llm or LLMConfig.from_env(), auth=creds)
    print(f"namndsok: http://{host if host != '0.0.0.0' else '127.0.0.1'}:{port}/  (Ctrl+C to stop)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


__all__ = ["WebApp", "build_blocks", "create_app", "serve"]
