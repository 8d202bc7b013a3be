"""Benchmark: how long one rule set takes to evaluate one case, with and without the trace.

It generates N synthetic cases from the rule set's declared inputs (a typed value most of the
time, sometimes ``unknown`` / ``declined`` where the input accepts it, sometimes left out),
then times ``RuleSet.evaluate`` on each case in four modes, their rounds interleaved so that
all of them see the same machine:

- ``no trace``: ``trace=False``;
- ``trace``: ``trace=True``, then the whole trace read (its answers, rules and targets), so
  that building it is counted: it is built from the truths the traced values pass kept;
- ``trace, not read``: ``trace=True`` alone (the trace is built when first read);
- ``replayed``: the trace as it was built before, re-running every condition through the
  closure tree (``carepath.rules.replay``), read whole: the "before" of the ``trace`` figure.

Each call is timed on its own with ``time.perf_counter_ns``, so the figures include checking
the answers. It prints microseconds per case (median and p99), cases per second and each
mode's median over the untraced one, for all cases and for the fully answered ones (no
unknown, declined or missing answer), and the share of cases with an undetermined outcome.

Speed targets live here, not in the unit tests: timings depend on the machine, and a test that
fails on a slow CI runner tells nobody anything. Run it before and after a change::

    python benchmarks/evaluate.py --ruleset intl/palermo --n 20000 --seed 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

import carepath
from carepath.rules.answers import Answers
from carepath.rules.evaluator import Run
from carepath.rules.explain import Plan
from carepath.rules.model import InputSpec
from carepath.rules.replay import replayed_steps
from carepath.rules.trace import Steps

AS_OF = dt.date(2026, 11, 23)
P_GIVEN = 0.80  # a typed answer
P_WORD = 0.10  # `unknown` or `declined`, where accepted; otherwise left out
WARMUP = 500


def typed_value(spec: InputSpec, rng: random.Random) -> Any:
    """A random answer of the input's declared type, inside its declared range or choices."""
    kind = spec.type
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "int":
        low = int(spec.min) if spec.min is not None else 0
        high = int(spec.max) if spec.max is not None else low + 100
        return rng.randint(low, high)
    if kind == "number":
        low = spec.min if spec.min is not None else 0.0
        high = spec.max if spec.max is not None else low + 100.0
        return rng.uniform(low, high)
    if kind == "enum":
        return rng.choice(spec.choice_values)
    if kind == "set":
        values = spec.choice_values
        return rng.sample(values, rng.randint(0, min(3, len(values))))
    if kind == "text":
        return "a note"
    if kind == "date":
        return (AS_OF - dt.timedelta(days=rng.randint(0, 365 * 30))).isoformat()
    raise ValueError(f"input type {kind!r} is not handled by this benchmark")


def make_case(inputs: Mapping[str, InputSpec], rng: random.Random) -> tuple[dict[str, Any], bool]:
    """One synthetic case, and whether every input got a typed answer."""
    case: dict[str, Any] = {}
    full = True
    for name, spec in inputs.items():
        draw = rng.random()
        if draw < P_GIVEN:
            case[name] = typed_value(spec, rng)
            continue
        full = False
        if draw < P_GIVEN + P_WORD and spec.accepts:
            case[name] = rng.choice(spec.accepts)
        # otherwise: left out (not asked)
    return case, full


def conclusion(result: carepath.Evaluation) -> tuple[Any, ...]:
    """What both modes must agree on: each outcome's value, status and missing inputs."""
    outcomes = tuple((n, repr(o.value), o.status, o.missing) for n, o in result.outcomes.items())
    return outcomes, result.missing


class Replayed(carepath.RuleSet):
    """The rule set, traced as before: the untraced pass, then every condition re-run."""

    def __init__(self, ruleset: carepath.RuleSet) -> None:
        super().__init__(ruleset.compiled, ruleset.path)
        self._traced_day = functools.lru_cache(maxsize=8)(self._plain_day)  # type: ignore[method-assign]

    def _plain_day(self, day: dt.date) -> tuple[dict[str, Any], Any, Plan]:
        """The untraced pass where the traced one would be (the trace below replays it)."""
        return (*self._day(day), Plan(self.compiled, self._off(day)))

    def _trace(self, plan: Plan, state: Run, answers: Answers) -> Steps:
        rules, targets = replayed_steps(self.compiled, state, state.supports())
        return self._answer_steps(answers), tuple(rules), tuple(targets), frozenset()


Mode = Callable[[dict[str, Any]], carepath.Evaluation]


def modes(ruleset: carepath.RuleSet) -> dict[str, Mode]:
    """Each timed mode: a case in, an evaluation out (its trace read where the mode says)."""
    replayed = Replayed(ruleset)

    def plain(case: dict[str, Any]) -> carepath.Evaluation:
        return ruleset.evaluate(case, as_of=AS_OF, trace=False)

    def lazy(case: dict[str, Any]) -> carepath.Evaluation:
        return ruleset.evaluate(case, as_of=AS_OF, trace=True)

    def read(rs: carepath.RuleSet) -> Mode:
        def evaluate(case: dict[str, Any]) -> carepath.Evaluation:
            result = rs.evaluate(case, as_of=AS_OF, trace=True)
            assert result.trace is not None
            result.trace.answers, result.trace.rules, result.trace.targets  # noqa: B018 (built)
            return result

        return evaluate

    return {"no trace": plain, "trace": read(ruleset), "trace, not read": lazy, "replayed": read(replayed)}


