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
Plan = tuple[tuple[Callable[[Any, "Run"], None], Step], ...]


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
    """Every parameter's value in force on ``as_of``, keyed ``@name``."""
    values: dict[str, Any] = {}
    for name, param in compiled.merged.parameters.items():
        for item in param.values:
            if item.valid_from <= as_of and (item.valid_to is None or as_of <= item.valid_to):
                values[f"@{name}"] = item.value
                break
        else:
            values[f"@{name}"] = _NOT_IN_FORCE
    return values


class _NotInForce:
    def __repr__(self) -> str:
        return "<no value in force>"


_NOT_IN_FORCE = _NotInForce()


def plan(compiled: CompiledRuleSet) -> Plan:
    """The steps paired with the function that runs each, chosen once per rule set."""
    return tuple((_RUN[type(step)], step) for step in compiled.steps)


def run(
    compiled: CompiledRuleSet,
    steps: Plan,
    answers: Answers,
    params: dict[str, Any],
    off: frozenset[str],
) -> Run:
    """Compute every value, in order."""
    missing_params = [k[1:] for k, v in params.items() if v is _NOT_IN_FORCE]
    if missing_params:
        raise EvaluationError(
            "no value in force on the evaluation date for parameter(s): " + ", ".join(sorted(missing_params))
        )
    env: dict[str, Any] = dict(answers.values)
    env[ANSWERS_KEY] = answers.kinds
    env.update(params)
    state = Run(env, off, compiled.merged.targets)
    for fn, step in steps:
        fn(step, state)
    return state


# -- values: conclusion rules ----------------------------------------------------------------


def _run_rule(rule: CompiledRule, st: Run) -> None:
    cond: Truth = True
    if rule.id in st.off:
        cond = False
    elif rule.cond is not None:
        cond = rule.cond.ev(st.env)
    win = cond
    beaten: Truth = False
    if rule.exceptions:
        beaten = or3(st.yields[e] for e in rule.exceptions)
        win = and3((cond, not3(beaten)))
    st.wins[rule.id] = win
    st.yields[rule.id] = win if beaten is False else or3((win, beaten))
    if win is not False:
        contrib = st.contrib
        for name, value in rule.then:
            contrib[name].append((value, win, rule.id))


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
    if table.id in st.off:
        return
    out = st.contrib[table.output]
    rows = table.rows
    for i, t in table_hits(table, _row_truths(table, st.env)):
        out.append((rows[i].output, t, table.id))


# -- values: scores and bands ----------------------------------------------------------------


def _run_score(score: CompiledScore, st: Run) -> None:
    if score.id in st.off:
        return
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


def _run_target(target: CompiledTarget, st: Run) -> None:
    items = st.contrib[target.name]
    kind = target.spec.type
    if kind == "set":
        settled = _settle_set(items)
    elif kind == "number":
        settled = _settle_number(items, target.spec.default)
    else:
        settled = _settle_one(items, target.spec.default)
    st.settled[target.name] = settled
    st.env[target.name] = settled.value


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
    CompiledRule: _run_rule,
    CompiledTable: _run_table,
    CompiledScore: _run_score,
    CompiledBands: _run_bands,
    CompiledTarget: _run_target,
}


# -- supports: which unknown inputs keep what open -------------------------------------------


def supports(compiled: CompiledRuleSet, st: Run) -> Supports:
    """For every rule and fact left open by :func:`run`, the unknown inputs behind it.

    Only rules and rows of unknown truth are explained; the values are read from ``st``.
    """
    found = Supports({}, {})
    for step in compiled.steps:
        _SUPPORT[type(step)](step, st, found)
    return found


_NONE: frozenset[str] = frozenset()


def _support_rule(rule: CompiledRule, st: Run, found: Supports) -> None:
    win, yields = st.wins[rule.id], st.yields[rule.id]
    if win is not None and yields is not None:
        return
    support = _NONE
    if rule.cond is not None and rule.id not in st.off and rule.cond.ev(st.env) is None:
        support = rule.cond.explain(st.env, found.targets).support
    support = support.union(*(found.rules.get(e, _NONE) for e in rule.exceptions if st.yields[e] is None))
    found.rules[rule.id] = support


def _support_rows(step: CompiledTable | CompiledScore, st: Run, found: Supports) -> None:
    if step.id in st.off:
        return
    env = st.env
    truths = _row_truths(step, env)
    rows = step.rows if isinstance(step, CompiledTable) else step.items
    open_rows = (
        [i for i, t in table_hits(step, truths) if t is None]
        if isinstance(step, CompiledTable)
        else [i for i, t in enumerate(truths) if t is None]
    )
    if open_rows:
        conds = [cond for i in open_rows if (cond := rows[i].cond) is not None]
        found.rules[step.id] = _NONE.union(*(c.explain(env, found.targets).support for c in conds))


def _support_bands(bands: CompiledBands, st: Run, found: Supports) -> None:
    if bands.score in found.targets:
        found.rules[bands.id] = found.targets[bands.score]


def _support_target(target: CompiledTarget, st: Run, found: Supports) -> None:
    if st.settled[target.name].determined:
        return
    open_ = {rid for _, t, rid in st.contrib[target.name] if t is None}
    found.targets[target.name] = _NONE.union(*(found.rules.get(rid, _NONE) for rid in open_))


_SUPPORT: dict[type, Callable[[Any, Run, Supports], None]] = {
    CompiledRule: _support_rule,
    CompiledTable: _support_rows,
    CompiledScore: _support_rows,
    CompiledBands: _support_bands,
    CompiledTarget: _support_target,
}
