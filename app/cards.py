"""HTML of what the app shows: source cards, the answer (by its outcome: Svar, Närmaste
ställen or Inget i handlingarna), search results, decisions, a matter's steps, the document
list and a document's own page. What a source says is always shown as a quotation
(blockquote.ns-said), apart from the app's own words.

Every text from a document or a request is escaped here (passages.render escapes); links
to documents come from a `link` function the app gives (the index's numbering and hashes
are the app's business). A card says what the source is ("Tjänsteutlåtande 2016-03-20,
till Kommunfullmäktige"), where in it ("KSPU § 10:3 Produktionsdirektören informerar"),
the document's title, the passage with its quoted sentence or the query's words marked,
and offers the document, the matter and a reference to copy.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Callable
from urllib.parse import quote, urlencode

from namndsok.model import Document

from . import labels
from .answering.result import MARKER_RE
from .passages import Passage, keep_whole, query_spans, render, sentence_span, snippet_html

# (passage, document offset to land on or None, its end) → the document's URL, or "" when gone
Linker = Callable[[Passage, "int | None", "int | None"], str]

ANSWER_SNIPPET = 600
KIND_BADGES = {"beslut": ("Beslut", "ns-beslut"), "förslag": ("Förslag till beslut", "ns-forslag")}


def esc(s) -> str:
    return html.escape(str(s if s is not None else ""), quote=True)


@dataclass
class CardOptions:
    marker: int | None = None
    sentences: list[str] | None = None  # quoted sentences to mark (an answer's)
    query: str | None = None  # or the query's words to mark (a search's)
    width: int = ANSWER_SNIPPET
    extra: str = ""  # HTML after the head (a decision's badge, a step's flag)
    where_title: bool = True  # False when `extra` shows the section's title already
    passage_folded: str = ""  # a summary text: the passage only inside <details> under it


def _spans(p: Passage, opts: CardOptions) -> tuple[list[tuple[int, int]], str]:
    """The spans to mark in the passage's text and their CSS class."""
    if opts.sentences:
        spans, at = [], 0
        for sent in opts.sentences:
            span = sentence_span(p.text, sent, at) or sentence_span(p.text, sent)
            if span:
                spans.append(span)
                at = span[1]
        return spans, "ns-quote"
    if opts.query:
        return query_spans(p.text, opts.query), "ns-word"
    return [], ""


def card(p: Passage, link: Linker, opts: CardOptions | None = None) -> str:
    opts = opts or CardOptions()
    c = p.citation
    spans, cls = _spans(p, opts)
    body, a, b = snippet_html(p.text, spans, opts.width, cls)
    target = spans[0] if spans else (a, b)
    land = (p.doc_offset(target[0]), p.doc_offset(max(target[0], target[1] - 1)) + 1) if p.doc is not None else (None, None)
    href = link(p, *land)
    marker = f"[{opts.marker}] " if opts.marker is not None else ""
    label, bundle = labels.source_parts(p.doc, p.section, c)
    place = labels.where(c, p.section, with_title=opts.where_title)
    facts = ([place] if place else []) + c.locator(ocr_alone="läst med OCR")
    title = labels.document_title(p.doc, c)
    show_title = title and title not in (place, c.section, label) and _adds(title, f"{label} {bundle or ''} {place}")
    full = ""
    if opts.passage_folded:  # the passage itself a click away (a decision's card shows its text instead)
        full = (f'<details class="ns-full"><summary>{esc(opts.passage_folded)}</summary>'
                f'<blockquote class="ns-passage ns-said">{keep_whole(render(p.text, spans, cls))}</blockquote></details>')
    elif (a, b) != (0, len(p.text)):
        full = (f'<details class="ns-full"><summary>Visa hela passagen</summary>'
                f'<blockquote class="ns-passage ns-said">{keep_whole(render(p.text, spans, cls))}</blockquote></details>')
    actions = [f'<a class="ns-open" href="{esc(href)}" target="_blank" rel="noopener">Öppna dokumentet</a>'] if href else []
    if c.dnr:
        actions.append(f'<a class="ns-dnr" href="/?arende={quote(c.dnr, safe="")}" target="_blank" rel="noopener" '
                       f'title="Visa ärendets gång">Ärendets gång</a>')
    actions.append(copy_button(labels.reference(p.doc, p.section, c)))
    anchor = f' id="ns-src-{opts.marker}"' if opts.marker is not None else ""
    return (
        f'<div class="ns-card"{anchor}><div class="ns-cite">{esc(marker)}{esc(label)}</div>'
        + (f'<div class="ns-bundle">i {esc(bundle)}</div>' if bundle else "") + opts.extra
        + (f'<div class="ns-where">{" · ".join(esc(f) for f in facts)}</div>' if facts else "")
        + (f'<div class="ns-doctitle">{esc(title)}</div>' if show_title else "")
        + ("" if opts.passage_folded else f'<blockquote class="ns-passage ns-said">{keep_whole(body)}</blockquote>')
        + f'{full}<div class="ns-actions">{" ".join(actions)}</div></div>'
    )


