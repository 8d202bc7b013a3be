"""YAML tests beside the rule sets they test (``rulesets/intl/palermo.test.yaml``).

A test file names its rule set (by default the rule file of the same name beside it), an
optional ``as_of``, and a list of tests. Each test gives an input, the expected outputs, and the
``source`` that justifies the expectation::

    ruleset: intl/palermo          # optional
    as_of: 2026-11-23              # optional; each test may set its own
    tests:
      - name: A child recruited for sexual exploitation meets the test; no means are needed
        source: {document: palermo, locator: "Art. 3(c)"}
        input: {age: 15, act: [recruitment], purpose: [prostitution_of_others], means: unknown}
        output:
          identification: victim                       # the value alone, or
          child: {value: true, status: determined}     # value, status, missing, decided_by
          means_required: false                        # a fact: its value
        fired: [palermo.child_no_means]                # rules that must have fired
        missing: [consent]                             # every open question, in order

A test may also give ``visits`` (follow-up visits, as in a case file); the answers they give
on the test's date are added to its input.

``parameters:`` (at the file level, or per test, which wins name by name) sets parameters for the
run without an overlay file: the test runs against
``with_parameters(ruleset, settings)`` (:mod:`carepath.rules.reform`), so a hard parameter still
moves only its ``may`` way. A bad setting is an error of the test file, at its line::

    parameters: {ilo_child_rule: act_suffices}

``carepath test`` and the pytest plugin (``carepath.pytest_plugin``) both run them through
:func:`run_file`. For property tests, ``carepath.testing.cases`` gives hypothesis strategies of
valid cases, and ``carepath.testing.check_paths`` checks the invariants declared in YAML.
A failing test is a report (expected, actual, and the trace of the rules
that decided it), not an exception.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from carepath.cases import case_from_data
from carepath.errors import CarepathError, RuleFileError, RuleSetError
from carepath.rules.loader import Located, load_yaml_file
from carepath.rules.parsing import data_path, field_path, locate
from carepath.rules.reform import SETTINGS_FILE, UnknownParameterError, settings_text, with_parameters
from carepath.rules.registry import TEST_SUFFIX, resolve
from carepath.rules.result import Evaluation
from carepath.rules.ruleset import RuleSet, load

__all__ = [
    "Expected",
    "Failure",
    "Justification",
    "TestCase",
    "TestFile",
    "TestResult",
    "read_test_file",
    "run_file",
    "run_paths",
    "test_files",
]

_LAZY = {"cases": "carepath.strategies", "check_paths": "carepath.invariants"}


def __getattr__(name: str) -> Any:
    """``cases`` (hypothesis strategies of a rule set's or pipeline's cases) and ``check_paths``
    (the YAML invariants), loaded on first use: they need the test extra (hypothesis)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Justification(_Model):
    """Why the expectation holds: a document of the rule set's sources and a locator."""

    document: str
    locator: str = Field(min_length=1)
    note: str | None = None


class Expected(_Model):
    """The detailed form of an expected outcome."""

    value: Any = None
    status: str | None = Field(default=None, pattern="^(determined|undetermined)$")
    missing: list[str] | None = None
    decided_by: list[str] | None = None


class TestCase(_Model):
    """One YAML test."""

    __test__ = False  # not a pytest class

    name: str = Field(min_length=1)
    source: Justification
    input: dict[str, Any] = Field(default_factory=dict)
    visits: list[dict[str, Any]] | None = Field(
        default=None,
        description="Follow-up visits, as in a case file: the answers they give on the test's date "
        "are added to the input (carepath.followup.visits).",
    )
    as_of: dt.date | None = None
    ruleset: str | None = None
    parameters: dict[str, Any] = Field(
        default_factory=dict,
        description="Parameter settings for this test (over the file's, name by name).",
    )
    output: dict[str, Any] = Field(default_factory=dict)
    fired: list[str] = Field(default_factory=list)
    not_fired: list[str] = Field(default_factory=list)
    missing: list[str] | None = None


class TestFile(_Model):
    """A file of YAML tests."""

    __test__ = False

    ruleset: str | None = None
    as_of: dt.date | None = None
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="Parameter settings for every test of the file."
    )
    tests: list[TestCase] = Field(min_length=1)


@dataclass(frozen=True)
class Failure:
    """One expectation that did not hold."""

    what: str
    expected: Any
    actual: Any


