"""Feed an open number outcome as the interval it can still take.

A risk score with two warning signs still open is not nothing: it lies between the points of
the signs known present and those plus the open signs' weights. A later step reads the input
fed from it as that interval ``[low, high]``, so that a comparison with a written value or a
parameter (``<``, ``<=``, ``>``, ``>=``, ``==``, ``!=``, ``in``, a table's cells) is true when it
holds for every value in the interval, false when for none, and unknown otherwise.

- **The interval.** Where the outcome's open questions are few yes/no or choice questions,
  answering them every way gives its values exactly (:func:`~carepath.assessments.candidates.by_answering`):
  the interval runs from the least to the greatest. Otherwise it is the values pass's own bound
  (:meth:`~carepath.rules.ruleset.RuleSet.number_bounds`): each score item, summed table row or
  conclusion of unknown truth may count or not. That is exact for independent signs and wider
  otherwise, never narrower. An outcome that may end as a whole number only (every weight,
  row and default whole) is read as whole numbers.
- **Reading it.** The comparisons of the later step's rules split the interval into classes
  (below, at, above each written value or parameter), and one value of each class stands for
  all of it (:func:`interval_values`): the step runs once per class, as for an enum's
  candidates, and its results merge the same way (:mod:`~carepath.assessments.candidates`).
- **Not decidable from the interval.** Where a rule reads the input otherwise (compared with
  another input, as a reference), every whole number of the interval is a candidate when they
  are few (at most :data:`~carepath.assessments.candidates.MAX_WORLDS`); otherwise nothing is
  fed and the input stays unknown. Nor is an interval fed that reaches beyond the input's
  ``min`` / ``max``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from carepath.assessments.candidates import MAX_WORLDS, representatives, tests_of
from carepath.rules.compiler import CompiledRule, CompiledScore, CompiledTable
from carepath.rules.logic import COMPARE
from carepath.rules.model import InputSpec
from carepath.rules.ruleset import RuleSet

__all__ = ["interval_values", "outcome_interval", "whole_valued"]

Bounds = tuple[float, float]


def outcome_interval(bounds: Bounds | None, settled: tuple[tuple[Any, ...], bool] | None) -> Bounds | None:
    """The interval an open number outcome can still take: from the values answering its open
    questions gives (``settled``, exact), else the values pass's ``bounds`` (sound)."""
    if settled is not None:
        values, absent = settled
        if values and not absent and all(_is_number(v) for v in values):
            return (min(values), max(values))
    return bounds


def whole_valued(ruleset: RuleSet, name: str, params: Mapping[str, Any]) -> bool:
    """Can number outcome ``name`` only ever be a whole number (its default, every weight, summed
    row and conclusion whole, on the day of ``params``)?"""
    amounts: list[Any] = [ruleset.merged.outcomes[name].default or 0]
    for rule in ruleset.compiled.rules.values():
        if isinstance(rule, CompiledScore) and rule.target == name:
            amounts += [params.get(f"@{i.param}") if i.param else i.output for i in rule.items]
        elif isinstance(rule, CompiledTable) and rule.output == name:
            amounts += [1] if rule.aggregate == "count" else [row.output for row in rule.rows]
        elif isinstance(rule, CompiledRule):
            amounts += [v for t, v in rule.then if t == name]
    return all(_is_number(a) and float(a).is_integer() for a in amounts)


def interval_values(
    interval: Bounds,
    spec: InputSpec,
    name: str,
    rules: Iterable[Mapping[str, Any]],
    params: Mapping[str, Any],
    whole: bool,
) -> tuple[tuple[Any, ...], Bounds] | None:
    """One value per class of ``interval`` that the ``rules`` (as the rule file writes them)
    tell apart in input ``name``, and the interval as the input reads it (whole numbers for an
    ``int`` input or a ``whole`` outcome); ``None`` when it cannot be fed (see the module)."""
    low, high = interval
    if (spec.min is not None and low < spec.min) or (spec.max is not None and high > spec.max):
        return None
    whole = whole or spec.type == "int"
    if whole:
        low, high = math.ceil(low), math.floor(high)
        if low > high:
            return None
    found = _number_tests(rules, name, params)
    if found is None:  # read otherwise than by comparing with a written value
        if not whole or high - low + 1 > MAX_WORLDS:
            return None
        return tuple(range(int(low), int(high) + 1)), (low, high)
    tests, marks = found
    points = _whole_points(int(low), int(high), marks) if whole else _points(low, high, marks)
    return representatives(points, tests), (low, high)


def _whole_points(low: int, high: int, marks: list[float]) -> list[int]:
    """Whole numbers meeting every class the marks make within ``[low, high]``: the ends, each
    whole mark, and the nearest whole numbers below and above each mark."""
    found = {low, high}
    for m in marks:
        found |= {math.ceil(m) - 1, math.floor(m), math.ceil(m), math.floor(m) + 1}
    return sorted(x for x in found if low <= x <= high)


def _points(low: float, high: float, marks: list[float]) -> list[float]:
    """Numbers meeting every class the marks make within ``[low, high]``: the ends, each mark,
    and a number between each two of them."""
    ends = sorted({low, high, *(m for m in marks if low <= m <= high)})
    between = [(a + b) / 2 for a, b in itertools.pairwise(ends)]
    return [_tidy(x) for x in sorted([*ends, *between])]


def _tidy(x: float) -> float:
    return int(x) if float(x).is_integer() else x


def _number_tests(
    rules: Iterable[Mapping[str, Any]], name: str, params: Mapping[str, Any]
) -> tuple[list[Any], list[float]] | None:
    """The tests the rules make of number input ``name`` and the values they compare it with
    (parameters read on the day), or ``None`` when some rule reads it otherwise."""
    marks: list[float] = []

    def leaf(op: str, operand: Any) -> Any:
        if isinstance(operand, dict) and set(operand) == {"param"}:
            operand = params.get(f"@{operand['param']}")
        if op == "in" and isinstance(operand, list) and all(_is_number(v) for v in operand):
            marks.extend(operand)
            return partial(_is_in, tuple(operand))
        if op in COMPARE and _is_number(operand):
            marks.append(operand)
            return partial(_compare, op, operand)
        return None

    tests = tests_of(rules, name, leaf)
    return None if tests is None else (tests, marks)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _compare(op: str, operand: float, v: Any) -> bool:
    return COMPARE[op](v, operand)


def _is_in(of: tuple[Any, ...], v: Any) -> bool:
    return v in of
