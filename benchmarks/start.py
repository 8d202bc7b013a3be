"""Benchmark: how quickly carepath starts, side by side with a bare interpreter, in one run.

Each measure is a fresh process, timed from outside (wall clock, ``time.perf_counter``), the
kinds interleaved run after run so that all see the same machine:

- ``bare``: ``python -c pass``, the interpreter alone;
- ``import``: ``python -c "import carepath"``;
- ``assess``: ``python -m carepath assess`` on an example case (the whole care path, text),
  with the cache of read rule files warm (filled by an earlier run), cold (an empty cache
  folder each run) and off (``CAREPATH_NO_CACHE=1``);
- ``load all``: loading every bundled rule set, timed inside the process once the modules that
  load are imported, warm, cold and off as above, and a second time in the same process;

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
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "examples" / "care_path" / "girl-unsafe-family.yaml"
AS_OF = "2026-11-23"


LOAD_ALL = """
import time
from carepath.rules import layers, compiler, model, ruleset
from carepath.rules.registry import bundled_ids
ids = bundled_ids()
start = time.perf_counter()
for name in ids:
    ruleset.load(name)
middle = time.perf_counter()
for name in ids:
    ruleset.load(name)
print(middle - start, time.perf_counter() - middle)
"""
CACHES = ("warm", "cold", "off")


def commands(case: Path) -> dict[str, list[str]]:
    """What each kind of measure runs."""
    python = sys.executable
    assess = [python, "-m", "carepath", "assess", str(case), "--as-of", AS_OF]
    return {
        "bare": [python, "-c", "pass"],
        "import": [python, "-c", "import carepath"],
        **{f"assess {how}": assess for how in CACHES},
        **{f"load {how}": [python, "-c", LOAD_ALL] for how in CACHES},
    }


def environment(checkout: Path, kind: str, warm: Path) -> dict[str, str]:
    """The child's environment: ``checkout`` first on the path, and the cache as ``kind`` asks."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    env.pop("CAREPATH_NO_CACHE", None)
    if kind.endswith(" off"):
        env["CAREPATH_NO_CACHE"] = "1"
    elif kind.endswith(" cold"):
        env["CAREPATH_CACHE_DIR"] = tempfile.mkdtemp(prefix="carepath-cold-")
    else:
        env["CAREPATH_CACHE_DIR"] = str(warm)
    return env


def timed(command: list[str], checkout: Path, env: dict[str, str]) -> tuple[float, list[float]]:
    """Seconds one process takes, run in ``checkout``, and the figures it printed (if any)."""
    start = time.perf_counter()
    done = subprocess.run(
        command, env=env, cwd=checkout, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    took = time.perf_counter() - start
    printed = done.stdout.decode().split() if command[-1] == LOAD_ALL else []
    return took, [float(x) for x in printed]


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
    warm = {label: Path(tempfile.mkdtemp(prefix=f"carepath-warm-{label}-")) for label in checkouts}
    for label, checkout in checkouts.items():  # fill the warm caches once
        for kind in ("assess warm", "load warm"):
            timed(kinds[kind], checkout, environment(checkout, kind, warm[label]))
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.runs):
        for label, checkout in checkouts.items():
            for kind, command in kinds.items():
                if kind == "bare" and label != "this":
                    continue  # one bare interpreter for all
                took, printed = timed(command, checkout, environment(checkout, kind, warm[label]))
                if printed:
                    times.setdefault((label, kind), []).append(printed[0])
                    if kind == "load warm":
                        times.setdefault((label, "load again"), []).append(printed[1])
                else:
                    times.setdefault((label, kind), []).append(took)
            times.setdefault((label, "importtime"), []).append(import_time(checkout))

    print(f"Python {sys.version.split()[0]}; {args.runs} runs of each, interleaved; case {CASE.name}")
    for label, checkout in checkouts.items():
        print(f"  {label}: {checkout}")
    print()
    header = f"{'checkout':<9} {'measure':<44} {'median s':>9} {'min s':>7} {'- bare s':>9}"
    print(header)
    print("-" * len(header))
    bare = statistics.median(times[("this", "bare")])
    names = {
        "bare": "python -c pass",
        "import": 'python -c "import carepath"',
        "importtime": "-X importtime: carepath cumulative",
        **{f"assess {how}": f"carepath assess (care path), cache {how}" for how in CACHES},
        **{f"load {how}": f"load all bundled rule sets, cache {how}" for how in CACHES},
        "load again": "load all again in the same process",
    }
    inside = ("importtime", "load warm", "load cold", "load off", "load again")
    for label in checkouts:
        for kind in names:
            found = times.get((label, kind))
            if not found:
                continue
            median = statistics.median(found)
            above = "" if kind == "bare" or kind in inside else f"{median - bare:>9.3f}"
            print(f"{label:<9} {names[kind]:<44} {median:>9.3f} {min(found):>7.3f} {above}")
    print("\n(load: timed inside the process, after importing the modules that load)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
