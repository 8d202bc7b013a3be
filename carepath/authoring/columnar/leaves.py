"""A rule set's leaf tests on inputs, as polars expressions with the per-case closures' truth.

Every leaf that reads an input has a :class:`~carepath.rules.nodes.Shape` in the bundled rule
sets: a yes/no answer, ``is_known``, ``in``, ``intersects``, ``contains`` or a comparison with a
literal or a parameter. Each becomes a nullable boolean column, null exactly where the input is
unknown (as the closure returns ``None``); polars' ``&`` and ``|`` on such columns are Kleene.
Any other leaf on an input (``elapsed``, a declined test, a comparison of two names) is refused
with :class:`NotColumnar`. Leaves that read only facts need no column: a fact is a function of
the leaves below it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from functools import reduce
from typing import Any

import polars as pl

from carepath.authoring.columnar.refusal import NotColumnar
from carepath.rules.compiler import CompiledRule, CompiledRuleSet, CompiledScore, CompiledTable
from carepath.rules.nodes import AllNode, AnyNode, CNode, CountNode, Leaf, NotNode, Shape

__all__ = ["MAX_SET_CHOICES", "LeafColumn", "input_leaves", "input_subtrees", "set_mask"]

MAX_SET_CHOICES = 62
"""A set input is held as a bit mask in a 64-bit integer: at most this many choices."""


@dataclass(frozen=True, slots=True)
class LeafColumn:
    """One leaf test as a column: ``key`` is the same for the same test on the same values."""

    key: tuple[Any, ...]
    expr: pl.Expr


def input_leaves(compiled: CompiledRuleSet, params: dict[str, Any]) -> list[LeafColumn]:
    """The distinct leaf tests on inputs of every rule in force, with ``params`` (``@name``)."""
    found: dict[tuple[Any, ...], LeafColumn] = {}
    for rid, cond in _conditions(compiled):
        for leaf in _leaves(cond):
            if not any(n in compiled.inputs for n in leaf.reads):
                continue  # reads facts only: decided by the leaves below them
            column = _column(compiled, leaf, params, rid)
            found.setdefault(column.key, column)
    return list(found.values())


def input_subtrees(compiled: CompiledRuleSet, params: dict[str, Any]) -> list[LeafColumn]:
    """The largest parts of every condition that read inputs only, as Kleene columns.

    A condition's truth is a function of the truths of these parts and of the facts it reads,
    so they decide every value, status and rule state (though not which inputs are missing:
    for those, :func:`input_leaves`). Coarser than the leaves: fewer distinct rows.
    """
    found: dict[tuple[Any, ...], LeafColumn] = {}
    for rid, cond in _conditions(compiled):
        for column in _parts(compiled, cond, params, rid):
            found.setdefault(column.key, column)
    return list(found.values())


def _parts(compiled: CompiledRuleSet, node: CNode, params: dict[str, Any], rid: str) -> list[LeafColumn]:
    whole = _whole(compiled, node, params, rid)
    if whole is not None:
        return [whole]
    if isinstance(node, Leaf):
        if any(n in compiled.inputs for n in node.reads):
            raise NotColumnar(_refusal(node), rule_id=rid)
        return []  # reads facts only
    return [part for child in node.children() for part in _parts(compiled, child, params, rid)]


def _whole(compiled: CompiledRuleSet, node: CNode, params: dict[str, Any], rid: str) -> LeafColumn | None:
    """``node`` as one column, if it reads inputs only."""
    if isinstance(node, Leaf):
        if node.reads and all(n in compiled.inputs for n in node.reads):
            return _column(compiled, node, params, rid)
        return None
    children = [_whole(compiled, child, params, rid) for child in node.children()]
    if not children or any(c is None for c in children):
        return None
    parts = [c for c in children if c is not None]
    keys = tuple(c.key for c in parts)
    if isinstance(node, AllNode):
        return LeafColumn(("all", keys), reduce(lambda a, b: a & b, [c.expr for c in parts]))
    if isinstance(node, AnyNode):
        return LeafColumn(("any", keys), reduce(lambda a, b: a | b, [c.expr for c in parts]))
    if isinstance(node, NotNode):
        return LeafColumn(("not", keys), ~parts[0].expr)
    if isinstance(node, CountNode):
        need = params[f"@{node.param}"] if node.param else (node.n or 0)
        true = pl.sum_horizontal([c.expr.fill_null(False).cast(pl.Int32) for c in parts])
        open_ = pl.sum_horizontal([c.expr.is_null().cast(pl.Int32) for c in parts])
        expr = pl.when(true >= need).then(True).when(true + open_ < need).then(False).otherwise(None)
        return LeafColumn(("count", need, keys), expr)
    return None


def _conditions(compiled: CompiledRuleSet) -> Iterator[tuple[str, CNode]]:
    for rid, step in compiled.rules.items():
        if isinstance(step, CompiledRule):
            conds = [step.cond]
        elif isinstance(step, CompiledTable):
            conds = [row.cond for row in step.rows]
        elif isinstance(step, CompiledScore):
            conds = [item.cond for item in step.items]
        else:
            conds = []
        for cond in conds:
            if cond is not None:
                yield rid, cond


def _leaves(node: CNode) -> Iterator[Leaf]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Leaf):
            yield current
        else:
            stack.extend(current.children())


def _refusal(leaf: Leaf) -> str:
    if " since " in leaf.text:
        return "elapsed"
    if leaf.text.endswith("was declined"):
        return "declined test"
    if len(leaf.reads) > 1:
        return "comparison of two names"
    return "a leaf test without a shape"


def _column(compiled: CompiledRuleSet, leaf: Leaf, params: dict[str, Any], rid: str) -> LeafColumn:
    shape = leaf.shape
    if shape is None or shape.name not in compiled.inputs or len(leaf.reads) != 1:
        raise NotColumnar(_refusal(leaf), rule_id=rid)
    spec = compiled.inputs[shape.name]
    col = pl.col(shape.name)
    operand = params[f"@{shape.param}"] if shape.param is not None else shape.operand
    if isinstance(operand, list | tuple) and shape.op not in ("in", "meets"):
        raise NotColumnar("a comparison with a list", rule_id=rid)
    key: tuple[Any, ...] = (shape.op, shape.name, _frozen(operand))
    expr = _expr(shape, spec.type, spec.choice_values, col, operand, rid)
    return LeafColumn(key, expr)


def _expr(shape: Shape, kind: str, choices: tuple[str, ...], col: pl.Expr, operand: Any, rid: str) -> pl.Expr:
    op = shape.op
    if op == "value":
        return col
    if op == "known":
        return col.is_not_null()
    if op in ("meets", "has"):
        if kind != "set":
            raise NotColumnar(f"{op} on a {kind} input", rule_id=rid)
        wanted = operand if op == "meets" else (operand,)
        return (col & _mask(choices, wanted, rid)) != 0
    if kind == "set":
        raise NotColumnar(f"{op} on a set input", rule_id=rid)
    if op == "in":
        values = sorted(operand, key=repr)
        if not values:
            return pl.when(col.is_null()).then(None).otherwise(pl.lit(False))
        return reduce(lambda a, b: a | b, [col == _lit(v) for v in values])
    tests = {
        "==": col.__eq__,
        "!=": col.__ne__,
        "<": col.__lt__,
        "<=": col.__le__,
        ">": col.__gt__,
        ">=": col.__ge__,
    }
    if op not in tests or operand is None or isinstance(operand, bool) != (kind == "bool"):
        raise NotColumnar(f"the test {op}", rule_id=rid)
    result: pl.Expr = tests[op](_lit(operand))
    return result


def _lit(value: Any) -> pl.Expr:
    if isinstance(value, dt.date):
        return pl.lit(value, dtype=pl.Date)
    return pl.lit(value)


def set_mask(choices: tuple[str, ...]) -> dict[str, int]:
    """Each choice of a set input and its bit."""
    return {choice: 1 << i for i, choice in enumerate(choices)}


def _mask(choices: tuple[str, ...], wanted: Any, rid: str) -> int:
    if len(choices) > MAX_SET_CHOICES:
        raise NotColumnar(f"a set input of more than {MAX_SET_CHOICES} choices", rule_id=rid)
    bits = set_mask(choices)
    return sum(bits[w] for w in set(wanted) if w in bits)


def _frozen(value: Any) -> Any:
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(sorted(repr(v) for v in value))
    return (type(value).__name__, repr(value))
