"""Benchmark: the whole care path on carepath and on a plain closure interpreter, in one interleaved run.

- ``closures``: the floor. Each step's rules run as nested Python closures over a dict of
  answers in three-valued (Kleene) logic: the compiled condition closures (``CNode.ev``, the
  same nested closures ``benchmarks/engines.py`` times on one rule set, here with unknowns),
  exceptions, decision tables, scores and bands, and each fact or outcome settled (one value,
  a set, a sum; undetermined while an unknown could change it). Steps run in pipeline order
  and each *determined* outcome is fed to the steps that read it; the ranking's top option is
  the first option in the order of preference that fits and is not blocked. No answer
  checking beyond turning lists into sets and ISO dates into dates, no candidates, no trace,
  no reasons, no care plan: the honest minimum a hand-written engine would do.
- ``carepath``: ``Pipeline.assess`` untraced (the ranking's and the plan's reasons kept),
  untraced without reasons, and traced with every step's trace read.

Cases: generated complete cases (every case field of the pipeline given a typed value), the
same for every engine. Before timing, every outcome carepath determines is compared with the
interpreter's (the same value where the interpreter determines it too), on the generated cases
and on the example cases of ``examples/care_path`` without follow-up visits; a difference stops
the benchmark. On complete cases the interpreter must determine every outcome carepath does; on
partly answered ones carepath may settle more (it feeds an open outcome's candidates).

    python benchmarks/care_path_engines.py --n 300 --rounds 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import carepath
from carepath.assessments.pipeline import Pipeline
from carepath.cases import Case
from carepath.rules.compiler import CompiledBands, CompiledRule, CompiledScore, CompiledTable, CompiledTarget
from carepath.rules.evaluator import band_contributions, table_hits
from carepath.rules.logic import Interval, PartialSet
from carepath.rules.model import ANSWER_WORDS, InputSpec
from carepath.rules.nodes import ANSWERS_KEY
from carepath.rules.ruleset import RuleSet

DAY = dt.date(2026, 11, 23)
ROOT = Path(carepath.__file__).resolve().parents[1]
Env = dict[str, Any]
Item = tuple[Any, bool | None]  # a contributed value and its truth
Settle = Callable[[list[Item]], tuple[Any, bool]]


def _and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _or(values: list[bool | None]) -> bool | None:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def _settle_one(default: Any) -> Settle:
    def settle(items: list[Item]) -> tuple[Any, bool]:
        sure = {v for v, t in items if t is True}
        maybe = {v for v, t in items if t is None}
        if len(sure) > 1:
            return None, False  # a conflict
        if sure:
            (value,) = sure
            return (value, True) if maybe <= sure else (None, False)
        if not maybe or (default is not None and maybe == {default}):
            return default, True
        return None, False

    return settle


def _settle_set(items: list[Item]) -> tuple[Any, bool]:
    surely = frozenset().union(*(v for v, t in items if t is True))
    maybe = frozenset().union(*(v for v, t in items if t is None)) - surely
    return (surely, True) if not maybe else (PartialSet(surely, maybe), False)


def _settle_number(default: Any) -> Settle:
    def settle(items: list[Item]) -> tuple[Any, bool]:
        low = high = float(default or 0)
        for amount, t in items:
            if t is True:
                low, high = low + amount, high + amount
            else:
                low, high = low + min(0.0, amount), high + max(0.0, amount)
        tidy = [int(x) if x.is_integer() else x for x in (low, high)]
        return (tidy[0], True) if low == high else (Interval(*tidy), False)

    return settle


def interpreter(rs: RuleSet, day: dt.date) -> Callable[[Env], dict[str, tuple[Any, bool]]]:
    """One step as closures: answers (already fed) in, each outcome's (value, determined) out."""
    params = rs.params_on(day)
    compiled = rs.compiled
    ops: list[Callable[[Env, dict[str, list[Item]], dict[str, bool | None]], None]] = []
    for step in compiled.steps:
        if isinstance(step, CompiledTarget):
            kind, default = step.spec.type, step.spec.default
            settle = (
                _settle_set
                if kind == "set"
                else _settle_number(default)
                if kind == "number"
                else _settle_one(default)
            )

            def target(env: Env, items: dict[str, list[Item]], yields: Any, n=step.name, s=settle) -> None:
                value, determined = s(items.get(n, []))
                env[n] = value if determined or isinstance(value, PartialSet | Interval) else None
                env["#settled"][n] = (value, determined)

            ops.append(target)
        elif not step.in_force(day):
            continue
        elif isinstance(step, CompiledRule):
            ev = step.cond.ev if step.cond is not None else None

            def rule(
                env: Env, items: dict[str, list[Item]], yields: dict[str, bool | None], r=step, ev=ev
            ) -> None:
                truth = ev(env) if ev is not None else True
                beaten = _or([yields.get(e, False) for e in r.exceptions]) if r.exceptions else False
                win = _and(truth, None if beaten is None else not beaten)
                yields[r.id] = _or([win, beaten])
                if win is not False:
                    for name, value in r.then:
                        items.setdefault(name, []).append((value, win))

            ops.append(rule)
        elif isinstance(step, CompiledTable):
            evs = [row.cond.ev if row.cond is not None else None for row in step.rows]

            def table(env: Env, items: dict[str, list[Item]], yields: Any, t=step, evs=evs) -> None:
                truths = [ev(env) if ev is not None else True for ev in evs]
                out = items.setdefault(t.output, [])
                out.extend((t.rows[i].output, truth) for i, truth in table_hits(t, truths))

            ops.append(table)
        elif isinstance(step, CompiledScore):
            evs = [row.cond.ev if row.cond is not None else None for row in step.items]
            weights = [params[f"@{row.param}"] if row.param else row.output for row in step.items]

            def score(
                env: Env, items: dict[str, list[Item]], yields: Any, s=step, evs=evs, w=weights
            ) -> None:
                out = items.setdefault(s.target, [])
                for ev, weight in zip(evs, w, strict=True):
                    truth = ev(env) if ev is not None else True
                    if truth is not False:
                        out.append((weight, truth))

            ops.append(score)
        elif isinstance(step, CompiledBands):

            def bands(env: Env, items: dict[str, list[Item]], yields: Any, b=step) -> None:
                items.setdefault(b.target, []).extend(band_contributions(b, env))

            ops.append(bands)
    readers = {name: _reader(spec) for name, spec in rs.inputs.items()}
    outcomes = list(compiled.merged.outcomes)

    def evaluate(answers: Env) -> dict[str, tuple[Any, bool]]:
        env: Env = dict.fromkeys(readers)
        kinds: dict[str, str] = {}
        for name, raw in answers.items():
            if isinstance(raw, str) and raw in ANSWER_WORDS:
                kinds[name] = raw
            elif raw is not None:
                env[name] = readers[name](raw)
        for name in readers:
            if env[name] is None and name not in kinds:
                kinds[name] = "not_asked"
        env[ANSWERS_KEY] = kinds
        env.update(params)
        env["#settled"] = settled = {}
        items: dict[str, list[Item]] = {}
        yields: dict[str, bool | None] = {}
        for op in ops:
            op(env, items, yields)
        return {name: settled[name] for name in outcomes}

    return evaluate


