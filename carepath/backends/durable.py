"""A durable-rules backend: the same rule set run by a second, independent engine.

**Why.** carepath's core is its own three-valued evaluator. This backend translates a rule set
into a durable-rules rule set (a Rete engine, forward chaining) and runs fully answered cases
through it, so that the core's results can be checked against an engine that shares none of
its condition code. It is optional (the ``durable`` extra; durable-rules 2.0.28, the last
release, builds from source with a C compiler and not on Python 3.13) and never the only path:
the core stays the reference, and what this backend cannot translate exactly it refuses with
:class:`UnsupportedByBackend`; it never approximates.

**How.** The steps are split into levels along the core's dependency graph: a rule comes after
the rules that conclude what it reads, and after its exceptions. For each level, facts are
asserted that carry the case's answers, the facts and outcomes settled so far, and for each
rule whether one of its exceptions yields a value; the durable rules of that level fire on
them. What fired is collected, and what the level's rules conclude is settled in Python (one
value or the default, a set's union, a number's sum) and carried into the next level's facts.
The parameters in force on the evaluation date are inlined as constants: one durable rule set
per span of dates over which the parameters and the rules in force stay the same, all built
with the backend.

**Supported**, for cases in which every input has a real answer (two-valued logic):

- conditions: ``all``, ``any``, ``not`` (pushed down to the leaves), ``is_true``, ``==``,
  ``!=``, ``<``, ``<=``, ``>``, ``>=`` (numbers, dates as day numbers, enums, yes/no), ``in``,
  ``intersects``, ``contains``, ``count_at_least`` (expanded into its combinations),
  ``is_known``, ``is_declined``, and a parameter compared with a value (folded);
- rules: conclusions, exceptions (Catala-style: a rule applies only where none of its
  exceptions yields a value), rules dated in or out of force, decision tables with hit policy
  COLLECT (a set, ``sum`` or ``count``) or FIRST, weighted scores and their bands;
- set inputs and facts travel as one yes/no attribute per choice (``act__recruitment``).

**Refused** with :class:`UnsupportedByBackend`, naming the rule and the feature:

- when the backend is built: ``elapsed`` (it reads the evaluation date), ``{ref: NAME}``
  operands, hit policies UNIQUE and PRIORITY, a condition that expands into more than
  ``MAX_TERMS`` conjunctions or a conjunction too long for durable's matcher, more attributes
  than durable takes in one message, names that clash with the attributes made up here;
- when a case is evaluated: an input missing, ``unknown`` or ``declined``
  (:class:`IncompleteCaseError`: three-valued cases are the core's job), rules concluding
  different values for one fact or outcome (the core reports a conflict), a rule reading a
  fact that has no value (the core reads it as unknown), and an error inside durable.

**durable-rules quirks kept in here.** Rule-set names are global and cannot be redefined: each
durable rule set gets a uuid name and is created once. The engine is not thread-safe: every
call into it holds one process-wide lock, and its background dispatcher is never started (this
module drives ``durable.engine.Ruleset`` directly, without a ``Host``). A rule set holds at most
1,024 live states: each evaluation uses its own sid and deletes it. An event fires one rule
only, so facts are asserted instead. A rule nests at most 15 ``$and``/``$or``, fires once per
matching disjunct, and one message may reach at most 64 match nodes (beyond, the session is
corrupt and deleting it aborts the process): so each condition is expanded into conjunctions,
one durable rule each, and a level's rules are asserted in groups that stay within
``_BUDGET`` nodes. Rule sets cannot be freed (``delete_ruleset`` crashes), so build one backend
per rule set and reuse it. durable is imported when a backend is built, never with carepath.
"""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
import json
import math
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, TypeAlias

import networkx as nx
from pydantic import TypeAdapter

from carepath.errors import CarepathError, EvaluationError
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
from carepath.rules.nodes import AS_OF_KEY
from carepath.rules.ruleset import RuleSet

__all__ = [
    "MAX_ATTRIBUTES",
    "MAX_TERMS",
    "DurableBackend",
    "IncompleteCaseError",
    "UnsupportedByBackend",
    "durable_available",
]

Expr: TypeAlias = dict[str, Any] | bool
"""A durable condition on the message (JSON-shaped), or a truth known without the case."""

