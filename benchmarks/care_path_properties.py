"""Benchmark: every whole-care-path property on many generated cases (issue 13).

Runs each invariant of ``rulesets/intl/care_path.invariants.yaml`` and
``rulesets/kh/care_path.invariants.yaml`` (or the files named) on N generated whole cases:
as at intake, as at closure, mixed, with follow-up visits, and varied from the source cases.
Each case is assessed once for all the plain checks; monotone, worst-value and sourced
properties assess their own variants. Failures are counted, not shrunk (``carepath check``
shrinks them). It prints the cases tried, the failures per property and the time, and exits
non-zero if any property fails or cannot run::

    python benchmarks/care_path_properties.py            # 100,000 cases per file
    python benchmarks/care_path_properties.py --n 2000   # as in CI
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from carepath.authoring.invariants import tally_file

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "rulesets/intl/care_path.invariants.yaml", ROOT / "rulesets/kh/care_path.invariants.yaml"]


def main(argv: list[str] | None = None) -> int:
    """Run the properties; 0 when every one holds on every case, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=FILES, help="invariant files")
    parser.add_argument("--n", type=int, default=100_000, help="generated cases per file (default 100,000)")
    parser.add_argument("--seed", type=int, default=0, help="0: reproducible (derandomized); else a seed")
    args = parser.parse_args(argv)
    broken = 0
    for path in args.files:
        start = time.perf_counter()
        tally = tally_file(path, args.n, args.seed)
        seconds = time.perf_counter() - start
        print(
            f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {tally.cases} cases in "
            f"{seconds:.1f} s ({1000 * seconds / max(tally.cases, 1):.1f} ms per case, all properties)"
        )
        for name, count in tally.failures.items():
            mark = "FAILED" if count else "ok"
            print(f"  {mark:6} {name}: {count} of {tally.tried[name]} cases")
            if count:
                _, problem = tally.first[name]
                print(f"         first: {problem}")
        for name, problem in tally.problems.items():
            print(f"  CANNOT RUN {name}: {problem}")
        broken += sum(1 for c in tally.failures.values() if c) + len(tally.problems)
    print(f"{broken} properties broken" if broken else "every property holds")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
