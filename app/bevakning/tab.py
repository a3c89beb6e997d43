"""The app's side of bevakningar: the Bevakningar tab (the user's saved searches, their
latest matches, the feed link, remove), a "Bevaka" button for the Fråga tab, and the HTML
both show. Every action is the logged-in user's own: another user's search is not found.
"""

from __future__ import annotations

import html
from pathlib import Path

from .store import BevakningError, SavedSearch, Store

ALL = "Alla"  # the form's "no filter" (webapp.ALL)
SHOWN_ALERTS = 5


def user_of(request) -> str:
    """The logged-in user of a Gradio request ("" without a login)."""
    return (getattr(request, "username", None) or "") if request is not None else ""


def _clean(value) -> str | None:
    value = (value or "").strip() if isinstance(value, str) else None
    return None if not value or value == ALL else value


def add_search(root: Path, user: str, query: str, organ=None, doc_type=None, date_from="", date_to="",
               email="", who: str = "", facts: list[str] | None = None) -> SavedSearch:
    """Save a search for `user`: words, or with `who` a member or a party (read as the Beslut
    tab's "Ledamot eller parti" field reads it); the dates are checked as search checks them
    (one Swedish sentence)."""
    from namndsok.dates import DateError
    from namndsok.index.search import Filters

    from ..record import who_of

    try:
        Filters(date_from=_clean(date_from), date_to=_clean(date_to))
    except DateError as exc:
        raise BevakningError(exc.swedish) from None
    person, party = who_of((who or "")[:200])
    return Store.create(root).add(query, user=user, organ=_clean(organ), doc_type=_clean(doc_type),
                                  date_from=_clean(date_from), date_to=_clean(date_to), email=_clean(email),
                                  person=person, party=party, facts=facts)


def searches_html(root: Path, user: str, note: str = "") -> str:
    """The user's saved searches with their feed links and latest matches."""
    store = Store.existing(root)
    searches = store.searches(user) if store else []
    out = [f'<p class="ns-note">{html.escape(note)}</p>'] if note else []
    if not searches:
        out.append('<p class="ns-noanswer">Du har inga bevakningar. Skriv sökord ovan och tryck '
                   '<b>Bevaka</b>, så visas nya träffar här och i ett flöde efter varje indexering.</p>')
        return "\n".join(out)
    for s in searches:
        what = html.escape(s.label()) + (f" <small>({html.escape(s.filters_text())})</small>" if s.filters_text() else "")
        feed = f"/bevakning/{html.escape(s.token)}.atom"
        mail = f" · e-post till {html.escape(s.email)}" if s.email else ""
        alerts = store.alerts(s.id, SHOWN_ALERTS)
        items = "".join(
            f'<li><a href="{html.escape(a.link)}" target="_blank" rel="noopener">{html.escape(a.title)}</a>'
            f' <small>({html.escape(a.created[:10])})</small><br><small>{html.escape(a.excerpt)}</small></li>'
            for a in alerts)
        latest = f'<ul class="ns-steps">{items}</ul>' if items else '<p><small>Inga nya träffar ännu.</small></p>'
        out.append(
            f'<div class="ns-card ns-bevakning" data-id="{s.id}"><div class="ns-cite">Bevakning {s.id}: {what}</div>'
            f'<div class="ns-actions"><a href="{feed}" target="_blank" rel="noopener">Atom-flöde</a>'
            f'<small>skapad {html.escape(s.created[:10])}{mail}</small></div>{latest}</div>')
    return "\n".join(out)


def remove_search(root: Path, user: str, search_id) -> str:
    """Remove one of the user's searches; the message says what happened."""
    try:
        n = int(search_id)
    except (TypeError, ValueError):
        return "Ange numret på bevakningen som ska tas bort."
    store = Store.existing(root)
    if store is None or not store.remove(n, user=user):
        return f"Du har ingen bevakning {n}."
    return f"Bevakning {n} är borttagen; dess flöde svarar inte längre."


