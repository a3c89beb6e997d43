"""`namndsok ingest` into a PostgreSQL store in a child process that stops inside its write
transaction, its rows written and not committed, so the crash and concurrency tests of
test_pgstore.py do not depend on the machine's speed:

    python tests/pg_ingest_child.py --ready FILE [--gate FILE] -- ingest DOCS --store URL
        writes READY (its pid) when the transaction holds every row, then waits until GATE
        exists (without --gate: until it is killed), then commits
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--ready", type=Path, required=True)
    p.add_argument("--gate", type=Path)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    args = p.parse_args()
    cli_args = args.rest[1:] if args.rest[:1] == ["--"] else args.rest

    from namndsok.app import cli
    from namndsok.index.pgstore import PgStore

    def pause(self, documents: int) -> None:
        args.ready.write_text(str(os.getpid()), encoding="utf-8")
        deadline = time.monotonic() + 300  # a test that never opens the gate does not leave us behind
        while time.monotonic() < deadline and not (args.gate and args.gate.exists()):
            time.sleep(0.05)

    PgStore._before_commit = pause
    return cli.main(cli_args)


if __name__ == "__main__":
    sys.exit(main())
