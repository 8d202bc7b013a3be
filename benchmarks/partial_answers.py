"""How soon the care path gives useful advice from partial answers, before and after open
outcomes feed the values they can still take. Run from the repository root:

    python benchmarks/partial_answers.py [--n 2000] [--seed 1]

For each bundled care-path example (its whole case as the truth), an intake is replayed: the
pipeline's next question is asked and answered from the case (``unknown`` where the case has no
answer), one at a time. Printed, side by side for "before" (only determined outcomes fed, the
questions in the order of the open outcomes) and "after" (candidates fed, the questions of the
current stage first):

- answers given before the first choice is determined, and before a first choice is shown at
  all (determined, or provisional: "after" only);
- questions the interview asks until nothing it can still ask would change an outcome.

Then, over N generated intake cases (few answers, as at a first contact): the share with a
determined first choice, with a provisional one, and the number of options still pending.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

import carepath
from carepath.assessments import Assessment
from carepath.assessments.pipeline import Pipeline
from carepath.cases import read_case

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 11, 23)


def _replay(pipe: Pipeline, truth: Mapping[str, Any], after: bool) -> tuple[int | None, int | None, int]:
    """(answers before a determined first choice, before any first choice, questions asked)."""
    given: dict[str, Any] = {}
    asked: set[str] = set()
    determined = shown = None
    while True:
        a = pipe.assess(given, as_of=AS_OF, trace=False, candidates=after)
        top = a.ranking.top if a.ranking is not None else None
        provisional = a.ranking.provisional if a.ranking is not None and after else None
        if determined is None and top is not None:
            determined = len(given)
        if shown is None and (top is not None or provisional is not None):
            shown = len(given)
        order = a.next_questions if after else a.missing
        nxt = next((q for q in order if q not in asked and q in pipe.inputs), None)
        if nxt is None:
            return determined, shown, len(asked)
        asked.add(nxt)
        spec = pipe.inputs[nxt]
        if nxt in truth:
            given[nxt] = truth[nxt]
        elif "unknown" in (spec.accepts or ()):
            given[nxt] = "unknown"


def _examples() -> list[tuple[str, Pipeline, dict[str, Any]]]:
    index = yaml.safe_load((ROOT / "examples/care_path/index.yaml").read_text(encoding="utf-8"))
    found = []
    for entry in index["examples"]:
        pipe = carepath.load_pipeline(entry.get("pipeline", "intl/care_path"))
        case = read_case(ROOT / "examples/care_path" / f"{entry['case']}.yaml")
        answers = dict(case.on(AS_OF, set(pipe.inputs))) if case.visits is not None else dict(case)
        found.append((entry["case"], pipe, answers))
    return found


def _intake(pipe: Pipeline, rng: random.Random) -> dict[str, Any]:
    """A first contact: the age, the stage and a handful of other answers."""
    names = [n for n, s in pipe.inputs.items() if s.type in ("bool", "enum") and n != "stage"]
    case: dict[str, Any] = {"age": rng.randint(8, 40), "stage": rng.choice(["identification", "assessment"])}
    for name in rng.sample(names, k=min(len(names), rng.randint(4, 12))):
        spec = pipe.inputs[name]
        case[name] = (
            rng.choice([True, False]) if spec.type == "bool" else rng.choice(spec.choices or []).value
        )
    return case


def _shown(value: int | None) -> str:
    return "-" if value is None else str(value)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=2000, help="generated intake cases (default 2000)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    print("Examples: answers before a first choice, and questions asked (before -> after)")
    print(f"{'example':28} {'determined':>14} {'shown':>10} {'questions':>14}")
    asked_before: list[int] = []
    asked_after: list[int] = []
    for name, pipe, truth in _examples():
        d0, _s0, q0 = _replay(pipe, truth, after=False)
        d1, s1, q1 = _replay(pipe, truth, after=True)
        asked_before.append(q0)
        asked_after.append(q1)
        print(f"{name:28} {_shown(d0):>6} -> {_shown(d1):<5} {_shown(s1):>10} {q0:>6} -> {q1:<5}")
    print(f"median questions asked: {statistics.median(asked_before)} -> {statistics.median(asked_after)}")

    rng = random.Random(args.seed)
    pipe = carepath.load_pipeline("intl/care_path")
    counts = {False: [0, 0, 0.0], True: [0, 0, 0.0]}
    spent = {False: 0.0, True: 0.0}
    for _ in range(args.n):
        case = _intake(pipe, rng)
        for after in (False, True):  # interleaved, so that both meet the same machine
            start = time.perf_counter()
            a: Assessment = pipe.assess(case, as_of=AS_OF, trace=False, candidates=after)
            spent[after] += time.perf_counter() - start
            ranking = a.ranking
            assert ranking is not None
            counts[after][0] += ranking.top is not None
            counts[after][1] += after and ranking.top is None and ranking.provisional is not None
            counts[after][2] += len(ranking.pending)
    print(f"\n{args.n} generated intake cases (intl/care_path), before -> after:")
    share = {k: (v[0] / args.n, v[1] / args.n, v[2] / args.n) for k, v in counts.items()}
    print(f"- determined first choice: {share[False][0]:.1%} -> {share[True][0]:.1%}")
    print(f"- provisional first choice (first choice still open): - -> {share[True][1]:.1%}")
    print(f"- options pending, mean: {share[False][2]:.2f} -> {share[True][2]:.2f}")
    per = {k: v / args.n * 1e3 for k, v in spent.items()}
    ratio = per[True] / per[False]
    print(f"- assess, untraced, mean ms per case: {per[False]:.2f} -> {per[True]:.2f} ({ratio:.2f}x)")


if __name__ == "__main__":
    main()
