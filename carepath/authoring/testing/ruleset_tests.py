"""Running one test against a rule set: the outcomes, facts, rules and open questions it expects
compared, and the trace of the rules behind a failure.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from carepath.authoring.coverage import Covered, expected_values
from carepath.authoring.testing.model import Expected, TestCase
from carepath.authoring.testing.results import Failure, TestResult
from carepath.cases import case_from_data
from carepath.errors import CarepathError
from carepath.rules.result import Evaluation, Outcome
from carepath.rules.ruleset import RuleSet


def _run_case(
    ruleset: RuleSet,
    case: TestCase,
    as_of: dt.date | None,
    file: str,
    line: int | None,
    settings: dict[str, Any] | None = None,
    cannot_fire: dict[str, str] | None = None,
) -> TestResult:
    result = TestResult(file=file, line=line, name=case.name, parameters=dict(settings or {}))
    if case.source.document not in ruleset.merged.sources:
        result.failures.append(
            Failure("source.document", f"one of {sorted(ruleset.merged.sources)}", case.source.document)
        )
        return result
    day = case.as_of or as_of or dt.date.today()
    try:
        answers: Any = case.input
        if case.visits is not None or case.contacts is not None:
            answers = _case_of(case, file).on(day, ruleset.inputs)
        evaluation = ruleset.evaluate(answers, as_of=day)
    except CarepathError as exc:
        result.failures.append(Failure("evaluation", "a result", f"{type(exc).__name__}: {exc}"))
        return result
    _compare(case, evaluation, result)
    if result.failures:
        result.explanation.extend(_explain(case, evaluation))
    else:
        expected = {n: expected_values(w) for n, w in case.output.items() if n in evaluation.outcomes}
        result.covered.append(_covered(ruleset, evaluation, expected, cannot_fire or {}))
    return result


def _covered(
    ruleset: RuleSet, ev: Evaluation, expected: dict[str, frozenset[Any]], cannot_fire: dict[str, str]
) -> Covered:
    """What a passing test covered of ``ruleset``: the rules that fired, the values expected."""
    fired = frozenset(s.rule_id for s in ev.trace.rules if s.status == "fired") if ev.trace else frozenset()
    return Covered(ruleset, fired, expected, cannot_fire)


def _compare(case: TestCase, ev: Evaluation, result: TestResult) -> None:
    failures = result.failures
    for name, want in case.output.items():
        if name in ev.facts and name not in ev.outcomes:
            if ev.facts[name] != want:
                failures.append(Failure(f"output.{name} (fact)", want, ev.facts[name]))
            continue
        if name not in ev.outcomes:
            failures.append(Failure(f"output.{name}", "an outcome or fact of this rule set", "neither"))
            continue
        _compare_outcome(f"output.{name}", want, ev.outcomes[name], failures)
    assert ev.trace is not None
    status = {step.rule_id: step.status for step in ev.trace.rules}
    for rid in case.fired:
        if status.get(rid) != "fired":
            failures.append(Failure(f"fired {rid}", "fired", status.get(rid, "no such rule")))
    for rid in case.not_fired:
        if status.get(rid) == "fired":
            failures.append(Failure(f"not_fired {rid}", "not fired", "fired"))
    if case.missing is not None and list(ev.missing) != case.missing:
        failures.append(Failure("missing", case.missing, list(ev.missing)))


def _compare_outcome(what: str, want: Any, got: Outcome, failures: list[Failure]) -> None:
    """One expected outcome against the actual one: value, status, missing, decided_by and the
    values a set must hold or lack."""
    expected = Expected.model_validate(want) if isinstance(want, dict) else Expected(value=want)
    if not (isinstance(want, dict) and "value" not in want) and got.value != expected.value:
        failures.append(Failure(what, expected.value, got.value))
    if expected.status is not None and got.status != expected.status:
        failures.append(Failure(f"{what}.status", expected.status, got.status))
    if expected.missing is not None and list(got.missing) != expected.missing:
        failures.append(Failure(f"{what}.missing", expected.missing, list(got.missing)))
    if expected.decided_by is not None and list(got.decided_by) != expected.decided_by:
        failures.append(Failure(f"{what}.decided_by", expected.decided_by, list(got.decided_by)))
    if expected.one_of is not None and got.value not in expected.one_of:
        failures.append(Failure(f"{what}.one_of", expected.one_of, got.value))
    held = list(got.value) if isinstance(got.value, list | tuple | set | frozenset) else None
    for item in expected.includes or ():
        if held is None or item not in held:
            failures.append(Failure(f"{what}.includes", item, got.value))
    for item in expected.excludes or ():
        if held is None or item in held:
            failures.append(Failure(f"{what}.excludes", item, got.value))


def _explain(case: TestCase, ev: Evaluation) -> list[str]:
    """The trace lines of the rules behind the failing outcomes (decided, open or in conflict)."""
    names = [n for n in case.output if n in ev.outcomes]
    return _trace_lines(ev, names, case.fired + case.not_fired)


def _trace_lines(ev: Evaluation, names: list[str], also: list[str], prefix: str = "") -> list[str]:
    """The trace lines of the rules deciding ``names`` (and of the rules ``also`` names)."""
    assert ev.trace is not None
    lines: list[str] = []
    rule_ids: list[str] = []
    for name in names:
        outcome = ev.outcomes[name]
        rule_ids += [*outcome.decided_by, *outcome.conflict]
        if not outcome.determined:
            rule_ids += [s.rule_id for s in ev.trace.rules if s.status == "unknown"]
    rule_ids += also
    for rid in dict.fromkeys(rule_ids):
        try:
            step = ev.trace.rule(rid)
        except KeyError:
            continue
        source = f"{step.source.document}, {step.source.locator}" if step.source else "local setting"
        lines.append(f"{prefix}{rid} {step.status}: {step.title} [{source}]")
        for check in step.checks:
            truth = {True: "true", False: "false", None: "unknown"}[check.value]
            reads = ", ".join(f"{n} = {v}" for n, v in check.reads)
            lines.append(f"  {check.text} is {truth} ({reads})")
    return lines


def _case_of(case: TestCase, file: str) -> Any:
    """The test's answers as a case file holds them: ``input`` or ``contacts``, and ``visits``."""
    document: dict[str, Any] = (
        {"contacts": case.contacts} if case.contacts is not None else {"answers": case.input}
    )
    if case.visits is not None:
        document["visits"] = case.visits
    return case_from_data(document, f"{file}: {case.name}")
