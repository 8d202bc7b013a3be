"""Stage 4: evaluation. A compiled rule set + checked answers + a date -> values.

Steps run in the compiled order. Each rule contributes ``(value, truth, rule id)`` to the facts
and outcomes it concludes; a fact's value is then settled from its contributions:

- ``bool`` / ``enum``: the value of the rules that surely apply; *undetermined* while a rule
  that may apply (unknown truth) would conclude something else; a *conflict* when rules that
  surely apply disagree; the ``default`` when every rule is known not to apply.
- ``set``: what rules surely add, and what they may add (a :class:`PartialSet`).
- ``number``: the sum, or an :class:`Interval` while unknown items could still count.

An exception (``exception_to``) beats the rules it names, as in Catala's default logic: a rule
applies when its condition holds and no exception below it yields a value, where an exception
yields a value when it applies or one of its own exceptions yields one. All of it in Kleene
logic, so an exception of unknown truth leaves the rule unknown.

Evaluation is three passes over the same steps: :func:`run` computes values (the hot path);
:func:`supports` then finds, for what stayed open, the unknown inputs that keep it open (its
*missing* inputs), looking only at rules of unknown truth; ``explain.trace_steps`` says why
each rule did or did not apply, only when a trace is asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, NamedTuple

from carepath.errors import EvaluationError
from carepath.rules.answers import Answers
from carepath.rules.compiler import (
    CompiledBands,
    CompiledRule,
    CompiledRuleSet,
    CompiledScore,
    CompiledTable,
    CompiledTarget,
)
from carepath.rules.logic import Interval, PartialSet, Truth, and3, not3, or3
from carepath.rules.nodes import ANSWERS_KEY

__all__ = [
    "Plan",
    "Run",
    "Settled",
    "Supports",
    "band_contributions",
    "params_on",
    "plan",
    "run",
    "supports",
    "table_hits",
]

Contribution = tuple[Any, Truth, str]
Step = CompiledRule | CompiledTable | CompiledScore | CompiledBands | CompiledTarget
Plan = tuple[Callable[["Run"], None], ...]


class Settled(NamedTuple):
    """A fact or outcome once settled."""

    value: Any
    determined: bool
    decided_by: tuple[str, ...] = ()
    candidates: tuple[Any, ...] = ()
    conflict: tuple[str, ...] = ()


class Run:
    """The values of one evaluation: the environment, each rule's truth, each fact settled."""

    __slots__ = ("contrib", "env", "off", "settled", "wins", "yields")

    def __init__(self, env: dict[str, Any], off: frozenset[str], targets: Iterable[str]) -> None:
        self.env = env
        self.off = off
        self.wins: dict[str, Truth] = {}
        self.yields: dict[str, Truth] = {}
        self.contrib: dict[str, list[Contribution]] = {name: [] for name in targets}
        self.settled: dict[str, Settled] = {}


class Supports(NamedTuple):
    """The unknown inputs that keep each open fact (``targets``) and rule (``rules``) open."""

    targets: dict[str, frozenset[str]]
    rules: dict[str, frozenset[str]]


def params_on(compiled: CompiledRuleSet, as_of: dt.date) -> dict[str, Any]:
    """Every parameter's value in force on ``as_of``, keyed ``@name``.

    Raises :class:`EvaluationError` naming the parameters that have no value on that date.
    """
    values: dict[str, Any] = {}
    missing: list[str] = []
    for name, param in compiled.merged.parameters.items():
        for item in param.values:
            if item.valid_from <= as_of and (item.valid_to is None or as_of <= item.valid_to):
                values[f"@{name}"] = item.value
                break
        else:
            missing.append(name)
    if missing:
        raise EvaluationError(f"no value in force on {as_of} for parameter(s): {', '.join(sorted(missing))}")
    return values


def plan(compiled: CompiledRuleSet, off: frozenset[str] = frozenset()) -> Plan:
    """One function per step, built once per rule set and date, each with what it needs bound.

    Rules not in force (``off``) run as rules whose condition is false; facts get the settling
    function of their type.
    """
    steps: list[Callable[[Run], None]] = []
    for step in compiled.steps:
        if isinstance(step, CompiledTarget):
            steps.append(_settler(step))
        elif isinstance(step, CompiledRule):
            steps.append(_rule_runner(step, step.id in off))
        elif step.id not in off:
            steps.append(partial(_RUN[type(step)], step))
    return tuple(steps)


def run(
    compiled: CompiledRuleSet,
    steps: Plan,
    answers: Answers,
    params: dict[str, Any],
    off: frozenset[str],
) -> Run:
    """Compute every value, in order (``steps`` from :func:`plan`, ``params`` from :func:`params_on`)."""
    env: dict[str, Any] = dict(answers.values)
    env[ANSWERS_KEY] = answers.kinds
    env.update(params)
    state = Run(env, off, compiled.merged.targets)
    for step in steps:
        step(state)
    return state


