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

``overlay:`` (at the file level, or per test, which wins) names an overlay to apply, as
OpenFisca's ``reforms:``: a rule file that extends the rule set tested (a path relative to the
test file, or a bundled id). The test runs against the overlay (its rules, parameters and hard
limits), then against its ``parameters`` if any::

    ruleset: intl/case_path
    overlay: ../../examples/overlays/ngo_follow_up_24.yaml

``cannot_fire:`` (file level) names, with the reason, rules of the file's rule set that no case
can fire under the base settings: ``carepath test --coverage`` lists them apart instead of as
untested (:mod:`carepath.authoring.coverage`).

A test file may instead name a **pipeline** (``pipeline: intl/care_path``): each test then gives
a whole case (``input``, or ``contacts`` as in a case file, optionally ``visits``) and runs it
through every step. Outputs are ``STEP.OUTCOME`` (``care_options.blocked_options``,
``case_path.closure``, a fact as ``STEP.FACT``), the ranking (``ranking.top_option``,
``ranking.ranked``, ``ranking.blocked``, ``ranking.pending``, ``ranking.not_found``) and the care
plan (``plan.stage``, ``plan.allowed``, ``plan.blocked``, ``plan.pending``, ``plan.overdue``);
``fired``/``not_fired`` name ``STEP.RULE_ID`` (``case_path.path.placement``), or a rule id that
exactly one step has; ``missing`` is the whole case's open questions. Without ``ruleset`` or
``pipeline``, a test file runs the rule file beside it, or else the pipeline file beside it::

    pipeline: intl/care_path
    tests:
      - name: A girl sold by her family is not sent home
        source: {document: seed_004, locator: "004:L2716-2722"}
        input: {age: 16, family_involved_in_trafficking: true, stage: assessment}
        output:
          care_options.blocked_options: {includes: [family_reunification]}
          ranking.top_option: {value: kinship_care, status: determined}
          plan.allowed: {excludes: [reintegration]}
        fired: [care_options.no_return_to_unsafe_family]

An expected output may also give ``includes`` / ``excludes`` (values a set or list must hold or
lack, whatever else it holds) and ``one_of`` (the values it may take).

``carepath test`` and the pytest plugin (``carepath.pytest_plugin``) both run them through
:func:`run_file`. For property tests, ``carepath.authoring.testing.cases`` gives hypothesis strategies of
valid cases, and ``carepath.authoring.testing.check_paths`` checks the invariants declared in YAML.
A failing test is a report (expected, actual, and the trace of the rules
that decided it), not an exception.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from carepath.assessments.pipeline import RANKING, Pipeline, load_pipeline
from carepath.assessments.result import Assessment
from carepath.authoring.coverage import Covered, expected_values
from carepath.cases import case_from_data
from carepath.errors import CarepathError, RuleFileError, RuleSetError
from carepath.rules.loader import Located, load_yaml_file
from carepath.rules.parsing import field_path, locate, translate
from carepath.rules.reform import SETTINGS_FILE, UnknownParameterError, settings_text
from carepath.rules.registry import PIPELINE_SUFFIX, TEST_SUFFIX, resolve, resolve_pipeline
from carepath.rules.result import Evaluation, Outcome
from carepath.rules.ruleset import RuleSet, load, with_parameters

__all__ = [
    "Expected",
    "Failure",
    "Justification",
    "Selection",
    "TestCase",
    "TestFile",
    "TestResult",
    "TestRun",
    "read_test_file",
    "run_file",
    "run_paths",
    "run_selected",
    "test_files",
]

_LAZY = {"cases": "carepath.authoring.strategies", "check_paths": "carepath.authoring.invariants"}


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

    document: str = Field(description="A key of the `sources` of the rule set (or pipeline) tested.")
    locator: str = Field(min_length=1, description="Where in it: `Art. 3(c)`, `004:L3319`.")
    note: str | None = Field(default=None, description="What the test assumes or reads into the source.")


class Expected(_Model):
    """The detailed form of an expected outcome."""

    value: Any = None
    status: str | None = Field(default=None, pattern="^(determined|undetermined)$")
    missing: list[str] | None = None
    decided_by: list[str] | None = None
    includes: list[Any] | None = Field(default=None, description="Values a set or list must hold.")
    excludes: list[Any] | None = Field(default=None, description="Values a set or list must lack.")
    one_of: list[Any] | None = Field(default=None, description="The value is one of these.")


