"""Translation: a compiled rule set, with the parameters of one date, as units (one per rule, table
row, score item or band), levelled along the core's dependency graph and packed into durable rule sets."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
from pydantic import TypeAdapter

from carepath.backends.durable.expressions import (
    Expr,
    _and,
    _check_constant,
    _or,
    _plain,
    _set_attribute,
    _terms,
)
from carepath.backends.durable.limits import _BLOCKED, _BUDGET, _GROUP, MAX_TERMS, UnsupportedByBackend
from carepath.rules import conditions as c
from carepath.rules.compiler import (
    CompiledBands,
    CompiledRule,
    CompiledRuleSet,
    CompiledScore,
    CompiledTable,
    CompiledTarget,
)
from carepath.rules.logic import COMPARE
from carepath.rules.model import ConclusionRule, DecisionTable, InputSpec, ScoreRule, TargetSpec

_OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_CONDITION: TypeAdapter[Any] = TypeAdapter(c.Condition)


@dataclass(frozen=True, slots=True)
class _Unit:
    """A conclusion rule, a table row, a score item or a band: what it concludes when it fires
    (its condition becomes one durable rule per conjunction)."""

    step: str
    level: int
    order: tuple[int, int]  # (step, row): the core's order of contributions, for sums
    expr: Expr
    writes: tuple[tuple[str, Any], ...]
    reads: frozenset[str]  # yes/no and enum facts read for their value: they must have one
    exceptions: tuple[str, ...]


class _Translator:
    """The validated model of one rule set, with the parameters of one date, as units."""

    def __init__(self, compiled: CompiledRuleSet, params: Mapping[str, Any]) -> None:
        self.compiled = compiled
        self.inputs: Mapping[str, InputSpec] = compiled.inputs
        self.targets: Mapping[str, TargetSpec] = compiled.merged.targets
        self.params = params
        self.rid = ""
        self.reads: set[str] = set()

    def refuse(self, message: str, feature: str) -> UnsupportedByBackend:
        return UnsupportedByBackend(message, feature=feature, rule_id=self.rid)

    def param(self, name: str) -> Any:
        return self.params[f"@{name}"]

    def kind(self, name: str) -> str:
        spec = self.inputs.get(name)
        return spec.type if spec is not None else self.targets[name].type

    def choices(self, name: str) -> tuple[str, ...]:
        spec = self.inputs.get(name)
        return spec.choice_values if spec is not None else tuple(self.targets[name].values or ())

    def read(self, name: str) -> None:
        if name in self.targets and self.targets[name].type in ("bool", "enum"):
            self.reads.add(name)

    # -- conditions ---------------------------------------------------------------------------
    def cond(self, node: Any, neg: bool = False) -> Expr:
        """A condition (validated model) as a durable expression; ``neg``: its opposite."""
        if isinstance(node, c.All):
            parts = [self.cond(x, neg) for x in node.all]
            return _or(parts) if neg else _and(parts)
        if isinstance(node, c.Any_):
            parts = [self.cond(x, neg) for x in node.any]
            return _and(parts) if neg else _or(parts)
        if isinstance(node, c.Not):
            return self.cond(node.not_, not neg)
        if isinstance(node, c.IsTrue):
            self.read(node.is_true)
            return {node.is_true: not neg}
        if isinstance(node, c.IsKnown):
            return self.known(node.is_known, neg)
        if isinstance(node, c.IsDeclined):
            return neg  # a fully answered case declines nothing
        if isinstance(node, c.In):
            name, values = node.in_
            return self.one_of(name, values, neg)
        if isinstance(node, c.Intersects):
            name, values = node.intersects
            return self.meets(name, values, neg)
        if isinstance(node, c.Contains):
            name, operand = node.contains
            return self.meets(name, [self.operand(operand)], neg)
        if isinstance(node, c.CountAtLeast):
            return self.count(node.count_at_least, neg)
        if isinstance(node, c.Compare):
            return self.compare(node, neg)
        if isinstance(node, c.Elapsed):
            raise self.refuse("`elapsed` reads the evaluation date, which is not translated", "elapsed")
        raise self.refuse(f"no translation for {type(node).__name__}", type(node).__name__)

    def known(self, name: str, neg: bool) -> Expr:
        if name in self.inputs or self.targets[name].type in ("set", "number"):
            return not neg  # every input is answered; sets and sums always have a value
        return {"$nex" if neg else "$ex": {name: 1}}

    def operand(self, operand: Any) -> Any:
        if isinstance(operand, c.Ref):
            raise self.refuse(f"the operand {{ref: {operand.ref}}} is not translated", "ref operand")
        if isinstance(operand, c.ParamRef):
            return self.param(operand.param)
        return operand

    def one_of(self, name: str, values: list[Any], neg: bool) -> Expr:
        self.read(name)
        if neg:
            return _and({"$neq": {name: _plain(v)}} for v in values)
        return _or({name: _plain(v)} for v in values)

    def meets(self, name: str, values: list[Any], neg: bool) -> Expr:
        choices = self.choices(name)
        terms = [{_set_attribute(name, v): not neg} if v in choices else neg for v in values]
        return _and(terms) if neg else _or(terms)

    def compare(self, node: c.Compare, neg: bool) -> Expr:
        left, operand = node.args
        op = _NEGATED[node.op] if neg else node.op  # every value is known: a total order
        if isinstance(left, c.ParamRef):
            return COMPARE[op](self.param(left.param), operand)
        right = _plain(self.operand(operand))
        self.read(left)
        return {left: right} if op == "==" else {_OPS[op]: {left: right}}

    def count(self, spec: c.CountSpec, neg: bool) -> Expr:
        n = self.param(spec.n.param) if isinstance(spec.n, c.ParamRef) else spec.n
        # fewer than n hold <=> at least k - n + 1 do not
        need = len(spec.of) - n + 1 if neg else n
        parts = [self.cond(x, neg) for x in spec.of]
        need -= sum(1 for p in parts if p is True)
        rest = [p for p in parts if not isinstance(p, bool)]
        if need <= 0:
            return True
        if need > len(rest):
            return False
        if math.comb(len(rest), need) > MAX_TERMS:
            raise self.refuse(
                f"count_at_least expands into {math.comb(len(rest), need)} combinations "
                f"(at most {MAX_TERMS})",
                "condition too large",
            )
        return _or(_and(combo) for combo in itertools.combinations(rest, need))

    # -- steps ----------------------------------------------------------------------------------
    def units(self, off: frozenset[str], level: Mapping[tuple[str, str], int]) -> list[_Unit]:
        """Every durable rule of the rule set on this date, in the core's order."""
        found: list[_Unit] = []
        rules = self.compiled.merged.rules
        for pos, step in enumerate(self.compiled.steps):
            if isinstance(step, CompiledTarget):
                continue
            self.rid = step.id
            at = level["rule", step.id]
            if step.id in off:
                continue
            model = rules.get(step.id.split("#")[0])
            if isinstance(step, CompiledRule):
                assert isinstance(model, ConclusionRule)
                self.reads = set()
                expr = self.cond(model.when) if model.when is not None else True
                found.append(
                    _Unit(step.id, at, (pos, 0), expr, step.then, frozenset(self.reads), step.exceptions)
                )
            elif isinstance(step, CompiledTable):
                assert isinstance(model, DecisionTable)
                for i, (expr, reads) in enumerate(self.table(step, model)):
                    writes = ((step.output, step.rows[i].output),)
                    found.append(_Unit(step.id, at, (pos, i), expr, writes, reads, ()))
            elif isinstance(step, CompiledScore):
                assert isinstance(model, ScoreRule)
                for i, (item, row) in enumerate(zip(model.score.items, step.items, strict=True)):
                    self.reads = set()
                    expr = self.cond(item.when)
                    weight = self.param(row.param) if row.param else row.output
                    writes = ((step.target, weight),)
                    found.append(_Unit(step.id, at, (pos, i), expr, writes, frozenset(self.reads), ()))
            else:
                found.extend(self.bands(step, at, pos))
        return found

    def table(self, step: CompiledTable, model: DecisionTable) -> list[tuple[Expr, frozenset[str]]]:
        """Each row's expression under the hit policy, and the facts it reads."""
        if step.hit_policy not in ("COLLECT", "FIRST"):
            raise self.refuse(f"hit policy {step.hit_policy} is not translated", f"{step.hit_policy} table")
        spec = model.table
        first = step.hit_policy == "FIRST"
        rows: list[tuple[Expr, frozenset[str]]] = []
        earlier: list[Expr] = []  # FIRST: no row above matches
        self.reads = set()
        for row in spec.rows:
            if not first:
                self.reads = set()
            cells = [self.cell(col, cell) for col, cell in zip(spec.inputs, row.when, strict=True)]
            held = _and(self.cond(x) for x in cells if x is not None)
            rows.append((_and([held, *earlier]) if first else held, frozenset(self.reads)))
            if first:
                earlier.append(_or(self.cond(x, neg=True) for x in cells if x is not None))
        return rows

    def cell(self, column: str, cell: Any) -> Any:
        """A table cell as a condition (validated model), as the compiler reads it."""
        if isinstance(cell, str) and cell == "-":
            return None
        if isinstance(cell, dict):
            op, value = next(iter(cell.items()))
            if op in ("is_known", "is_declined"):
                data: Any = {op: column} if value is not False else {"not": {op: column}}
            else:
                data = {op: [column, value]}
        elif isinstance(cell, list):
            data = {("intersects" if self.kind(column) == "set" else "in"): [column, cell]}
        else:
            data = {("contains" if self.kind(column) == "set" else "=="): [column, cell]}
        return _CONDITION.validate_python(data)

    def bands(self, step: CompiledBands, at: int, pos: int) -> list[_Unit]:
        """A band holds when the score reaches its threshold and none after it (as the core reads
        the thresholds: the last one reached wins)."""
        marks = [
            (self.param(param) if param else (number or 0.0), band) for number, param, band in step.thresholds
        ]
        score = step.score
        units = [
            _Unit(
                step.id,
                at,
                (pos, 0),
                _and({"$lt": {score: t}} for t, _ in marks),
                ((step.target, step.below),),
                frozenset(),
                (),
            )
        ]
        for j, (threshold, band) in enumerate(marks):
            expr = _and([{"$gte": {score: threshold}}, *({"$lt": {score: t}} for t, _ in marks[j + 1 :])])
            units.append(_Unit(step.id, at, (pos, j + 1), expr, ((step.target, band),), frozenset(), ()))
        return units


