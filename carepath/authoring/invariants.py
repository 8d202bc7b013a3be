"""Invariants declared in YAML beside the rule sets, checked over generated cases.

An invariant file (``rulesets/intl/care_path.invariants.yaml``) names a rule set or a pipeline
and lists properties that must hold for **every** case, each with the source that makes it a
requirement::

    pipeline: intl/care_path          # or: ruleset: intl/family_safety
    answered: [intake, closure, any]  # the kinds of whole case generated (a pipeline's)
    derived:                          # a value read from outcomes: the first case that surely holds
      family_return:
        cases:
          - {value: not_recommended, when: {includes: [ranking.blocked, family_reunification]}}
          - {value: recommended}
    invariants:
      - id: top_never_blocked
        title: Never recommend a blocked option first
        source: {document: un_guidelines, locator: "para 14"}
        check: {not_in: [ranking.top_option, care_options.blocked_options]}
      - id: unsafe_family_never_first
        when: {equals: [family_safety.family_safety, unsafe]}   # only where this surely holds
        check: {excludes: [ranking.ranked, family_reunification]}
      - id: under_3_never_residential
        given: {age: {"<": 3}}
        check: {excludes: [ranking.ranked, residential_care]}
      - id: threat_never_lowers_risk
        monotone:
          inputs: [land_sold, debt]       # each turned from "no" to "yes", all else equal
          outcome: risk.risk_level
          order: [low, moderate, high, very_high]    # ... never moves down this order
      - id: unknown_never_less_protective
        worst_value:
          inputs: {family_involved_in_trafficking: [true], threats: [[person, family]]}
          outcome: derived.family_return
          order: [recommended, not_recommended]      # least protective first; [a, b] ties
      - id: unknown_never_ranks_what_the_worst_blocks
        worst_value:
          inputs: {perpetrator_in_household: [true]}
          sets: [ranking.blocked, ranking.ranked]    # blocked under the worst: not ranked under unknown
      - id: every_recommendation_is_sourced
        sourced: [ranking.ranked, ranking.blocked, plan.allowed]

A reference is ``STEP.OUTCOME`` in a pipeline, ``OUTCOME`` in a rule set, or ``derived.NAME``.
A pipeline also has ``ranking.top_option`` and ``ranking.ranked`` (undetermined while an option
is pending), the lists as they stand ``ranking.blocked``, ``ranking.pending``,
``ranking.not_found``, and the care plan's ``plan.stage``, ``plan.allowed``, ``plan.blocked``,
``plan.pending``. A check reads determined outcomes only; an undetermined value satisfies it (it
is no recommendation). Checks:

- ``equals: [REF, VALUE]``, ``differs: [REF, VALUE]``, ``in: [REF, [VALUES]]``;
- ``includes: [REF, VALUE]`` / ``excludes: [REF, VALUE]``: a set outcome holds / lacks VALUE
  (a list of values: each of them);
- ``not_in: [REF, SET_REF]``: a value is not in a set outcome (the top option not blocked).

``given`` restricts the cases: every listed input has an answer that fits (``VALUE``,
``[VALUES]`` or ``{op: VALUE}`` with ``==, !=, <, <=, >, >=``; ``unknown`` and ``declined`` are
answers, and ``null`` in a list leaves the question out). ``when`` (one check or a list) keeps
the cases where the checks surely hold. ``worst_value`` takes each open answer (left out,
unknown, declined) among its ``inputs`` and puts each worst value in its place: the
recommendation with the open answer must be at least as protective. ``sourced`` asks that each
ranked option, blocked option and allowed move names fired rules, each with its source.

``carepath check`` and the test suite run them with hypothesis (reproducibly, no database);
a failure shows the smallest case found. :func:`check_file` takes the number of cases.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from carepath.assessments.pipeline import RANKING, Pipeline, load_pipeline, ranking_outcomes
from carepath.assessments.result import Assessment
from carepath.authoring.strategies import ANSWERED, VISITS_KEY, Answered, cases, value, whole_cases
from carepath.cases import case_from_data
from carepath.errors import CarepathError, RuleFileError, RuleSetError
from carepath.rules.conditions import Name
from carepath.rules.loader import load_yaml_file
from carepath.rules.logic import COMPARE
from carepath.rules.model import InputSpec, TargetSpec
from carepath.rules.parsing import locate, translate
from carepath.rules.registry import INVARIANT_SUFFIX, resolve, resolve_pipeline
from carepath.rules.ruleset import RuleSet, load

__all__ = [
    "INVARIANT_SUFFIX",
    "Tally",
    "Invariant",
    "InvariantFile",
    "InvariantResult",
    "check_file",
    "check_paths",
    "invariant_files",
    "read_invariant_file",
    "tally_file",
]

DAY = dt.date(2026, 11, 23)
DERIVED = "derived"
PLAN = "plan"
_RANKING_LISTS = ("blocked", "pending", "not_found")
_PLAN_LISTS = ("allowed", "blocked", "pending")
_VISIT_FIELDS = frozenset(
    {
        "visits_with_contact",
        "last_contact_visit",
        "failed_contact_attempts",
        "escalation_done",
        "measures_fallen",
        "measures_lowest",
        "warning_signs",
        "new_issues_reported",
    }
)
"""Inputs that visits give (carepath.cases.visits.visit_answers): a case with visits has
these from its visits, whatever its answers say."""
_OPEN = ("unknown", "declined")


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
    order: list[bool | str | list[bool | str]] = Field(
        min_length=2, description="Lowest first (values of the outcome); a list is values of one rank."
    )


class WorstValue(_Model):
    """Putting a worst value in place of an open answer never makes the recommendation less
    protective than the open answer did: ``outcome`` never ranks lower on ``order`` (least
    protective first) with the open answer than with the worst, or (``sets``) what the worst
    value puts in the first set the open answer never puts in the second."""

    inputs: dict[Name, list[Any]] = Field(min_length=1, description="Each input's worst values.")
    outcome: str | None = None
    order: list[bool | str | list[bool | str]] | None = None
    sets: tuple[str, str] | None = None
    per_case: int = Field(default=3, ge=1, le=50, description="Open answers tried per generated case.")

    @model_validator(mode="after")
    def _one_form(self) -> WorstValue:
        if (self.sets is None) == (self.outcome is None) or (self.outcome is None) != (self.order is None):
            raise ValueError("worst_value has `outcome` with `order`, or `sets`")
        return self


class DerivedCase(_Model):
    """One value of a derived reference, and the checks that must surely hold for it."""

    value: Any
    when: list[Check] = Field(default_factory=list)

    @field_validator("when", mode="before")
    @classmethod
    def _listed(cls, raw: Any) -> Any:
        return [raw] if isinstance(raw, dict) else raw


class Derived(_Model):
    """A value read from outcomes: the first case whose checks surely hold (undetermined when a
    check before it is open); a case without checks is the value otherwise."""

    title: str | None = None
    cases: list[DerivedCase] = Field(min_length=1)


class Invariant(_Model):
    """One property every case must have."""

    id: Name
    title: str
    source: Reason
    given: dict[Name, Any] = Field(default_factory=dict)
    when: list[Check] = Field(default_factory=list, description="Checked only where these surely hold.")
    check: Check | None = None
    monotone: Monotone | None = None
    worst_value: WorstValue | None = None
    sourced: list[str] | None = Field(default=None, min_length=1)

    @field_validator("when", mode="before")
    @classmethod
    def _listed(cls, raw: Any) -> Any:
        return [raw] if isinstance(raw, dict) else raw

    @model_validator(mode="after")
    def _one_kind(self) -> Invariant:
        kinds = [self.check, self.monotone, self.worst_value, self.sourced]
        if sum(k is not None for k in kinds) != 1:
            raise ValueError(
                "an invariant has exactly one of `check`, `monotone`, `worst_value` or `sourced`"
            )
        return self


class InvariantFile(_Model):
    """A file of invariants for one rule set or pipeline."""

    schema_version: Literal[1] = 1
    ruleset: str | None = None
    pipeline: str | None = None
    as_of: dt.date = DAY
    examples: int = Field(default=150, ge=1, le=100_000, description="Generated cases per invariant.")
    answered: list[Answered] = Field(
        default_factory=lambda: list(ANSWERED),
        min_length=1,
        description="A pipeline's whole cases: as at intake, at closure, or any mix.",
    )
    visits: bool = Field(default=True, description="A pipeline's cases may carry follow-up visits.")
    seeds: list[str] = Field(
        default_factory=list,
        description="Test files (*.test.yaml) or case files, relative to this file: their whole cases, "
        "varied, are generated too.",
    )
    derived: dict[Name, Derived] = Field(default_factory=dict)
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

    run: RuleSet | Pipeline
    inputs: dict[str, InputSpec]
    outcomes: dict[str, TargetSpec | None]
    """Every reference, with its type where it has one (derived values have none)."""
    strategy: Any
    documents: set[str]
    derived: dict[str, Derived]


def read_invariant_file(path: str | Path) -> tuple[InvariantFile, Any, _Target]:
    """Validate an invariant file and load what it checks; errors name the file, line and field.
    A reference that names nothing is reported by :func:`check_file` as its invariant's failure."""
    located = load_yaml_file(path)
    try:
        model = InvariantFile.model_validate(located.data)
    except ValidationError as exc:
        raise translate(exc, located, RuleFileError, model=InvariantFile) from None
    target = _target(model, Path(path))
    for name, derived in model.derived.items():
        for case in derived.cases:
            for check in case.when:
                problem = _ref_problem(check, target)
                if problem:
                    line, column = locate(located, ("derived", name))
                    raise RuleFileError(
                        f"derived {name}: {problem}",
                        file=str(path),
                        line=line,
                        column=column,
                        field=f"derived.{name}",
                    )
    return model, located, target


