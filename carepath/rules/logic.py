"""Stage 4: three-valued (Kleene) truth. ``None`` is unknown; unknown is never read as no.

::

    a      b      | not a | a and b | a or b
    true   true   | false | true    | true
    true   unknown| false | unknown | true
    true   false  | false | false   | true
    unknown unknown| unknown| unknown | unknown
    unknown false | unknown| false   | unknown
    false  false  | true  | false   | false

``count_at_least(n)`` is true once n conditions are true, false once fewer than n can still
become true, and unknown in between. Numbers concluded by unknown score items are intervals;
sets concluded by unknown rules are partial (what is surely in, what may be).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta

__all__ = [
    "COMPARE",
    "Interval",
    "PartialSet",
    "Truth",
    "and3",
    "count3",
    "literal",
    "not3",
    "or3",
    "shift",
    "shown",
    "unsettled",
]

Truth = bool | None


def not3(value: Truth) -> Truth:
    """Kleene NOT."""
    return None if value is None else not value


def and3(values: Iterable[Truth]) -> Truth:
    """Kleene AND: false if any is false, else unknown if any is unknown, else true."""
    result: Truth = True
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
    return result


def or3(values: Iterable[Truth]) -> Truth:
    """Kleene OR: true if any is true, else unknown if any is unknown, else false."""
    result: Truth = False
    for value in values:
        if value is True:
            return True
        if value is None:
            result = None
    return result


def count3(n: int, values: Iterable[Truth]) -> Truth:
    """At least ``n`` are true: true, false, or unknown while the unknowns could decide it."""
    true = unknown = 0
    for value in values:
        if value is True:
            true += 1
        elif value is None:
            unknown += 1
    if true >= n:
        return True
    if true + unknown < n:
        return False
    return None


@dataclass(frozen=True, slots=True)
class Interval:
    """A number known to lie in ``[low, high]`` (a score with unknown items)."""

    low: float
    high: float

    def compare(self, op: str, other: Any) -> Truth:
        """``self op other`` for every value in the interval: true, false, or unknown."""
        lo_true = COMPARE[op](self.low, other)
        hi_true = COMPARE[op](self.high, other)
        if op in ("==", "!="):
            inside = self.low <= other <= self.high
            if op == "==":
                return None if inside else False
            return None if inside else True
        if lo_true and hi_true:
            return True
        if not lo_true and not hi_true:
            return False
        return None


@dataclass(frozen=True, slots=True)
class PartialSet:
    """A set of which ``surely`` is in and ``maybe`` may be (flags from unknown rules)."""

    surely: frozenset[Any]
    maybe: frozenset[Any]

    def meets(self, values: frozenset[Any]) -> Truth:
        """Does the set share a value with ``values``?"""
        if self.surely & values:
            return True
        if self.maybe & values:
            return None
        return False


def shown(value: Any) -> Any:
    """A value as results and traces show it: sets sorted, partial values spelt out."""
    if isinstance(value, frozenset):
        return sorted(value, key=str)
    if isinstance(value, Interval):
        return {"between": [value.low, value.high]}
    if isinstance(value, PartialSet):
        return {"surely": sorted(value.surely, key=str), "maybe": sorted(value.maybe, key=str)}
    return value


def literal(value: Any) -> str:
    """A value as a rule file writes it: true / false, dates as YYYY-MM-DD, lists in brackets."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def unsettled(value: Any) -> bool:
    """Unknown, or only partly known (an open score or set)."""
    return value is None or isinstance(value, Interval | PartialSet)


COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: bool(a == b),
    "!=": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    ">=": lambda a, b: bool(a >= b),
}
"""The comparison operators of the condition language, on known values."""


def shift(day: dt.date, unit: str, amount: int) -> dt.date:
    """``day`` moved by ``amount`` calendar ``unit``s (days, weeks, months, years).

    Months and years keep the day of the month where it exists (31 January + 1 month is
    28 or 29 February), as dateutil does.
    """
    if unit == "days":
        return day + dt.timedelta(days=amount)
    if unit == "weeks":
        return day + dt.timedelta(weeks=amount)
    if unit == "months":
        return day + relativedelta(months=amount)
    if unit == "years":
        return day + relativedelta(years=amount)
    raise ValueError(f"unknown unit {unit!r}")
