"""Which open question to ask next: the one whose answer most often settles the open outcomes.

``Evaluation.missing`` says *which* questions could still change an outcome. This module says
*in which order* to ask them. For each open question it tries the plausible answers:

- yes and no;
- each choice;
- for a set, "none" and each single choice;
- for a number or date, each side of every threshold the rules compare it with.

It then counts how many of the open outcomes each answer settles, and ranks the questions by
the share settled (then by how many outcomes wait on the question, then by declaration order).
The interview and the report use it. It costs one evaluation per tried answer, so it is not on
the hot path.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from carepath.rules.compiler import ElapsedMark
from carepath.rules.conditions import ParamRef
from carepath.rules.model import InputSpec, InputType

__all__ = ["Question", "trial_answers"]


@dataclass(frozen=True)
class Question:
    """An open question, how often its answer settles the open outcomes, and which wait on it.

    ``type`` is the input's type (bool, int, number, date, text, enum or set) and ``choices``
    the values an enum or set accepts (empty for other types), as the rule set declares them.
    """

    name: str
    text: str
    settles: float
    outcomes: tuple[str, ...]
    type: InputType = "text"
    choices: tuple[str, ...] = ()


def trial_answers(spec: InputSpec, thresholds: Iterable[Any], params: Mapping[str, Any]) -> list[Any]:
    """The plausible answers tried for one question (checked values, as evaluation reads them)."""
    if spec.type == "bool":
        return [True, False]
    if spec.type == "enum":
        return list(spec.choice_values)
    if spec.type == "set":
        return [frozenset(), *(frozenset((c,)) for c in spec.choice_values)]
    if spec.type == "text":
        return ["(answered)"]
    points: list[Any] = []
    for threshold in thresholds:
        if isinstance(threshold, ElapsedMark):
            boundary = threshold.date_on(dict(params))
            if boundary is not None:
                points += [boundary - dt.timedelta(days=1), boundary, boundary + dt.timedelta(days=1)]
            continue
        value = params.get(f"@{threshold.param}") if isinstance(threshold, ParamRef) else threshold
        if spec.type == "date" and isinstance(value, dt.date):
            points += [value - dt.timedelta(days=1), value, value + dt.timedelta(days=1)]
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if spec.type == "int":
                points += [math.ceil(value) - 1, math.ceil(value), math.floor(value) + 1]
            else:
                points += [value - 1, value, value + 1]
    low = spec.min if spec.min is not None else -math.inf
    high = spec.max if spec.max is not None else math.inf
    return [p for p in dict.fromkeys(points) if isinstance(p, dt.date) or low <= p <= high]