def _levels(compiled: CompiledRuleSet) -> dict[tuple[str, str], int]:
    """Each node's level: a rule one above what it reads and the exceptions that beat it; a fact
    at the level of the last rule concluding it; inputs at 0."""
    graph = compiled.graph
    level: dict[tuple[str, str], int] = {}
    for node in nx.topological_sort(graph):
        top = max((level[p] for p in graph.predecessors(node)), default=0)
        level[node] = top + 1 if node[0] == "rule" else top
    return level


class _Program:
    """The units of one span of dates, and the durable rule set that runs them.

    Each unit's condition becomes one durable rule per conjunction; the rules of a level are
    packed into groups that one asserted fact matches within durable's limits.
    """

    def __init__(self, units: list[_Unit], compiled: CompiledRuleSet, level: dict[tuple[str, str], int]):
        self.units = tuple(units)
        self.top = max(level.values(), default=0)
        self.by_level: dict[int, list[int]] = {}
        for i, unit in enumerate(self.units):
            self.by_level.setdefault(unit.level, []).append(i)
        self.settle_at: dict[int, list[str]] = {}
        for name in compiled.merged.targets:
            self.settle_at.setdefault(level["target", name], []).append(name)
        self.exceptions = {
            rid: step.exceptions for rid, step in compiled.rules.items() if isinstance(step, CompiledRule)
        }
        self.unit_of_rule = {u.step: i for i, u in enumerate(self.units) if u.step in self.exceptions}
        self.groups: list[list[tuple[int, list[dict[str, Any]]]]] = []  # (unit, conjunction)
        self.groups_at: dict[int, list[int]] = {}
        for at, ids in sorted(self.by_level.items()):
            group: list[tuple[int, list[dict[str, Any]]]] = []
            cost = 1  # the group's own node
            for i in ids:
                unit = self.units[i]
                for term in _terms(unit.expr, unit.step):
                    for leaf in term:
                        _check_constant(leaf, unit.step)
                    size = len(term) + (1 if unit.exceptions else 0)
                    if size + 1 > _BUDGET:
                        raise UnsupportedByBackend(
                            f"a conjunction of {len(term)} tests is more than durable matches at once",
                            feature="condition too long",
                            rule_id=unit.step,
                        )
                    if group and cost + size > _BUDGET:
                        self.groups_at.setdefault(at, []).append(len(self.groups))
                        self.groups.append(group)
                        group, cost = [], 1
                    group.append((i, term))
                    cost += size
            if group:
                self.groups_at.setdefault(at, []).append(len(self.groups))
                self.groups.append(group)
        self.rules: Any = None  # the durable rule set, once created

    def flagged(self, g: int) -> list[int]:
        """The units of group ``g`` that have exceptions, each once."""
        return list(dict.fromkeys(i for i, _ in self.groups[g] if self.units[i].exceptions))

    def definition(self, fired: list[int]) -> dict[str, Any]:
        """The durable rule set: one rule per conjunction, recording which unit fired, and one
        per group that fires on any of its facts."""

        def record(i: int) -> Callable[[Any], None]:
            def action(c: Any) -> None:
                fired.append(i)

            return action

        def ignore(c: Any) -> None:
            return None

        rules: dict[str, Any] = {}
        for g, group in enumerate(self.groups):
            # every fact must be handled: deleting a session that holds an unhandled fact crashes
            rules[f"g{g}"] = {"all": [{"m": {_GROUP: g}}], "run": ignore}
            for k, (i, term) in enumerate(group):
                chain: list[dict[str, Any]] = [{_GROUP: g}]
                if self.units[i].exceptions:
                    chain.append({f"{_BLOCKED}{i}": False})
                chain.extend(term)
                when = chain[0] if len(chain) == 1 else {"$and": chain}
                rules[f"g{g}r{k}"] = {"all": [{"m": when}], "run": record(i)}
        return rules
