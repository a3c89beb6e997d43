"""`namndsok ingest` in a child process that stops at a known point, so crash and concurrency
tests do not depend on the machine's speed:

    python tests/ingest_child.py --kill-after N -- ingest DOCS --index IX ...
        the process kills itself with SIGKILL when the embedder is asked for batch N+1
        (N batches are embedded and persisted): a real `kill -9` at a chosen batch
    python tests/ingest_child.py --pause-after N --ready FILE --gate FILE -- ingest ...
        before batch N+1 it writes READY and waits (holding the index's lock) until GATE exists
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--kill-after", type=int)
    p.add_argument("--pause-after", type=int)
    p.add_argument("--ready", type=Path)
    p.add_argument("--gate", type=Path)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    args = p.parse_args()
    cli_args = args.rest[1:] if args.rest[:1] == ["--"] else args.rest

    from namndsok.app import cli
    from namndsok.index import embedders

    real = embedders.create_embedder

    def create(spec: str = embedders.DEFAULT_EMBEDDER):
        emb = real(spec)
        encode = emb.encode_passages
        calls = 0

        def stopping_encode(texts, *a, **kw):
            nonlocal calls
            calls += 1
            if args.kill_after is not None and calls > args.kill_after:
                os.kill(os.getpid(), signal.SIGKILL)
            if args.pause_after is not None and calls == args.pause_after + 1:
                args.ready.write_text(str(os.getpid()), encoding="utf-8")
                deadline = time.monotonic() + 300
                while not args.gate.exists() and time.monotonic() < deadline:
                    time.sleep(0.05)
            return encode(texts, *a, **kw)

        emb.encode_passages = stopping_encode
        return emb

    embedders.create_embedder = create
    return cli.main(cli_args)


if __name__ == "__main__":
    sys.exit(main())
