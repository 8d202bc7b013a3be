"""An overlay may not contradict a hard rule of a lower layer through a conflict.

The check needs the merged rule set compiled, so it runs after :func:`~carepath.rules.layers.merge`:
:func:`merge_checked` is how a stack of layers becomes a rule set everywhere (loading, reforms,
pipelines). See :mod:`carepath.rules.layers` for what an overlay may and may not do.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from carepath.errors import EvaluationError
from carepath.rules.compiler import compile_ruleset
from carepath.rules.evaluator import params_on
from carepath.rules.layers import HardConflictError, Layer, MergedRuleSet, merge
from carepath.rules.model import ConclusionRule, DecisionTable, Rule
from carepath.rules.parsing import locate
from carepath.rules.reach import conflicts, one_valued_conclusions

__all__ = ["merge_checked"]


def merge_checked(layers: list[Layer]) -> MergedRuleSet:
    """Merge a layer stack (lowest first) and refuse an overlay rule that can conclude against a
    hard rule of a lower layer (:class:`HardConflictError` at the overlay's conclusion)."""
    merged = merge(layers)
    _check_hard_conflicts(merged)
    return merged


def _check_hard_conflicts(merged: MergedRuleSet) -> None:
    """Refuse an overlay rule that can conclude against a hard rule of a lower layer."""
    if len(merged.layers) < 2 or not _may_contradict_hard(merged):
        return
    # compiled here, only for an overlay that concludes another value of a hard rule's target
    compiled = compile_ruleset(merged)
    level = _levels(merged)
    pairs = [
        (hard, other)
        for found in one_valued_conclusions(compiled).values()
        for hard in found
        if hard.hard
        for other in found
        if level(other.rule) > level(hard.rule)
    ]
    days = sorted({v.valid_from for p in merged.parameters.values() for v in p.values})
    settings: list[dict[str, Any]] = []
    for day in days:
        with contextlib.suppress(EvaluationError):  # a parameter with no value yet that day
            settings.append(params_on(compiled, day))
    for params in settings or [{}]:
        for found in conflicts(compiled, params, pairs):
            hard, other = found.first, found.second
            below = merged.origin("rules", hard.rule)
            line, _ = locate(below.layer.parsed.located, (*below.path, *hard.path))
            can = "can" if found.reachable else "cannot be shown never to"
            raise HardConflictError(
                f"rule {other.rule!r} {can} conclude {_shown(other.value)} of {other.target!r} on a case "
                f"where the hard rule {hard.rule!r} ({below.layer.file}:{line}) concludes "
                f"{_shown(hard.value)}: an overlay may not contradict a hard rule, so its condition "
                f"must exclude the cases where {hard.rule!r} applies",
                rule_id=other.rule,
                **merged.origin("rules", other.rule).place(other.path),
            )


def _may_contradict_hard(merged: MergedRuleSet) -> bool:
    """Whether a rule of a higher layer concludes another value of a hard rule's one-valued target."""
    one_valued = {n for n, s in merged.targets.items() if s.type in ("bool", "enum")}
    level = _levels(merged)
    values: dict[str, list[tuple[int, bool, Any]]] = {}
    for rid, rule in merged.rules.items():
        for target, value in _conclusions(rule):
            if target in one_valued:
                values.setdefault(target, []).append((level(rid), rule.hard, value))
    return any(
        hard and other_level > hard_level and other != value
        for found in values.values()
        for hard_level, hard, value in found
        for other_level, _, other in found
    )


def _levels(merged: MergedRuleSet) -> Callable[[str], int]:
    """A rule's layer, as its position in the stack (lowest 0)."""
    rank = {id(layer): i for i, layer in enumerate(merged.layers)}
    return lambda rid: rank[id(merged.origin("rules", rid).layer)]


def _conclusions(rule: Rule) -> list[tuple[str, Any]]:
    """The (target, value) pairs a rule may conclude, as written."""
    if isinstance(rule, ConclusionRule):
        return list(rule.then.items())
    if isinstance(rule, DecisionTable):
        return [(rule.table.output, row.then) for row in rule.table.rows]
    return []


def _shown(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