# -- values: conclusion rules ----------------------------------------------------------------


def _rule_runner(rule: CompiledRule, off: bool) -> Callable[[Run], None]:
    """The step of one conclusion rule; a rule not in force has a false condition."""
    rid, then, exceptions = rule.id, rule.then, rule.exceptions
    ev: Callable[[dict[str, Any]], Truth] | None = None if off or rule.cond is None else rule.cond.ev

    def run_rule(st: Run) -> None:
        cond: Truth = False if off else True if ev is None else ev(st.env)
        win = cond
        beaten: Truth = False
        if exceptions:
            beaten = or3(st.yields[e] for e in exceptions)
            win = and3((cond, not3(beaten)))
        st.wins[rid] = win
        st.yields[rid] = win if beaten is False else or3((win, beaten))
        if win is not False:
            contrib = st.contrib
            for name, value in then:
                contrib[name].append((value, win, rid))

    return run_rule


# -- values: decision tables -----------------------------------------------------------------


def table_hits(table: CompiledTable, truths: list[Truth]) -> list[tuple[int, Truth]]:
    """The rows that contribute under the hit policy, each with its truth."""
    added: list[tuple[int, Truth]] = []
    policy = table.hit_policy
    if policy == "FIRST":
        for i, t in enumerate(truths):
            if t is True:
                added.append((i, True))
                break
            if t is None:
                added.append((i, None))
    elif policy == "PRIORITY":
        rank = table.rank
        rows = table.rows
        hits = [i for i, t in enumerate(truths) if t is True]
        best = min(hits, key=lambda i: rank[rows[i].output]) if hits else None
        best_rank = rank[rows[best].output] if best is not None else len(rank)
        if best is not None:
            added.append((best, True))
        added.extend(
            (i, None) for i, t in enumerate(truths) if t is None and rank[rows[i].output] < best_rank
        )
    else:  # UNIQUE, COLLECT
        added.extend((i, t) for i, t in enumerate(truths) if t is not False)
    return added


def _row_truths(table: CompiledTable | CompiledScore, env: dict[str, Any]) -> list[Truth]:
    rows = table.rows if isinstance(table, CompiledTable) else table.items
    return [row.cond.ev(env) if row.cond is not None else True for row in rows]


def _run_table(table: CompiledTable, st: Run) -> None:
    out = st.contrib[table.output]
    rows = table.rows
    for i, t in table_hits(table, _row_truths(table, st.env)):
        out.append((rows[i].output, t, table.id))


# -- values: scores and bands ----------------------------------------------------------------


def _run_score(score: CompiledScore, st: Run) -> None:
    env = st.env
    out = st.contrib[score.target]
    for item, t in zip(score.items, _row_truths(score, env), strict=True):
        if t is not False:
            out.append((env[f"@{item.param}"] if item.param else item.output, t, score.id))


def band_contributions(bands: CompiledBands, env: dict[str, Any]) -> list[tuple[str, Truth]]:
    """The band a score falls in (true), or the bands an open score may still fall in (unknown)."""
    thresholds: list[tuple[float, str]] = [
        (env[f"@{param}"] if param else (number or 0.0), value) for number, param, value in bands.thresholds
    ]
    order = [bands.below, *(v for _, v in thresholds)]

    def band(x: float) -> str:
        found = bands.below
        for at_least, value in thresholds:
            if x >= at_least:
                found = value
        return found

    score = env[bands.score]
    if isinstance(score, Interval):
        low, high = band(score.low), band(score.high)
        span = order[order.index(low) : order.index(high) + 1]
        return [(low, True)] if len(span) == 1 else [(b, None) for b in span]
    if score is None:
        return [(b, None) for b in dict.fromkeys(order)]
    return [(band(score), True)]


def _run_bands(bands: CompiledBands, st: Run) -> None:
    out = st.contrib[bands.target]
    out.extend((value, t, bands.id) for value, t in band_contributions(bands, st.env))


# -- values: settling facts and outcomes -----------------------------------------------------


def _settler(target: CompiledTarget) -> Callable[[Run], None]:
    """The step that settles one fact or outcome from its contributions."""
    name, default, kind = target.name, target.spec.default, target.spec.type

    def settle(st: Run) -> None:
        items = st.contrib[name]
        if kind == "set":
            settled = _settle_set(items)
        elif kind == "number":
            settled = _settle_number(items, default)
        else:
            settled = _settle_one(items, default)
        st.settled[name] = settled
        st.env[name] = settled.value

    return settle


