"""Load test of the web app's /answer API (not a unit test).

Sends N questions from C concurrent gradio_client clients (one thread each) on loopback and
measures throughput, latency percentiles, errors and the server's resident memory before
and after, so that memory growth per request can be read off.

    python -m namndsok.eval.loadtest --url http://127.0.0.1:7860/ [-n 300] [-c 30] [--json FILE]
    python -m namndsok.eval.loadtest --index .namndsok --rounds 4  # starts `namndsok serve` itself

Everything is bounded: each request by --request-timeout, each round by --timeout. With
--rounds R the same load is sent R times to one server, and memory is read after each
round: the target (TARGET) is no errors, p95 latency within 2 s in every round, and the
server's memory flat (within 5 %) between the last two rounds.
The exit status is 0 only when every request answered without error in time (and, with
--require-target, when the target is met).

    python -m namndsok.eval.loadtest --index .namndsok -n 150 -c 15 --huge-clients 2 --compare

--huge-clients N adds N clients that send huge questions (1 MB and 500 kB, over the app's
body limit) to the page's own route without pause while the load runs; each must
be answered or refused within HUGE_TARGET_S. --compare runs every round twice on one server,
without and with them, so that the ordinary questions' p95 can be compared on a shared,
noisy machine (target: within 20 % of the baseline measured in the same run).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import queue
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

QUESTIONS_FILE = Path(__file__).parent / "questions" / "dev.jsonl"
BUILTIN_QUESTIONS = [
    "Vad beslutade vi om Minirosen?",
    "Vad beslutade produktionsutskottet om sammanträdestider 2021?",
    "Vad beslutade VästKoms styrelse om konferensen Start Up Millennium?",
    "Vad föreslås om nämndplan och budget 2024 för utbildningsnämnden?",
    "Vem valdes till sekreterare i förvaltningsgruppen?",
    "Hur mycket kostar snöröjningen i Vallentuna kommun 2019?",
    "2023/428",
    "Minirosen platser",
]

HUGE_TARGET_S = 1.0  # a huge question answered or refused within this
HUGE_P95_RATIO = 1.2  # ordinary questions' p95 with huge ones beside, against without


# ------------------------------------------------------------------ inputs


def load_questions(path: Path | None = None) -> list[str]:
    """Questions from a JSON Lines file (field "question"), else the built-in list."""
    path = path or QUESTIONS_FILE
    out: list[str] = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                q = json.loads(line).get("question")
            except (json.JSONDecodeError, AttributeError):
                continue
            if isinstance(q, str) and q.strip():
                out.append(q)
    return out or list(BUILTIN_QUESTIONS)


# ------------------------------------------------------------------ server memory


def rss_kb(pid: int | None) -> int | None:
    """Resident set size of a process in KiB (psutil if installed, else /proc/<pid>/status)."""
    if not pid:
        return None
    try:
        import psutil  # type: ignore

        return psutil.Process(pid).memory_info().rss // 1024
    except ImportError:
        pass
    except Exception:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def pid_listening_on(port: int) -> int | None:
    """The pid of the local process listening on a TCP port (Linux /proc; None when unknown)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            f = row.split()
            if len(f) > 9 and f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) == port:  # 0A = LISTEN
                inodes.add(f[9])
    if not inodes:
        return None
    targets = {f"socket:[{i}]" for i in inodes}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            for fd in (d / "fd").iterdir():
                if os.readlink(fd) in targets:
                    return int(d.name)
        except OSError:
            continue
    return None


