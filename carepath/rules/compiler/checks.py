"""The compiler's base: its errors, and the checks of names, types and values that every rule kind
and condition uses."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from typing import Any

from carepath.errors import RuleFileError
from carepath.rules.layers import MergedRuleSet, Origin
from carepath.rules.model import InputSpec, TargetSpec, bounded_number


class _Checks:
    def __init__(self, merged: MergedRuleSet) -> None:
        self.m = merged
        self.targets = merged.targets
        self.layer_of = {rid: merged.origin("rules", rid).layer.id for rid in merged.rules}
        self.thresholds: dict[str, list[Any]] = {}

    # -- errors ---------------------------------------------------------------------------
    def fail(
        self, origin: Origin, sub: Sequence[str | int], message: str, rule_id: str | None = None
    ) -> RuleFileError:
        return RuleFileError(message, rule_id=rule_id, **origin.place(sub))

    def _suggest(self, name: str) -> str:
        known = [*self.m.inputs, *self.targets]
        close = difflib.get_close_matches(name, known, n=1)
        return f" (did you mean {close[0]!r}?)" if close else ""

    # -- names, types, values -------------------------------------------------------------
    def _kind(self, name: str, origin: Origin, sub: Sequence[str | int], rid: str) -> InputSpec | TargetSpec:
        if name in self.m.inputs:
            if self.m.inputs[name].type == "text":
                raise self.fail(
                    origin, sub, f"{name!r} is free text: test it only with is_known or is_declined", rid
                )
            return self.m.inputs[name]
        if name in self.targets:
            return self.targets[name]
        raise self.fail(
            origin, sub, f"{name!r} is not a declared input, fact or outcome{self._suggest(name)}", rid
        )

    def _target(self, name: str, origin: Origin, sub: Sequence[str | int], rid: str) -> TargetSpec:
        if name in self.targets:
            return self.targets[name]
        if name in self.m.inputs:
            raise self.fail(origin, sub, f"{name!r} is an input; rules conclude facts and outcomes", rid)
        raise self.fail(origin, sub, f"{name!r} is not a declared fact or outcome{self._suggest(name)}", rid)

    def _param(
        self, name: str, origin: Origin, sub: Sequence[str | int], rid: str, kind: str | None = None
    ) -> None:
        if name not in self.m.parameters:
            close = difflib.get_close_matches(name, list(self.m.parameters), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise self.fail(origin, sub, f"no parameter {name!r}{hint}", rid)
        if kind is not None:
            values = [v.value for v in self.m.parameters[name].values]
            number = int if kind == "int" else int | float
            ok = all(isinstance(v, number) and not isinstance(v, bool) for v in values)
            if not ok:
                wanted = "a whole number" if kind == "int" else "a number"
                raise self.fail(origin, sub, f"parameter {name!r} must be {wanted} on every date", rid)

    def _number(self, value: Any, origin: Origin, sub: Sequence[str | int], rid: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(origin, sub, "a number is needed here", rid)
        return value

    def _fit_output(
        self, spec: TargetSpec, value: Any, origin: Origin, sub: Sequence[str | int], rid: str
    ) -> Any:
        if spec.type == "bool":
            if not isinstance(value, bool):
                raise self.fail(origin, sub, "a yes/no fact takes true or false", rid)
            return value
        if spec.type == "number":
            return self._number(value, origin, sub, rid)
        allowed = spec.values or []
        items = value if isinstance(value, list) else [value]
        if spec.type == "enum" and isinstance(value, list):
            raise self.fail(origin, sub, "an enum takes one value, not a list", rid)
        for item in items:
            if item not in allowed:
                raise self.fail(origin, sub, f"{item!r} is not one of {allowed}", rid)
        return frozenset(items) if spec.type == "set" else value

    def _plain(self, name: str) -> bool:
        """Is the value of ``name`` always plain or ``None`` (an input, a yes/no or enum fact),
        never a partial score or set? Only such leaves are written out inline."""
        return name in self.m.inputs or self.targets[name].type in ("bool", "enum")

    def _values_fit(
        self,
        spec: InputSpec | TargetSpec,
        values: Sequence[Any],
        origin: Origin,
        sub: tuple[str | int, ...],
        rid: str,
    ) -> None:
        if isinstance(spec, InputSpec):
            kind, allowed = spec.type, list(spec.choice_values)
        else:
            kind, allowed = spec.type, list(spec.values or [])
        for value in values:
            if kind in ("enum", "set"):
                if value not in allowed:
                    raise self.fail(origin, sub, f"{value!r} is not one of {allowed}", rid)
            elif kind in ("int", "number"):
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise self.fail(origin, sub, f"{value!r} is not a number", rid)
                try:
                    bounded_number(value)
                except ValueError as exc:
                    raise self.fail(origin, sub, str(exc), rid) from None
            elif kind == "date":
                if not isinstance(value, dt.date):
                    raise self.fail(origin, sub, f"{value!r} is not a date (YYYY-MM-DD)", rid)
            elif kind == "bool" and not isinstance(value, bool):
                raise self.fail(origin, sub, f"{value!r} is not true or false", rid)


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, str):
        return "text"
    return "list"


def _family(kind: str) -> str:
    return {"int": "number", "enum": "text", "set": "text"}.get(kind, kind)
