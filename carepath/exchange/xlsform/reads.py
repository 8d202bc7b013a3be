"""What a rule condition reads (:func:`names`), and the stand-in for a condition the skip logic
cannot translate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from carepath.rules import conditions as c


@dataclass(frozen=True)
class _Opaque:
    """A condition that cannot be translated; it reads ``names``."""

    names: frozenset[str]


def names(cond: Any) -> frozenset[str]:
    """The inputs, facts and outcomes a condition reads."""
    if isinstance(cond, _Opaque):
        return cond.names
    if isinstance(cond, c.All):
        return frozenset().union(*(names(x) for x in cond.all))
    if isinstance(cond, c.Any_):
        return frozenset().union(*(names(x) for x in cond.any))
    if isinstance(cond, c.Not):
        return names(cond.not_)
    if isinstance(cond, c.CountAtLeast):
        return frozenset().union(*(names(x) for x in cond.count_at_least.of))
    if isinstance(cond, c.IsTrue):
        return frozenset((cond.is_true,))
    if isinstance(cond, c.IsKnown):
        return frozenset((cond.is_known,))
    if isinstance(cond, c.IsDeclined):
        return frozenset((cond.is_declined,))
    if isinstance(cond, c.In):
        return frozenset((cond.in_[0],))
    if isinstance(cond, c.Intersects):
        return frozenset((cond.intersects[0],))
    if isinstance(cond, c.Contains):
        name, operand = cond.contains
        return frozenset((name, operand.ref) if isinstance(operand, c.Ref) else (name,))
    if isinstance(cond, c.Elapsed):
        return frozenset((cond.elapsed.since,))
    if isinstance(cond, c.Compare):
        left, operand = cond.args
        found = set() if isinstance(left, c.ParamRef) else {left}
        if isinstance(operand, c.Ref):
            found.add(operand.ref)
        return frozenset(found)
    return frozenset()