_GENERIC = {"protokoll", "sammanträdesprotokoll", "kallelse", "för", "till", "från", "och", "med", "sammanträde",
            "sammanträdet", "mötesanteckning"}


def _adds(title: str, shown: str) -> bool:
    """Whether a document's title says more than the label and place shown above it."""
    words = lambda s: {w.lower() for w in re.findall(r"\w+", s)}  # noqa: E731
    return bool(words(title) - words(shown) - _GENERIC)


def copy_button(ref: str) -> str:
    """A button that copies the reference; the reference also stands in a field to select."""
    return (f'<button type="button" class="ns-copy" data-ref="{esc(ref)}">Kopiera hänvisning</button>'
            f'<input class="ns-ref" type="text" readonly value="{esc(ref)}" aria-label="Hänvisning" hidden>')


# ------------------------------------------------------------------ the answer


OUTCOME_HEADS = {"answer": "Svar", "closest": "Närmaste ställen", "none": "Inget i handlingarna"}
# the answerer's internal notes, which the outcome's heading already says
_QUIET_NOTES = {"visar de närmaste passagerna", "visar vad handlingarna säger om ämnet", "inga passager matchar", "tom fråga"}


def answer_html(res: dict, cards: list[str], nearest: list[str], permalink: str) -> str:
    """The answer as its outcome (res["outcome"]) says, never read from its text:
    "answer": the heading Svar, the cited sentences as quotations (each [n] a link to its
    source card), notes, then the sources; "closest": the heading Närmaste ställen, why
    (res["reason"]) in one line, then the cited places, each with its best sentence marked
    (`cards`); "none": Inget i handlingarna, why, and the closest passages (`nearest`) folded."""
    outcome = res.get("outcome") or "answer"
    head = OUTCOME_HEADS.get(outcome, OUTCOME_HEADS["answer"])
    out = []
    if outcome == "answer":
        body = "".join(_answer_line(ln, res.get("decision")) for ln in (res.get("answer") or "").split("\n") if ln.strip())
        out.append(f'<div class="ns-answer ns-outcome-answer" id="ns-answer" data-outcome="answer" lang="sv">'
                   f'<h3 class="ns-head">{head}</h3>{body}</div>')
    else:
        default = ("Handlingarna tar upp ämnet men svarar inte på just det du frågar." if outcome == "closest"
                   else res.get("answer") or "Inget svar hittades i de indexerade handlingarna.")
        reason = res.get("reason") or default
        out.append(f'<div class="ns-answer ns-outcome-{esc(outcome)}" id="ns-answer" data-outcome="{esc(outcome)}" '
                   f'lang="sv" role="status"><h3 class="ns-head">{head}</h3><p class="ns-reason">{esc(reason)}</p></div>')
    if res.get("note") and res["note"] not in _QUIET_NOTES:
        out.append(f'<p class="ns-note">{esc(_note(res))}</p>')
    if cards:
        title = ("Källa" if len(cards) == 1 else "Källor") if outcome == "answer" else ""
        out.append((f"<h4>{title}</h4>" if title else "") + "".join(cards))
    if nearest:
        out.append(f'<details class="ns-nearest"><summary>Närmaste passager ({len(nearest)})</summary>{"".join(nearest)}</details>')
    out.append(permalink_html(permalink, "Länk till svaret", _answer_exports(permalink)))
    return "".join(out)


