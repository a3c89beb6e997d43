"""What finding personal data costs at ingest: `python -m namndsok.eval.personal [FILES…]`
reads, structures and chunks each file with and without `find_personal`, several times,
and prints the medians (default: the bundled corpus). Embedding is left out: it costs
minutes where these cost a fraction of a second (README, "Quality and speed")."""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from namndsok.ingest.chunk import chunk_document
from namndsok.ingest.personal import find_personal
from namndsok.ingest.read import read_document
from namndsok.ingest.structure import parse_structure

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def one_run(files: list[Path], detect: bool) -> tuple[float, float]:
    """(seconds to read, structure and chunk every file, seconds of that spent detecting)."""
    start, detecting = time.perf_counter(), 0.0
    for f in files:
        doc = read_document(f)
        if detect:
            t = time.perf_counter()
            doc.personal = find_personal(doc.text)
            detecting += time.perf_counter() - t
        chunk_document(parse_structure(doc))
    return time.perf_counter() - start, detecting


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m namndsok.eval.personal", description=__doc__)
    p.add_argument("files", nargs="*", type=Path, help="files to parse (default: corpus/*.txt)")
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args(argv)
    files = args.files or sorted(CORPUS.glob("*.txt"))
    one_run(files, True)  # warm: imports, regex compilation, file cache
    plain = [one_run(files, False)[0] for _ in range(args.runs)]
    with_detection = [one_run(files, True) for _ in range(args.runs)]
    chars = sum(len(read_document(f).text) for f in files)
    base = statistics.median(plain)
    total = statistics.median(t for t, _ in with_detection)
    detect = statistics.median(d for _, d in with_detection)
    print(f"{len(files)} files, {chars:,} characters, median of {args.runs} runs")
    print(f"read + structure + chunk:                {base:.3f} s")
    print(f"the same with personal data found:       {total:.3f} s")
    print(f"finding personal data alone:             {detect:.3f} s ({detect / base:.0%} of parsing)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
