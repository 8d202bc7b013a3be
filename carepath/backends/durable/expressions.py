"""durable expressions (JSON-shaped conditions on the message): and/or, values as the message
carries them, and a condition expanded into the conjunctions that become durable rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, TypeAlias

from carepath.backends.durable.limits import MAX_TERMS, UnsupportedByBackend

Expr: TypeAlias = dict[str, Any] | bool
"""A durable condition on the message (JSON-shaped), or a truth known without the case."""


def _and(parts: Iterable[Expr]) -> Expr:
    return _join(parts, "$and", absorbing=False)


def _or(parts: Iterable[Expr]) -> Expr:
    return _join(parts, "$or", absorbing=True)


def _join(parts: Iterable[Expr], op: str, absorbing: bool) -> Expr:
    """``$and`` / ``$or`` of ``parts``, flattened; ``absorbing`` (false for and, true for or)
    decides it alone, the other truth value drops out."""
    kept: list[dict[str, Any]] = []
    for part in parts:
        if part is absorbing:
            return absorbing
        if part is (not absorbing):
            continue
        assert isinstance(part, dict)
        kept.extend(part[op] if list(part) == [op] else [part])
    if not kept:
        return not absorbing
    return kept[0] if len(kept) == 1 else {op: kept}


def _plain(value: Any) -> Any:
    """A value as the message carries it: dates as day numbers."""
    return value.toordinal() if isinstance(value, dt.date) else value


def _set_attribute(name: str, value: str) -> str:
    return f"{name}__{value}"


def _terms(expr: Expr, rid: str) -> list[list[dict[str, Any]]]:
    """``expr`` as a disjunction of conjunctions of leaves. durable nests at most 15 and/or in a
    rule, and a rule whose disjuncts match twice fires twice: each conjunction becomes a rule."""
    if expr is True:
        return [[]]
    if expr is False:
        return []
    (key,) = expr
    found: list[list[dict[str, Any]]]
    if key == "$or":
        found = [term for part in expr["$or"] for term in _terms(part, rid)]
    elif key == "$and":
        found = [[]]
        for part in expr["$and"]:
            terms = _terms(part, rid)
            if len(found) * len(terms) > MAX_TERMS:
                found = [[]] * (MAX_TERMS + 1)
                break
            found = [a + b for a in found for b in terms]
    else:
        return [[expr]]
    if len(found) > MAX_TERMS:
        raise UnsupportedByBackend(
            f"the condition expands into more than {MAX_TERMS} conjunctions",
            feature="condition too large",
            rule_id=rid,
        )
    return [term for term in found if _consistent(term)]


def _check_constant(leaf: dict[str, Any], rid: str) -> None:
    """durable's parser refuses a number such as ``1e-05`` in a rule (see :func:`_number`)."""
    ((_, inner),) = leaf.items()
    values = inner.values() if isinstance(inner, dict) else [inner]
    for value in values:
        if isinstance(value, float) and _number(value) != repr(value):
            raise UnsupportedByBackend(
                f"the number {value!r} is written in a form durable cannot read",
                feature="number format",
                rule_id=rid,
            )


def _consistent(term: list[dict[str, Any]]) -> bool:
    """No two equality tests in ``term`` want different values of one attribute."""
    wanted: dict[str, Any] = {}
    for leaf in term:
        ((attribute, value),) = leaf.items()
        if not attribute.startswith("$"):
            if attribute in wanted and wanted[attribute] != value:
                return False
            wanted[attribute] = value
    return True


def _number(value: int | float) -> str:
    """A number as durable's JSON parser reads it: an exponent needs a point before it."""
    text = repr(value)
    mantissa, e, exponent = text.partition("e")
    return f"{mantissa}.0e{exponent}" if e and "." not in mantissa else text