class TestCase(_Model):
    """One YAML test."""

    __test__ = False  # not a pytest class

    name: str = Field(min_length=1, description="What the test shows, in a sentence (`-k` selects by it).")
    source: Justification = Field(description="Why the expected outputs hold.")
    input: dict[str, Any] = Field(
        default_factory=dict, description="The answers, as in a case file (a missing one: not asked)."
    )
    visits: list[dict[str, Any]] | None = Field(
        default=None,
        description="Follow-up visits, as in a case file: the answers they give on the test's date "
        "are added to the input (carepath.cases.visits).",
    )
    contacts: list[dict[str, Any]] | None = Field(
        default=None,
        description="Dated contacts, as in a case file ({id, date, answers}), instead of `input`.",
    )
    as_of: dt.date | None = Field(
        default=None, description="The evaluation date (over the file's; default: today)."
    )
    ruleset: str | None = Field(default=None, description="Another rule set for this test (an id or a path).")
    pipeline: str | None = Field(default=None, description="A pipeline for this test (an id or a path).")
    parameters: dict[str, Any] = Field(
        default_factory=dict,
        description="Parameter settings for this test (over the file's, name by name).",
    )
    overlay: str | None = Field(
        default=None,
        description="An overlay to apply for this test (over the file's): a rule file extending the "
        "rule set tested, a path relative to the test file or a bundled id.",
    )
    output: dict[str, Any] = Field(
        default_factory=dict,
        description="Expected outcomes or facts (`STEP.OUTCOME`, `ranking.*`, `plan.*` for a pipeline): "
        "a value, or {value, status, missing, decided_by, includes, excludes, one_of}.",
    )
    fired: list[str] = Field(
        default_factory=list, description="Rules that must fire (`STEP.RULE_ID` in a pipeline)."
    )
    not_fired: list[str] = Field(default_factory=list, description="Rules that must not fire.")
    missing: list[str] | None = Field(default=None, description="Every open question, in order.")

    @model_validator(mode="after")
    def _one_subject(self) -> TestCase:
        if self.ruleset is not None and self.pipeline is not None:
            raise ValueError("a test names a `ruleset` or a `pipeline`, not both")
        if self.contacts is not None and self.input:
            raise ValueError("a test gives its answers as `input` or as `contacts`, not both")
        return self


class TestFile(_Model):
    """A file of YAML tests."""

    __test__ = False

    ruleset: str | None = Field(
        default=None, description="The rule set tested (an id or a path; default: the rule file beside it)."
    )
    pipeline: str | None = Field(default=None, description="A pipeline whose whole cases the tests run.")
    as_of: dt.date | None = Field(
        default=None, description="The evaluation date of every test (default: today)."
    )
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="Parameter settings for every test of the file."
    )
    overlay: str | None = Field(
        default=None,
        description="An overlay to apply for every test of the file (OpenFisca's `reforms:`): a rule "
        "file extending the rule set tested, a path relative to the test file or a bundled id.",
    )
    cannot_fire: dict[str, str] = Field(
        default_factory=dict,
        description="Rules of the file's rule set that no case can fire under the base settings, "
        "each with the reason; `carepath test --coverage` lists them apart, not as untested.",
    )
    tests: list[TestCase] = Field(min_length=1, description="The tests, at least one.")

    @model_validator(mode="after")
    def _one_subject(self) -> TestFile:
        if self.ruleset is not None and self.pipeline is not None:
            raise ValueError("a test file names a `ruleset` or a `pipeline`, not both")
        return self


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
    covered: list[Covered] = field(default_factory=list, compare=False)

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
    """Load and validate a test file; a bad one raises :class:`RuleFileError` at its line (a
    misspelt field: "not a field here (misspelt?)", with the closest field)."""
    located = load_yaml_file(path)
    data = located.data
    bare = isinstance(data, list)  # a bare list of tests
    if bare:
        located = Located(data={"tests": data}, file=located.file, marks=_under_tests(located))
    try:
        spec = TestFile.model_validate(located.data)
    except ValidationError as exc:
        raise translate(exc, located, RuleFileError, model=TestFile) from None
    for i, case in enumerate(spec.tests):
        at: tuple[str | int, ...] = ("tests", i)
        piped = case.pipeline is not None or (spec.pipeline is not None and case.ruleset is None)
        if piped and (case.parameters or spec.parameters):
            raise _not_for_pipeline(located, at, "parameters", bool(case.parameters), str(path))
        if piped and (case.overlay or spec.overlay):
            raise _not_for_pipeline(located, at, "overlay", bool(case.overlay), str(path))
    return spec, located


