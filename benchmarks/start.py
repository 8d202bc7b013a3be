"""Benchmark: how quickly carepath starts, side by side with a bare interpreter, in one run.

Each measure is a fresh process, timed from outside (wall clock, ``time.perf_counter``), the
kinds interleaved run after run so that all see the same machine:

- ``bare``: ``python -c pass``, the interpreter alone;
- ``import``: ``python -c "import carepath"``;
- ``assess``: ``python -m carepath assess`` on an example case (the whole care path, text);

and, from ``python -X importtime -c "import carepath"``, the import's own cumulative time.
It prints the median of each (and the minimum) and what carepath adds to the bare interpreter.
With ``--compare PATH`` (another checkout of carepath, for example the main branch exported
with ``git archive``) the same measures run for it too, interleaved, as the "before"::

    python benchmarks/start.py --runs 15
    python benchmarks/start.py --runs 15 --compare /tmp/main-checkout
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "examples" / "care_path" / "girl-unsafe-family.yaml"
AS_OF = "2026-11-23"


def commands(case: Path) -> dict[str, list[str]]:
    """What each kind of measure runs."""
    python = sys.executable
    return {
        "bare": [python, "-c", "pass"],
        "import": [python, "-c", "import carepath"],
        "assess": [python, "-m", "carepath", "assess", str(case), "--as-of", AS_OF],
    }


def timed(command: list[str], checkout: Path) -> float:
    """Seconds one process takes, run in ``checkout`` and with it first on the import path."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    start = time.perf_counter()
    subprocess.run(
        command, env=env, cwd=checkout, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def import_time(checkout: Path) -> float:
    """Seconds ``import carepath`` takes by its own count (``-X importtime``)."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    command = [sys.executable, "-X", "importtime", "-c", "import carepath"]
    found = subprocess.run(command, env=env, cwd=checkout, check=True, capture_output=True, text=True).stderr
    line = next(line for line in reversed(found.splitlines()) if line.rstrip().endswith("| carepath"))
    return int(line.split("|")[1]) / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="runs of each measure")
    parser.add_argument("--compare", type=Path, help="another carepath checkout, measured alongside")
    args = parser.parse_args(argv)
    checkouts = {"this": ROOT}
    if args.compare is not None:
        checkouts["compare"] = args.compare.resolve()
    kinds = commands(CASE)
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.runs):
        for label, checkout in checkouts.items():
            for kind, command in kinds.items():
                if kind == "bare" and label != "this":
                    continue  # one bare interpreter for all
                times.setdefault((label, kind), []).append(timed(command, checkout))
            times.setdefault((label, "importtime"), []).append(import_time(checkout))

    print(f"Python {sys.version.split()[0]}; {args.runs} runs of each, interleaved; case {CASE.name}")
    for label, checkout in checkouts.items():
        print(f"  {label}: {checkout}")
    print()
    header = f"{'checkout':<9} {'measure':<34} {'median s':>9} {'min s':>7} {'- bare s':>9}"
    print(header)
    print("-" * len(header))
    bare = statistics.median(times[("this", "bare")])
    names = {
        "bare": "python -c pass",
        "import": 'python -c "import carepath"',
        "importtime": "-X importtime: carepath cumulative",
        "assess": "carepath assess (care path, text)",
    }
    for label in checkouts:
        for kind in ("bare", "import", "importtime", "assess"):
            found = times.get((label, kind))
            if not found:
                continue
            median = statistics.median(found)
            above = "" if kind in ("bare", "importtime") else f"{median - bare:>9.3f}"
            print(f"{label:<9} {names[kind]:<34} {median:>9.3f} {min(found):>7.3f} {above}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
