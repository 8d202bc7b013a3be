"""The outcomes of one case as invariants refer to them (``STEP.OUTCOME``, ``ranking.*``,
``plan.*``, ``derived.*``), and whether a check surely holds on them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from carepath.assessments.pipeline import RANKING, Pipeline
from carepath.assessments.result import Assessment
from carepath.authoring.invariants.model import _PLAN_LISTS, DERIVED, PLAN, Check, Derived
from carepath.authoring.invariants.reading import _Target
from carepath.authoring.strategies import VISITS_KEY
from carepath.cases import case_from_data

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
