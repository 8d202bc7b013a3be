"""Reading an invariants file: validated, with the rule set or pipeline it checks loaded, and
the check that each invariant's references name something.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from carepath.assessments.pipeline import RANKING, Pipeline, load_pipeline, ranking_outcomes
from carepath.authoring.invariants.model import (
    _PLAN_LISTS,
    _RANKING_LISTS,
    DERIVED,
    PLAN,
    Check,
    Derived,
    Invariant,
    InvariantFile,
)
from carepath.authoring.strategies import VISITS_KEY, cases, whole_cases
from carepath.cases import case_from_data
from carepath.errors import RuleFileError
from carepath.rules.loader import load_yaml_file
from carepath.rules.model import InputSpec, TargetSpec
from carepath.rules.parsing import locate, translate
from carepath.rules.registry import INVARIANT_SUFFIX, resolve, resolve_pipeline
from carepath.rules.ruleset import RuleSet, load


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
