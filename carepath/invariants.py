"""Invariants declared in YAML beside the rule sets, checked over generated cases.

An invariant file (``rulesets/intl/care_path.invariants.yaml``) names a rule set or a pipeline
and lists properties that must hold for **every** case, each with the source that makes it a
requirement::

    pipeline: intl/care_path          # or: ruleset: intl/family_safety
    invariants:
      - id: top_never_blocked
        title: Never recommend a blocked option first
        source: {document: un_guidelines, locator: "para 14"}
        check: {not_in: [ranking.top_option, care_options.blocked_options]}
      - id: under_3_never_residential
        given: {age: {"<": 3}}
        check: {excludes: [ranking.ranked, residential_care]}
      - id: threat_never_lowers_risk
        monotone:
          inputs: [land_sold, debt]       # each turned from "no" to "yes", all else equal
          outcome: risk.risk_level
          order: [low, moderate, high, very_high]    # ... never moves down this order

A reference is ``STEP.OUTCOME`` in a pipeline (``ranking.top_option``, ``ranking.ranked`` for the
ranked options) or ``OUTCOME`` in a rule set. A check reads determined outcomes only; an
undetermined value satisfies it (it is no recommendation). Checks:

- ``equals: [REF, VALUE]``, ``differs: [REF, VALUE]``, ``in: [REF, [VALUES]]``;
- ``includes: [REF, VALUE]`` / ``excludes: [REF, VALUE]``: a set outcome holds / lacks VALUE;
- ``not_in: [REF, SET_REF]``: a value is not in a set outcome (the top option not blocked).

``given`` restricts the cases: every listed input has a known answer that fits
(``VALUE``, ``[VALUES]`` or ``{op: VALUE}`` with ``==, !=, <, <=, >, >=``).

``carepath check`` and the test suite run them with hypothesis (reproducibly, no database);
a failure shows the smallest case found.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from carepath.assessments.pipeline import RANKING, Pipeline, load_pipeline, ranking_outcomes
from carepath.errors import RuleFileError, RuleSetError
from carepath.rules.conditions import Name
from carepath.rules.loader import load_yaml_file
from carepath.rules.logic import COMPARE
from carepath.rules.model import InputSpec, TargetSpec
from carepath.rules.parsing import locate, translate
from carepath.rules.registry import INVARIANT_SUFFIX, resolve
from carepath.rules.ruleset import RuleSet, load
from carepath.strategies import cases, value

__all__ = [
    "INVARIANT_SUFFIX",
    "Invariant",
    "InvariantFile",
    "InvariantResult",
    "check_file",
    "check_paths",
    "invariant_files",
    "read_invariant_file",
]

DAY = dt.date(2026, 11, 23)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Reason(_Model):
    """Why the property must hold."""

    document: str
    locator: str = Field(min_length=1)
    note: str | None = None


class Check(_Model):
    """One test on the outcomes of a case: exactly one of the fields."""

    equals: tuple[str, Any] | None = None
    differs: tuple[str, Any] | None = None
    in_: tuple[str, list[Any]] | None = Field(default=None, alias="in")
    includes: tuple[str, Any] | None = None
    excludes: tuple[str, Any] | None = None
    not_in: tuple[str, str] | None = None

    @model_validator(mode="after")
    def _one(self) -> Check:
        if len(self.model_fields_set) != 1:
            raise ValueError("a check has exactly one of equals, differs, in, includes, excludes, not_in")
        return self

    @property
    def kind(self) -> str:
        (name,) = self.model_fields_set
        return "in" if name == "in_" else name

    @property
    def args(self) -> tuple[Any, Any]:
        value = getattr(self, "in_" if self.kind == "in" else self.kind)
        assert value is not None
        return value[0], value[1]


class Monotone(_Model):
    """Turning any of ``inputs`` from no to yes (for a set input: adding any one of its
    choices) never moves ``outcome`` down ``order``."""

    inputs: list[Name] = Field(min_length=1)
    outcome: str
    order: list[bool | str] = Field(min_length=2, description="Lowest first (values of the outcome).")


class Invariant(_Model):
    """One property every case must have."""

    id: Name
    title: str
    source: Reason
    given: dict[Name, Any] = Field(default_factory=dict)
    check: Check | None = None
    monotone: Monotone | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Invariant:
        if (self.check is None) == (self.monotone is None):
            raise ValueError("an invariant has exactly one of `check` or `monotone`")
        return self


class InvariantFile(_Model):
    """A file of invariants for one rule set or pipeline."""

    schema_version: Literal[1] = 1
    ruleset: str | None = None
    pipeline: str | None = None
    as_of: dt.date = DAY
    examples: int = Field(default=150, ge=1, le=100_000, description="Generated cases per invariant.")
    invariants: list[Invariant] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_target(self) -> InvariantFile:
        if (self.ruleset is None) == (self.pipeline is None):
            raise ValueError("an invariant file names exactly one of `ruleset` or `pipeline`")
        return self


@dataclass(frozen=True)
class InvariantResult:
    """One invariant checked: passed, or the smallest counterexample found."""

    file: str
    line: int | None
    id: str
    title: str
    examples: int
    counterexample: dict[str, Any] | None = None
    detail: str | None = None

    @property
    def passed(self) -> bool:
        return self.counterexample is None

    def report(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.passed:
            return f"ok {where}: {self.id} ({self.examples} cases)"
        return f"FAILED {where}: {self.id}: {self.title}\n  {self.detail}\n  case: {self.counterexample}"


# -- reading -----------------------------------------------------------------------------------


def invariant_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The ``*.invariants.yaml`` files named, or found under the folders named."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob(f"*{INVARIANT_SUFFIX}") if p.is_file())
        elif path.name.endswith(INVARIANT_SUFFIX):
            yield path


@dataclass
class _Target:
    """What an invariant file checks: a rule set or a pipeline, and how to read its outcomes."""

    run: Any
    inputs: dict[str, InputSpec]
    outcomes: dict[str, TargetSpec]
    strategy: Any
    documents: set[str]


def read_invariant_file(path: str | Path) -> tuple[InvariantFile, Any, _Target]:
    """Validate an invariant file and load what it checks; errors name the file, line and field."""
    located = load_yaml_file(path)
    try:
        model = InvariantFile.model_validate(located.data)
    except ValidationError as exc:
        raise translate(exc, located, RuleFileError) from None
    target = _target(model, Path(path))
    for i, inv in enumerate(model.invariants):
        problem = _check_refs(inv, target)
        if problem:
            line, column = locate(located, ("invariants", i))
            raise RuleFileError(problem, file=str(path), line=line, column=column, field=f"invariants[{i}]")
    return model, located, target


def _target(model: InvariantFile, path: Path) -> _Target:
    if model.pipeline is not None:
        pipe = load_pipeline(model.pipeline)
        outcomes = {
            f"{step}.{name}": spec
            for step in pipe.order
            if step != RANKING
            for name, spec in pipe.rulesets[step].merged.outcomes.items()
        }
        outcomes.update({f"{RANKING}.{n}": s for n, s in ranking_outcomes(pipe).items()})
        documents = set(pipe.sources).union(*(rs.merged.sources for rs in pipe.rulesets.values()))
        return _Target(pipe, pipe.inputs, outcomes, cases(pipe), documents)
    assert model.ruleset is not None
    ruleset = load(resolve(model.ruleset, relative_to=path))
    outcomes = dict(ruleset.merged.outcomes)
    return _Target(ruleset, ruleset.inputs, outcomes, cases(ruleset), set(ruleset.merged.sources))


def _check_refs(inv: Invariant, target: _Target) -> str | None:
    if inv.source.document not in target.documents:
        return f"{inv.id}: no source document {inv.source.document!r} in the rule sets checked"
    refs: list[str] = []
    if inv.check is not None:
        first, second = inv.check.args
        refs.append(first)
        if inv.check.kind == "not_in":
            refs.append(second)
    if inv.monotone is not None:
        refs.append(inv.monotone.outcome)
        for name in inv.monotone.inputs:
            spec = target.inputs.get(name)
            if spec is None or spec.type not in ("bool", "set"):
                return f"{inv.id}: monotone inputs are yes/no or set case inputs; {name!r} is not one"
    for ref in refs:
        if ref not in target.outcomes:
            return f"{inv.id}: no outcome {ref!r}"
    for name in inv.given:
        if name not in target.inputs:
            return f"{inv.id}: `given` names {name!r}, which is not a case input"
    return None


# -- checking ----------------------------------------------------------------------------------


def check_paths(paths: Iterable[str | Path], examples: int | None = None) -> list[InvariantResult]:
    """Check every invariant file under ``paths``."""
    results: list[InvariantResult] = []
    for path in invariant_files(paths):
        results += check_file(path, examples)
    return results


def check_file(path: str | Path, examples: int | None = None) -> list[InvariantResult]:
    """Check each invariant of one file over generated cases (reproducible: derandomized)."""
    try:
        model, located, target = read_invariant_file(path)
    except RuleSetError as exc:
        return [InvariantResult(str(path), exc.line, "<file>", "the file loads", 0, {}, str(exc))]
    count = examples or model.examples
    results = []
    for i, inv in enumerate(model.invariants):
        line, _ = locate(located, ("invariants", i))
        results.append(_check_one(str(path), line, inv, target, model.as_of, count))
    return results


def _check_one(
    file: str, line: int | None, inv: Invariant, target: _Target, day: dt.date, n: int
) -> InvariantResult:
    failure: list[tuple[dict[str, Any], str]] = []
    strategy = _given_cases(inv.given, target)

    @settings(
        max_examples=n,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, flips=st.data())
    def run(case: dict[str, Any], flips: Any) -> None:
        problem = _violation(inv, target, case, day, flips)
        if problem is not None:
            failure.append((case, problem))
            raise AssertionError(problem)

    with contextlib.suppress(AssertionError):
        run()
    if failure:
        case, problem = failure[-1]  # the last one raised is the shrunk, smallest case
        return InvariantResult(file, line, inv.id, inv.title, n, case, problem)
    return InvariantResult(file, line, inv.id, inv.title, n)


def _given_cases(conditions: Mapping[str, Any], target: _Target) -> Any:
    """Generated cases whose ``given`` inputs hold known answers that fit."""
    if not conditions:
        return target.strategy
    fixed: dict[str, Any] = {}
    for name, wanted in conditions.items():
        spec = target.inputs[name]
        if isinstance(wanted, list):
            fixed[name] = st.sampled_from(wanted)
        elif isinstance(wanted, dict):
            fixed[name] = value(spec).filter(_fits(wanted))
        else:
            fixed[name] = st.just(wanted)
    return st.tuples(target.strategy, st.fixed_dictionaries(fixed)).map(lambda pair: {**pair[0], **pair[1]})


def _fits(wanted: Mapping[str, Any]) -> Any:
    def fits(answer: Any) -> bool:
        return all(COMPARE[op](answer, x) for op, x in wanted.items())

    return fits


def _outcomes(target: _Target, case: Mapping[str, Any], day: dt.date) -> dict[str, tuple[Any, bool]]:
    """Every outcome as (value, determined), keyed as invariants refer to it."""
    run = target.run
    if isinstance(run, Pipeline):
        result = run.assess(case, as_of=day, trace=False)
        found = {
            f"{s}.{n}": (o.value, o.determined) for s in result.order for n, o in result[s].outcomes.items()
        }
        if result.ranking is not None:
            found.update(
                {f"{RANKING}.{n}": (o.value, o.determined) for n, o in result.ranking.outcomes().items()}
            )
        return found
    assert isinstance(run, RuleSet)
    evaluation = run.evaluate(case, as_of=day, trace=False)
    return {n: (o.value, o.determined) for n, o in evaluation.outcomes.items()}


def _violation(inv: Invariant, target: _Target, case: dict[str, Any], day: dt.date, data: Any) -> str | None:
    if inv.check is not None:
        return _check(inv.check, _outcomes(target, case, day))
    assert inv.monotone is not None
    mono = inv.monotone
    name = data.draw(st.sampled_from(mono.inputs), label="input turned to yes")
    spec = target.inputs[name]
    if spec.type == "set":
        item = data.draw(st.sampled_from(spec.choice_values), label="item added")
        before = case.get(name)
        base = [v for v in before if v != item] if isinstance(before, list) else []
        low_answer: Any = base
        high_answer: Any = [*base, item]
        name = f"{name} + {item}"
        key = name.split(" + ")[0]
    else:
        low_answer, high_answer, key = False, True, name
    low = _outcomes(target, {**case, key: low_answer}, day)[mono.outcome]
    high = _outcomes(target, {**case, key: high_answer}, day)[mono.outcome]
    if not (low[1] and high[1]) or low[0] not in mono.order or high[0] not in mono.order:
        return None
    if mono.order.index(high[0]) < mono.order.index(low[0]):
        return f"{name}: no -> yes moved {mono.outcome} down from {low[0]} to {high[0]}"
    return None


def _check(check: Check, outcomes: Mapping[str, tuple[Any, bool]]) -> str | None:
    ref, operand = check.args
    value, determined = outcomes[ref]
    if not determined or value is None:
        return None
    kind = check.kind
    if kind == "equals" and value != operand:
        return f"{ref} is {value!r}, not {operand!r}"
    if kind == "differs" and value == operand:
        return f"{ref} is {value!r}"
    if kind == "in" and value not in operand:
        return f"{ref} is {value!r}, not one of {operand!r}"
    if kind == "includes" and operand not in value:
        return f"{ref} lacks {operand!r}"
    if kind == "excludes" and operand in value:
        return f"{ref} holds {operand!r}"
    if kind == "not_in":
        other, _ = outcomes[operand]  # what is surely in the set, even while it is open
        if value in (other or ()):
            return f"{ref} is {value!r}, which {operand} holds"
    return None
