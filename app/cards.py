"""HTML of what the app shows: source cards, the answer, search results, decisions, a
matter's steps, the document list and a document's own page.

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
from .passages import Passage, query_spans, render, sentence_span, snippet_html

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
    if (a, b) != (0, len(p.text)):
        full = (f'<details class="ns-full"><summary>Visa hela passagen</summary>'
                f'<div class="ns-passage">{render(p.text, spans, cls)}</div></details>')
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
        + f'<div class="ns-passage">{body}</div>{full}<div class="ns-actions">{" ".join(actions)}</div></div>'
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


def answer_html(res: dict, cards: list[str], nearest: list[str], permalink: str) -> str:
    """The answer (each [n] a link to its source card), its notes, then its sources; a near
    miss as such, "nothing" with the closest passages."""
    out = []
    kind = res.get("no_answer_kind")
    lines = [ln for ln in (res.get("answer") or "").split("\n") if ln.strip()]
    if res.get("no_answer") and kind == "near_miss" and lines:
        out.append(f'<div class="ns-nearmiss" role="status">{render(lines[0])}</div>')
        lines = lines[1:]
    shown = []
    for ln in lines:
        text = render(ln)
        badge = KIND_BADGES.get(res.get("decision") or "")
        if badge and ln.startswith(badge[0] + ":"):
            text = f'<span class="ns-badge {badge[1]}">{esc(badge[0])}</span> {render(ln[len(badge[0]) + 1:].strip())}'
        text = re.sub(r"\[(\d+)\]", r'<a class="ns-marker" href="#ns-src-\1">[\1]</a>', text)
        shown.append(f"<p>{text}</p>")
    cls = "ns-answer ns-noanswer" if res.get("no_answer") and kind != "near_miss" else "ns-answer"
    out.insert(0 if not out else 1, f'<div class="{cls}" id="ns-answer" lang="sv">{"".join(shown)}</div>')
    if res.get("note"):
        out.append(f'<p class="ns-note">{esc(_note(res))}</p>')
    if cards:
        out.append(f'<h4>{"Källa" if len(cards) == 1 else "Källor"}</h4>' + "".join(cards))
    if nearest:
        out.append("<h4>Närmaste passager</h4>" + "".join(nearest))
    out.append(permalink_html(permalink, "Länk till svaret"))
    return "".join(out)


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


def decision_extra(kind: str, title: str, events: list[str]) -> str:
    label, cls = KIND_BADGES.get(kind, (kind, ""))
    ev = f' <small class="ns-events">({esc(", ".join(events))})</small>' if events else ""
    return f'<div class="ns-dectitle"><span class="ns-badge {cls}">{esc(label)}</span> {esc(title)}{ev}</div>'


def motions_html(motions) -> str:
    return "".join(f'<div class="ns-motion"><small>{esc(m.who)} {esc(m.text)}</small></div>' for m in motions)


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
    """(document, number, chunks, indexed, link) → the Dokument tab's table."""
    if not rows:
        return "<p>Indexet är tomt.</p>"
    body = []
    for doc, _, chunks, indexed, href in rows:
        title = f'<a href="{esc(href)}" target="_blank" rel="noopener">{esc(doc.title or doc.source)}</a>' if href else esc(doc.title)
        pages = str(doc.n_pages) if doc.n_pages else "–"
        body.append(
            f"<tr><td>{title}</td><td>{esc(labels.document_label(doc.doc_type, doc.organ, doc.date))}</td>"
            f"<td>{esc(doc.organ or '–')}</td><td>{esc(doc.date or '–')}</td><td>{esc(doc.doc_type)}</td>"
            f'<td class="ns-num" data-label="Sidor">{pages}</td><td class="ns-num" data-label="Passager">{chunks}</td>'
            f"<td data-label=\"Indexerad\">{esc((indexed or 'okänt').replace('T', ' '))}</td></tr>"
        )
    return (f'<p>{len(rows)} dokument i indexet.</p><div class="ns-tablewrap"><table class="ns-docs">'
            "<thead><tr><th>Titel</th><th>Vad och datum</th><th>Organ</th><th>Datum</th><th>Typ</th>"
            "<th>Sidor</th><th>Passager</th><th>Indexerad</th></tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>")


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
        f"<header><h1>{esc(doc.title or doc.source)}</h1><p>{esc(label)}</p>"
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
)