# ------------------------------------------------------------------ the server, when we start it


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(index: str, port: int | None = None, wait: float = 120.0) -> tuple[subprocess.Popen, str]:
    port = port or _free_port()
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "namndsok.app.cli", "serve", "--index", index, "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"namndsok serve exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    stop_server(proc)
    raise RuntimeError(f"namndsok serve did not answer on {url} within {wait:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


# ------------------------------------------------------------------ the load


def _pct(sorted_vals: list[float], p: float) -> float | None:
    if not sorted_vals:
        return None
    k = (len(sorted_vals) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (k - lo)


def _valid(res) -> bool:
    return isinstance(res, dict) and isinstance(res.get("answer"), str) and bool(res["answer"]) and "no_answer" in res


def huge_question(url: str, chars: int, request_timeout: float = 60.0) -> tuple[float, int, str]:
    """Send one question of `chars` characters to the page's route (/gradio_api/call/ask_html,
    "Sök"): (seconds until answered or refused, HTTP status, the first words of the reply)."""
    import http.client

    u = urllib.parse.urlsplit(url)
    body = _huge_body(chars)
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=request_timeout)
    try:
        conn.request("POST", "/gradio_api/call/ask_html", body=body, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read()
        status = r.status
        if status == 200:
            conn.request("GET", f"/gradio_api/call/ask_html/{json.loads(data)['event_id']}")
            r = conn.getresponse()
            data = r.read()
            status = r.status
    finally:
        conn.close()
    return time.perf_counter() - t0, status, data.decode("utf-8", "replace")[-160:]


@functools.lru_cache(maxsize=4)
def _huge_body(chars: int) -> bytes:
    """Made once: the load generator's own CPU must go to the ordinary clients it measures."""
    return json.dumps({"data": [("Minirosen förskola " * (chars // 19 + 1))[:chars], "Sök", "Alla", "Alla", "", ""]}).encode()


def _huge_clients(url: str, n: int, stop: threading.Event, request_timeout: float) -> tuple[list, list[dict]]:
    """n threads sending huge questions until `stop`; their results go into the returned list."""
    out: list[dict] = []

    def run(i: int) -> None:
        k = 0
        while not stop.is_set():
            chars = 1_000_000 if (i + k) % 2 == 0 else 500_000
            k += 1
            try:
                dt, status, tail = huge_question(url, chars, request_timeout)
                out.append({"chars": chars, "s": dt, "status": status, "refused": "för" in tail or "f\\u00f6r" in tail,
                            "tail": tail})
            except Exception as exc:  # noqa: BLE001 - counted as a failure of the target
                out.append({"chars": chars, "s": None, "status": None, "refused": False, "tail": str(exc)[:160]})

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    return threads, out


def run_load(url: str, questions: list[str], n: int = 200, concurrency: int = 20, timeout: float = 300.0,
             request_timeout: float = 60.0, pid: int | None = None, warmup: int = 3, huge: int = 0) -> dict:
    """Send `n` questions (cycling through `questions`) from `concurrency` clients through /answer;
    `huge` more clients send huge questions meanwhile (_huge_clients).

    Returns a dict of figures; never runs longer than about `timeout` seconds (requests
    not finished by then count as timeouts)."""
    from gradio_client import Client

    if not questions:
        raise ValueError("no questions")
    n, concurrency = max(0, int(n)), max(1, int(concurrency))
    if pid is None:
        pid = pid_listening_on(urllib.parse.urlsplit(url).port or 80)
    start = time.monotonic()
    deadline = start + timeout

    rss_start = rss_kb(pid)
    clients: list = []
    try:
        for _ in range(concurrency):  # made before the clock starts: a client fetches the config once
            # no telemetry, said to the client itself (the environment is the caller's)
            clients.append(Client(url, verbose=False, httpx_kwargs={"timeout": request_timeout}, analytics_enabled=False))
        for q in questions[:warmup]:  # first requests pay one-off costs, which are not growth per request
            clients[0].submit(q, api_name="/answer").result(timeout=request_timeout)
        rss_before = rss_kb(pid)

        work: queue.Queue[str] = queue.Queue()
        for i in range(n):
            work.put(questions[i % len(questions)])
        lock = threading.Lock()
        latencies: list[float] = []
        errors: list[str] = []
        timeouts = 0
        no_answer = 0
        rss_samples: list[int] = []
        rss_mid: list[int | None] = []  # RSS when half of the requests have completed
        done = threading.Event()

        def sampler() -> None:
            while not done.wait(0.25):
                r = rss_kb(pid)
                if r:
                    rss_samples.append(r)

        def worker(client) -> None:
            nonlocal timeouts, no_answer
            while time.monotonic() < deadline:
                try:
                    q = work.get_nowait()
                except queue.Empty:
                    return
                t0 = time.perf_counter()
                try:
                    left = max(0.1, min(request_timeout, deadline - time.monotonic()))
                    res = client.submit(q, api_name="/answer").result(timeout=left)
                except TimeoutError:
                    with lock:
                        timeouts += 1
                    continue
                except Exception as exc:  # noqa: BLE001 - every failure is counted, none stops the run
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}"[:300])
                    continue
                dt = time.perf_counter() - t0
                with lock:
                    latencies.append(dt)
                    if len(latencies) == max(1, n // 2):
                        rss_mid.append(rss_kb(pid))
                    if not _valid(res):
                        errors.append(f"bad result for {q[:60]!r}: {str(res)[:200]}")
                    elif res["no_answer"]:
                        no_answer += 1

        threading.Thread(target=sampler, daemon=True).start()
        t_run = time.perf_counter()
        huge_threads, huge_out = _huge_clients(url, huge, done, request_timeout) if huge else ([], [])
        threads = [threading.Thread(target=worker, args=(c,), daemon=True) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()) + request_timeout + 1)
        wall = time.perf_counter() - t_run
        done.set()
        for t in huge_threads:
            t.join(request_timeout + 1)
        rss_after = rss_kb(pid)
    finally:
        for c in clients:
            try:
                c.close()
            except Exception:  # noqa: BLE001
                pass

    lat = sorted(latencies)
    ok = len(latencies) - sum(1 for e in errors if e.startswith("bad result"))
    not_run = work.qsize()
    growth = (rss_after - rss_before) if rss_after is not None and rss_before is not None else None
    mid = rss_mid[0] if rss_mid else None
    half = len(latencies) - max(1, n // 2)
    growth2 = (rss_after - mid) if rss_after is not None and mid is not None else None
    return {
        "url": url,
        "requests": n,
        "concurrency": concurrency,
        "completed": len(latencies),
        "ok": ok,
        "errors": len(errors),
        "timeouts": timeouts,
        "not_sent": not_run,
        "no_answer": no_answer,
        "wall_s": round(wall, 3),
        "throughput_rps": round(len(latencies) / wall, 2) if wall > 0 else None,
        "latency_s": {
            "mean": round(statistics.fmean(lat), 4) if lat else None,
            "p50": round(_pct(lat, 0.50), 4) if lat else None,
            "p95": round(_pct(lat, 0.95), 4) if lat else None,
            "max": round(lat[-1], 4) if lat else None,
        },
        "server_pid": pid,
        "rss_kb": {
            "start": rss_start,
            "before": rss_before,  # after the warm-up requests
            "after": rss_after,
            "peak": max(rss_samples) if rss_samples else None,
            "growth": growth,
            "growth_per_request": round(growth / len(latencies), 2) if growth is not None and latencies else None,
            "half": mid,  # when half of the requests had completed
            "growth_second_half": growth2,  # steady state: allocator pools and caches are warm by then
            "growth_per_request_second_half": round(growth2 / half, 2) if growth2 is not None and half > 0 else None,
        },
        "error_samples": errors[:10],
        "huge": _huge_summary(huge, huge_out),
    }


def _huge_summary(clients: int, out: list[dict]) -> dict | None:
    if not clients:
        return None
    times = sorted(r["s"] for r in out if r["s"] is not None)
    return {"clients": clients, "sent": len(out), "refused": sum(r["refused"] for r in out),
            "failed": sum(r["s"] is None for r in out), "max_s": round(times[-1], 3) if times else None,
            "p95_s": round(_pct(times, 0.95), 3) if times else None,
            "samples": [r["tail"] for r in out if not r["refused"]][:3]}


def format_table(r: dict) -> str:
    def kb(v):
        return "n/a" if v is None else f"{v / 1024:.1f} MiB"

    def s(v):
        return "n/a" if v is None else f"{v * 1000:.0f} ms"

    m = r["rss_kb"]
    rows = [
        ("url", r["url"]),
        ("requests × clients", f"{r['requests']} × {r['concurrency']}"),
        ("completed / ok", f"{r['completed']} / {r['ok']}"),
        ("errors / timeouts / not sent", f"{r['errors']} / {r['timeouts']} / {r['not_sent']}"),
        ("answered 'no answer'", str(r["no_answer"])),
        ("wall time", f"{r['wall_s']:.2f} s"),
        ("throughput", "n/a" if r["throughput_rps"] is None else f"{r['throughput_rps']:.2f} req/s"),
        ("latency p50 / p95 / max", f"{s(r['latency_s']['p50'])} / {s(r['latency_s']['p95'])} / {s(r['latency_s']['max'])}"),
        ("server pid", str(r["server_pid"])),
        ("RSS start / before / after", f"{kb(m['start'])} / {kb(m['before'])} / {kb(m['after'])}"),
        ("RSS at half-way / peak", f"{kb(m['half'])} / {kb(m['peak'])}"),
        ("RSS growth (total, per request)",
         "n/a" if m["growth"] is None else f"{m['growth']} KiB, {m['growth_per_request']} KiB/req"),
        ("RSS growth 2nd half (total, per request)",
         "n/a" if m["growth_second_half"] is None
         else f"{m['growth_second_half']} KiB, {m['growth_per_request_second_half']} KiB/req"),
    ]
    if r.get("huge"):
        h = r["huge"]
        rows.append(("huge questions (clients: sent / refused / failed)",
                     f"{h['clients']}: {h['sent']} / {h['refused']} / {h['failed']}; p95 {s(h['p95_s'])}, max {s(h['max_s'])}"))
    w = max(len(k) for k, _ in rows)
    lines = [f"{k.ljust(w)}  {v}" for k, v in rows]
    for e in r["error_samples"]:
        lines.append(f"  error: {e}")
    return "\n".join(lines)


TARGET = {"errors": 0, "p95_s": 2.0, "rss_flat": 0.05}


def check_target(rounds: list[dict]) -> dict:
    """Whether a series of rounds meets TARGET, criterion by criterion."""
    ends = [r["rss_kb"]["after"] for r in rounds]
    flat = None
    if len(ends) >= 2 and ends[-1] is not None and ends[-2]:
        flat = abs(ends[-1] - ends[-2]) / ends[-2]
    p95s = [r["latency_s"]["p95"] for r in rounds]
    return {
        "errors": sum(r["errors"] + r["timeouts"] + r["not_sent"] for r in rounds) == TARGET["errors"],
        "p95": all(p is not None and p <= TARGET["p95_s"] for p in p95s),
        "rss_flat": flat is not None and flat <= TARGET["rss_flat"],
        "rss_change_last_two": None if flat is None else round(flat, 4),
    }


def compare_huge(rounds: list[dict]) -> dict:
    """The ordinary questions' p95 with huge ones beside against without (rounds alternate
    without, with), and whether every huge one was answered or refused in time."""
    base = [r["latency_s"]["p95"] for r in rounds if not r.get("huge")]
    loaded = [r["latency_s"]["p95"] for r in rounds if r.get("huge")]
    ratio = statistics.fmean(loaded) / statistics.fmean(base) if base and loaded and all(base + loaded) else float("nan")
    huge = [r["huge"] for r in rounds if r.get("huge")]
    worst = max((h["max_s"] or 0.0 for h in huge), default=None)
    ok = bool(huge) and all(h["failed"] == 0 and h["refused"] == h["sent"] for h in huge) and (worst or 0) <= HUGE_TARGET_S
    return {"p95_ratio": round(ratio, 3), "p95_ratio_ok": ratio <= HUGE_P95_RATIO, "huge_max_s": worst, "huge_ok": ok}


def format_rounds(rounds: list[dict], target: dict) -> str:
    mib = lambda v: "n/a" if v is None else f"{v / 1024:.0f}"  # noqa: E731
    lines = ["round  completed  errors  q/s    p50 s  p95 s  max s  RSS before → after MiB"]
    for i, r in enumerate(rounds, 1):
        lat, m = r["latency_s"], r["rss_kb"]
        lines.append(f"{i:>5}  {r['completed']:>9}  {r['errors'] + r['timeouts'] + r['not_sent']:>6}  "
                     f"{r['throughput_rps'] or 0:>5.2f}  {lat['p50'] or 0:>5.2f}  {lat['p95'] or 0:>5.2f}  {lat['max'] or 0:>5.2f}  "
                     f"{mib(m['before'])} → {mib(m['after'])}")
    change = target["rss_change_last_two"]
    lines.append(f"target: 0 errors {'met' if target['errors'] else 'NOT met'}; p95 ≤ {TARGET['p95_s']:g} s "
                 f"{'met' if target['p95'] else 'NOT met'}; RSS within {TARGET['rss_flat']:.0%} over the last two rounds "
                 f"{'met' if target['rss_flat'] else 'NOT met'}"
                 + ("" if change is None else f" ({change:+.1%})"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m namndsok.eval.loadtest", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="base URL of a running app, e.g. http://127.0.0.1:7860/")
    where.add_argument("--index", metavar="DIR", help="start `namndsok serve` on this index on a free loopback port")
    p.add_argument("-n", "--requests", type=int, default=300, help="questions to send per round (default 300)")
    p.add_argument("-c", "--concurrency", type=int, default=30, help="concurrent clients (default 30)")
    p.add_argument("--rounds", type=int, default=1, help="send the load this many times to one server (default 1)")
    p.add_argument("--require-target", action="store_true", help="exit 2 when TARGET is not met")
    p.add_argument("--timeout", type=float, default=300.0, help="bound on one round in seconds (default 300)")
    p.add_argument("--request-timeout", type=float, default=60.0, help="bound on one request in seconds (default 60)")
    p.add_argument("--questions", type=Path, default=None, help="JSON Lines file with a 'question' field (default eval/questions/dev.jsonl)")
    p.add_argument("--pid", type=int, default=None, help="server pid for memory figures (default: found by the port)")
    p.add_argument("--json", dest="json_out", type=Path, default=None, metavar="FILE", help="also write the figures as JSON")
    p.add_argument("--huge-clients", type=int, default=0, metavar="N",
                   help="N more clients sending huge questions without pause during each round (default 0)")
    p.add_argument("--compare", action="store_true",
                   help="run each round twice, without and with --huge-clients, and compare the p95")
    args = p.parse_args(argv)

    proc = None
    url, pid = args.url, args.pid
    if args.index:
        proc, url = start_server(args.index)
        pid = proc.pid
    rounds: list[dict] = []
    try:
        plan = [0, args.huge_clients] if args.compare else [args.huge_clients]
        for i in range(max(1, args.rounds)):
            for huge in plan:
                res = run_load(url, load_questions(args.questions), n=args.requests, concurrency=args.concurrency,
                               timeout=args.timeout, request_timeout=args.request_timeout, pid=pid,
                               warmup=3 if not rounds else 0, huge=huge)
                rounds.append(res)
                print(f"--- round {i + 1} of {args.rounds}" + (f", {huge} huge-question clients" if huge else ""), flush=True)
                print(format_table(res), flush=True)
    finally:
        if proc is not None:
            stop_server(proc)
    target = check_target(rounds)
    if len(rounds) > 1:
        print(format_rounds(rounds, target))
    if args.compare:
        target.update(compare_huge(rounds))
        print(f"huge questions: p95 of ordinary ones {target['p95_ratio']:.2f}× the baseline (target ≤ {HUGE_P95_RATIO:g}: "
              f"{'met' if target['p95_ratio_ok'] else 'NOT met'}); slowest huge one {target['huge_max_s']} s "
              f"(target ≤ {HUGE_TARGET_S:g} s: {'met' if target['huge_ok'] else 'NOT met'})")
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        out = rounds[0] if len(rounds) == 1 else {"rounds": rounds, "target": TARGET, "met": target}
        args.json_out.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if any(r["errors"] or r["timeouts"] or r["not_sent"] for r in rounds):
        return 1
    return 2 if args.require_target and not all(target[k] for k in ("errors", "p95", "rss_flat")) else 0


if __name__ == "__main__":
    sys.exit(main())
