"""The web routes of bevakningar. `/bevakning/<token>.atom` is the one route open without
the login (guard.py lets exactly that pattern through): the unguessable token is the key, an
unknown or revoked token is 404. The others are the logged-in user's own: a search of
another user is 404, as if it did not exist."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from fastapi import Request  # at module level: FastAPI reads the routes' annotations by name

from .store import BevakningError, Store

TOKEN_PATTERN = r"[A-Za-z0-9_-]{16,64}"  # secrets.token_urlsafe(24) is 32 of these


def register(app, root: Path, user_of: Callable[[object], str]) -> None:
    """Add the routes to a FastAPI app; `user_of(request)` names the logged-in user ("" without a login)."""
    import re

    from fastapi import HTTPException
    from fastapi.responses import JSONResponse, Response

    from .feed import atom_feed
    from .tab import add_search

    token_re = re.compile(TOKEN_PATTERN)

    def own(search_id: int, request: Request):
        store = Store.existing(root)
        s = store.get(search_id, user=user_of(request)) if store else None
        if s is None:
            raise HTTPException(404, "Bevakningen finns inte")
        return store, s

    @app.get("/bevakning/{token}.atom")
    def feed(token: str, request: Request):
        store = Store.existing(root)
        s = store.by_token(token) if store and token_re.fullmatch(token) else None
        if s is None:
            raise HTTPException(404, "Flödet finns inte")
        body = atom_feed(s, store.alerts(s.id), str(request.base_url))
        # a private address: no shared cache keeps it, no search engine lists it
        return Response(body, media_type="application/atom+xml; charset=utf-8",
                        headers={"cache-control": "private, max-age=60", "x-robots-tag": "noindex"})

    @app.get("/bevakning/mina.json")
    def mine(request: Request):
        store = Store.existing(root)
        searches = store.searches(user_of(request)) if store else []
        base = str(request.base_url).rstrip("/")
        return [{**s.to_json(), "feed": f"{base}/bevakning/{s.token}.atom",
                 "latest": [a.to_json() for a in store.alerts(s.id, 5)]} for s in searches]

    @app.post("/bevakning/ny")
    def create(request: Request, q: str = "", organ: str = "", typ: str = "", fran: str = "", till: str = "",
               epost: str = "", person: str = "", slag: str = ""):
        # a page of this app or a script sends the header; a form on another site cannot
        if request.headers.get("x-namndsok-bevakning") != "1":
            raise HTTPException(403, "Skapa bevakningar från appen (rubriken x-namndsok-bevakning saknas).")
        try:
            # person: a member or a party (the record view's /?person=…); slag: the kinds of fact, comma-separated
            facts = [k.strip() for k in slag.split(",") if k.strip()] or None
            s = add_search(root, user_of(request), q, organ, typ, fran, till, epost, who=person, facts=facts)
        except BevakningError as exc:
            raise HTTPException(422, str(exc)) from None
        base = str(request.base_url).rstrip("/")
        return JSONResponse({**s.to_json(), "feed": f"{base}/bevakning/{s.token}.atom"}, status_code=201)

    @app.delete("/bevakning/{search_id}")
    def remove(search_id: int, request: Request):
        store, s = own(search_id, request)
        store.remove(s.id, user=s.user)
        return Response(status_code=204)

    @app.post("/bevakning/{search_id}/ny-lank")
    def new_link(search_id: int, request: Request):
        if request.headers.get("x-namndsok-bevakning") != "1":
            raise HTTPException(403, "Byt länk från appen (rubriken x-namndsok-bevakning saknas).")
        store, s = own(search_id, request)
        s = store.new_token(s.id, user=s.user)
        base = str(request.base_url).rstrip("/")
        return {**s.to_json(), "feed": f"{base}/bevakning/{s.token}.atom"}
