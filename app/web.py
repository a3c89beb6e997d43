"""The web app: a FastAPI app with the Gradio page at /, the app's own routes (routes.py:
the source documents at /dokument/{n}, exports at /export/…, the API's Swedish description at
/om-api, uploads at /uppladdning with --allow-upload) and the saved searches' feeds
(bevakning/routes.py), all behind guard.py (the login, slowed failed logins, Gradio's upload
routes closed, checked API input).

The app's functions are in webapp.py, their HTML in cards.py, the page in layout.py, the
API in api.py and uploads in uploads.py. Gradio's page is served in Swedish: lang="sv" and a
script in its head (page.py) that makes Gradio's own texts Swedish.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from namndsok.errors import NamndsokError
from namndsok.index.pgschema import is_pg_spec

from .answering.llm import LLMConfig
from .bevakning.routes import register as register_bevakning
from .guard import ApiSpec, Guard
from .layout import CSS, build_blocks
from .page import HEAD, SwedishPage
from .routes import document_routes, export_routes, upload_routes
from .webapp import ALL, WebApp

log = logging.getLogger(__name__)

REPOSITORY = Path(__file__).resolve().parent.parent  # the checkout (uploads never land here)
API_INPUTS = {
    "answer": ApiSpec("question", (("organ", ALL), ("doc_type", ALL), ("date_from", ""), ("date_to", ""))),
    "search": ApiSpec("query", (("organ", ALL), ("doc_type", ALL), ("date_from", ""), ("date_to", ""), ("k", 20))),
}
NO_UPLOADS = ("--allow-upload needs a folder index (--index DIR) for now: with a database store, add documents "
              "with `namndsok ingest --store …`")
__all__ = ["WebApp", "build_blocks", "create_app", "serve"]


def create_app(root, llm: LLMConfig | None = None, auth: tuple[str, str] | None = None,
               upload_dir: Path | None = None, max_upload_mb: float | None = None, redact: bool = False):
    """A FastAPI app with the Gradio UI at / and the app's own routes, behind the Guard.
    `upload_dir` turns uploads on; it needs `auth`. `redact` masks personal data in
    everything the app shows (app/redaction.py)."""
    import gradio as gr
    from fastapi import FastAPI
    from gradio.routes import App as GradioApp
    from starlette.routing import Mount

    from .uploads import DEFAULT_MAX_MB, Uploads, check_folder

    webapp = WebApp(root, llm=llm, redact=redact)
    root = webapp.root  # the index folder; None for a database store
    uploads = None
    if upload_dir is not None:
        if root is None:
            raise NamndsokError(NO_UPLOADS)
        if auth is None:
            raise NamndsokError("--allow-upload needs a login: set --auth USER:PASSWORD or NAMNDSOK_AUTH")
        from namndsok.index.embedders import spec_for

        folder = check_folder(upload_dir, root, REPOSITORY)
        uploads = Uploads(folder, root, spec_for(webapp.searcher.embedder.name), max_upload_mb or DEFAULT_MAX_MB)
    app = FastAPI(title="namndsok", docs_url="/docs", redoc_url=None)
    sessions: list = []  # Gradio's session lookup, once mounted below: a login cookie names its user
    if root is not None:  # saved searches live beside a folder index
        register_bevakning(app, root, lambda request: _request_user(request, auth, sessions))

    app.include_router(document_routes(webapp))
    app.include_router(export_routes(webapp))
    app.include_router(upload_routes(uploads))

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


def serve(root, host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None,
          llm: LLMConfig | None = None, upload_dir: Path | None = None, max_upload_mb: float | None = None,
          redact: bool = False) -> None:
    """`auth` is (user, password), checked by the CLI (`parse_auth`)."""
    import uvicorn

    if upload_dir is not None:
        from .uploads import check_folder

        if not auth:
            raise NamndsokError("--allow-upload needs a login: set --auth USER:PASSWORD or NAMNDSOK_AUTH")
        if is_pg_spec(str(root)):
            raise NamndsokError(NO_UPLOADS)
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
