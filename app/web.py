"""The web app: a FastAPI app with the Gradio page at /, the source documents at
/dokument/{n} (a Swedish page when one is not in the index), exports at /export/… (sok,
svar, beslut, arende; CSV for a Swedish spreadsheet or JSON), the API's Swedish description
at /om-api, uploads at /uppladdning (with --allow-upload), all behind guard.py (the login,
slowed failed logins, Gradio's upload routes closed, checked API input).

The app's functions are in webapp.py, their HTML in cards.py, the page in layout.py, the
API in api.py and uploads in uploads.py. Gradio's page is served in Swedish: lang="sv" and a
script in its head (page.py) that makes Gradio's own texts Swedish.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import secrets
from pathlib import Path

from fastapi import Request  # at module level: the routes' annotations are read by name

from namndsok.errors import NamndsokError
from namndsok.personal import MASKED_NOTE

from .guard import ApiSpec, Guard
from .layout import CSS, build_blocks
from .answering.llm import LLMConfig
from .bevakning.routes import register as register_bevakning
from .page import HEAD, SwedishPage
from .webapp import ALL, InputError, WebApp

log = logging.getLogger(__name__)

REPOSITORY = Path(__file__).resolve().parent.parent  # the checkout (uploads never land here)
API_INPUTS = {
    "answer": ApiSpec("question", (("organ", ALL), ("doc_type", ALL), ("date_from", ""), ("date_to", ""))),
    "search": ApiSpec("query", (("organ", ALL), ("doc_type", ALL), ("date_from", ""), ("date_to", ""), ("k", 20))),
}
SEARCH_COLUMNS = ["rank", "reference", "document", "document_title", "organ", "date", "doc_type", "section",
                  "section_title", "subsection", "dnr", "page", "score", "text", "source"]
DECISION_COLUMNS = ["reference", "kind", "title", "document", "document_title", "organ", "date", "section", "dnr",
                    "page", "events", "text", "source"]
ANSWER_COLUMNS = ["question", "outcome", "answer", "reason", "role", "marker", "reference", "document", "document_title",
                  "organ", "date", "doc_type", "section", "section_title", "subsection", "dnr", "page", "score",
                  "highlights", "text", "source"]
MATTER_COLUMNS = ["step", "reference", "what", "title", "document", "document_title", "organ", "date", "section", "dnr",
                  "page", "inferred", "evidence", "text", "source"]
_MARK_RE = re.compile(r"(\d{1,10})-(\d{1,10})")

__all__ = ["WebApp", "build_blocks", "create_app", "serve"]


def _csv(rows: list[dict], columns: list[str]) -> str:
    """CSV for a spreadsheet set to Swedish (Excel opens it with a double click): UTF-8 with a
    byte order mark, fields separated by semicolons, decimal commas, one row per item, text on one line."""
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.DictWriter(out, columns, extrasaction="ignore", delimiter=";", lineterminator="\r\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: _cell(r.get(k)) for k in columns})
    return out.getvalue()


def _cell(v) -> str | int | None:
    if isinstance(v, bool):
        return "ja" if v else "nej"
    if isinstance(v, float):  # a number stays a number: "0,873" is one to a Swedish spreadsheet
        return f"{v:.6g}".replace(".", ",")
    if isinstance(v, str):
        return " ".join(v.split())
    if isinstance(v, list):  # events, heading paths: "yrkande; reservation"
        return "; ".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in v)
    return v


def create_app(root: Path, llm: LLMConfig | None = None, auth: tuple[str, str] | None = None,
               upload_dir: Path | None = None, max_upload_mb: float | None = None, redact: bool = False):
    """A FastAPI app with the Gradio UI at / and the app's own routes, behind the Guard.
    `upload_dir` turns uploads on; it needs `auth`. `redact` masks personal data in
    everything the app shows (app/redaction.py)."""
    import gradio as gr
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
    from gradio.routes import App as GradioApp
    from starlette.routing import Mount

    from .uploads import DEFAULT_MAX_MB, UploadError, Uploads, check_folder

    webapp = WebApp(root, llm=llm, redact=redact)
    uploads = None
    if upload_dir is not None:
        if auth is None:
            raise NamndsokError("--allow-upload needs a login: set --auth USER:PASSWORD or NAMNDSOK_AUTH")
        from namndsok.index.embedders import spec_for

        folder = check_folder(upload_dir, root, REPOSITORY)
        uploads = Uploads(folder, root, spec_for(webapp.searcher.embedder.name), max_upload_mb or DEFAULT_MAX_MB)
    app = FastAPI(title="namndsok", docs_url="/docs", redoc_url=None)
    sessions: list = []  # Gradio's session lookup, once mounted below: a login cookie names its user
    register_bevakning(app, root, lambda request: _request_user(request, auth, sessions))

    @app.get("/dokument/{n}")
    def dokument(n: int, h: str | None = None, markera: str | None = None):
        # only documents in the index, addressed by their number (and hash) in it
        from .cards import message_page

        doc = webapp.document(n, h)
        if doc is None:
            return HTMLResponse(message_page("Dokumentet finns inte", "Dokumentet finns inte i indexet. Det kan ha tagits "
                                             "bort eller ersatts när indexet byggdes om."), status_code=404)
        if doc.page_starts and not webapp.redact:  # the file itself holds what is masked: its text instead
            p = Path(doc.path)
            if not p.is_file():
                return HTMLResponse(message_page("Filen finns inte längre", f"PDF-filen {doc.source} finns i indexet men "
                                                 "inte längre på disk."), status_code=410)
            # inline: the browser's viewer opens it at the #page the link names
            return FileResponse(p, media_type="application/pdf", filename=doc.source, content_disposition_type="inline")
        mark = None
        m = _MARK_RE.fullmatch(markera or "")
        if m and int(m[1]) < int(m[2]) <= len(doc.text):
            mark = (int(m[1]), int(m[2]))
        from .cards import document_page

        return HTMLResponse(document_page(doc, mark, note=MASKED_NOTE if webapp.redact else None))

    def _export(rows: list[dict], columns: list[str], name: str, fmt: str) -> Response:
        if fmt == "json":
            body = json.dumps(rows, ensure_ascii=False, indent=1)
            return Response(body, media_type="application/json; charset=utf-8",
                            headers={"content-disposition": f'attachment; filename="{name}.json"'})
        return Response(_csv(rows, columns), media_type="text/csv; charset=utf-8",
                        headers={"content-disposition": f'attachment; filename="{name}.csv"'})

    @app.get("/export/sok.{fmt}")
    def export_search(fmt: str, q: str = "", organ: str = ALL, typ: str = ALL, fran: str = "", till: str = ""):
        if fmt not in ("csv", "json"):
            raise HTTPException(404, "Välj sok.csv eller sok.json")
        if not q.strip():
            raise HTTPException(422, "Ange sökorden som q=…")
        try:
            rows = webapp.search_rows(q, organ, typ, fran, till)
        except InputError as exc:
            raise HTTPException(422, str(exc)) from None
        return _export(rows, SEARCH_COLUMNS, "namndsok-sok", fmt)

    @app.get("/export/svar.{fmt}")
    def export_answer(fmt: str, q: str = "", organ: str = ALL, typ: str = ALL, fran: str = "", till: str = ""):
        if fmt not in ("csv", "json"):
            raise HTTPException(404, "Välj svar.csv eller svar.json")
        if not q.strip():
            raise HTTPException(422, "Ange frågan som q=…")
        try:
            rows = webapp.answer_rows(q, organ, typ, fran, till)
        except InputError as exc:
            raise HTTPException(422, str(exc)) from None
        return _export(rows, ANSWER_COLUMNS, "namndsok-svar", fmt)

    @app.get("/export/arende.{fmt}")
    def export_matter(fmt: str, arende: str = ""):
        if fmt not in ("csv", "json"):
            raise HTTPException(404, "Välj arende.csv eller arende.json")
        if not arende.strip():
            raise HTTPException(422, "Ange diarienumret eller ämnet som arende=…")
        return _export(webapp.matter_rows(arende), MATTER_COLUMNS, "namndsok-arende", fmt)

    @app.get("/export/beslut.{fmt}")
    def export_decisions(fmt: str, organ: str = ALL, slag: str = ALL, fran: str = "", till: str = "", ledamot: str = ""):
        if fmt not in ("csv", "json"):
            raise HTTPException(404, "Välj beslut.csv eller beslut.json")
        try:
            rows = webapp.decision_rows(organ, slag, fran, till, ledamot[:200])
        except InputError as exc:
            raise HTTPException(422, str(exc)) from None
        return _export(rows, DECISION_COLUMNS, "namndsok-beslut", fmt)

    @app.get("/om-api")
    def about_api():
        from .cards import api_page

        return HTMLResponse(api_page())

    @app.post("/uppladdning")
    async def upload(request: Request, namn: str = ""):
        if uploads is None:
            raise HTTPException(404, "Uppladdning är inte påslagen (namndsok serve --allow-upload MAPP).")
        # a page of this app sends the header; a form on another site cannot
        if request.headers.get("x-namndsok-upload") != "1":
            raise HTTPException(403, "Ladda upp från appens sida Dokument.")
        length = request.headers.get("content-length")
        try:
            job = await uploads.receive(namn, request.stream(), int(length) if length and length.isdigit() else None)
        except UploadError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=exc.status)
        return JSONResponse(job.to_json(), status_code=202)

    @app.get("/uppladdning/status")
    def upload_status():
        if uploads is None:
            raise HTTPException(404, "Uppladdning är inte påslagen.")
        return {"jobs": uploads.status(), "max_mb": uploads.max_mb}

    demo = build_blocks(webapp, uploads=uploads is not None)
    demo.queue(default_concurrency_limit=4, max_size=256)
    app = gr.mount_gradio_app(app, demo, path="", auth=auth, css=CSS, theme=_theme(gr), footer_links=[],
                              auth_message="Logga in för att söka i nämndhandlingarna.")
    gradio_app = next(r.app for r in app.routes if isinstance(r, Mount) and isinstance(r.app, GradioApp))

    def session_user(cookies: dict[str, str]) -> str | None:
        token = cookies.get(f"access-token-{gradio_app.cookie_id}") or cookies.get(f"access-token-unsecure-{gradio_app.cookie_id}")
        return gradio_app.tokens.get(token) if token else None

    basic_tokens: dict[str, str] = {}

    def session_cookie(user: str) -> str:
        """A Gradio session for a user who sent valid Basic credentials: one per user, made
        once (never sent to the client; the Guard adds it to each such request)."""
        token = basic_tokens.get(user)
        if token is None:
            token = basic_tokens.setdefault(user, secrets.token_urlsafe(24))
            gradio_app.tokens[token] = user
        return f"access-token-unsecure-{gradio_app.cookie_id}={token}"

    sessions.append(session_user)
    app.add_middleware(SwedishPage, head=HEAD)
    app.add_middleware(Guard, auth=auth, session_user=session_user, apis=API_INPUTS, session_cookie=session_cookie)
    app.state.uploads = uploads
    return app, webapp


def _request_user(request, auth: tuple[str, str] | None, sessions: list) -> str:
    """The logged-in user of a request the Guard has let through ("" without a login): the
    user of its Gradio session, else of its HTTP Basic credentials (checked by the Guard)."""
    if auth is None:
        return ""
    if sessions:
        user = sessions[0](dict(request.cookies))
        if user:
            return user
    from .guard import _basic

    basic = _basic(request.headers.get("authorization", ""))
    return basic[0] if basic else ""


def _theme(gr):
    """Gradio's default look with the system's fonts (nothing fetched from a font service)."""
    return gr.themes.Default(font=["system-ui", "Segoe UI", "Roboto", "sans-serif"],
                             font_mono=["ui-monospace", "Consolas", "monospace"])


def serve(root: Path, host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None,
          llm: LLMConfig | None = None, upload_dir: Path | None = None, max_upload_mb: float | None = None,
          redact: bool = False) -> None:
    """`auth` is (user, password), checked by the CLI (`parse_auth`)."""
    import uvicorn

    if upload_dir is not None:
        from .uploads import check_folder

        if not auth:
            raise NamndsokError("--allow-upload needs a login: set --auth USER:PASSWORD or NAMNDSOK_AUTH")
        upload_dir = check_folder(upload_dir, root, REPOSITORY)  # before the index is loaded
    if host not in ("127.0.0.1", "localhost", "::1") and not auth:
        log.warning("serving on %s without a login: anyone who reaches this address can read the index; set --auth or NAMNDSOK_AUTH", host)
        print(f"WARNING: serving on {host} without a login; set --auth USER:PASSWORD or NAMNDSOK_AUTH", flush=True)
    app, _ = create_app(root, llm=llm or LLMConfig.from_env(), auth=auth, upload_dir=upload_dir, max_upload_mb=max_upload_mb,
                        redact=redact)
    if upload_dir is not None:
        print(f"namndsok: uploads go to {app.state.uploads.folder}", flush=True)
    print(f"namndsok: http://{host if host != '0.0.0.0' else '127.0.0.1'}:{port}/  (Ctrl+C to stop)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
