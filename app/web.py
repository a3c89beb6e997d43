"""The web app (Gradio): ask a question, search passages, browse decisions, follow a matter.

The index is loaded once. Everything from a question or a document is HTML-escaped before
it is shown. Source documents are served only from the index, by their position in it
(`/dokument/{n}`), never by a path taken from the request. The answer function is also an
API endpoint (`/answer`) for gradio_client.
"""

from __future__ import annotations

import html
import logging
import re
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

from namndsok.dates import DateError
from namndsok.index.search import Filters, Searcher
from namndsok.model import DECISION_KINDS, DOC_TYPES

from .answer import Answerer
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


class WebApp:
    """The app's functions, independent of Gradio so they can be called and tested directly."""

    def __init__(self, root: Path, llm: LLMConfig | None = None):
        self.root = root
        self.searcher = Searcher.open(root)
        self.answerer = Answerer(self.searcher, llm=llm)
        # two files may share a name (protokoll.pdf in every meeting folder): the hash tells them apart
        self.doc_ids = {(d.source, d.sha256): n for n, d in enumerate(self.searcher.index.documents)}
        self.doc_by_name = {}
        for n, d in enumerate(self.searcher.index.documents):
            self.doc_by_name.setdefault(d.source, n)
        organs = sorted({c.citation.organ for c in self.searcher.chunks if c.citation.organ})
        self.organs = [ALL] + organs
        # the embedder is a single native handle: one query at a time through it
        self._lock = threading.Lock()

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

    def answer_json(self, question: str, organ: str = ALL, doc_type: str = ALL, date_from: str = "", date_to: str = "") -> dict:
        """The API: the same object as `namndsok ask --json`."""
        f = self.filters(organ, doc_type, date_from, date_to)
        with self._lock:
            return self.answerer.ask(question or "", filters=f).to_json()

    def search_json(self, query: str, organ: str = ALL, doc_type: str = ALL, date_from: str = "", date_to: str = "", k: int = 20) -> list[dict]:
        f = self.filters(organ, doc_type, date_from, date_to)
        k = max(1, min(int(k), MAX_K))
        with self._lock:
            return [h.to_json() for h in self.searcher.search(query or "", k=k, filters=f)]

    # ------------------------------------------------------------ HTML

    def doc_link(self, cite: dict) -> str:
        n = self.doc_ids.get((cite["source"], cite.get("sha256")), self.doc_by_name.get(cite["source"]))
        if n is None:
            return ""
        frag = f"#page={cite['page']}" if cite.get("page") else (f"#L{cite['line']}" if cite.get("line") else "")
        return f'<a href="/dokument/{n}{frag}" target="_blank" rel="noopener">Öppna dokumentet</a>'

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

    def document_html(self, n: int) -> tuple[str, str | None]:
        """(HTML of a text document, or '' with the path of a PDF to send)."""
        docs = self.searcher.index.documents
        doc = docs[n]
        if doc.page_starts:
            return "", doc.path
        lines = doc.text.split("\n")
        body = "\n".join(f'<span id="L{i + 1}">{_esc(line)}</span>' for i, line in enumerate(lines))
        return (
            f"<!doctype html><html lang='sv'><meta charset='utf-8'><title>{_esc(doc.title)}</title>"
            f"<style>pre{{white-space:pre-wrap}} :target{{background:#fff2a8}}</style>"
            f"<h1>{_esc(doc.title)}</h1><p>{_esc(doc.organ)} {_esc(doc.date)} — {_esc(doc.source)}</p><pre>{body}</pre></html>",
            None,
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


def create_app(root: Path, llm: LLMConfig | None = None, auth: tuple[str, str] | None = None):
    """A FastAPI app with the Gradio UI at / and the document route."""
    import gradio as gr
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import FileResponse, HTMLResponse

    webapp = WebApp(root, llm=llm)
    app = FastAPI()

    @app.get("/dokument/{n}")
    def dokument(n: int):
        # only documents in the index, addressed by their number in it
        if not 0 <= n < len(webapp.searcher.index.documents):
            raise HTTPException(404, "Dokumentet finns inte i indexet")
        page, pdf_path = webapp.document_html(n)
        if pdf_path:
            p = Path(pdf_path)
            if not p.is_file():
                raise HTTPException(410, "PDF-filen finns inte längre på disk")
            return FileResponse(p, media_type="application/pdf", filename=p.name)
        return HTMLResponse(page)

    demo = build_blocks(webapp)
    demo.queue(default_concurrency_limit=4, max_size=256)
    app = gr.mount_gradio_app(app, demo, path="", auth=auth, css=CSS, theme=gr.themes.Default())
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
