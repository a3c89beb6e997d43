"""The app's own routes beside Gradio's page, as routers: the source documents at
/dokument/{n} and the API's Swedish description at /om-api, the exports at /export/… (CSV
for a Swedish spreadsheet or JSON) and uploads at /uppladdning. create_app (web.py) mounts them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request  # Request at module level: annotations are read by name
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from namndsok.personal import MASKED_NOTE

from .uploads import UploadError
from .webapp import ALL, InputError, WebApp

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

_MARK_RE = re.compile(r"(\d{1,10})-(\d{1,10})")


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


def _export(rows: list[dict], columns: list[str], name: str, fmt: str) -> Response:
    if fmt == "json":
        body = json.dumps(rows, ensure_ascii=False, indent=1)
        return Response(body, media_type="application/json; charset=utf-8",
                        headers={"content-disposition": f'attachment; filename="{name}.json"'})
    return Response(_csv(rows, columns), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}.csv"'})


def document_routes(webapp: WebApp) -> APIRouter:
    """/dokument/{n} (only documents in the index, by number and hash) and /om-api."""
    router = APIRouter()

    @router.get("/dokument/{n}")
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

    @router.get("/om-api")
    def about_api():
        from .cards import api_page

        return HTMLResponse(api_page())

    return router


def _exported(name: str, fmt: str, columns: list[str], rows) -> Response:
    """The rows of one export as `fmt` (csv or json); `rows()` reads them. A format or a filter
    that is wrong is one sentence (404 or 422)."""
    if fmt not in ("csv", "json"):
        raise HTTPException(404, f"Välj {name}.csv eller {name}.json")
    try:
        found = rows()
    except InputError as exc:
        raise HTTPException(422, str(exc)) from None
    return _export(found, columns, f"namndsok-{name}", fmt)


def _required(value: str, what: str) -> None:
    if not value.strip():
        raise HTTPException(422, f"Ange {what}")


def export_routes(webapp: WebApp) -> APIRouter:
    """/export/sok, /export/svar, /export/arende and /export/beslut, each .csv or .json."""
    router = APIRouter()

    @router.get("/export/sok.{fmt}")
    def export_search(fmt: str, q: str = "", organ: str = ALL, typ: str = ALL, fran: str = "", till: str = ""):
        if fmt in ("csv", "json"):
            _required(q, "sökorden som q=…")
        return _exported("sok", fmt, SEARCH_COLUMNS, lambda: webapp.search_rows(q, organ, typ, fran, till))

    @router.get("/export/svar.{fmt}")
    def export_answer(fmt: str, q: str = "", organ: str = ALL, typ: str = ALL, fran: str = "", till: str = ""):
        if fmt in ("csv", "json"):
            _required(q, "frågan som q=…")
        return _exported("svar", fmt, ANSWER_COLUMNS, lambda: webapp.answer_rows(q, organ, typ, fran, till))

    @router.get("/export/arende.{fmt}")
    def export_matter(fmt: str, arende: str = ""):
        if fmt in ("csv", "json"):
            _required(arende, "diarienumret eller ämnet som arende=…")
        return _exported("arende", fmt, MATTER_COLUMNS, lambda: webapp.matter_rows(arende))

    @router.get("/export/beslut.{fmt}")
    def export_decisions(fmt: str, organ: str = ALL, slag: str = ALL, fran: str = "", till: str = "", ledamot: str = ""):
        return _exported("beslut", fmt, DECISION_COLUMNS,
                         lambda: webapp.decision_rows(organ, slag, fran, till, ledamot[:200]))

    return router


def upload_routes(uploads) -> APIRouter:
    """/uppladdning and its status (404 unless `serve --allow-upload`)."""
    router = APIRouter()

    @router.post("/uppladdning")
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

    @router.get("/uppladdning/status")
    def upload_status():
        if uploads is None:
            raise HTTPException(404, "Uppladdning är inte påslagen.")
        return {"jobs": uploads.status(), "max_mb": uploads.max_mb}

    return router