def _answer_exports(permalink: str) -> dict[str, str]:
    query = permalink[2:] if permalink.startswith("/?") else ""
    return {"CSV": f"/export/svar.csv?{query}", "JSON": f"/export/svar.json?{query}"} if query else {}


def _answer_line(line: str, decision: str | None) -> str:
    """One line of an answer: the app's label (a decision's badge) outside, what the sources
    say as a quotation, so that a source sentence beginning "Svar:" cannot pass for the app's."""
    badge = KIND_BADGES.get(decision or "")
    label = ""
    if badge and line.startswith(badge[0] + ":"):
        label = f'<span class="ns-badge {badge[1]}">{esc(badge[0])}</span> '
        line = line[len(badge[0]) + 1:].strip()
    m = re.search(rf"(?:\s*{MARKER_RE.pattern})+\s*$", line)  # the markers are the app's: after the closing quote
    said, markers = (line[:m.start()], m.group(0).split()) if m else (line, [])
    links = "".join(f' <a class="ns-marker" href="#ns-src-{n[1:-1]}">{n}</a>' for n in markers)
    return f'<div class="ns-line">{label}<blockquote class="ns-said">”{keep_whole(render(said.strip()))}”{links}</blockquote></div>'


def _note(res: dict) -> str:
    note = res["note"]
    # the answerer's internal notes read as a sentence to a person
    return {"visar de närmaste passagerna": "Visar de passager som ligger närmast frågan.",
            "visar vad handlingarna säger om ämnet": "Visar vad handlingarna säger om ämnet.",
            "inga passager matchar": "Inga passager matchar filtren.", "tom fråga": ""}.get(note, note)


def permalink_html(href: str, text: str, exports: dict[str, str] | None = None) -> str:
    """A link that reproduces the view (the address bar follows it), and downloads."""
    more = "".join(f' · <a class="ns-export" href="{esc(u)}" download>{esc(k)}</a>' for k, u in (exports or {}).items())
    return f'<p class="ns-links"><a class="ns-permalink" href="{esc(href)}">{esc(text)}</a>{more}</p>'


def search_html(cards: list[str], permalink: str, exports: dict[str, str]) -> str:
    if not cards:
        return '<div class="ns-answer" id="ns-answer">Inga träffar.</div>' + permalink_html(permalink, "Länk till sökningen")
    head = f'<p><b>{len(cards)} {"träff" if len(cards) == 1 else "träffar"}</b>, bäst först</p>'
    return head + permalink_html(permalink, "Länk till sökningen", exports) + "".join(cards)


def error_html(message: str) -> str:
    return f'<div class="ns-error" role="alert">{esc(message)}</div>'


# ------------------------------------------------------------------ decisions, matters, documents


def decision_extra(kind: str, title: str, events: list[str], text: str = "", motions=(), facts: str | None = None) -> str:
    """A decision's head: its badge and title, the decision as quoted, then what else the
    section records (yrkanden, reservation, …) as a line of its own, not a qualifier of the title;
    `facts` (app/fact_cards.py: yrkanden, outcome, vote, reservations) in place of the motions."""
    label, cls = KIND_BADGES.get(kind, (kind, ""))
    out = [f'<div class="ns-dectitle"><span class="ns-badge {cls}">{esc(label)}</span> {render(title)}</div>']
    if text:
        out.append(f'<blockquote class="ns-said ns-decision">{keep_whole(render(text))}</blockquote>')
    if events:
        out.append(f'<div class="ns-events">Paragrafen tar också upp: {esc(", ".join(events))}</div>')
    out.append(facts if facts is not None else motions_html(motions))
    return "".join(out)


def motions_html(motions) -> str:
    if not motions:
        return ""
    items = "".join(f"<li>{esc(m.who)} {esc(m.text)}</li>" for m in motions)
    return f'<ul class="ns-motions" aria-label="Yrkanden och reservationer">{items}</ul>'


