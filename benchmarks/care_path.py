"""Benchmark: the whole care path (``Pipeline.assess``) per case: traced and every trace read,
untraced (the ranking's and the plan's reasons kept), and untraced without reasons.

The seven example cases of ``examples/care_path`` (intl/care_path), each assessed 20 times per
round, 5 rounds per mode; each mode's quietest round (lowest median) is shown. To compare
with another checkout of carepath, run this file with it first on the import path, in turn
with this one (``cd CHECKOUT && PYTHONPATH=CHECKOUT python /path/to/care_path.py``)::

    python benchmarks/care_path.py
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import carepath

ROOT = Path(carepath.__file__).resolve().parents[1]
CASES = (
    "girl-unsafe-family",
    "man-labour-quick-return",
    "infant-poverty-only",
    "girl-shelter-review",
    "woman-follow-up-closure",
    "woman-lost-contact",
    "boy-moved-district",
)
DAY = dt.date(2026, 11, 23)
MODES: dict[str, dict[str, Any]] = {
    "traced, read": {"trace": True},
    "untraced": {"trace": False},
    "no reasons": {"trace": False, "reasons": False},
}


def main() -> int:
    cases = [carepath.read_case(ROOT / "examples" / "care_path" / f"{name}.yaml") for name in CASES]
    pipe = carepath.load_pipeline("intl/care_path")
    print(f"carepath {carepath.__version__} from {ROOT}; {len(cases)} cases, as of {DAY}")
    for mode, options in MODES.items():
        for case in cases:
            pipe.assess(case, as_of=DAY, **options)
        best = float("inf")
        for _ in range(5):
            times: list[float] = []
            for _ in range(20):
                for case in cases:
                    start = time.perf_counter()
                    result = pipe.assess(case, as_of=DAY, **options)
                    if options["trace"]:
                        for evaluation in result.steps.values():
                            assert evaluation.trace is not None
                            evaluation.trace.rules  # noqa: B018 (built)
                    times.append(time.perf_counter() - start)
            best = min(best, statistics.median(times))
        print(f"{mode:<14} {best * 1e3:8.2f} ms per case (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