def _target(model: InvariantFile, path: Path) -> _Target:
    derived: dict[str, TargetSpec | None] = {f"{DERIVED}.{n}": None for n in model.derived}
    if model.pipeline is not None:
        pipe = load_pipeline(resolve_pipeline(model.pipeline, relative_to=path))
        outcomes: dict[str, TargetSpec | None] = {
            f"{step}.{name}": spec
            for step in pipe.order
            if step != RANKING
            for name, spec in pipe.rulesets[step].merged.outcomes.items()
        }
        ranked = ranking_outcomes(pipe)
        outcomes.update({f"{RANKING}.{n}": s for n, s in ranked.items()})
        if ranked:
            outcomes.update({f"{RANKING}.{n}": ranked["ranked"] for n in _RANKING_LISTS})
        if pipe.model.path is not None:
            stages = TargetSpec(type="set", values=list(pipe.model.path.stages))
            outcomes.update({f"{PLAN}.{n}": stages for n in _PLAN_LISTS})
            outcomes[f"{PLAN}.stage"] = TargetSpec(type="enum", values=list(pipe.model.path.stages))
        outcomes.update(derived)
        documents = set(pipe.sources).union(*(rs.merged.sources for rs in pipe.rulesets.values()))
        seeds = _seed_cases(model.seeds, path, pipe)
        strategy = whole_cases(pipe, model.as_of, model.answered, model.visits, seeds)
        return _Target(pipe, pipe.inputs, outcomes, strategy, documents, dict(model.derived))
    assert model.ruleset is not None
    ruleset = load(resolve(model.ruleset, relative_to=path))
    found: dict[str, TargetSpec | None] = dict(ruleset.merged.outcomes)
    found.update(derived)
    documents = set(ruleset.merged.sources)
    return _Target(ruleset, ruleset.inputs, found, cases(ruleset), documents, dict(model.derived))


