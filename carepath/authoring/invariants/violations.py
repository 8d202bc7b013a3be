"""Whether one generated case breaks an invariant, for each kind (``check``, ``monotone``,
``worst_value``, ``sourced``), and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from carepath.assessments.pipeline import RANKING, Pipeline
from carepath.assessments.result import Assessment
from carepath.authoring.invariants.model import _OPEN, _VISIT_FIELDS, PLAN, Check, Invariant, WorstValue
from carepath.authoring.invariants.reading import _Target
from carepath.authoring.invariants.references import Found, assess, assessment_refs, outcomes, truth
from carepath.authoring.strategies import VISITS_KEY
from carepath.rules.model import InputSpec


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
