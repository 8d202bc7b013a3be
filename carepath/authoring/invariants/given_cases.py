"""The generated cases an invariant's ``given`` restricts: answers drawn to fit each input it lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from carepath.authoring.invariants.model import _VISIT_FIELDS
from carepath.authoring.invariants.reading import _Target
from carepath.authoring.strategies import VISITS_KEY, value
from carepath.rules.logic import COMPARE
from carepath.rules.model import InputSpec


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