def bevakning_tab(root: Path, organs: list[str], doc_types: list[str]):
    """The Bevakningar tab; call inside `gr.Tabs()`. Returns the HTML of the user's searches, which
    the page fills on load when the address names this tab (`/?flik=bevakningar`, searches_html)."""
    import gradio as gr

    def listing(request: gr.Request):
        return searches_html(root, user_of(request))

    def add(query, organ, doc_type, date_from, date_to, email, request: gr.Request):
        try:
            s = add_search(root, user_of(request), query, organ, doc_type, date_from, date_to, email)
        except BevakningError as exc:
            return searches_html(root, user_of(request), f"Bevakningen sparades inte: {exc}")
        return searches_html(root, user_of(request), f"Bevakning {s.id} sparad: {s.label()}")

    def remove(search_id, request: gr.Request):
        return searches_html(root, user_of(request), remove_search(root, user_of(request), search_id))

    for fn in (listing, add, remove):  # Gradio injects the request by the real class
        fn.__annotations__["request"] = gr.Request
    with gr.Tab("Bevakningar", id="bevakningar") as tab:
        gr.Markdown("Följ ett ämne, ett diarienummer eller en paragraf: efter varje indexering visas nya "
                    "passager som nämner det här, i ett Atom-flöde för din flödesläsare och, om du vill, i ett e-postbrev.")
        with gr.Row():
            query = gr.Textbox(label="Sökord", placeholder="familjecentral, 2023/428, KSPU § 10:3", elem_id="ns-bev-query")
            email = gr.Textbox(label="E-post (valfritt)", placeholder="namn@kommun.se", elem_id="ns-bev-email")
        with gr.Row():
            organ = gr.Dropdown(organs, value=ALL, label="Nämnd/organ")
            doc_type = gr.Dropdown(doc_types, value=ALL, label="Dokumenttyp")
            date_from = gr.Textbox(value="", label="Från datum", placeholder="ÅÅÅÅ, ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD")
            date_to = gr.Textbox(value="", label="Till datum", placeholder="ÅÅÅÅ, ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD")
        add_btn = gr.Button("Bevaka", variant="primary", elem_id="ns-bev-add")
        out = gr.HTML(elem_id="ns-bevakningar")
        with gr.Row():
            rm_id = gr.Textbox(label="Ta bort bevakning nr", elem_id="ns-bev-id", scale=1)
            rm_btn = gr.Button("Ta bort", elem_id="ns-bev-remove", scale=0)
        add_btn.click(add, [query, organ, doc_type, date_from, date_to, email], out, api_visibility="private")
        rm_btn.click(remove, [rm_id], out, api_visibility="private")
    tab.select(listing, None, out, api_visibility="private")
    return out


def follow_button(root: Path, inputs: list, out):
    """A "Bevaka" button for the Fråga tab: saves the question and filters shown
    (`inputs`: question, organ, document type, from, to) and says so in `out`."""
    import gradio as gr

    def follow(query, organ, doc_type, date_from, date_to, request: gr.Request):
        try:
            s = add_search(root, user_of(request), query, organ, doc_type, date_from, date_to)
        except BevakningError as exc:
            return f'<p class="ns-error">Bevakningen sparades inte: {html.escape(str(exc))}</p>'
        return (f'<p class="ns-note">Bevakning {s.id} sparad: {html.escape(s.query)}. Nya träffar visas under '
                f'Bevakningar och i <a href="/bevakning/{html.escape(s.token)}.atom">flödet</a>.</p>')

    follow.__annotations__["request"] = gr.Request
    btn = gr.Button("Bevaka", size="sm", elem_id="ns-follow")
    btn.click(follow, inputs, out, api_visibility="private")
    return btn


def follow_person_button(root: Path, inputs: list, out):
    """A "Bevaka" button for the Beslut tab's member or party (`inputs`: organ, "Ledamot eller
    parti", from, to): every new protocol where they move, vote, reserve themselves, note or
    declare jäv alerts; says so in `out`."""
    import gradio as gr

    def follow(organ, who, date_from, date_to, request: gr.Request):
        if not (who or "").strip():
            return '<p class="ns-error">Skriv en ledamot eller ett parti att bevaka.</p>'
        try:
            s = add_search(root, user_of(request), "", organ, None, date_from, date_to, who=who)
        except BevakningError as exc:
            return f'<p class="ns-error">Bevakningen sparades inte: {html.escape(str(exc))}</p>'
        return (f'<p class="ns-note">Bevakning {s.id} sparad: {html.escape(s.label())}. Nya protokoll där '
                f'{"ledamoten" if s.person else "partiet"} yrkar, röstar, reserverar sig, lämnar en '
                f'protokollsanteckning eller anmäler jäv visas under Bevakningar och i '
                f'<a href="/bevakning/{html.escape(s.token)}.atom">flödet</a>.</p>')

    follow.__annotations__["request"] = gr.Request
    btn = gr.Button("Bevaka ledamoten eller partiet", size="sm", elem_id="ns-follow-person")
    btn.click(follow, inputs, out, api_visibility="private")
    return btn
