"""Running the invariants of a file over generated cases: the smallest counterexample of each
(:func:`check_file`) or, for speed over many cases, counts (:func:`tally_file`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from carepath.authoring.invariants.given_cases import _given_cases, _given_values
from carepath.authoring.invariants.model import _VISIT_FIELDS, Invariant
from carepath.authoring.invariants.reading import _check_refs, _Target, invariant_files, read_invariant_file
from carepath.authoring.invariants.references import Found, outcomes
from carepath.authoring.invariants.violations import _applies, _check, violation
from carepath.authoring.strategies import VISITS_KEY
from carepath.errors import CarepathError, RuleSetError
from carepath.rules.parsing import locate


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


def seed_of(seed: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """hypothesis's ``seed`` decorator, or nothing for 0 (derandomized)."""
    from hypothesis import seed as hseed

    if seed == 0:
        return lambda f: f
    decorate: Callable[[Callable[..., None]], Callable[..., None]] = hseed(seed)
    return decorate