def _seed_cases(names: list[str], path: Path, pipe: Pipeline) -> list[dict[str, Any]]:
    """The whole cases of the seed files: each test's answers (or a case file's), with its visits."""
    from carepath.authoring.testing import read_test_file

    documents: list[dict[str, Any]] = []
    for name in names:
        file = path.parent / name
        if file.name.endswith(".test.yaml"):
            spec, _ = read_test_file(file)
            for test in spec.tests:
                document: dict[str, Any] = (
                    {"contacts": test.contacts} if test.contacts is not None else {"answers": test.input}
                )
                if test.visits is not None:
                    document["visits"] = test.visits
                documents.append(document)
        else:
            documents.append(load_yaml_file(file).data)
    seeds: list[dict[str, Any]] = []
    for document in documents:
        case = case_from_data(document, "a seed case")
        seed = {k: v for k, v in case.items() if k in pipe.inputs}
        if isinstance(document, dict) and "visits" in document:
            seed[VISITS_KEY] = document["visits"]
        seeds.append(seed)
    return seeds


def _ref_problem(check: Check, target: _Target) -> str | None:
    first, second = check.args
    refs = [first, second] if check.kind == "not_in" else [first]
    for ref in refs:
        if ref not in target.outcomes:
            return f"no outcome {ref!r}"
    return None