def _under_tests(located: Located) -> dict[tuple[str | int, ...], tuple[int, int]]:
    """The marks of a bare list of tests, as if it were the file's ``tests``."""
    return {("tests", *k): v for k, v in located.marks.items()}


def _not_for_pipeline(
    located: Located, at: tuple[str | int, ...], key: str, own: bool, file: str
) -> RuleFileError:
    """The error for parameters or an overlay given to a pipeline's test (its own, or the file's)."""
    block = (*at, key) if own else (key,)
    line, column = locate(located, block)
    what = "an overlay applies" if key == "overlay" else "parameters apply"
    message = f"{what} to a rule set's tests, not a pipeline's"
    return RuleFileError(message, file=file, line=line, column=column, field=field_path(block))


@dataclass(frozen=True)
class Selection:
    """Which tests to run: ``keywords`` (a test runs if its name holds any of them, whatever the
    case; none: every test) and ``ruleset`` (a rule set's id or path: only the tests of that rule
    set and of the overlays that extend it; pipelines' tests are left out)."""

    keywords: tuple[str, ...] = ()
    ruleset: str | None = None

    def by_name(self, name: str) -> bool:
        return not self.keywords or any(k.casefold() in name.casefold() for k in self.keywords)

    def by_subject(self, ruleset: RuleSet | None) -> bool:
        if self.ruleset is None:
            return True
        if ruleset is None:
            return False
        wanted = resolve(self.ruleset).resolve()
        return any(
            layer.id == self.ruleset or (layer.file != SETTINGS_FILE and Path(layer.file).resolve() == wanted)
            for layer in ruleset.merged.layers
        )


@dataclass(frozen=True)
class TestRun:
    """The results of the tests selected, and how many were left out."""

    __test__ = False

    results: list[TestResult]
    deselected: int


def run_file(path: str | Path, selection: Selection | None = None) -> list[TestResult]:
    """Run every test of one file (or those ``selection`` keeps)."""
    return _run_file(Path(path), selection or Selection())[0]


def _run_file(path: Path, selection: Selection) -> tuple[list[TestResult], int]:
    spec, located = read_test_file(path)
    # the rule file beside it, named relative to the test file (as resolve reads it)
    stem = path.name[: -len(TEST_SUFFIX)]
    default_ruleset = spec.ruleset or stem + ".yaml"
    beside = path.parent / f"{stem}{PIPELINE_SUFFIX}"
    default_pipeline = spec.pipeline
    if default_pipeline is None and spec.ruleset is None and not (path.parent / default_ruleset).exists():
        default_pipeline = str(beside) if beside.is_file() else None
    loaded: dict[str, RuleSet] = {}
    reformed: dict[tuple[str, str | None, str], RuleSet] = {}  # compiled once per file
    pipelines: dict[str, Pipeline] = {}
    results: list[TestResult] = []
    deselected = 0

    def rules_of(name: str) -> RuleSet:
        if name not in loaded:
            loaded[name] = load(resolve(name, relative_to=path))
        return loaded[name]

    if spec.cannot_fire:
        _check_cannot_fire(spec, located, rules_of(default_ruleset), str(path))
    for i, case in enumerate(spec.tests):
        where: tuple[str | int, ...] = ("tests", i)
        line = located.mark(where)
        at = line[0] if line else None
        if not selection.by_name(case.name):
            deselected += 1
            continue
        pipeline = case.pipeline or (default_pipeline if case.ruleset is None else None)
        if pipeline is not None:
            if case.parameters or spec.parameters:  # a pipeline beside the file, named by neither
                raise _not_for_pipeline(located, where, "parameters", bool(case.parameters), str(path))
            if case.overlay or spec.overlay:
                raise _not_for_pipeline(located, where, "overlay", bool(case.overlay), str(path))
            if not selection.by_subject(None):
                deselected += 1
                continue
            if pipeline not in pipelines:
                pipelines[pipeline] = load_pipeline(resolve_pipeline(pipeline, relative_to=path))
            results.append(_run_pipeline_case(pipelines[pipeline], case, spec.as_of, str(path), at))
            continue
        name = case.ruleset or default_ruleset
        overlay = case.overlay or spec.overlay
        settings = {**spec.parameters, **case.parameters}  # the test's own win, name by name
        key = (name, overlay, repr(sorted(settings.items())))  # repr: 1, 1.0 and true stay apart
        if key not in reformed:
            subject = rules_of(name)
            if overlay is not None:
                block = (*where, "overlay") if case.overlay else ("overlay",)
                subject = _overlaid(subject, overlay, located, block, path)
            try:
                reformed[key] = with_parameters(subject, settings)
            except RuleSetError as exc:
                block = (*where, "parameters") if _named_in(exc, case.parameters) else ("parameters",)
                raise _at(exc, located, block, str(path)) from None
        if not selection.by_subject(reformed[key]):
            deselected += 1
            continue
        notes = spec.cannot_fire if name == default_ruleset and overlay is None else {}
        results.append(_run_case(reformed[key], case, spec.as_of, str(path), at, settings, notes))
    return results, deselected


