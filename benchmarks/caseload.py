"""Time `carepath caseload` over N synthetic follow-up cases (default 10,000) and print the
figures. Run from the repository root: python benchmarks/caseload.py [--n 10000]

The cases are the 36 of examples/caseload/cases, repeated with new ids into a JSON Lines file,
so each has its real visit history. Reported: reading and assessing, and rendering each format.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import tempfile
import time
from pathlib import Path

import yaml

from carepath.followup.caseload import caseload_file

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 11, 23)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    args = parser.parse_args()
    docs = [
        yaml.safe_load(p.read_text(encoding="utf-8"))
        for p in sorted((ROOT / "examples/caseload/cases").glob("*.yaml"))
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for i in range(args.n):
                doc = dict(docs[i % len(docs)], case_id=f"B{i:06d}")
                handle.write(json.dumps(doc, default=str) + "\n")
        start = time.perf_counter()
        load = caseload_file(path, AS_OF, workers=args.workers)
        assessed = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
        timings = {}
        for fmt in ("table", "markdown", "json", "csv"):
            start = time.perf_counter()
            getattr(load, f"to_{fmt}")()
            timings[fmt] = time.perf_counter() - start
    print(
        f"caseload of {args.n:,} cases, {args.workers} process(es): read and assessed in {assessed:.2f} s "
        f"({assessed / args.n * 1e3:.2f} ms per case), peak resident memory {peak / 2**20:.0f} MiB"
    )
    print("rendered: " + ", ".join(f"{fmt} {t:.2f} s" for fmt, t in timings.items()))


if __name__ == "__main__":
    main()