def step_extra(what: str, inferred: bool, evidence: str | None) -> str:
    flag = ""
    if inferred:  # compact: the evidence on demand
        flag = (f' <details class="ns-note ns-inferred"><summary>kopplat via rubrik</summary>'
                f'<small>Ej samma dnr: {esc(evidence)}</small></details>')
    return f'<div class="ns-dectitle"><b>{esc(what)}</b>{flag}</div>'


def query_link(params: dict[str, str]) -> str:
    """`/?q=…&lage=sok…` with empty and default values left out."""
    kept = {k: v for k, v in params.items() if v not in (None, "", "Alla")}
    return "/?" + urlencode(kept) if kept else "/"


def documents_table(rows: list[tuple[Document, int, int, str | None, str]]) -> str:
    """(document, number, chunks, indexed, link) → the Dokument tab's table, with filters
    (committee, type, dates) and a sort order that the page's script applies in place."""
    if not rows:
        return "<p>Indexet är tomt.</p>"
    body = []
    rows = sorted(rows, key=lambda r: r[0].date or "", reverse=True)  # as the first order offered: newest first
    for doc, _, chunks, indexed, href in rows:
        title = f'<a href="{esc(href)}" target="_blank" rel="noopener">{esc(doc.title or doc.source)}</a>' if href else esc(doc.title)
        pages = str(doc.n_pages) if doc.n_pages else "–"
        when = esc((indexed or "okänt").replace("T", " "))
        data = (f' data-organ="{esc(doc.organ or "")}" data-type="{esc(doc.doc_type)}" data-date="{esc(doc.date or "")}"'
                f' data-title="{esc((doc.title or doc.source).lower())}" data-indexed="{esc(indexed or "")}"')
        body.append(
            f"<tr{data}><td>{title}</td><td>{keep_whole(esc(labels.document_label(doc.doc_type, doc.organ, doc.date)))}</td>"
            f'<td>{esc(doc.organ or "–")}</td><td class="ns-date">{esc(doc.date or "–")}</td>'
            f"<td>{esc(labels.type_label(doc.doc_type))}</td>"
            f'<td class="ns-num" data-label="Sidor">{pages}</td><td class="ns-num" data-label="Passager">{chunks}</td>'
            f'<td class="ns-date" data-label="Indexerad">{when}</td></tr>'
        )
    organs = sorted({d.organ for d, *_ in rows if d.organ})
    types = sorted({d.doc_type for d, *_ in rows})
    option = lambda v, t: f'<option value="{esc(v)}">{esc(t)}</option>'  # noqa: E731
    controls = (
        '<div class="ns-docfilter" role="group" aria-label="Filtrera och sortera dokumenten">'
        f'<label>Nämnd/organ <select data-docfilter="organ">{option("", "Alla")}{"".join(option(o, o) for o in organs)}</select></label>'
        f'<label>Typ <select data-docfilter="type">{option("", "Alla")}'
        f'{"".join(option(t, labels.type_label(t)) for t in types)}</select></label>'
        '<label>Från <input data-docfilter="from" type="text" inputmode="numeric" placeholder="ÅÅÅÅ-MM-DD" size="10"></label>'
        '<label>Till <input data-docfilter="to" type="text" inputmode="numeric" placeholder="ÅÅÅÅ-MM-DD" size="10"></label>'
        '<label>Sortera <select data-docsort>'
        + "".join(option(k, t) for k, t in DOC_SORTS.items()) + "</select></label></div>"
    )
    return (f'<p class="ns-doccount" data-total="{len(rows)}">{len(rows)} dokument i indexet.</p>{controls}'
            '<div class="ns-tablewrap"><table class="ns-docs">'
            "<thead><tr><th>Titel</th><th>Vad och datum</th><th>Organ</th><th>Datum</th><th>Typ</th>"
            "<th>Sidor</th><th>Passager</th><th>Indexerad</th></tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>")


# the Dokument tab's orders: key → label (the page's script reads the key: field, then "-" for descending)
DOC_SORTS = {"date-": "Datum, nyast först", "date": "Datum, äldst först", "title": "Titel A–Ö", "organ": "Nämnd/organ",
             "indexed-": "Senast indexerad"}