def time_modes(
    timed: dict[str, Mode], cases: list[dict[str, Any]], rounds: int
) -> tuple[dict[str, list[int]], dict[str, list[tuple[Any, ...]]]]:
    """Per mode, nanoseconds per call in its round with the lowest median, and each case's
    conclusion.

    Rounds are interleaved (each round times every mode, in a rotating order), and each mode
    keeps its quietest round: on a shared machine another process can slow a round down, never
    speed one up (the reasoning of ``timeit``). Only conclusions are kept, not evaluations:
    keeping 20,000 traces alive would make the garbage collector the thing being measured.
    """
    clock = time.perf_counter_ns
    for evaluate in timed.values():
        for case in cases[:WARMUP]:
            evaluate(case)
    best: dict[str, list[int]] = {}
    conclusions: dict[str, list[tuple[Any, ...]]] = {}
    names = list(timed)
    for round_ in range(rounds):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            evaluate = timed[name]
            gc.collect()
            times: list[int] = []
            found: list[tuple[Any, ...]] = []
            for case in cases:
                start = clock()
                result = evaluate(case)
                times.append(clock() - start)
                found.append(conclusion(result))
            conclusions[name] = found
            if name not in best or statistics.median(times) < statistics.median(best[name]):
                best[name] = times
    return best, conclusions


def summary(times_ns: list[int]) -> tuple[float, float, float]:
    """Median and p99 in microseconds, and cases per second."""
    if not times_ns:
        return float("nan"), float("nan"), float("nan")
    ordered = sorted(times_ns)
    median = statistics.median(ordered) / 1000
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] / 1000
    per_second = len(ordered) / (sum(ordered) / 1e9)
    return median, p99, per_second


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ruleset", default="intl/palermo", help="bundled id or path")
    parser.add_argument("--n", type=int, default=20000, help="number of synthetic cases")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per mode; the quietest is shown")
    args = parser.parse_args(argv)
    if args.n < 1 or args.rounds < 1:
        parser.error("--n and --rounds must be at least 1")

    ruleset = carepath.load(args.ruleset)
    rng = random.Random(args.seed)
    generated = [make_case(ruleset.inputs, rng) for _ in range(args.n)]
    cases = [case for case, _ in generated]
    full = [is_full for _, is_full in generated]

    timings, found = time_modes(modes(ruleset), cases, args.rounds)
    plain = found["no trace"]

    n_full = sum(full)
    open_by_case = [[n for n, _, status, _ in outcomes if status == "undetermined"] for outcomes, _ in plain]
    open_any = sum(bool(names) for names in open_by_case)
    open_id = sum("identification" in names for names in open_by_case)
    open_full = sum(bool(names) for names, is_full in zip(open_by_case, full, strict=True) if is_full)
    mismatches = sum(a != b for mode in found.values() for a, b in zip(plain, mode, strict=True))

    print(f"carepath {carepath.__version__}, rule set {ruleset.id} {ruleset.version}, as of {AS_OF}")
    print(f"Python {platform.python_version()} ({platform.python_implementation()}) on {platform.machine()}")
    print(f"  {platform.platform()}; {platform.processor() or 'processor unknown'}")
    print(f"cases: {args.n} (seed {args.seed}), fully answered: {n_full} ({n_full / args.n:.1%})")
    print(
        f"modes timed in {args.rounds} interleaved rounds over the same cases; each mode's quietest is shown"
    )
    print()
    header = f"{'mode':<16} {'cases':<15} {'median µs':>10} {'p99 µs':>10} {'cases/s':>10} {'x no trace':>11}"
    print(header)
    print("-" * len(header))
    base: dict[str, float] = {}
    for mode, times in timings.items():
        answered = [t for t, is_full in zip(times, full, strict=True) if is_full]
        for subset, picked in (("all", times), ("fully answered", answered)):
            median, p99, per_second = summary(picked)
            ratio = median / base.setdefault(subset, median)
            print(
                f"{mode:<16} {subset:<15} {median:>10.1f} {p99:>10.1f} {per_second:>10,.0f} {ratio:>10.2f}x"
            )
    print()
    print(f"cases with an undetermined outcome: {open_any / args.n:.1%}")
    if "identification" in ruleset.merged.outcomes:
        print(f"cases with identification undetermined: {open_id / args.n:.1%}")
    print(f"fully answered cases with an undetermined outcome: {open_full} (expected 0)")
    print(f"disagreements between modes on outcomes or missing inputs: {mismatches} (expected 0)")
    return 1 if mismatches or open_full else 0


if __name__ == "__main__":
    sys.exit(main())
