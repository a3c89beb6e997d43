"""The page: Gradio Blocks with the tabs Fråga, Beslut, Ärende and Dokument, the API
endpoints, and what makes it Swedish and usable on a phone (CSS, and a script in the page's
head: Gradio's own texts in Swedish, copying references, the address bar following the view,
uploads).

A view is a link: `/?q=…` (with `lage=sok`, `organ`, `typ`, `fran`, `till`) asks or searches,
`/?flik=beslut&organ=…&slag=…&ledamot=…` lists decisions (`/?person=…` a member's or party's
record across meetings above the §§ they took part in), `/?arende=DNR` shows a matter and
`/?flik=dokument` the documents; opening one fills the form and shows the result.
"""

from __future__ import annotations

from namndsok.model import DECISION_KINDS, DOC_TYPES
from namndsok.personal import MASKED_NOTE

from . import api
from .labels import type_label
from .bevakning.tab import bevakning_tab, follow_button, follow_person_button, searches_html, user_of
from .webapp import ALL, MODES, WebApp

DOC_TYPE_CHOICES = [ALL, *DOC_TYPES]
# what the dropdown shows (Swedish) and the value it sends, which stays the model's ("other")
DOC_TYPE_OPTIONS = [(ALL, ALL)] + [(type_label(t), t) for t in DOC_TYPES]
KIND_CHOICES = [ALL, *DECISION_KINDS]
TABS = {"fraga": "Fråga", "beslut": "Beslut", "arende": "Ärende", "dokument": "Dokument", "bevakningar": "Bevakningar"}
EXAMPLES = [
    "Vad beslutade vi om Minirosen?",
    "Vad beslutade VästKoms styrelse om samverkansavtalet för familjecentraler?",
    "2023/395",
]
# on every event: no English status text ("processing | 0.1/0.6s"); the result fades while pending
PROGRESS = "minimal"