def _reader(spec: InputSpec) -> Callable[[Any], Any]:
    if spec.type == "set":
        return frozenset
    if spec.type == "date":
        return lambda raw: dt.date.fromisoformat(raw) if isinstance(raw, str) else raw
    if spec.type == "number":
        return float
    return lambda raw: raw


def closure_path(pipe: Pipeline, day: dt.date) -> Callable[[Env], dict[str, dict[str, tuple[Any, bool]]]]:
    """The whole path as closures: steps in order, each determined outcome fed on."""
    steps = [
        (
            step,
            interpreter(pipe.rulesets[step], day),
            pipe.model.steps[step].feeds,
            set(pipe.rulesets[step].inputs),
        )
        for step in pipe.order
        if step != "ranking"
    ]
    ranking = pipe.model.ranking
    assert ranking is not None
    order = list(pipe.rulesets[ranking.step].merged.outcomes[ranking.options].values or ())

    def run(case: Env) -> dict[str, dict[str, tuple[Any, bool]]]:
        results: dict[str, dict[str, tuple[Any, bool]]] = {}
        for step, evaluate, feeds, inputs in steps:
            answers = {k: v for k, v in case.items() if k in inputs}
            for name, ref in feeds.items():
                source, outcome = ref.split(".", 1)
                value, determined = (
                    _top(results, ranking, order) if source == "ranking" else results[source][outcome]
                )
                if determined:
                    answers[name] = value
            results[step] = evaluate(answers)
        return results

    return run