MAX_TERMS = 1024
"""The most conjunctions one rule's condition may expand into: each is a durable rule."""
MAX_ATTRIBUTES = 255
"""durable's limit on the properties of one message (``MAX_OBJECT_PROPERTIES``)."""
_BUDGET = 48
"""The most match nodes one asserted fact may reach. durable's matcher keeps at most 64
pending (``MAX_STACK_SIZE``); beyond, the assert fails and the session is corrupt."""

_GROUP = "cp__group"
_BLOCKED = "cp__blocked"
_OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_CONDITION: TypeAdapter[Any] = TypeAdapter(c.Condition)
_ENGINE_LOCK = threading.Lock()  # durable's engine is one per process, and not thread-safe


class UnsupportedByBackend(CarepathError):
    """The backend cannot run this rule set or this case exactly, so it refuses.

    ``feature`` names what is not supported; ``rule_id`` the rule that uses it, ``field`` the
    input concerned. Messages never hold a case's values.
    """

    def __init__(
        self, message: str, *, feature: str, rule_id: str | None = None, field: str | None = None
    ) -> None:
        self.message = message
        self.feature = feature
        self.rule_id = rule_id
        self.field = field
        where = f"rule {rule_id}: " if rule_id else f"{field}: " if field else ""
        super().__init__(f"{where}{message} (unsupported by the durable backend: {feature})")


class IncompleteCaseError(UnsupportedByBackend):
    """A case with an input missing, unknown or declined: only the core evaluates those."""


def durable_available() -> bool:
    """Can durable-rules be imported here (is the optional backend usable)?"""
    try:
        _engine()
    except ImportError:
        return False
    return True


def _engine() -> ModuleType:
    """``durable.engine``, imported on first use (it has no type stubs: used as ``Any``)."""
    try:
        return importlib.import_module("durable.engine")
    except ImportError as error:
        raise ImportError(
            "the durable backend needs durable-rules 2.0.28: pip install 'carepath[durable]'"
        ) from error


# -- durable expressions ----------------------------------------------------------------------


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


# -- translation ------------------------------------------------------------------------------


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


# -- the backend ------------------------------------------------------------------------------


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


