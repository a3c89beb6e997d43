"""Preloaded into the test's `dask worker` processes (`--preload tests/dask_preload.py`): lets a
test kill a worker at a known point, so no test depends on the machine's speed.

- When the file named by NAMNDSOK_TEST_ARM exists, the worker that is asked for its second
  embedding batch after that renames it to `<ARM>.died` and kills itself with SIGKILL:
  exactly one worker dies, mid-ingest, once (its nanny starts a fresh one).
- A file whose name starts with `poison` kills any worker that parses it.
- When NAMNDSOK_TEST_WORKER_LOG names a file, each parse appends "PID FILENAME" to it.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import namndsok.index.distributed as d

# a preload may run more than once in a process (nanny and worker): wrap the real functions once
_real_embed, _real_parse = getattr(d, "_test_originals", (d.embed_task, d.parse_task))
d._test_originals = (_real_embed, _real_parse)
_armed_calls = 0


def embed_task(spec, name, texts):
    global _armed_calls
    arm = os.environ.get("NAMNDSOK_TEST_ARM")
    if arm and Path(arm).exists():
        _armed_calls += 1
        if _armed_calls == 2:
            try:
                os.rename(arm, arm + ".died")
            except OSError:  # the other worker was first
                pass
            else:
                os.kill(os.getpid(), signal.SIGKILL)
    return _real_embed(spec, name, texts)


def parse_task(job, options):
    seen = os.environ.get("NAMNDSOK_TEST_WORKER_LOG")
    if seen:  # which process parsed which file
        with open(seen, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {job.path.name}\n")
    if job.path.name.startswith("poison"):
        os.kill(os.getpid(), signal.SIGKILL)
    return _real_parse(job, options)


d.embed_task, d.parse_task = embed_task, parse_task
