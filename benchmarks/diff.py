"""Benchmark: time and peak memory of `carepath diff` over N synthetic cases.

Generates N cases for intl/ilo_indicators (its population file), then compares the rule set
with the overlay examples/overlays/ilo_two_medium.yaml, with one and with two processes. Peak
memory is the largest resident set of this process and of its worker processes, so a flat
figure as N grows shows that cases are streamed. Run on demand, not in CI:

    python benchmarks/diff.py --n 100000 --n 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import tempfile
import time
from pathlib import Path

import carepath
from carepath.authoring.diff import diff_file
from carepath.authoring.synth import generate, read_population

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="cases (repeatable); default 100000")
    parser.add_argument("--workers", type=int, action="append", help="processes (repeatable); default 1, 2")
    args = parser.parse_args()
    rules = carepath.load("intl/ilo_indicators")
    population = read_population(ROOT / "rulesets/intl/ilo_indicators.population.yaml")
    overlay = ROOT / "examples/overlays/ilo_two_medium.yaml"
    print(f"{'cases':>9} {'workers':>7} {'seconds':>9} {'cases/s':>9} {'peak MiB':>9} {'changed':>9}")
    for n in args.n or [100_000]:
        with tempfile.TemporaryDirectory() as tmp:
            cases = Path(tmp) / "cases.jsonl"
            with cases.open("w", encoding="utf-8") as handle:
                for case in generate(rules, population, n, seed=1):
                    handle.write(json.dumps(case) + "\n")
            for workers in args.workers or [1, 2]:
                start = time.perf_counter()
                report = diff_file("intl/ilo_indicators", overlay, cases, dt.date(2026, 11, 23), workers)
                seconds = time.perf_counter() - start
                peak = (
                    max(
                        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                    )
                    / 1024
                )
                rate = n / seconds
                print(f"{n:>9} {workers:>7} {seconds:>9.1f} {rate:>9.0f} {peak:>9.0f} {report.changed:>9}")


if __name__ == "__main__":
    main()
