"""XPath 1.0 expressions for the form's ``relevant`` column: built with their precedence, and
simplified as they are joined (constants folded, repeats and absorbed operands dropped)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class _X:
    """An XPath expression and how tightly it binds (0: or, 1: and, 2: a term); an ``or`` or an
    ``and`` keeps its operands, so that ``a or (a and b)`` can shrink to ``a``."""

    text: str
    prec: int = 2
    parts: tuple[_X, ...] = field(default=(), compare=False, repr=False)

    def operands(self, prec: int) -> tuple[_X, ...]:
        """The operands of an ``or`` (prec 0) or ``and`` (prec 1), or the expression itself."""
        return self.parts if self.prec == prec and self.parts else (self,)


TRUE = _X("true()")
FALSE = _X("false()")


def _join(parts: Iterable[_X], prec: int) -> _X:
    """``and`` (prec 1) or ``or`` (prec 0) of the parts: flattened, constants folded, repeats
    and absorbed operands (``a or (a and b)`` -> ``a``) dropped."""
    unit, zero = (TRUE, FALSE) if prec == 1 else (FALSE, TRUE)
    kept: dict[str, _X] = {}
    for part in parts:
        for item in part.operands(prec):
            if item == zero:
                return zero
            if item != unit:
                kept.setdefault(item.text, item)
    inner = 1 - prec  # the other operator
    for text, part in list(kept.items()):
        others = set(kept) - {text}
        # an operand of the other operator one of whose operands the rest already implies
        # (``(a or b) and a`` -> ``a``; ``(a and b) or a or b`` -> ``a or b``) is dropped
        if part.prec == inner and any(
            {x.text for x in sub.operands(prec)} <= others for sub in part.operands(inner)
        ):
            del kept[text]
    final = list(kept.values())
    if not final:
        return unit
    if len(final) == 1:
        return final[0]
    word = " and " if prec == 1 else " or "
    text = word.join(f"({p.text})" if p.prec == inner else p.text for p in final)
    return _X(text, prec, tuple(final))


def _and(parts: Iterable[_X]) -> _X:
    return _join(parts, 1)


def _or(parts: Iterable[_X]) -> _X:
    return _join(parts, 0)


def _not(part: _X) -> _X:
    if part == TRUE:
        return FALSE
    if part == FALSE:
        return TRUE
    return _X(f"not({part.text})")


def _at_least(n: int, parts: list[_X]) -> _X:
    """At least ``n`` of the parts hold."""
    sure = sum(1 for p in parts if p == TRUE)
    rest = [p for p in parts if p not in (TRUE, FALSE)]
    need = n - sure
    if need <= 0:
        return TRUE
    if need > len(rest):
        return FALSE
    if need == 1:
        return _or(rest)
    if need == len(rest):
        return _and(rest)
    return _X(" + ".join(f"number({p.text})" for p in rest) + f" >= {need}", 1)


def _choice(value: Any) -> str:
    """A value as the form's choice name: yes / no for a bool."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _lit(value: str) -> str:
    return f'"{value}"' if "'" in value else f"'{value}'"


def _ref(name: str) -> str:
    return "${" + name + "}"


def _num(value: float | int) -> str:
    if isinstance(value, bool):
        raise TypeError("a yes/no is not a number")
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
