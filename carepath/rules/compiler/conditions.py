"""Conditions compiled into closures (:class:`CNode`): the operators, decision-table cells and
``elapsed`` durations, each checked against the declared names and types."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from carepath.rules import conditions as c
from carepath.rules.compiler.checks import _Checks, _family, _kind_of
from carepath.rules.layers import Origin
from carepath.rules.logic import COMPARE, Interval, PartialSet, Truth, literal, shift, unsettled
from carepath.rules.model import InputSpec, TargetSpec
from carepath.rules.nodes import (
    ANSWERS_KEY,
    AS_OF_KEY,
    AllNode,
    AnyNode,
    CNode,
    CountNode,
    Leaf,
    NotNode,
    Shape,
)

Env = dict[str, Any]
_CONDITION = TypeAdapter(c.Condition)


class _Conditions(_Checks):
    # -- conditions -----------------------------------------------------------------------
    def cond(self, node: Any, origin: Origin, sub: tuple[str | int, ...], rid: str) -> CNode:
        """Compile one condition node (validated model) into a :class:`CNode`."""
        if isinstance(node, c.All):
            return AllNode([self.cond(x, origin, (*sub, "all", i), rid) for i, x in enumerate(node.all)])
        if isinstance(node, c.Any_):
            return AnyNode([self.cond(x, origin, (*sub, "any", i), rid) for i, x in enumerate(node.any)])
        if isinstance(node, c.Not):
            return NotNode(self.cond(node.not_, origin, (*sub, "not"), rid))
        if isinstance(node, c.CountAtLeast):
            spec = node.count_at_least
            kids = [
                self.cond(x, origin, (*sub, "count_at_least", "of", i), rid) for i, x in enumerate(spec.of)
            ]
            if isinstance(spec.n, c.ParamRef):
                self._param(spec.n.param, origin, (*sub, "count_at_least", "n"), rid, "int")
                return CountNode(None, spec.n.param, kids)
            return CountNode(spec.n, None, kids)
        if isinstance(node, c.IsTrue):
            return self._is_true(node.is_true, origin, (*sub, "is_true"), rid)
        if isinstance(node, c.IsKnown):
            return self._answer_test(node.is_known, "is_known", origin, (*sub, "is_known"), rid)
        if isinstance(node, c.IsDeclined):
            return self._answer_test(node.is_declined, "is_declined", origin, (*sub, "is_declined"), rid)
        if isinstance(node, c.In):
            name, values = node.in_
            return self._in(name, values, origin, (*sub, "in"), rid)
        if isinstance(node, c.Intersects):
            name, values = node.intersects
            return self._intersects(name, values, origin, (*sub, "intersects"), rid)
        if isinstance(node, c.Contains):
            name, operand = node.contains
            return self._contains(name, operand, origin, (*sub, "contains"), rid)
        if isinstance(node, c.Elapsed):
            return self._elapsed(node.elapsed, origin, (*sub, "elapsed"), rid)
        if isinstance(node, c.Compare):
            left, operand = node.args
            if isinstance(left, c.ParamRef):
                return self._compare_param(left.param, node.op, operand, origin, (*sub, node.op), rid)
            return self._compare(left, node.op, operand, origin, (*sub, node.op), rid)
        raise AssertionError(f"unhandled condition {type(node).__name__}")

    def _cell(
        self, column: str, cell: Any, origin: Origin, sub: tuple[str | int, ...], rid: str
    ) -> CNode | None:
        """A decision-table cell: `-`, a value, a list, or `{op: value}` on the column."""
        if cell == "-":
            return None
        spec = self._kind(column, origin, sub, rid)
        is_set = spec.type == "set"
        if isinstance(cell, dict):
            if len(cell) != 1:
                raise self.fail(origin, sub, "a cell is `-`, a value, a list, or one `{op: value}`", rid)
            op, value = next(iter(cell.items()))
            if op in ("is_known", "is_declined"):
                data: Any = {op: column}
                if value is False:
                    data = {"not": data}
            else:
                data = {op: [column, value]}
            try:
                node = _CONDITION.validate_python(data)
            except ValidationError:
                raise self.fail(origin, sub, f"{op!r} is not an operator a cell can use", rid) from None
            return self.cond(node, origin, sub, rid)
        if isinstance(cell, list):
            return (
                self._intersects(column, cell, origin, sub, rid)
                if is_set
                else self._in(column, cell, origin, sub, rid)
            )
        if is_set:
            return self._contains(column, cell, origin, sub, rid)
        return self._compare(column, "==", cell, origin, sub, rid)

    def _is_true(self, name: str, origin: Origin, sub: tuple[str | int, ...], rid: str) -> CNode:
        spec = self._kind(name, origin, sub, rid)
        if spec.type != "bool":
            raise self.fail(
                origin, sub, f"is_true needs a yes/no input or fact; {name!r} is {spec.type}", rid
            )

        def ev(env: Env) -> Truth:
            value: Truth = env[name]
            return value

        return Leaf(ev, name, (name,), shape=Shape("value", name))

    def _answer_test(self, name: str, op: str, origin: Origin, sub: tuple[str | int, ...], rid: str) -> CNode:
        if op == "is_known" and name in self.targets:

            def ev_settled(env: Env) -> Truth:
                return not unsettled(env[name])

            return Leaf(ev_settled, f"{name} is settled", (name,))
        if name not in self.m.inputs:
            raise self.fail(
                origin, sub, f"{op} applies to inputs; {name!r} is not an input{self._suggest(name)}", rid
            )
        if op == "is_known":

            def ev(env: Env) -> Truth:
                return env[name] is not None

            return Leaf(ev, f"{name} is known", (name,), shape=Shape("known", name))

        def ev_declined(env: Env) -> Truth:
            return bool(env[ANSWERS_KEY].get(name) == "declined")

        return Leaf(ev_declined, f"{name} was declined", (name,))

    def _in(
        self, name: str, values: list[Any], origin: Origin, sub: tuple[str | int, ...], rid: str
    ) -> CNode:
        spec = self._kind(name, origin, sub, rid)
        if spec.type == "set":
            raise self.fail(origin, sub, f"{name!r} is a set: use `intersects` or `contains`", rid)
        self._values_fit(spec, values, origin, sub, rid)
        allowed = frozenset(values)

        def ev(env: Env) -> Truth:
            value = env[name]
            if value is None:
                return None
            if isinstance(value, Interval):  # an open score: unknown only if an allowed value fits
                fits = any(isinstance(a, int | float) and value.low <= a <= value.high for a in allowed)
                return None if fits else False
            return value in allowed

        shape = Shape("in", name, allowed) if self._plain(name) else None
        return Leaf(ev, f"{name} in {sorted(values, key=str)}", (name,), shape=shape)

    def _intersects(
        self, name: str, values: list[Any], origin: Origin, sub: tuple[str | int, ...], rid: str
    ) -> CNode:
        spec = self._kind(name, origin, sub, rid)
        if spec.type != "set":
            raise self.fail(origin, sub, f"intersects needs a set; {name!r} is {spec.type} (use `in`)", rid)
        self._values_fit(spec, values, origin, sub, rid)
        wanted = frozenset(values)

        def ev(env: Env) -> Truth:
            value = env[name]
            if value is None:
                return None
            if isinstance(value, PartialSet):
                return value.meets(wanted)
            return not value.isdisjoint(wanted)

        shape = Shape("meets", name, wanted) if self._plain(name) else None
        return Leaf(ev, f"{name} includes any of {sorted(values, key=str)}", (name,), shape=shape)

    def _contains(
        self, name: str, operand: Any, origin: Origin, sub: tuple[str | int, ...], rid: str
    ) -> CNode:
        spec = self._kind(name, origin, sub, rid)
        if spec.type != "set":
            raise self.fail(origin, sub, f"contains needs a set; {name!r} is {spec.type}", rid)
        get, text, extra, params = self._operand(spec, operand, origin, sub, rid)

        def ev(env: Env) -> Truth:
            value = env[name]
            item = get(env)
            if value is None or item is None:
                return None
            if isinstance(value, PartialSet):
                return value.meets(frozenset((item,)))
            return item in value

        shape = None
        if self._plain(name) and not isinstance(operand, c.Ref | c.ParamRef):
            shape = Shape("has", name, operand)
        return Leaf(ev, f"{name} includes {text}", (name, *extra), params, shape)

    def _compare(
        self, name: str, op: str, operand: Any, origin: Origin, sub: tuple[str | int, ...], rid: str
    ) -> CNode:
        spec = self._kind(name, origin, sub, rid)
        if spec.type == "set":
            raise self.fail(origin, sub, f"{name!r} is a set: use `intersects` or `contains`", rid)
        if spec.type in ("bool", "enum") and op not in ("==", "!="):
            raise self.fail(origin, sub, f"{op} does not apply to {spec.type} {name!r}; use == or !=", rid)
        get, text, extra, params = self._operand(spec, operand, origin, sub, rid)
        fn = COMPARE[op]
        numeric_input = isinstance(spec, InputSpec) and spec.type in ("int", "number", "date")
        if numeric_input and not isinstance(operand, c.Ref):  # a literal or a parameter
            self.thresholds.setdefault(name, []).append(operand)

        def ev(env: Env) -> Truth:
            left = env[name]
            right = get(env)
            if left is None or right is None:
                return None
            if isinstance(left, Interval):
                return left.compare(op, right)
            return fn(left, right)

        shape = None
        if self._plain(name) and isinstance(operand, c.ParamRef):
            shape = Shape(op, name, param=operand.param)
        elif self._plain(name) and not isinstance(operand, c.Ref):
            shape = Shape(op, name, operand)
        return Leaf(ev, f"{name} {op} {text}", (name, *extra), params, shape)

    def _elapsed(self, spec: c.ElapsedSpec, origin: Origin, sub: tuple[str | int, ...], rid: str) -> CNode:
        """Time passed from a date input to the evaluation date, in calendar units."""
        name = spec.since
        kind = self._kind(name, origin, (*sub, "since"), rid)
        if not (isinstance(kind, InputSpec) and kind.type == "date"):
            what = f"elapsed needs a date input; {name!r} is {kind.type}"
            raise self.fail(origin, (*sub, "since"), what, rid)
        ((bound, duration),) = spec.bounds()
        unit, amount = duration.unit, duration.amount
        most = MAX_UNITS[unit]
        if isinstance(amount, c.ParamRef):
            self._param(amount.param, origin, (*sub, bound, unit), rid, "int")
            if any(
                isinstance(v.value, int) and abs(v.value) > most
                for v in self.m.parameters[amount.param].values
            ):
                what = f"parameter {amount.param!r} is over {most} {unit} (the longest duration) on some date"
                raise self.fail(origin, (*sub, bound, unit), what, rid)
            key: str | None = f"@{amount.param}"
            params: tuple[str, ...] = (amount.param,)
            fixed, shown_amount = 0, amount.param
        else:
            if abs(amount) > most:
                raise self.fail(
                    origin, (*sub, bound, unit), f"over {most} {unit} (the longest duration)", rid
                )
            key, fixed, shown_amount, params = None, amount, str(amount), ()
        self.thresholds.setdefault(name, []).append(ElapsedMark(unit, fixed, key))
        test = {"at_least": COMPARE[">="], "more_than": COMPARE[">"], "less_than": COMPARE["<"]}[bound]

        def ev(env: Env) -> Truth:
            start = env[name]
            today = env.get(AS_OF_KEY)
            if start is None or today is None:
                return None
            due = shift_within(start, unit, env[key] if key else fixed)
            if due is None:  # past the calendar's end (9999-12-31): no evaluation date reaches it
                return bound == "less_than"
            return test(today, due)

        words = bound.replace("_", " ")
        return Leaf(ev, f"{words} {shown_amount} {unit} since {name}", (name,), params)

    def _compare_param(
        self, param: str, op: str, operand: Any, origin: Origin, sub: tuple[str | int, ...], rid: str
    ) -> CNode:
        """``{param: P} op VALUE``: a setting of the rule set chooses between readings."""
        self._param(param, origin, sub, rid)
        if isinstance(operand, c.ParamRef | c.Ref | list):
            raise self.fail(origin, sub, "a parameter is compared with one literal value", rid)
        choices = self.m.parameters[param].choices
        if choices is not None and operand not in choices:
            close = difflib.get_close_matches(str(operand), choices, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise self.fail(
                origin, sub, f"{operand!r} is not one of parameter {param!r}'s choices {choices}{hint}", rid
            )
        kinds = {_kind_of(v.value) for v in self.m.parameters[param].values}
        if kinds != {_kind_of(operand)}:
            raise self.fail(origin, sub, f"parameter {param!r} and {operand!r} are not of one type", rid)
        if op not in ("==", "!=") and _kind_of(operand) in ("bool", "text"):
            raise self.fail(origin, sub, f"{op} does not apply to a {_kind_of(operand)} parameter", rid)
        key, fn = f"@{param}", COMPARE[op]

        def ev(env: Env) -> Truth:
            return fn(env[key], operand)

        return Leaf(ev, f"{param} {op} {literal(operand)}", (), (param,))

    def _operand(
        self, spec: InputSpec | TargetSpec, operand: Any, origin: Origin, sub: tuple[str | int, ...], rid: str
    ) -> tuple[Callable[[Env], Any], str, tuple[str, ...], tuple[str, ...]]:
        if isinstance(operand, c.ParamRef):
            self._param(operand.param, origin, sub, rid)
            wanted = _family(spec.type)
            found = {_family(_kind_of(v.value)) for v in self.m.parameters[operand.param].values}
            if found != {wanted}:
                raise self.fail(
                    origin,
                    sub,
                    f"parameter {operand.param!r} holds {' and '.join(sorted(found))} values; "
                    f"{spec.type} needs {wanted} on every date",
                    rid,
                )
            key = f"@{operand.param}"
            return (lambda env: env[key]), operand.param, (), (operand.param,)
        if isinstance(operand, c.Ref):
            other = self._kind(operand.ref, origin, sub, rid)
            if _family(other.type) != _family(spec.type):
                raise self.fail(
                    origin, sub, f"cannot compare {spec.type} with {other.type} {operand.ref!r}", rid
                )
            ref = operand.ref

            def get_ref(env: Env) -> Any:
                value = env[ref]
                return None if isinstance(value, Interval | PartialSet) else value

            return get_ref, ref, (ref,), ()
        if isinstance(operand, list):
            raise self.fail(origin, sub, "compare with one value; for a list use `in`", rid)
        self._values_fit(spec, [operand], origin, sub, rid)
        return (lambda env: operand), literal(operand), (), ()


@dataclass(frozen=True)
class ElapsedMark:
    """A threshold on a date input set by an ``elapsed`` condition: ``amount`` units before as_of."""

    unit: str
    amount: int
    param_key: str | None

    def date_on(self, env: dict[str, Any]) -> dt.date | None:
        """The date that many units before the evaluation date (the boundary), if known."""
        today = env.get(AS_OF_KEY)
        if today is None:
            return None
        amount = env.get(self.param_key) if self.param_key else self.amount
        return None if amount is None else shift_within(today, self.unit, -int(amount))


MAX_UNITS = {"days": 364_000, "weeks": 52_000, "months": 11_988, "years": 999}
"""The longest duration an ``elapsed`` condition may name (999 years): a case date (at most
:data:`carepath.rules.answers.LAST_CASE_DATE`) moved by it stays within the calendar."""


def shift_within(day: dt.date, unit: str, amount: int) -> dt.date | None:
    """:func:`shift`, or None when the result falls outside the calendar (before 0001-01-01 or
    after 9999-12-31)."""
    try:
        return shift(day, unit, amount)
    except (OverflowError, ValueError):
        return None