def _check_refs(inv: Invariant, target: _Target) -> str | None:
    if inv.source.document not in target.documents:
        return f"no source document {inv.source.document!r} in the rule sets checked"
    checks = [*inv.when, *([inv.check] if inv.check is not None else [])]
    for check in checks:
        problem = _ref_problem(check, target)
        if problem:
            return problem
    refs: list[str] = list(inv.sourced or ())
    flipped: list[str] = []
    if inv.monotone is not None:
        refs.append(inv.monotone.outcome)
        flipped = list(inv.monotone.inputs)
        for name in flipped:
            spec = target.inputs.get(name)
            if spec is None or spec.type not in ("bool", "set"):
                return f"monotone inputs are yes/no or set case inputs; {name!r} is not one"
    if inv.worst_value is not None:
        worst = inv.worst_value
        refs += list(worst.sets) if worst.sets is not None else [worst.outcome or ""]
        for name in worst.inputs:
            if name not in target.inputs:
                return f"worst_value names {name!r}, which is not a case input"
    if inv.sourced is not None:
        allowed = {f"{RANKING}.ranked", f"{RANKING}.blocked", f"{RANKING}.top_option", f"{PLAN}.allowed"}
        wrong = [r for r in inv.sourced if r not in allowed]
        if wrong:
            return f"`sourced` reads {sorted(allowed)}; {wrong[0]!r} is not one"
        if not isinstance(target.run, Pipeline):
            return "`sourced` checks a pipeline's ranking and plan"
    for ref in refs:
        if ref not in target.outcomes:
            return f"no outcome {ref!r}"
    for name in inv.given:
        if name not in target.inputs:
            return f"`given` names {name!r}, which is not a case input"
    return None


# -- checking ----------------------------------------------------------------------------------


def check_paths(paths: Iterable[str | Path], examples: int | None = None) -> list[InvariantResult]:
    """Check every invariant file under ``paths``."""
    results: list[InvariantResult] = []
    for path in invariant_files(paths):
        results += check_file(path, examples)
    return results


