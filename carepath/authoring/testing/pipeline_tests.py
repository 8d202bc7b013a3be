"""Running one test of a pipeline: a whole case through every step, its outcomes, ranking and
care plan compared with what the test expects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from carepath.assessments.pipeline import RANKING, Pipeline
from carepath.assessments.result import Assessment
from carepath.authoring.coverage import expected_values
from carepath.authoring.testing.model import TestCase
from carepath.authoring.testing.results import Failure, TestResult
from carepath.authoring.testing.ruleset_tests import _case_of, _compare_outcome, _covered, _trace_lines
from carepath.errors import CarepathError
from carepath.rules.result import Outcome

_PLAN = ("stage", "allowed", "blocked", "pending", "overdue")
_RANKING_LISTS = ("blocked", "pending", "not_found")


@dataclass(frozen=True)
class _Fact:
    """A fact's value, or a plain value of the ranking or the plan, told apart from None."""

    value: Any


def _run_pipeline_case(
    pipe: Pipeline, case: TestCase, as_of: dt.date | None, file: str, line: int | None
) -> TestResult:
    """Run one whole case through ``pipe`` and compare what the test expects."""
    result = TestResult(file=file, line=line, name=case.name)
    documents = set(pipe.sources).union(*(rs.merged.sources for rs in pipe.rulesets.values()))
    if case.source.document not in documents:
        wanted = f"one of {sorted(documents)}"
        result.failures.append(Failure("source.document", wanted, case.source.document))
        return result
    day = case.as_of or as_of or dt.date.today()
    try:
        assessment = pipe.assess(_case_of(case, file), as_of=day)
    except CarepathError as exc:
        result.failures.append(Failure("evaluation", "a result", f"{type(exc).__name__}: {exc}"))
        return result
    _compare_assessment(pipe, case, assessment, result.failures)
    if result.failures:
        result.explanation.extend(_explain_assessment(pipe, case, assessment, result.failures))
        return result
    for step, ev in assessment.steps.items():
        expected: dict[str, frozenset[Any]] = {}
        for ref, want in case.output.items():
            named, _, name = ref.partition(".")
            if named == step and name in ev.outcomes:
                expected[name] = expected_values(want)
        result.covered.append(_covered(pipe.rulesets[step], ev, expected, {}))
    return result


def _pipeline_outcome(a: Assessment, ref: str) -> Outcome | _Fact | None:
    """What ``ref`` names in an assessment: an Outcome (steps, ``ranking.ranked``/``top_option``),
    a plain value (a fact, the ranking's lists, the plan), or None if it names nothing."""
    step, _, name = ref.partition(".")
    if step == "plan" and name in _PLAN and step not in a.steps:
        if a.plan is None:
            return None
        return _Fact(a.plan.stage if name == "stage" else list(getattr(a.plan, name)))
    if step == RANKING and step not in a.steps:
        if a.ranking is None:
            return None
        if name in _RANKING_LISTS:
            return _Fact([o if isinstance(o, str) else o.option for o in getattr(a.ranking, name)])
        return a.ranking.outcomes().get(name)
    if step in a.steps:
        ev = a.steps[step]
        if name in ev.outcomes:
            return ev.outcomes[name]
        if name in ev.facts:
            return _Fact(ev.facts[name])
    return None


def _compare_assessment(pipe: Pipeline, case: TestCase, a: Assessment, failures: list[Failure]) -> None:
    for ref, want in case.output.items():
        got = _pipeline_outcome(a, ref)
        what = f"output.{ref}"
        if got is None:
            failures.append(Failure(what, "STEP.OUTCOME, STEP.FACT, ranking.* or plan.*", "nothing"))
        elif isinstance(got, Outcome):
            _compare_outcome(what, want, got, failures)
        else:
            _compare_outcome(what, want, Outcome(ref, got.value, "determined"), failures)
    for ref in case.fired:
        status = _rule_status(a, ref)
        if status != "fired":
            failures.append(Failure(f"fired {ref}", "fired", status))
    for ref in case.not_fired:
        if _rule_status(a, ref) == "fired":
            failures.append(Failure(f"not_fired {ref}", "not fired", "fired"))
    if case.missing is not None and list(a.missing) != case.missing:
        failures.append(Failure("missing", case.missing, list(a.missing)))


def _rule_status(a: Assessment, ref: str) -> str:
    """The status of ``STEP.RULE_ID`` in the assessment's trace, or of a rule id that exactly one
    step has; ``no such rule`` (or ``ambiguous``) otherwise."""
    step, _, rule = ref.partition(".")
    trace = a.trace
    if step in trace:
        for r in trace[step].rules:
            if r.rule_id == rule:
                return r.status
    found = [r.status for t in trace.values() for r in t.rules if r.rule_id == ref]
    if len(found) > 1:
        return "ambiguous: several steps have this rule; name it STEP.RULE_ID"
    return found[0] if found else "no such rule"


def _explain_assessment(pipe: Pipeline, case: TestCase, a: Assessment, failures: list[Failure]) -> list[str]:
    """The trace lines, step by step, of the rules behind the failing expectations."""
    failing = {f.what.removeprefix("output.") for f in failures}
    wanted: dict[str, list[str]] = {}
    for ref in failing:
        step, _, name = ref.partition(".")
        if step == RANKING and pipe.model.ranking is not None:
            spec = pipe.model.ranking
            wanted.setdefault(spec.step, []).extend([spec.options, spec.blocked])
        elif step == "plan" and pipe.model.path is not None:
            path = pipe.model.path
            wanted.setdefault(path.step, []).extend(m.allowed_by for m in path.moves)
        elif step in a.steps and name.split(".")[0] in a.steps[step].outcomes:
            wanted.setdefault(step, []).append(name.split(".")[0])
    lines: list[str] = []
    for step in a.order:
        ev = a.steps[step]
        rules = [r.partition(".")[2] for r in case.fired + case.not_fired if r.startswith(f"{step}.")]
        names = list(dict.fromkeys(n for n in wanted.get(step, []) if n in ev.outcomes))
        if (names or rules) and ev.trace is not None:
            lines += _trace_lines(ev, names, rules, prefix=f"{step}: ")
    return lines