@dataclass(frozen=True)
class TestResult:
    """The outcome of one YAML test: where it is, and what failed (nothing: it passed)."""

    __test__ = False

    file: str
    line: int | None
    name: str
    failures: list[Failure] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.failures

    def report(self) -> str:
        """Expected and actual, then the trace of the rules that decided the failing outcomes."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        lines = [f"FAILED {where}: {self.name}"]
        if self.parameters:
            lines.append(f"  with parameters: {settings_text(self.parameters)}")
        for f in self.failures:
            lines.append(f"  {f.what}: expected {f.expected!r}, got {f.actual!r}")
        lines += [f"  {line}" for line in self.explanation]
        return "\n".join(lines)


def test_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The ``*.test.yaml`` files named, or found under the folders named."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob(f"*{TEST_SUFFIX}") if p.is_file())
        else:
            yield path


def read_test_file(path: str | Path) -> tuple[TestFile, Located]:
    """Load and validate a test file; a bad one raises :class:`RuleFileError` at its line."""
    located = load_yaml_file(path)
    data = located.data
    if isinstance(data, list):  # a bare list of tests
        data = {"tests": data}
    try:
        return TestFile.model_validate(data), located
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = data_path(err["loc"], data)
        line, column = locate(located, where)
        raise RuleFileError(
            str(err["msg"]), file=str(path), line=line, column=column, field=field_path(where)
        ) from None


def run_file(path: str | Path) -> list[TestResult]:
    """Run every test of one file."""
    path = Path(path)
    spec, located = read_test_file(path)
    # the rule file beside it, named relative to the test file (as resolve reads it)
    default_ruleset = spec.ruleset or path.name[: -len(TEST_SUFFIX)] + ".yaml"
    loaded: dict[str, RuleSet] = {}
    reformed: dict[tuple[str, str], RuleSet] = {}  # (rule set, settings): compiled once per file
    results: list[TestResult] = []
    for i, case in enumerate(spec.tests):
        where: tuple[str | int, ...] = ("tests", i) if isinstance(located.data, dict) else (i,)
        line = located.mark(where)
        name = case.ruleset or default_ruleset
        if name not in loaded:
            loaded[name] = load(resolve(name, relative_to=path))
        settings = {**spec.parameters, **case.parameters}  # the test's own win, name by name
        key = (name, repr(sorted(settings.items())))  # repr: 1, 1.0 and true stay apart
        if key not in reformed:
            try:
                reformed[key] = with_parameters(loaded[name], settings)
            except RuleSetError as exc:
                block = (*where, "parameters") if _named_in(exc, case.parameters) else ("parameters",)
                raise _at(exc, located, block, str(path)) from None
        results.append(
            _run_case(reformed[key], case, spec.as_of, str(path), line[0] if line else None, settings)
        )
    return results


def _named_in(exc: RuleSetError, block: dict[str, Any]) -> bool:
    """Whether the setting ``exc`` is about comes from ``block``."""
    field = exc.field or ""
    return field.removeprefix("parameters.") in block


def _at(exc: RuleSetError, located: Located, block: tuple[str | int, ...], file: str) -> RuleSetError:
    """A setting's error (at ``<settings>``) placed at its line in the test file's ``parameters``."""
    if exc.file != SETTINGS_FILE or type(exc).__init__ is not RuleSetError.__init__:
        return exc
    name = (exc.field or "").removeprefix("parameters.")
    path = (*block, name) if name else block
    line, column = locate(located, path)
    placed = type(exc)(exc.message, file=file, line=line, column=column, field=field_path(path))
    if isinstance(exc, UnknownParameterError) and isinstance(placed, UnknownParameterError):
        placed.suggestion = exc.suggestion
    return placed


def run_paths(paths: Iterable[str | Path]) -> list[TestResult]:
    """Run every test file under ``paths``."""
    results: list[TestResult] = []
    for path in test_files(paths):
        results.extend(run_file(path))
    return results


def _run_case(
    ruleset: RuleSet,
    case: TestCase,
    as_of: dt.date | None,
    file: str,
    line: int | None,
    settings: dict[str, Any] | None = None,
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
        if case.visits is not None:
            document = {"answers": case.input, "visits": case.visits}
            answers = case_from_data(document, f"{file}: {case.name}").on(day, ruleset.inputs)
        evaluation = ruleset.evaluate(answers, as_of=day)
    except CarepathError as exc:
        result.failures.append(Failure("evaluation", "a result", f"{type(exc).__name__}: {exc}"))
        return result
    _compare(case, evaluation, result)
    if result.failures:
        result.explanation.extend(_explain(case, evaluation))
    return result


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
        got = ev.outcomes[name]
        expected = Expected.model_validate(want) if isinstance(want, dict) else Expected(value=want)
        if not (isinstance(want, dict) and "value" not in want) and got.value != expected.value:
            failures.append(Failure(f"output.{name}", expected.value, got.value))
        if expected.status is not None and got.status != expected.status:
            failures.append(Failure(f"output.{name}.status", expected.status, got.status))
        if expected.missing is not None and list(got.missing) != expected.missing:
            failures.append(Failure(f"output.{name}.missing", expected.missing, list(got.missing)))
        if expected.decided_by is not None and list(got.decided_by) != expected.decided_by:
            failures.append(Failure(f"output.{name}.decided_by", expected.decided_by, list(got.decided_by)))
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


def _explain(case: TestCase, ev: Evaluation) -> list[str]:
    """The trace lines of the rules behind the failing outcomes (decided, open or in conflict)."""
    assert ev.trace is not None
    lines: list[str] = []
    names = [n for n in case.output if n in ev.outcomes]
    rule_ids: list[str] = []
    for name in names:
        outcome = ev.outcomes[name]
        rule_ids += [*outcome.decided_by, *outcome.conflict]
        if not outcome.determined:
            rule_ids += [s.rule_id for s in ev.trace.rules if s.status == "unknown"]
    rule_ids += case.fired + case.not_fired
    for rid in dict.fromkeys(rule_ids):
        try:
            step = ev.trace.rule(rid)
        except KeyError:
            continue
        source = f"{step.source.document}, {step.source.locator}" if step.source else "local setting"
        lines.append(f"{rid} {step.status}: {step.title} [{source}]")
        for check in step.checks:
            truth = {True: "true", False: "false", None: "unknown"}[check.value]
            reads = ", ".join(f"{n} = {v}" for n, v in check.reads)
            lines.append(f"  {check.text} is {truth} ({reads})")
    return lines