class DurableBackend:
    """A rule set translated into durable-rules, for fully answered cases (see the module).

    Built once per rule set (durable's rule sets cannot be freed); safe to call from several
    threads (the calls take turns).
    """

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self._compiled = ruleset.compiled
        self._level = _levels(self._compiled)
        self._fired: list[int] = []
        self._programs: dict[tuple[Any, ...], _Program] = {}
        for day in self._span_starts():
            try:
                params = ruleset.params_on(day)
            except EvaluationError:
                continue  # a parameter has no value yet: the core refuses these dates too
            key = self._key(params, day)
            if key not in self._programs:
                self._programs[key] = self._program(params, key[1])
        self._check_attributes()
        engine = _engine()
        with _ENGINE_LOCK:
            for program in self._programs.values():
                definition = program.definition(self._fired)
                if definition:
                    name = f"carepath-{uuid.uuid4().hex}"
                    program.rules = engine.Ruleset(name, None, definition)

    def __repr__(self) -> str:
        return f"<DurableBackend {self.ruleset.id} {self.ruleset.version}: {len(self._programs)} span(s)>"

    # -- building -----------------------------------------------------------------------------
    def _span_starts(self) -> list[dt.date]:
        """The first day of every span over which the parameters and the rules in force stay
        the same, within the dates the rule set is in force."""
        merged = self._compiled.merged
        days = {dt.date.min}
        bounds: list[tuple[dt.date | None, dt.date | None]] = [
            (v.valid_from, v.valid_to) for p in merged.parameters.values() for v in p.values
        ]
        bounds += [(r.valid_from, r.valid_to) for r in self._compiled.rules.values()]
        for start, end in bounds:
            if start is not None:
                days.add(start)
            if end is not None and end < dt.date.max:
                days.add(end + dt.timedelta(days=1))
        low, high = merged.in_force.valid_from, merged.in_force.valid_to
        if low is not None:
            days = {max(d, low) for d in days}
        return sorted(d for d in days if high is None or d <= high)

    def _key(self, params: Mapping[str, Any], day: dt.date) -> tuple[Any, ...]:
        values = tuple(
            (k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(params.items()) if k != AS_OF_KEY
        )
        off = frozenset(rid for rid, rule in self._compiled.rules.items() if not rule.in_force(day))
        return (values, off)

    def _program(self, params: Mapping[str, Any], off: frozenset[str]) -> _Program:
        units = _Translator(self._compiled, params).units(off, self._level)
        return _Program(units, self._compiled, self._level)

    def _check_attributes(self) -> None:
        """The message's attributes must not clash, and must fit in one durable message."""
        owner: dict[str, str] = {"sid": "(durable)", "id": "(durable)", _GROUP: "(backend)"}
        specs: list[tuple[str, str, tuple[str, ...]]] = [
            (n, s.type, s.choice_values) for n, s in self._compiled.inputs.items()
        ]
        specs += [(n, s.type, tuple(s.values or ())) for n, s in self._compiled.merged.targets.items()]
        for name, kind, choices in specs:
            if kind == "text":
                continue
            for attribute in [_set_attribute(name, v) for v in choices] if kind == "set" else [name]:
                if attribute in owner or attribute.startswith(_BLOCKED):
                    raise UnsupportedByBackend(
                        f"the message attribute {attribute!r} would stand for both {name!r} and "
                        f"{owner.get(attribute, 'an exception flag')!r}",
                        feature="attribute names clash",
                        field=name,
                    )
                owner[attribute] = name
        for program in self._programs.values():
            flags = max((len(program.flagged(g)) for g in range(len(program.groups))), default=0)
            if len(owner) + flags > MAX_ATTRIBUTES:
                raise UnsupportedByBackend(
                    f"a message would carry {len(owner) + flags} attributes; durable takes {MAX_ATTRIBUTES}",
                    feature="too many attributes",
                )

    # -- evaluation -----------------------------------------------------------------------------
    def evaluate(self, case: Mapping[str, Any], as_of: dt.date) -> dict[str, Any]:
        """The outcome values of a fully answered case on ``as_of``, shaped as the core shows them
        (sets as sorted lists).

        Raises carepath's :class:`~carepath.errors.CaseError` for bad input,
        :class:`~carepath.errors.EvaluationError` for a date the rule set is not in force,
        :class:`IncompleteCaseError` if an input is missing, unknown or declined, and
        :class:`UnsupportedByBackend` if the case leads where two-valued logic cannot follow.
        """
        answers = self.ruleset.check(case)
        missing = [name for name, value in answers.values.items() if value is None]
        if missing:
            raise IncompleteCaseError(
                f"{len(missing)} input(s) without a real answer ({', '.join(missing)}); "
                "evaluate such cases with the core",
                feature="three-valued case",
                field=missing[0],
            )
        params = self.ruleset.params_on(as_of)
        key = self._key(params, as_of)
        program = self._programs.get(key)
        if program is None:  # the spans cover every date with parameters; a safeguard only
            raise EvaluationError(f"no durable rule set for {as_of}")
        with _ENGINE_LOCK:
            return self._run(program, answers.values)

    def _run(self, program: _Program, values: Mapping[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {}
        for name, spec in self._compiled.inputs.items():
            message.update(_attributes(name, spec.type, spec.choice_values, values[name]))
        targets = self._compiled.merged.targets
        settled: dict[str, Any] = {}
        items: dict[str, list[tuple[tuple[int, int], Any, str]]] = {name: [] for name in targets}
        fired: set[int] = set()
        yields: dict[str, bool] = {}

        def yielded(rid: str) -> bool:  # it applies, or one of its exceptions yields a value
            if rid not in yields:
                i = program.unit_of_rule.get(rid)
                yields[rid] = (i is not None and i in fired) or any(
                    yielded(e) for e in program.exceptions.get(rid, ())
                )
            return yields[rid]

        sid = uuid.uuid4().hex
        touched = broken = False
        try:
            for level in range(program.top + 1):
                for i in program.by_level.get(level, []):
                    unit = program.units[i]
                    for name in sorted(unit.reads):
                        if settled[name] is None:
                            raise UnsupportedByBackend(
                                f"reads {name!r}, which has no value for this case (the core reads it "
                                "as unknown)",
                                feature="fact without a value",
                                rule_id=unit.step,
                            )
                now: set[int] = set()
                for g in program.groups_at.get(level, []):
                    fact = {**message, "sid": sid, "id": f"g{g}", _GROUP: g}
                    for i in program.flagged(g):
                        fact[f"{_BLOCKED}{i}"] = any(yielded(e) for e in program.units[i].exceptions)
                    touched = True
                    try:
                        now.update(self._assert(program.rules, fact))
                    except Exception as error:  # durable's own: its session may be corrupt
                        broken = True
                        raise UnsupportedByBackend(
                            "durable-rules failed on this case", feature="engine error"
                        ) from error
                fired |= now
                for i in sorted(now):  # a unit fires once, however many conjunctions matched
                    unit = program.units[i]
                    for name, value in unit.writes:
                        items[name].append((unit.order, value, unit.step))
                for name in program.settle_at.get(level, []):
                    target = targets[name]
                    settled[name] = _settle(name, target, items[name])
                    message.update(_attributes(name, target.type, tuple(target.values or ()), settled[name]))
        finally:
            if touched and not broken:  # deleting a corrupt session crashes the process
                program.rules.delete_state(sid)
        return {name: _shown(settled[name]) for name in self._compiled.merged.outcomes}

    def _assert(self, rules: Any, fact: dict[str, Any]) -> list[int]:
        """Assert one fact; the units whose durable rules fired on it.

        As ``durable.engine.Ruleset.assert_fact``, but with numbers written so that durable's
        parser reads them (it refuses ``1e-05``; it reads ``1.0e-05``).
        """
        self._fired.clear()
        errors: list[BaseException] = []

        def done(error: BaseException | None, state: Any) -> None:
            if error is not None:
                errors.append(error)

        text = _fact_json(fact)
        native = importlib.import_module("durable_rules_engine")
        # never unhandled: each group has a rule for any fact
        handle = rules._handle_result(native.assert_fact(rules._handle, text), fact)
        rules.do_actions(handle, done)
        if errors:
            raise errors[0]
        return list(self._fired)


def _number(value: int | float) -> str:
    """A number as durable's JSON parser reads it: an exponent needs a point before it."""
    text = repr(value)
    mantissa, e, exponent = text.partition("e")
    return f"{mantissa}.0e{exponent}" if e and "." not in mantissa else text


def _fact_json(fact: Mapping[str, Any]) -> str:
    """A flat fact (text, yes/no and numbers) as JSON that durable reads."""
    parts = []
    for key, value in fact.items():
        if isinstance(value, bool):
            shown = "true" if value else "false"
        elif isinstance(value, int | float):
            shown = _number(value)
        else:
            shown = json.dumps(value, ensure_ascii=False)
        parts.append(f"{json.dumps(key, ensure_ascii=False)}: {shown}")
    return "{" + ", ".join(parts) + "}"


def _attributes(name: str, kind: str, choices: tuple[str, ...], value: Any) -> dict[str, Any]:
    """What the message carries for an input or a settled fact."""
    if kind == "text" or value is None:
        return {}
    if kind == "set":
        return {_set_attribute(name, v): v in value for v in choices}
    return {name: _plain(value)}


def _settle(name: str, spec: TargetSpec, items: list[tuple[tuple[int, int], Any, str]]) -> Any:
    """A fact's value from the rules that fired: one value or the default, a union, a sum."""
    items = sorted(items, key=lambda item: item[0])
    if spec.type == "set":
        return frozenset().union(*(value for _, value, _ in items))
    if spec.type == "number":
        total = float(spec.default) if isinstance(spec.default, int | float) else 0.0
        for _, amount, _ in items:
            total += amount
        return int(total) if total.is_integer() else total
    if not items:
        return spec.default
    first = items[0][1]
    if any(value != first for _, value, _ in items):
        rules = list(dict.fromkeys(rid for _, _, rid in items))
        raise UnsupportedByBackend(
            f"rules {', '.join(rules)} conclude different values for {name!r} (the core reports a conflict)",
            feature="conflicting conclusions",
            rule_id=rules[0],
        )
    return first


def _shown(value: Any) -> Any:
    return sorted(value, key=str) if isinstance(value, frozenset) else value