def document_page(doc: Document, mark: tuple[int, int] | None, note: str | None = None) -> str:
    """A text document as a page: each line addressable as #L<n>, the cited stretch marked
    (id ns-hit) and scrolled to the middle of the screen; `note` (that text was masked) above it."""
    lines, pos, hit = [], 0, False
    for i, line in enumerate(doc.text.split("\n")):
        a, b = pos, pos + len(line)
        spans = [(max(mark[0], a) - a, min(mark[1], b) - a)] if mark and mark[0] < b and mark[1] > a else []
        lines.append(f'<span id="L{i + 1}">{render(line, spans, "ns-quote", None if hit else "ns-hit")}</span>')
        hit = hit or bool(spans)
        pos = b + 1
    label = labels.document_label(doc.doc_type, doc.organ, doc.date)
    return (
        "<!doctype html><html lang='sv'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(doc.title or doc.source)}</title><style>{DOC_CSS}</style></head><body>"
        f"<header>{BACK_LINK}<h1>{esc(doc.title or doc.source)}</h1><p>{esc(label)}</p>"
        + (f"<p class='ns-note' role='note'>{esc(note)}</p>" if note else "") + "</header>"
        f"<pre>{chr(10).join(lines)}</pre>"
        # the #ns-hit fragment brings the quote to the top; then it is put in the middle
        "<script>window.addEventListener('load',function(){var m=document.getElementById('ns-hit');"
        "if(m){setTimeout(function(){m.scrollIntoView({block:'center'});},0);}});</script></body></html>"
    )


DOC_CSS = (
    "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:52em;padding:0 1em 4em;line-height:1.5;color:#1f2937}"
    "h1{font-size:1.3em;margin:1em 0 .2em}header p{margin:0 0 1em;color:#4b5563}"
    "pre{white-space:pre-wrap;word-wrap:break-word;font-family:inherit;font-size:1em}"
    "mark.ns-quote{background:#fde68a;outline:2px solid #f59e0b;border-radius:2px}"
    ":target{background:#fff7cc}"
    "nav{margin:1em 0 0}.ns-back{color:#1d4ed8}code{background:#f3f4f6;padding:0 .2em}"
)

BACK_LINK = '<nav><a class="ns-back" href="/?flik=dokument">← Till namndsok</a></nav>'


def _page(title: str, body: str) -> str:
    return ("<!doctype html><html lang='sv'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{esc(title)}</title><style>{DOC_CSS}</style></head><body>{BACK_LINK}{body}</body></html>")


def message_page(title: str, message: str) -> str:
    """A page of its own in Swedish (a document that is not in the index), with a way back."""
    return _page(title, f"<h1>{esc(title)}</h1><p>{esc(message)}</p>")


def api_page() -> str:
    """What a script needs to use the app's API, in Swedish (Gradio's own API panel is English)."""
    return _page("namndsok – API", """<h1>Appens API</h1>
<p>Två anrop besvarar frågor och sökningar för skript och program: <code>/answer</code> (ett svar med
källhänvisningar, samma objekt som <code>namndsok ask --json</code>) och <code>/search</code> (passager i
rangordning, som <code>namndsok search --json</code>). Bara frågan krävs; filtren <code>organ</code>,
<code>doc_type</code>, <code>date_from</code> och <code>date_to</code> (ÅÅÅÅ, ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD) kan utelämnas.</p>
<h2>Med Python</h2>
<pre>from gradio_client import Client
svar = Client("ADRESS").predict("Vad beslutade vi om Minirosen?", api_name="/answer")
# med inloggning: Client("ADRESS", auth=(användare, lösenord))</pre>
<h2>Med HTTP</h2>
<pre>POST /gradio_api/call/answer   {"data": ["Vad beslutade vi om Minirosen?"]}
GET  /gradio_api/call/answer/EVENT_ID</pre>
<p>Svaret har fälten <code>outcome</code> (<code>answer</code>, <code>closest</code> eller <code>none</code>),
<code>reason</code>, <code>answer</code>, <code>citations</code> och fler; se README, avsnittet ”The API”.
Listor går också att hämta som CSV eller JSON under <code>/export/</code> (länkarna står vid varje resultat).</p>""")