def build_blocks(webapp: WebApp, uploads: bool = False):
    import gradio as gr

    with gr.Blocks(title="namndsok – sök i nämndhandlingar") as demo:
        gr.Markdown("# namndsok\nSök och få svar med källhänvisning i protokoll, kallelser och tjänsteutlåtanden.")
        if webapp.redact:
            gr.Markdown(MASKED_NOTE, elem_id="ns-masked-note")
        with gr.Tabs() as tabs:
            with gr.Tab("Fråga", id="fraga"):
                question = gr.Textbox(label="Fråga eller sökord", placeholder="Vad beslutade vi om Minirosen?", lines=1,
                                      max_lines=6, elem_id="ns-question", autofocus=True,
                                      info="Tryck Enter för att fråga.")
                examples = gr.Examples(EXAMPLES, inputs=[question], label="Exempel – klicka för att fråga",
                                       api_visibility="private", elem_id="ns-examples")
                mode = gr.Radio(list(MODES.values()), value="Svar", label="Läge", elem_id="ns-mode", container=False,
                                info="Svar: kort svar med källor. Sök: alla passager i rangordning.")
                with gr.Accordion("Filter: nämnd, dokumenttyp, datum", open=False, elem_id="ns-filters") as filters:
                    with gr.Row():
                        organ = gr.Dropdown(webapp.organs, value=ALL, label="Nämnd/organ", elem_id="ns-organ")
                        doc_type = gr.Dropdown(DOC_TYPE_OPTIONS, value=ALL, label="Dokumenttyp", elem_id="ns-type")
                        date_from = gr.Textbox(value="", label="Från datum", placeholder="ÅÅÅÅ, ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD",
                                               elem_id="ns-from")
                        date_to = gr.Textbox(value="", label="Till datum", placeholder="ÅÅÅÅ, ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD",
                                             elem_id="ns-to")
                ask_btn = gr.Button("Fråga", variant="primary", elem_id="ns-ask")
                follow_out = gr.HTML(elem_id="ns-follow-out")
                if webapp.root is not None:  # saved searches live beside a folder index
                    follow_button(webapp.root, [question, organ, doc_type, date_from, date_to], follow_out)
                result = gr.HTML(elem_id="ns-result")
                inputs = [question, mode, organ, doc_type, date_from, date_to]
                # the page's own endpoints stay callable (tests, scripts) but are not the documented API
                ask_btn.click(webapp.ask_html, inputs, result, api_name="ask_html", api_visibility="undocumented",
                              concurrency_limit=4, show_progress=PROGRESS)
                question.submit(webapp.ask_html, inputs, result, api_visibility="private", concurrency_limit=4,
                                show_progress=PROGRESS)
                examples.load_input_event.then(webapp.ask_html, inputs, result, api_visibility="private",
                                               concurrency_limit=4, show_progress=PROGRESS)
            with gr.Tab("Beslut", id="beslut"):
                with gr.Row():
                    d_organ = gr.Dropdown(webapp.organs, value=ALL, label="Nämnd/organ")
                    d_kind = gr.Dropdown(KIND_CHOICES, value=ALL, label="Slag",
                                         info="beslut: fattat av organet; förslag: förslag till beslut")
                    d_from = gr.Textbox(value="", label="Från datum", placeholder="ÅÅÅÅ, ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD",
                                        elem_id="ns-d-from")
                    d_to = gr.Textbox(value="", label="Till datum", placeholder="ÅÅÅÅ, ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD",
                                      elem_id="ns-d-to")
                    d_person = gr.Textbox(value="", label="Ledamot eller parti", placeholder="Ann-Christine Furustrand eller S",
                                          elem_id="ns-d-person",
                                          info="bara paragrafer där ledamoten eller partiet yrkade, röstade eller reserverade sig")
                d_btn = gr.Button("Visa beslut", elem_id="ns-decisions")
                d_follow_out = gr.HTML(elem_id="ns-follow-person-out")
                follow_person_button(webapp.root, [d_organ, d_person, d_from, d_to], d_follow_out)
                d_out = gr.HTML(elem_id="ns-decisions-out")
                d_inputs = [d_organ, d_kind, d_from, d_to, d_person]
                d_btn.click(webapp.decisions_html, d_inputs, d_out, api_name="decisions_html",
                            api_visibility="undocumented", show_progress=PROGRESS)
                for box in (d_from, d_to, d_person):
                    box.submit(webapp.decisions_html, d_inputs, d_out, api_visibility="private", show_progress=PROGRESS)
            with gr.Tab("Ärende", id="arende"):
                m_key = gr.Textbox(label="Diarienummer eller ämne", placeholder="2023/428", elem_id="ns-matter-key")
                m_btn = gr.Button("Visa ärendets gång", elem_id="ns-matter")
                m_out = gr.HTML(elem_id="ns-matter-out")
                m_btn.click(webapp.matter_html, [m_key], m_out, api_name="matter_html", api_visibility="undocumented",
                            show_progress=PROGRESS)
                m_key.submit(webapp.matter_html, [m_key], m_out, api_visibility="private", show_progress=PROGRESS)
            with gr.Tab("Dokument", id="dokument") as doc_tab:
                if uploads:
                    gr.HTML(UPLOAD_FORM, elem_id="ns-upload")
                docs_btn = gr.Button("Uppdatera listan", elem_id="ns-docs-refresh", size="sm")
                docs_out = gr.HTML(elem_id="ns-docs")
                docs_btn.click(webapp.documents_html, None, docs_out, api_visibility="private", show_progress=PROGRESS)
                doc_tab.select(webapp.documents_html, None, docs_out, api_visibility="private", show_progress=PROGRESS)
            # the saved searches live beside a folder index; a database store has no such tab
            bev_out = bevakning_tab(webapp.root, webapp.organs, DOC_TYPE_CHOICES) if webapp.root is not None else None
            bev_outputs = [bev_out] if bev_out is not None else []

        def open_view(request: gr.Request):
            """The view a link names (see the module's docstring)."""
            q = dict(request.query_params) if request else {}
            organs = webapp.organs
            pick = lambda value, choices: value if value in choices else ALL  # noqa: E731
            keep = gr.update()
            form = [keep] * 6 + [keep]
            open_filters = keep
            dec = [keep] * 6
            mat = [keep, keep]
            docs = keep
            bev = keep
            tab = keep
            if (q.get("q") or "").strip():
                vals = [q["q"], MODES.get(q.get("lage", "svar"), "Svar"), pick(q.get("organ"), organs),
                        pick(q.get("typ"), DOC_TYPE_CHOICES), q.get("fran", ""), q.get("till", "")]
                form = vals + [webapp.ask_html(*vals)]
                tab = gr.Tabs(selected="fraga")
                if any(v not in ("", ALL) for v in vals[2:]):
                    open_filters = gr.Accordion(open=True)
            elif (q.get("arende") or "").strip():
                mat = [q["arende"].strip(), webapp.matter_html(q["arende"].strip())]
                tab = gr.Tabs(selected="arende")
            elif q.get("flik") == "beslut" or (q.get("person") or "").strip():
                # /?person=… is a member's record: the Beslut tab filtered to that member
                vals = [pick(q.get("organ"), organs), pick(q.get("slag"), KIND_CHOICES), q.get("fran", ""), q.get("till", ""),
                        (q.get("ledamot") or q.get("person") or "").strip()]
                dec = vals + [webapp.decisions_html(*vals)]
                tab = gr.Tabs(selected="beslut")
            elif q.get("flik") in TABS:
                tab = gr.Tabs(selected=q["flik"])
                if q["flik"] == "dokument":
                    docs = webapp.documents_html()
                elif q["flik"] == "bevakningar" and bev_outputs:  # the user's list at once, not after a first action
                    bev = searches_html(webapp.root, user_of(request))
            return [*form, *dec, *mat, docs, *([bev] if bev_outputs else []), tab, open_filters]

        gr.Markdown("<small>För skript och program: [appens API](/om-api) (`/answer`, `/search`) och "
                    "export som CSV eller JSON vid varje resultat.</small>", elem_id="ns-api-link")

        # this module postpones annotations; Gradio needs the real class to inject the request
        open_view.__annotations__["request"] = gr.Request
        demo.load(open_view, None, [*inputs, result, *d_inputs, d_out, m_key, m_out, docs_out, *bev_outputs, tabs, filters],
                  api_visibility="private", show_progress=PROGRESS)
        api.register(webapp)
    return demo