def _settle_one(items: list[Contribution], default: Any) -> Settled:
    if not items:
        return Settled(default, True)
    if len(items) == 1 and items[0][1] is True:
        return Settled(items[0][0], True, (items[0][2],))
    sure: dict[Any, list[str]] = {}
    maybe: dict[Any, list[str]] = {}
    for value, truth, rid in items:
        (sure if truth is True else maybe).setdefault(value, []).append(rid)
    if len(sure) > 1:
        return Settled(
            None, False, conflict=tuple(r for ids in sure.values() for r in ids), candidates=tuple(sure)
        )
    if sure:
        ((value, by),) = sure.items()
        if all(v == value for v in maybe):
            return Settled(value, True, decided_by=tuple(dict.fromkeys(by)))
        return Settled(None, False, candidates=tuple(dict.fromkeys([value, *maybe])))
    if not maybe or (default is not None and all(v == default for v in maybe)):
        return Settled(default, True)
    options = list(maybe)
    if default is not None and default not in options:
        options.append(default)
    return Settled(None, False, candidates=tuple(options))


def _settle_set(items: list[Contribution]) -> Settled:
    if not items:
        return _EMPTY_SET
    surely: set[Any] = set()
    maybe: set[Any] = set()
    by: list[str] = []
    for value, truth, rid in items:
        if truth is True:
            surely |= value
            by.append(rid)
        else:
            maybe |= value
    maybe -= surely
    if not maybe:
        return Settled(frozenset(surely), True, decided_by=tuple(dict.fromkeys(by)))
    return Settled(
        PartialSet(frozenset(surely), frozenset(maybe)),
        False,
        decided_by=tuple(dict.fromkeys(by)),
        candidates=tuple(sorted(maybe, key=str)),
    )


def _settle_number(items: list[Contribution], default: Any) -> Settled:
    low = high = float(default or 0)
    by: list[str] = []
    for amount, truth, rid in items:
        if truth is True:
            low += amount
            high += amount
            by.append(rid)
        else:
            low += min(0.0, amount)
            high += max(0.0, amount)
    if low == high:
        return Settled(_tidy(low), True, decided_by=tuple(dict.fromkeys(by)))
    return Settled(Interval(_tidy(low), _tidy(high)), False, decided_by=tuple(dict.fromkeys(by)))


def _tidy(x: float) -> float:
    return int(x) if float(x).is_integer() else x


_EMPTY_SET = Settled(frozenset(), True)

_RUN: dict[type, Callable[[Any, Run], None]] = {
    CompiledTable: _run_table,
    CompiledScore: _run_score,
    CompiledBands: _run_bands,
}


# -- supports: which unknown inputs keep what open -------------------------------------------


def supports(compiled: CompiledRuleSet, st: Run, targets: Iterable[str] | None = None) -> Supports:
    """The unknown inputs behind each open fact among ``targets`` (all facts and rules if None).

    Works back from the open facts through the contributions of unknown truth only, so a
    mostly settled case costs little; values are read from ``st``, never recomputed.
    """
    walk = _Walk(compiled, st)
    if targets is None:
        for rid in compiled.rules:
            walk.rule(rid)
        targets = compiled.merged.targets
    for name in targets:
        walk.get(name, _NONE)
    return walk.found


_NONE: frozenset[str] = frozenset()


class _Walk:
    """A memoised walk back from open facts to the unknown inputs behind them."""

    def __init__(self, compiled: CompiledRuleSet, st: Run) -> None:
        self.compiled = compiled
        self.st = st
        self.found = Supports({}, {})

    def get(self, name: str, default: frozenset[str]) -> frozenset[str]:
        """The support of an open fact, or ``default`` for an input (the lookup nodes use)."""
        settled = self.st.settled.get(name)
        if settled is None:
            return default
        if settled.determined:
            return _NONE
        known = self.found.targets.get(name)
        if known is None:
            open_ = {rid for _, t, rid in self.st.contrib[name] if t is None}
            known = self.found.targets[name] = _NONE.union(*(self.rule(rid) for rid in open_))
        return known

    def rule(self, rid: str) -> frozenset[str]:
        known = self.found.rules.get(rid)
        if known is None:
            step = self.compiled.rules[rid]
            known = self.found.rules[rid] = _NONE if step.id in self.st.off else self._step(step)
        return known

    def _step(self, step: CompiledRule | CompiledTable | CompiledScore | CompiledBands) -> frozenset[str]:
        st, env = self.st, self.st.env
        if isinstance(step, CompiledRule):
            if st.wins[step.id] is not None and st.yields[step.id] is not None:
                return _NONE
            own = step.cond.unknowns(env, self) if step.cond is not None else _NONE
            return own.union(*(self.rule(e) for e in step.exceptions if st.yields[e] is None))
        if isinstance(step, CompiledBands):
            return self.get(step.score, _NONE)
        truths = _row_truths(step, env)
        if isinstance(step, CompiledTable):
            rows = step.rows
            open_rows = [i for i, t in table_hits(step, truths) if t is None]
        else:
            rows = step.items
            open_rows = [i for i, t in enumerate(truths) if t is None]
        conds = [cond for i in open_rows if (cond := rows[i].cond) is not None]
        return _NONE.union(*(c.unknowns(env, self) for c in conds))