def _top(
    results: Mapping[str, Mapping[str, tuple[Any, bool]]], ranking: Any, order: list[str]
) -> tuple[Any, bool]:
    """The ranking's top option: the first option in the order that fits and is not blocked."""
    (fits, known), (blocked, settled) = (
        results[ranking.step][ranking.options],
        results[ranking.step][ranking.blocked],
    )
    if not (known and settled):
        return None, False
    return next((o for o in order if o in fits and o not in blocked), None), True


def complete_cases(pipe: Pipeline, n: int, seed: int) -> list[Env]:
    """Cases with every case field of the pipeline given a typed value."""
    sys.path.insert(0, str(Path(__file__).parent))
    from evaluate import typed_value  # the typed answers of benchmarks/evaluate.py

    rng = random.Random(seed)
    return [{name: typed_value(spec, rng) for name, spec in pipe.inputs.items()} for _ in range(n)]


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple | frozenset | set):
        return sorted(value, key=str)
    return value


def compare(pipe: Pipeline, run: Callable[[Env], Any], cases: list[Any]) -> tuple[int, int]:
    """Outcomes carepath determines, compared with the interpreter's: (compared, open there)."""
    compared = open_there = 0
    for case in cases:
        ours = pipe.assess(case, as_of=DAY, trace=False)
        theirs = run(dict(case))  # a case of several contacts: the answers that prevail
        for step, evaluation in ours.steps.items():
            for name, outcome in evaluation.outcomes.items():
                if not outcome.determined:
                    continue
                value, determined = theirs[step][name]
                if not determined:
                    open_there += 1
                    continue
                assert _plain(value) == _plain(outcome.value), (step, name)
                compared += 1
    return compared, open_there


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="generated complete cases")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    pipe = carepath.load_pipeline("intl/care_path")
    run = closure_path(pipe, DAY)
    cases = complete_cases(pipe, args.n, args.seed)
    sys.path.insert(0, str(Path(__file__).parent))
    from care_path import CASES  # the seven example cases benchmarks/care_path.py times

    examples = [carepath.read_case(ROOT / "examples" / "care_path" / f"{name}.yaml") for name in CASES]
    examples = [c for c in examples if not isinstance(c, Case) or c.visits is None]  # no visits to replay
    compared, open_there = compare(pipe, run, cases)
    compared_examples, open_examples = compare(pipe, run, examples)

    def traced(case: Env) -> Any:
        result = pipe.assess(case, as_of=DAY, trace=True)
        for evaluation in result.steps.values():
            assert evaluation.trace is not None
            evaluation.trace.rules  # noqa: B018 (built)
        return result

    modes: dict[str, Callable[[Env], Any]] = {
        "closures": run,
        "untraced": lambda case: pipe.assess(case, as_of=DAY, trace=False),
        "no reasons": lambda case: pipe.assess(case, as_of=DAY, trace=False, reasons=False),
        "traced, read": traced,
    }
    for mode in modes.values():
        for case in cases[:20]:
            mode(case)
    best: dict[str, float] = {}
    names = list(modes)
    for round_ in range(args.rounds):  # interleaved, in a rotating order; each mode's quietest round
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            times = []
            for case in cases:
                start = time.perf_counter()
                modes[name](case)
                times.append(time.perf_counter() - start)
            best[name] = min(best.get(name, float("inf")), statistics.median(times))
    print(f"carepath {carepath.__version__} from {ROOT}; pipeline {pipe.id}, as of {DAY}")
    print(
        f"{len(cases)} generated complete cases: {compared} determined outcomes equal on both engines"
        f" ({open_there} open on the closures only)"
    )
    print(
        f"{len(examples)} example cases (without visits): {compared_examples} determined outcomes equal"
        f" ({open_examples} open on the closures only: fed as candidates by carepath)"
    )
    print(f"median per case, each mode's quietest of {args.rounds} interleaved rounds:")
    floor = best["closures"]
    for name, value in best.items():
        print(f"  {name:<13} {value * 1e3:8.3f} ms  {value / floor:6.1f}x the closures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