def check_file(
    path: str | Path, examples: int | None = None, only: str | None = None
) -> list[InvariantResult]:
    """Check each invariant of one file over generated cases (reproducible: derandomized);
    with ``only``, just the invariant of that id."""
    try:
        model, located, target = read_invariant_file(path)
    except RuleSetError as exc:
        return [InvariantResult(str(path), exc.line, "<file>", "the file loads", 0, {}, str(exc))]
    count = examples or model.examples
    results = []
    for i, inv in enumerate(model.invariants):
        if only is not None and inv.id != only:
            continue
        line, _ = locate(located, ("invariants", i))
        problem = _check_refs(inv, target)
        if problem is not None:
            detail = f"{path}:{line}: invariants[{i}] {inv.id}: {problem}"
            results.append(InvariantResult(str(path), line, inv.id, inv.title, 0, {}, detail))
            continue
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
        try:
            problem = violation(inv, target, case, day, flips)
        except CarepathError as exc:  # a valid generated case refused: a defect too
            problem = f"the case is refused: {type(exc).__name__}: {exc}"
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
    """Generated cases whose ``given`` inputs hold answers that fit (``None``: left out). A case
    given an input that visits give carries no visits, which would replace it."""
    if not conditions:
        return target.strategy
    fixed = _given_values(conditions, target)
    drop = {VISITS_KEY} if _VISIT_FIELDS & set(conditions) else set()

    def join(pair: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
        merged = {k: v for k, v in {**pair[0], **pair[1]}.items() if k not in drop}
        return {k: v for k, v in merged.items() if not (k in conditions and v is None)}

    return st.tuples(target.strategy, st.fixed_dictionaries(fixed)).map(join)


def _fits(wanted: Mapping[str, Any]) -> Any:
    def fits(answer: Any) -> bool:
        return all(COMPARE[op](answer, x) for op, x in wanted.items())

    return fits


Found = dict[str, tuple[Any, bool]]
"""Every reference's (value, determined) for one case."""


def assess(pipe: Pipeline, case: Mapping[str, Any], day: dt.date, *, reasons: bool = False) -> Assessment:
    """Run a generated whole case (its ``visits`` as a case file holds them) through ``pipe``."""
    if VISITS_KEY in case:
        answers = {k: v for k, v in case.items() if k != VISITS_KEY}
        document = {"answers": answers, "visits": case[VISITS_KEY]}
        return pipe.assess(case_from_data(document), as_of=day, trace=False, reasons=reasons)
    return pipe.assess(case, as_of=day, trace=False, reasons=reasons)


def outcomes(target: _Target, case: Mapping[str, Any], day: dt.date) -> Found:
    """Every outcome as (value, determined), keyed as invariants refer to it."""
    run = target.run
    if isinstance(run, Pipeline):
        found = assessment_refs(assess(run, case, day))
    else:
        evaluation = run.evaluate(case, as_of=day, trace=False)
        found = {n: (o.value, o.determined) for n, o in evaluation.outcomes.items()}
    for name, derived in target.derived.items():
        found[f"{DERIVED}.{name}"] = _derive(derived, found)
    return found


def assessment_refs(result: Assessment) -> Found:
    """The references of a pipeline run: steps' outcomes, the ranking and the plan."""
    found: Found = {
        f"{s}.{n}": (o.value, o.determined) for s in result.order for n, o in result[s].outcomes.items()
    }
    ranking = result.ranking
    if ranking is not None:
        found.update({f"{RANKING}.{n}": (o.value, o.determined) for n, o in ranking.outcomes().items()})
        found[f"{RANKING}.blocked"] = ([b.option for b in ranking.blocked], True)
        found[f"{RANKING}.pending"] = ([p.option for p in ranking.pending], True)
        found[f"{RANKING}.not_found"] = (list(ranking.not_found), True)
    plan = result.plan
    if plan is not None:
        found.update({f"{PLAN}.{n}": (list(getattr(plan, n)), True) for n in _PLAN_LISTS})
        found[f"{PLAN}.stage"] = (plan.stage, plan.stage is not None)
    return found


def _derive(derived: Derived, found: Found) -> tuple[Any, bool]:
    for case in derived.cases:
        truths = [truth(check, found) for check in case.when]
        if all(t is True for t in truths):
            return case.value, True
        if any(t is None for t in truths) and not any(t is False for t in truths):
            return None, False
    return None, True


def violation(inv: Invariant, target: _Target, case: dict[str, Any], day: dt.date, data: Any) -> str | None:
    """Why ``case`` breaks ``inv`` (None: it does not). ``data`` draws what the property varies."""
    if inv.check is not None:
        found = outcomes(target, case, day)
        if not _applies(inv, found):
            return None
        return _check(inv.check, found)
    if inv.monotone is not None:
        return _monotone(inv, target, case, day, data)
    if inv.worst_value is not None:
        return _worst(inv, inv.worst_value, target, case, day, data)
    assert inv.sourced is not None and isinstance(target.run, Pipeline)
    result = assess(target.run, case, day, reasons=True)
    if not _applies(inv, {**assessment_refs(result)}):
        return None
    return _unsourced(inv.sourced, result)


def _applies(inv: Invariant, found: Found) -> bool:
    return all(truth(check, found) is True for check in inv.when)


def _rank(order: list[Any], value: Any) -> int | None:
    for i, item in enumerate(order):
        if value == item or (isinstance(item, list) and value in item):
            return i
    return None


def _monotone(inv: Invariant, target: _Target, case: dict[str, Any], day: dt.date, data: Any) -> str | None:
    mono = inv.monotone
    assert mono is not None
    name = data.draw(st.sampled_from(mono.inputs), label="input turned to yes")
    spec = target.inputs[name]
    if spec.type == "set":
        item = data.draw(st.sampled_from(spec.choice_values), label="item added")
        before = case.get(name)
        base = [v for v in before if v != item] if isinstance(before, list) else []
        low_answer: Any = base
        high_answer: Any = [*base, item]
        shown = f"{name} + {item}"
    else:
        low_answer, high_answer, shown = False, True, name
    low_found = outcomes(target, {**case, name: low_answer}, day)
    high_found = outcomes(target, {**case, name: high_answer}, day)
    if not (_applies(inv, low_found) and _applies(inv, high_found)):
        return None
    low, high = low_found[mono.outcome], high_found[mono.outcome]
    if not (low[1] and high[1]):
        return None
    low_rank, high_rank = _rank(mono.order, low[0]), _rank(mono.order, high[0])
    if low_rank is None or high_rank is None:
        return None
    if high_rank < low_rank:
        return f"{shown}: no -> yes moved {mono.outcome} down from {low[0]} to {high[0]}"
    return None


def _is_open(spec: InputSpec, case: Mapping[str, Any], name: str) -> bool:
    answer = case.get(name)
    return (answer is None and not spec.optional) or (isinstance(answer, str) and answer in _OPEN)


def _worst(
    inv: Invariant, worst: WorstValue, target: _Target, case: dict[str, Any], day: dt.date, data: Any
) -> str | None:
    derived_by_visits = _VISIT_FIELDS if VISITS_KEY in case else frozenset()
    open_names = [
        n for n in worst.inputs if n not in derived_by_visits and _is_open(target.inputs[n], case, n)
    ]
    if not open_names:
        return None
    picked = data.draw(
        st.lists(st.sampled_from(open_names), min_size=1, max_size=worst.per_case, unique=True),
        label="open answers given their worst value",
    )
    before = outcomes(target, case, day)
    if not _applies(inv, before):
        return None
    for name in picked:
        for bad in worst.inputs[name]:
            after = outcomes(target, {**case, name: bad}, day)
            problem = _less_protective(worst, before, after)
            if problem is not None:
                was = case.get(name, "left out")
                return f"{name}: {was} -> {bad!r}: {problem}"
    return None


def _less_protective(worst: WorstValue, open_: Found, bad: Found) -> str | None:
    if worst.sets is not None:
        first, second = worst.sets
        blocked, _ = bad[first]
        granted, _ = open_[second]
        both = [v for v in (blocked or ()) if v in (granted or ())]
        if both:
            return f"the worst value puts {both} in {first}, the open answer has them in {second}"
        return None
    assert worst.outcome is not None and worst.order is not None
    (o_value, o_sure), (b_value, b_sure) = open_[worst.outcome], bad[worst.outcome]
    if not (o_sure and b_sure):
        return None
    o_rank, b_rank = _rank(worst.order, o_value), _rank(worst.order, b_value)
    if o_rank is not None and b_rank is not None and o_rank < b_rank:
        return f"{worst.outcome} is {o_value} with the open answer, {b_value} with the worst"
    return None


def _unsourced(refs: list[str], result: Assessment) -> str | None:
    ranking, plan = result.ranking, result.plan
    reasons: list[tuple[str, tuple[Any, ...]]] = []
    if ranking is not None:
        if f"{RANKING}.ranked" in refs:
            reasons += [(f"ranked {r.option}", r.because) for r in ranking.ranked]
        if f"{RANKING}.top_option" in refs and ranking.top is not None:
            reasons.append((f"top option {ranking.top.option}", ranking.top.because))
        if f"{RANKING}.blocked" in refs:
            reasons += [(f"blocked {b.option}", b.blocked_by) for b in ranking.blocked]
    if plan is not None and f"{PLAN}.allowed" in refs:
        reasons += [(f"move to {m.to}", m.because) for m in plan.moves if m.status == "allowed"]
    for what, because in reasons:
        fired = [r for r in because if r.status == "fired"]
        if not fired:
            return f"{what} names no fired rule"
        bare = [r.rule for r in fired if r.source is None]
        if bare:
            return f"{what}: rule {bare[0]} has no source"
    return None


def truth(check: Check, found: Found) -> bool | None:
    """Whether ``check`` surely holds (True), surely fails (False), or is open (None). A set
    outcome's value is what it surely holds, even while it is open."""
    ref, operand = check.args
    value, determined = found[ref]
    kind = check.kind
    if kind in ("includes", "excludes"):
        wanted = operand if isinstance(operand, list) else [operand]
        held = [w for w in wanted if w in (value or ())]
        if kind == "includes":
            return True if len(held) == len(wanted) else (False if determined else None)
        return False if held else (True if determined else None)
    if not determined or value is None:
        return None
    if kind == "equals":
        return bool(value == operand)
    if kind == "differs":
        return bool(value != operand)
    if kind == "in":
        return value in operand
    other, other_sure = found[operand]  # not_in: what is surely in the set, even while it is open
    if value in (other or ()):
        return False
    return True if other_sure else None


def _check(check: Check, found: Found) -> str | None:
    if truth(check, found) is not False:
        return None
    ref, operand = check.args
    value, _ = found[ref]
    kind = check.kind
    if kind == "equals":
        return f"{ref} is {value!r}, not {operand!r}"
    if kind == "differs":
        return f"{ref} is {value!r}"
    if kind == "in":
        return f"{ref} is {value!r}, not one of {operand!r}"
    if kind == "includes":
        return f"{ref} lacks {operand!r}"
    if kind == "excludes":
        return f"{ref} holds {operand!r}"
    return f"{ref} is {value!r}, which {operand} holds"


# -- many cases at once (benchmarks/care_path_properties.py) -----------------------------------


@dataclass
class Tally:
    """Every invariant of one file run on the same generated cases: how many cases each was
    tried on, how many broke it, and the first breaking case (not shrunk)."""

    file: str
    cases: int = 0
    tried: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    first: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    """Invariants that could not run (a reference that names nothing), with why."""


def tally_file(path: str | Path, n: int, seed: int = 0) -> Tally:
    """Run every invariant of ``path`` on ``n`` generated cases, each case assessed once for all
    the checks without ``given`` (the others draw their given answers on top of it). Failures
    are counted, not shrunk: for speed over many cases; ``check_file`` finds the smallest."""
    model, _, target = read_invariant_file(path)
    tally = Tally(str(path))
    runnable: list[Invariant] = []
    for inv in model.invariants:
        problem = _check_refs(inv, target)
        if problem is None:
            runnable.append(inv)
            tally.tried[inv.id], tally.failures[inv.id] = 0, 0
        else:
            tally.problems[inv.id] = problem
    givens = {i.id: st.fixed_dictionaries(_given_values(i.given, target)) for i in runnable if i.given}
    drop_visits = {inv.id for inv in runnable if _VISIT_FIELDS & set(inv.given)}
    day = model.as_of

    @settings(
        max_examples=n,
        derandomize=seed == 0,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    @given(case=target.strategy, data=st.data())
    @seed_of(seed)
    def run(case: dict[str, Any], data: Any) -> None:
        tally.cases += 1
        shared: Found | None = None
        for inv in runnable:
            this = case
            if inv.id in givens:
                drawn = data.draw(givens[inv.id], label=inv.id)
                this = {k: v for k, v in {**case, **drawn}.items() if not (k in inv.given and v is None)}
                if inv.id in drop_visits:
                    this.pop(VISITS_KEY, None)
            try:
                if inv.check is not None and this is case:
                    shared = shared if shared is not None else outcomes(target, case, day)
                    problem = _check(inv.check, shared) if _applies(inv, shared) else None
                else:
                    problem = violation(inv, target, this, day, data)
            except CarepathError as exc:
                problem = f"the case is refused: {type(exc).__name__}: {exc}"
            tally.tried[inv.id] += 1
            if problem is not None:
                tally.failures[inv.id] += 1
                tally.first.setdefault(inv.id, (this, problem))

    run()
    return tally


def _given_values(conditions: Mapping[str, Any], target: _Target) -> dict[str, Any]:
    fixed: dict[str, Any] = {}
    for name, wanted in conditions.items():
        spec = target.inputs[name]
        if isinstance(wanted, list):
            fixed[name] = st.sampled_from(wanted)
        elif isinstance(wanted, dict):
            fixed[name] = _within(spec, wanted)
        else:
            fixed[name] = st.just(wanted)
    return fixed


def _within(spec: InputSpec, wanted: Mapping[str, Any]) -> Any:
    """Answers that fit ``{op: VALUE}``: bounds drawn from directly (a filter would reject most
    draws once several invariants each draw their own), ``==``/``!=`` filtered."""
    if spec.type not in ("int", "number", "date"):
        return value(spec).filter(_fits(wanted))
    step: Any = dt.timedelta(days=1) if spec.type == "date" else (1 if spec.type == "int" else 0.0)
    low: Any = spec.min if spec.type != "date" else dt.date(1950, 1, 1)
    high: Any = spec.max if spec.type != "date" else dt.date(2050, 12, 31)
    low = -1000 if low is None else low
    high = 1000 if high is None else high
    for op, x in wanted.items():
        if op in (">", ">="):
            low = max(low, x + step if op == ">" else x)
        elif op in ("<", "<="):
            high = min(high, x - step if op == "<" else x)
    if spec.type == "date":
        bounded: Any = st.dates(low, high)
    elif spec.type == "int":
        bounded = st.integers(int(low), int(high))
    else:
        bounded = st.floats(low, high, allow_nan=False, exclude_min=">" in wanted, exclude_max="<" in wanted)
    return bounded.filter(_fits(wanted))


def seed_of(seed: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """hypothesis's ``seed`` decorator, or nothing for 0 (derandomized)."""
    from hypothesis import seed as hseed

    if seed == 0:
        return lambda f: f
    decorate: Callable[[Callable[..., None]], Callable[..., None]] = hseed(seed)
    return decorate
