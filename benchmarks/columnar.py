"""Benchmark: the population diff on the columnar engine, against the per-case diff and against
plain `json.loads` reading the same file, in one interleaved run (medians of --rounds).

Two diffs, as issue 16 sets its targets: intl/palermo against itself with child_age_limit=21
(target: 1M cases in at most 10 s, and at most 3x plain json.loads on the same file), and
intl/ilo_indicators against examples/overlays/ilo_two_medium.yaml (target: 1M in at most 20 s).
Each measurement runs in a fresh process, so its peak resident memory is its own. The per-case
diff (one process) is slow at a million: it is timed on the first --per-case-n cases and its
figure per million is extrapolated from them, and printed as such. Run on demand, not in CI:

    python benchmarks/columnar.py                # 20,000 cases, 3 rounds
    python benchmarks/columnar.py --n 1000000 --rounds 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DAY = dt.date(2026, 11, 23)
DIFFS = {
    "palermo": ("intl/palermo", "intl/palermo", {"child_age_limit": 21}),
    "ilo": ("intl/ilo_indicators", str(ROOT / "examples/overlays/ilo_two_medium.yaml"), {}),
}


def job(kind: str, which: str, path: Path) -> dict[str, float]:
    """One measurement, in this (fresh) process: seconds and peak MiB."""
    start = time.perf_counter()
    changed = 0
    if kind == "json":
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                json.loads(line)
    else:
        from carepath.authoring.columnar.choose import diff_with_engine

        old, new, settings = DIFFS[which]
        engine = "columnar" if kind == "columnar" else "per-case"
        changed = diff_with_engine(old, new, path, DAY, engine=engine, settings=settings).changed
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mib": peak, "changed": changed}


def _spawn(kind: str, which: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--job", kind, which, str(path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    result: dict[str, float] = json.loads(out.stdout.splitlines()[-1])
    return result


def _population(which: str, n: int, path: Path) -> None:
    import carepath
    from carepath.authoring.synth import generate, read_population

    rid = DIFFS[which][0]
    rules = carepath.load(rid)
    population = read_population(ROOT / f"rulesets/{rid}.population.yaml")
    with path.open("w", encoding="utf-8") as handle:
        for case in generate(rules, population, n, seed=1):
            handle.write(json.dumps(case) + "\n")


def on_dask(n: int, which: list[str], workers: int = 2, partition: int = 25_000) -> None:
    """N cases generated on the workers of a local cluster (2 processes, 1 thread each), in
    partitions of 25,000: seconds, and seconds per million (extrapolated from N)."""
    from distributed import Client, LocalCluster

    from carepath.authoring.columnar.partitions import diff_generated_on, split

    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        for name in which:
            old, new, settings = DIFFS[name]
            population = ROOT / f"rulesets/{old}.population.yaml"
            diff_generated_on(client, old, new, population, [100], DAY, settings=settings)  # warm the workers
            start = time.perf_counter()
            sizes = list(split(n, partition))
            report = diff_generated_on(client, old, new, population, sizes, DAY, settings=settings)
            seconds = time.perf_counter() - start
            print(
                f"dask {name}: {n} generated cases in {len(sizes)} partitions on {workers} workers:"
                f" {seconds:.1f} s, {seconds * 1_000_000 / n:.0f} s per million (extrapolated);"
                f" {workers * seconds * 1_000_000 / n / 3600:.2f} worker-hours per million;"
                f" changed {report.changed}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="cases (default 20,000)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--per-case-n", type=int, default=20_000, help="cases the per-case diff is timed on")
    parser.add_argument("--only", choices=sorted(DIFFS), action="append", help="one diff (repeatable)")
    parser.add_argument(
        "--dask", type=int, metavar="N", help="also: N generated cases on a local Dask cluster"
    )
    parser.add_argument("--job", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job:
        print(json.dumps(job(args.job[0], args.job[1], Path(args.job[2]))))
        return
    if args.dask:
        on_dask(args.dask, args.only or sorted(DIFFS, reverse=True))
        return
    with tempfile.TemporaryDirectory() as tmp:
        for which in args.only or sorted(DIFFS, reverse=True):
            full, head = Path(tmp) / f"{which}.jsonl", Path(tmp) / f"{which}-head.jsonl"
            _population(which, args.n, full)
            per_case_n = min(args.n, args.per_case_n)
            with full.open(encoding="utf-8") as src, head.open("w", encoding="utf-8") as dst:
                dst.writelines(itertools.islice(src, per_case_n))
            runs: dict[str, list[dict[str, float]]] = {"json": [], "columnar": [], "per-case": []}
            for _ in range(args.rounds):  # interleaved: each round measures every kind once
                runs["json"].append(_spawn("json", which, full))
                runs["columnar"].append(_spawn("columnar", which, full))
                runs["per-case"].append(_spawn("per-case", which, head))
            med = {k: statistics.median(r["seconds"] for r in v) for k, v in runs.items()}
            peak = {k: max(r["peak_mib"] for r in v) for k, v in runs.items()}
            per_case_full = med["per-case"] * args.n / per_case_n
            extrapolated = " (extrapolated)" if per_case_n < args.n else ""
            print(
                f"{which}: {args.n} cases, {args.rounds} round(s), medians;"
                f" changed {runs['columnar'][0]['changed']:.0f}"
            )
            print(f"  json.loads only   {med['json']:8.2f} s  peak {peak['json']:6.0f} MiB")
            print(
                f"  columnar diff     {med['columnar']:8.2f} s  peak {peak['columnar']:6.0f} MiB"
                f"  = {med['columnar'] / med['json']:.2f}x json.loads"
            )
            print(
                f"  per-case diff     {med['per-case']:8.2f} s on {per_case_n} cases,"
                f" peak {peak['per-case']:6.0f} MiB;"
                f" {per_case_full:.1f} s for {args.n}{extrapolated}"
                f" = {per_case_full / med['columnar']:.1f}x the columnar diff"
            )
            per_million = med["columnar"] * 1_000_000 / args.n
            print(
                f"  columnar per million cases: {per_million:.1f} s"
                + ("" if args.n >= 1_000_000 else " (extrapolated)")
            )


if __name__ == "__main__":
    main()