def _check_cannot_fire(spec: TestFile, located: Located, ruleset: RuleSet, file: str) -> None:
    """Every rule ``cannot_fire`` names is a rule of the file's rule set."""
    for rid in spec.cannot_fire:
        if rid not in ruleset.merged.rules:
            line, column = locate(located, ("cannot_fire", rid))
            close = difflib.get_close_matches(rid, list(ruleset.merged.rules), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise RuleFileError(
                f"{ruleset.id} has no rule of this id{hint}",
                file=file,
                line=line,
                column=column,
                field=field_path(("cannot_fire", rid)),
            )


def _overlaid(
    base: RuleSet, overlay: str, located: Located, block: tuple[str | int, ...], path: Path
) -> RuleSet:
    """The overlay a test names, loaded; it must extend the rule set the test runs."""
    line, column = locate(located, block)
    try:
        ruleset = load(resolve(overlay, relative_to=path))
    except RuleSetError as exc:
        if exc.file == overlay:  # not found: the error belongs to the test file's line
            raise RuleFileError(
                exc.message, file=str(path), line=line, column=column, field=field_path(block)
            ) from None
        raise
    base_file = base.path.resolve() if base.path is not None else None
    if not any(
        layer.file != SETTINGS_FILE and Path(layer.file).resolve() == base_file
        for layer in ruleset.merged.layers[:-1]
    ):
        raise RuleFileError(
            f"the overlay {ruleset.id} does not extend {base.id}, the rule set this test runs",
            file=str(path),
            line=line,
            column=column,
            field=field_path(block),
        )
    return ruleset


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
    return run_selected(paths, Selection()).results


def run_selected(paths: Iterable[str | Path], selection: Selection) -> TestRun:
    """Run the tests ``selection`` keeps of every test file under ``paths``."""
    results: list[TestResult] = []
    deselected = 0
    for path in test_files(paths):
        found, left_out = _run_file(path, selection)
        results += found
        deselected += left_out
    return TestRun(results, deselected)


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


# -- pipeline tests ----------------------------------------------------------------------------

_PLAN = ("stage", "allowed", "blocked", "pending", "overdue")
_RANKING_LISTS = ("blocked", "pending", "not_found")


@dataclass(frozen=True)
class _Fact:
    """A fact's value, or a plain value of the ranking or the plan, told apart from None."""

    value: Any


def _case_of(case: TestCase, file: str) -> Any:
    """The test's answers as a case file holds them: ``input`` or ``contacts``, and ``visits``."""
    document: dict[str, Any] = (
        {"contacts": case.contacts} if case.contacts is not None else {"answers": case.input}
    )
    if case.visits is not None:
        document["visits"] = case.visits
    return case_from_data(document, f"{file}: {case.name}")


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