UPLOAD_FORM = """
<div class="ns-upload">
  <label for="ns-upload-file"><b>Lägg till PDF-filer i indexet</b></label>
  <p><small>Filerna sparas i uppladdningsmappen och indexeras i bakgrunden; en fil som inte
  går att läsa rapporteras och indexet lämnas orört.</small></p>
  <div class="ns-upload-row">
    <label class="ns-pick" for="ns-upload-file">Välj PDF-filer …</label>
    <input id="ns-upload-file" class="ns-hidden-input" type="file" accept=".pdf,application/pdf" multiple>
    <span id="ns-upload-chosen">Ingen fil vald</span>
    <button type="button" id="ns-upload-send" class="ns-button">Ladda upp och indexera</button>
  </div>
  <div id="ns-upload-status" role="status" aria-live="polite"></div>
</div>
"""

CSS = """
.ns-answer {font-size: 1.1em; line-height: 1.5}
.ns-answer p {margin: .3em 0}
.ns-head {font-size: 1.15em; font-weight: 700; margin: .2em 0 .3em}
.ns-outcome-closest {border-left: 4px solid #d97706; background: #fffbeb; padding: .4em .8em; margin: .4em 0}
.ns-outcome-none {border-left: 4px solid #9ca3af; background: #f9fafb; padding: .4em .8em; margin: .4em 0; color: #374151}
.ns-reason {margin: .1em 0}
/* what the sources say, as a quotation: never to be taken for the app's own words */
blockquote.ns-said {margin: .3em 0; padding: .1em .8em; border-left: 3px solid #93c5fd; background: #f8fafc;
  font-family: Georgia, "Times New Roman", serif; color: #1f2937}
.ns-line {margin: .3em 0}
.ns-line blockquote.ns-said {display: block}
.ns-nearest > summary {cursor: pointer; color: #1d4ed8; font-weight: 600; margin: .5em 0}
.ns-events {font-size: .9em; color: #374151; margin: .2em 0}
.ns-motions {font-size: .9em; margin: .2em 0 .2em 1.2em; padding: 0}
/* a decision's protocol facts: yrkanden, outcome, vote, reservations as a compact two-column list */
.ns-facts {display: grid; grid-template-columns: auto 1fr; gap: 0 .6em; font-size: .9em; margin: .2em 0}
.ns-facts dt {font-weight: 600; color: #374151}
.ns-facts dd {margin: 0}
.ns-facts .ns-motions {font-size: 1em; margin: 0 0 0 1.1em}
.ns-record {margin-bottom: .8em}
.ns-record ul {margin: .2em 0 .6em 1.2em; padding: 0}
.ns-record .ns-where {white-space: nowrap; color: #374151}
.ns-decision {font-size: 1em}
.ns-nw {white-space: nowrap}
/* a table in a passage: its figures right-aligned under their years, scrolled sideways when wide */
.ns-tab {display: block; overflow-x: auto; max-width: 100%; border-collapse: collapse; margin: .2em 0; white-space: normal}
.ns-tab td {padding: .05em .8em .05em 0; vertical-align: top; border-bottom: 1px solid #e5e7eb}
.ns-tab td.ns-fig {text-align: right; white-space: nowrap}
.ns-date {white-space: nowrap}
.ns-docfilter {display: flex; flex-wrap: wrap; gap: .4em 1em; align-items: center; margin: .3em 0 .6em; font-size: .92em}
.ns-docfilter select, .ns-docfilter input {border: 1px solid #9ca3af; border-radius: 4px; padding: .1em .3em; margin-left: .3em;
  background: #fff; max-width: 14em}
.ns-card {border: 1px solid #d1d5db; border-radius: 6px; padding: .6em .8em; margin: .5em 0; overflow-wrap: break-word}
.ns-cite {font-weight: 600}
.ns-where {font-size: .95em}
.ns-bundle {font-size: .85em; color: #4b5563}
.ns-doctitle {color: #4b5563; font-size: .9em; font-style: italic}
.ns-passage {white-space: pre-wrap; font-size: .95em; margin-top: .4em; tab-size: 2}
.ns-full summary, .ns-inferred summary {cursor: pointer; color: #1d4ed8; font-size: .9em}
.ns-inferred {display: inline-block; margin-left: .4em}
.ns-inferred small {display: block; max-width: 40em}
.ns-actions {margin-top: .4em; display: flex; flex-wrap: wrap; gap: .3em 1em; align-items: center; font-size: .95em}
.ns-copy {border: 1px solid #9ca3af; border-radius: 4px; padding: .05em .6em; background: #f9fafb; cursor: pointer;
  font-weight: normal !important; font-size: .9em !important; color: #1f2937}
.ns-ref {width: 100%; font-size: .85em}
.ns-note {color: #6b4e00}
.ns-error {color: #991b1b; border-left: 4px solid #dc2626; padding: .3em .8em; background: #fef2f2}
.ns-badge {display: inline-block; border-radius: 4px; padding: 0 .4em; font-size: .85em; font-weight: 600}
.ns-beslut {background: #dcfce7; color: #166534}
.ns-forslag {background: #fef3c7; color: #92400e}
.ns-links {font-size: .95em}
.ns-steps {padding-left: 1.2em}
.ns-tablewrap {overflow-x: auto}
.ns-docs {border-collapse: collapse; font-size: .92em}
.ns-docs th, .ns-docs td {border-bottom: 1px solid #e5e7eb; padding: .25em .5em; text-align: left; vertical-align: top}
.ns-num {text-align: right !important}
.ns-upload {border: 1px dashed #9ca3af; border-radius: 6px; padding: .6em .8em; margin-bottom: .6em}
.ns-upload-row {display: flex; flex-wrap: wrap; gap: .5em 1em; align-items: center}
.ns-pick, .ns-button {border: 1px solid #9ca3af; border-radius: 4px; padding: .2em .8em; background: #f9fafb; cursor: pointer;
  font-weight: normal !important; font-size: .95em !important}
/* the browser's own file button speaks the browser's language: ours is Swedish */
.ns-hidden-input {position: absolute; width: 1px; height: 1px; opacity: 0; overflow: hidden}
.ns-job-fel {color: #991b1b}
.ns-job-klar {color: #166534}
/* Gradio's status text is English ("processing | 0.1/0.6s", "queue: 1/3"): ours instead */
[data-testid="status-tracker"] .progress-text, [data-testid="status-tracker"] .meta-text,
[data-testid="status-tracker"] .meta-text-center, [data-testid="status-tracker"] .eta-bar {display: none !important}
.html-container.pending::before {content: "Arbetar …"; display: block; color: #4b5563; font-style: italic; margin: .3em 0}
.html-container.pending > * {opacity: .5}
mark.ns-quote {background: #fde68a}
mark.ns-word {background: #fff2a8; padding: 0}
@media (max-width: 600px) {
  .tab-container button {padding-left: .5em !important; padding-right: .5em !important}
  /* the document list as stacked entries: title, what and when, then the figures labelled */
  .ns-docs thead, .ns-docs td:nth-child(3), .ns-docs td:nth-child(4), .ns-docs td:nth-child(5) {display: none}
  .ns-docs tr {display: block; border-bottom: 1px solid #d1d5db; padding: .4em 0}
  .ns-docs td {display: block; border: none !important; padding: .05em .2em !important}
  .ns-docs td[data-label] {display: inline-block; font-size: .9em; color: #4b5563}
  .ns-docs td[data-label]::before {content: attr(data-label) ": "}
  /* lighter entries on a phone: no boxes, the title first, the rest small and grey */
  .ns-docs tr {border-bottom: 1px solid #e5e7eb; padding: .3em 0}
  .ns-docs td:first-child {font-weight: 600}
  .ns-docs td:nth-child(2) {font-size: .9em; color: #374151}
  .ns-card {padding: .5em .6em}
  blockquote.ns-said {padding: .1em .5em}
  .ns-tab {font-size: .85em}
  .ns-tab td {padding-right: .4em}
}
"""
