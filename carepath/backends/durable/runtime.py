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
import json
import threading
import uuid
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from carepath.backends.durable.expressions import _number, _plain, _set_attribute
from carepath.backends.durable.limits import (
    _BLOCKED,
    _GROUP,
    MAX_ATTRIBUTES,
    IncompleteCaseError,
    UnsupportedByBackend,
)
from carepath.backends.durable.translate import _levels, _Program, _Translator
from carepath.errors import EvaluationError
from carepath.rules.model import TargetSpec
from carepath.rules.nodes import AS_OF_KEY
from carepath.rules.ruleset import RuleSet

_ENGINE_LOCK = threading.Lock()  # durable's engine is one per process, and not thread-safe


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
