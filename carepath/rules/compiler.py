"""Stage 3: a merged rule set -> a :class:`CompiledRuleSet` of closures, built once.

Compiling checks what the model alone cannot: every name a rule reads or concludes is
declared and of a fitting type, every value is one the input or outcome allows, every
exception overrides a rule that concludes the same thing, and derived facts do not depend on
themselves (a :class:`CycleError` names the rules). It fixes the evaluation order from the
dependency graph (networkx) so that each fact is concluded before any rule reads it.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx
from pydantic import TypeAdapter, ValidationError

from carepath.errors import CycleError, RuleFileError
from carepath.rules import conditions as c
from carepath.rules.layers import MergedRuleSet, Origin
from carepath.rules.logic import COMPARE, Interval, PartialSet, Truth, literal, shift, shown, unsettled
from carepath.rules.model import (
    ConclusionRule,
    DecisionTable,
    InputSpec,
    ScoreRule,
    Source,
    TargetSpec,
    bounded_number,
)
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

__all__ = [
    "CompiledBands",
    "CompiledRule",
    "CompiledRuleSet",
    "CompiledScore",
    "CompiledTable",
    "CompiledTarget",
    "ElapsedMark",
    "Row",
    "compile_ruleset",
]

Env = dict[str, Any]
_CONDITION = TypeAdapter(c.Condition)


@dataclass(frozen=True, slots=True)
class _Common:
    id: str
    title: str
    source: Source | None
    layer: str
    hard: bool
    local_setting: bool
    valid_from: dt.date | None
    valid_to: dt.date | None

    def in_force(self, as_of: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= as_of) and (
            self.valid_to is None or as_of <= self.valid_to
        )


@dataclass(frozen=True, slots=True)
class CompiledRule(_Common):
    """A conclusion rule: condition, conclusions, and the exceptions that can beat it."""

    cond: CNode | None
    then: tuple[tuple[str, Any], ...]
    exception_to: tuple[str, ...]
    exceptions: tuple[str, ...]
    concludes: tuple[tuple[str, Any], ...] = ()  # ``then`` as the trace shows it


@dataclass(frozen=True, slots=True)
class Row:
    """A decision-table row or a score item, compiled."""

    id: str
    cond: CNode | None
    output: Any
    source: Source | None
    param: str | None = None


@dataclass(frozen=True, slots=True)
class CompiledTable(_Common):
    """A decision table with its hit policy."""

    hit_policy: str
    output: str
    aggregate: str | None
    rows: tuple[Row, ...]
    rank: dict[Any, int]


@dataclass(frozen=True, slots=True)
class CompiledScore(_Common):
    """Weighted indicators adding to a number fact."""

    target: str
    items: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class CompiledBands(_Common):
    """Thresholds turning a score into a band."""

    score: str
    target: str
    below: str
    thresholds: tuple[tuple[float | None, str | None, str], ...]  # (number, param, band)


@dataclass(frozen=True, slots=True)
class CompiledTarget:
    """A fact or outcome and how its contributions combine."""

    name: str
    section: str
    spec: TargetSpec


Step = CompiledRule | CompiledTable | CompiledScore | CompiledBands | CompiledTarget


@dataclass(frozen=True)
class CompiledRuleSet:
    """Everything evaluation needs, in evaluation order."""

    merged: MergedRuleSet
    steps: tuple[Step, ...]
    graph: nx.DiGraph
    rules: dict[str, CompiledRule | CompiledTable | CompiledScore | CompiledBands]
    reads: dict[str, frozenset[str]] = field(default_factory=dict)
    thresholds: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    """Per number or date input, what rules compare it with: values, or ``ParamRef``."""
    optional: frozenset[str] = frozenset()
    """Inputs that are annotations, never open questions (``InputSpec.optional``)."""

    @property
    def inputs(self) -> dict[str, InputSpec]:
        return self.merged.inputs


def compile_ruleset(merged: MergedRuleSet) -> CompiledRuleSet:
    """Check names and types, order the steps, and build the closures."""
    compiler = _Compiler(merged)
    return compiler.run()


class _Compiler:
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

    # -- the whole rule set ---------------------------------------------------------------
    def run(self) -> CompiledRuleSet:
        compiled: dict[str, CompiledRule | CompiledTable | CompiledScore | CompiledBands] = {}
        reads: dict[str, frozenset[str]] = {}
        writes: dict[str, tuple[str, ...]] = {}
        for rid, rule in self.m.rules.items():
            origin = self.m.origin("rules", rid)
            common = dict(
                id=rid,
                title=rule.title,
                source=rule.source,
                layer=self.layer_of[rid],
                hard=rule.hard,
                local_setting=rule.local_setting,
                valid_from=rule.valid_from,
                valid_to=rule.valid_to,
            )
            if isinstance(rule, ConclusionRule):
                item, r, w = self._conclusion(rule, origin, common)
                compiled[rid] = item
            elif isinstance(rule, DecisionTable):
                table, r, w = self._table(rule, origin, common)
                compiled[rid] = table
            else:
                score, bands, r, w = self._score(rule, origin, common)
                compiled[rid] = score
                if bands is not None:
                    compiled[bands.id] = bands
                    reads[bands.id] = frozenset((bands.score,))
                    writes[bands.id] = (bands.target,)
            reads[rid], writes[rid] = r, w
        compiled = self._link_exceptions(compiled)
        graph = self._graph(compiled, reads, writes)
        steps = self._order(graph, compiled)
        thresholds = {name: tuple(dict.fromkeys(found)) for name, found in self.thresholds.items()}
        optional = frozenset(n for n, spec in self.m.inputs.items() if spec.optional)
        return CompiledRuleSet(
            merged=self.m,
            steps=steps,
            graph=graph,
            rules=compiled,
            reads=reads,
            thresholds=thresholds,
            optional=optional,
        )

    # -- rule kinds -----------------------------------------------------------------------
    def _conclusion(
        self, rule: ConclusionRule, origin: Origin, common: dict[str, Any]
    ) -> tuple[CompiledRule, frozenset[str], tuple[str, ...]]:
        cond = self.cond(rule.when, origin, ("when",), rule.id) if rule.when is not None else None
        then: list[tuple[str, Any]] = []
        for name, value in rule.then.items():
            spec = self._target(name, origin, ("then", name), rule.id)
            then.append((name, self._fit_output(spec, value, origin, ("then", name), rule.id)))
        reads = cond.names() if cond else frozenset()
        item = CompiledRule(
            **common,
            cond=cond,
            then=tuple(then),
            exception_to=tuple(rule.exception_to),
            exceptions=(),
            concludes=tuple((n, shown(v)) for n, v in then),
        )
        return item, reads, tuple(n for n, _ in then)

    def _table(
        self, rule: DecisionTable, origin: Origin, common: dict[str, Any]
    ) -> tuple[CompiledTable, frozenset[str], tuple[str, ...]]:
        spec = rule.table
        out = self._target(spec.output, origin, ("table", "output"), rule.id)
        for k, col in enumerate(spec.inputs):
            self._kind(col, origin, ("table", "inputs", k), rule.id)
        if spec.aggregate is not None and out.type != "number":
            raise self.fail(
                origin, ("table", "output"), "an aggregated COLLECT table needs a number output", rule.id
            )
        if spec.hit_policy == "COLLECT" and spec.aggregate is None and out.type != "set":
            raise self.fail(
                origin, ("table", "output"), "a COLLECT table needs a set output (or `aggregate`)", rule.id
            )
        if spec.hit_policy in ("UNIQUE", "FIRST") and out.type not in ("bool", "enum"):
            raise self.fail(
                origin,
                ("table", "output"),
                f"a {spec.hit_policy} table concludes one value: its output must be bool or enum "
                "(use COLLECT for a set or a sum)",
                rule.id,
            )
        if spec.hit_policy == "PRIORITY" and out.type != "enum":
            raise self.fail(
                origin,
                ("table", "output"),
                "a PRIORITY table needs an enum output whose `values` give the order",
                rule.id,
            )
        rows: list[Row] = []
        for i, row in enumerate(spec.rows):
            cells: list[CNode] = []
            for k, cell in enumerate(row.when):
                node = self._cell(spec.inputs[k], cell, origin, ("table", "rows", i, "when", k), rule.id)
                if node is not None:
                    cells.append(node)
            cond = AllNode(cells) if len(cells) > 1 else (cells[0] if cells else None)
            if spec.aggregate == "count":
                output: Any = 1
            elif spec.aggregate == "sum":
                output = self._number(row.then, origin, ("table", "rows", i, "then"), rule.id)
            else:
                output = self._fit_output(out, row.then, origin, ("table", "rows", i, "then"), rule.id)
            rows.append(Row(id=row.id or f"row{i + 1}", cond=cond, output=output, source=row.source))
        rank = {v: i for i, v in enumerate(out.values or [])}
        reads = frozenset().union(*(r.cond.names() for r in rows if r.cond))
        table = CompiledTable(
            **common,
            hit_policy=spec.hit_policy,
            output=spec.output,
            aggregate=spec.aggregate,
            rows=tuple(rows),
            rank=rank,
        )
        return table, reads, (spec.output,)

    def _score(
        self, rule: ScoreRule, origin: Origin, common: dict[str, Any]
    ) -> tuple[CompiledScore, CompiledBands | None, frozenset[str], tuple[str, ...]]:
        spec = rule.score
        target = self._target(spec.target, origin, ("score", "target"), rule.id)
        if target.type != "number":
            raise self.fail(
                origin,
                ("score", "target"),
                f"a score concludes a number; {spec.target!r} is {target.type}",
                rule.id,
            )
        items: list[Row] = []
        for i, item in enumerate(spec.items):
            cond = self.cond(item.when, origin, ("score", "items", i, "when"), rule.id)
            if isinstance(item.weight, c.ParamRef):
                self._param(item.weight.param, origin, ("score", "items", i, "weight"), rule.id, "number")
                items.append(
                    Row(id=item.id, cond=cond, output=None, source=item.source, param=item.weight.param)
                )
            else:
                items.append(Row(id=item.id, cond=cond, output=item.weight, source=item.source))
        score = CompiledScore(**common, target=spec.target, items=tuple(items))
        bands = None
        if spec.bands is not None:
            b = spec.bands
            band_spec = self._target(b.target, origin, ("score", "bands", "target"), rule.id)
            allowed = set(band_spec.values or []) if band_spec.type == "enum" else set()
            if band_spec.type != "enum":
                raise self.fail(origin, ("score", "bands", "target"), "bands conclude an enum", rule.id)
            thresholds: list[tuple[float | None, str | None, str]] = []
            for j, band in enumerate([None, *b.thresholds]):
                value = b.below if band is None else band.value
                sub = (
                    ("score", "bands", "below")
                    if band is None
                    else ("score", "bands", "thresholds", j - 1, "value")
                )
                if value not in allowed:
                    raise self.fail(
                        origin, sub, f"{value!r} is not one of the values of {b.target!r}", rule.id
                    )
                if band is not None:
                    if isinstance(band.at_least, c.ParamRef):
                        self._param(band.at_least.param, origin, (*sub[:-1], "at_least"), rule.id, "number")
                        thresholds.append((None, band.at_least.param, value))
                    else:
                        thresholds.append((band.at_least, None, value))
            numbers = [t[0] for t in thresholds if t[0] is not None]
            if numbers != sorted(numbers):
                raise self.fail(origin, ("score", "bands", "thresholds"), "thresholds must rise", rule.id)
            bands = CompiledBands(
                **{**common, "id": f"{rule.id}#bands"},
                score=spec.target,
                target=b.target,
                below=b.below,
                thresholds=tuple(thresholds),
            )
        reads = frozenset().union(*(i.cond.names() for i in items if i.cond))
        return score, bands, reads, (spec.target,)

    # -- exceptions -----------------------------------------------------------------------
    def _link_exceptions(
        self, compiled: dict[str, CompiledRule | CompiledTable | CompiledScore | CompiledBands]
    ) -> dict[str, CompiledRule | CompiledTable | CompiledScore | CompiledBands]:
        beaten_by: dict[str, list[str]] = {}
        for rid, item in compiled.items():
            if not isinstance(item, CompiledRule):
                continue
            origin = self.m.origin("rules", rid)
            for j, base_id in enumerate(item.exception_to):
                base = compiled.get(base_id)
                if not isinstance(base, CompiledRule):
                    what = "no rule" if base is None else "not a conclusion rule"
                    raise self.fail(
                        origin, ("exception_to", j), f"exception to {base_id!r}: {what} by that id", rid
                    )
                mine, theirs = {n for n, _ in item.then}, {n for n, _ in base.then}
                if not mine & theirs:
                    raise self.fail(
                        origin,
                        ("exception_to", j),
                        f"exception to {base_id!r} concludes nothing that rule concludes, "
                        "so it overrides nothing",
                        rid,
                    )
                if mine != theirs:
                    raise self.fail(
                        origin,
                        ("exception_to", j),
                        f"an exception concludes exactly what the rule it overrides concludes: {rid!r} "
                        f"concludes {sorted(mine)}, {base_id!r} concludes {sorted(theirs)}",
                        rid,
                    )
                beaten_by.setdefault(base_id, []).append(rid)
        result = dict(compiled)
        for base_id, exceptions in beaten_by.items():
            base = result[base_id]
            assert isinstance(base, CompiledRule)
            result[base_id] = replace(base, exceptions=tuple(exceptions))
        return result

    # -- order ----------------------------------------------------------------------------
    def _graph(
        self,
        compiled: dict[str, CompiledRule | CompiledTable | CompiledScore | CompiledBands],
        reads: dict[str, frozenset[str]],
        writes: dict[str, tuple[str, ...]],
    ) -> nx.DiGraph:
        g: nx.DiGraph = nx.DiGraph()
        order = 0
        for name in self.m.inputs:
            g.add_node(("input", name), order=order)
            order += 1
        for name in self.targets:
            g.add_node(("target", name), order=order)
            order += 1
        for rid in compiled:
            g.add_node(("rule", rid), order=order)
            order += 1
        for rid, item in compiled.items():
            for name in reads.get(rid, ()):
                kind = "input" if name in self.m.inputs else "target"
                g.add_edge((kind, name), ("rule", rid))
            for name in writes.get(rid, ()):
                g.add_edge(("rule", rid), ("target", name))
            if isinstance(item, CompiledRule):
                for exc in item.exceptions:
                    g.add_edge(("rule", exc), ("rule", rid))
        try:
            cycle = nx.find_cycle(g)
        except nx.NetworkXNoCycle:
            return g
        rules = list(dict.fromkeys(node[1] for edge in cycle for node in edge[:2] if node[0] == "rule"))
        first = rules[0].split("#")[0]
        place = self.m.origin("rules", first).place()
        raise CycleError(
            f"these rules depend on their own conclusions: {' -> '.join(rules)}",
            rules=rules,
            file=place["file"],
            line=place["line"],
            column=place["column"],
        )

    def _order(
        self,
        g: nx.DiGraph,
        compiled: dict[str, CompiledRule | CompiledTable | CompiledScore | CompiledBands],
    ) -> tuple[Step, ...]:
        steps: list[Step] = []
        for kind, name in nx.lexicographical_topological_sort(g, key=lambda n: g.nodes[n]["order"]):
            if kind == "rule":
                steps.append(compiled[name])
            elif kind == "target":
                section = "outcomes" if name in self.m.outcomes else "facts"
                steps.append(CompiledTarget(name=name, section=section, spec=self.targets[name]))
        return tuple(steps)

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

    def _plain(self, name: str) -> bool:
        """Is the value of ``name`` always plain or ``None`` (an input, a yes/no or enum fact),
        never a partial score or set? Only such leaves are written out inline."""
        return name in self.m.inputs or self.targets[name].type in ("bool", "enum")

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
