"""Stage 4: evaluation. A compiled rule set + checked answers + a date -> values, and a trace.

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
logic, so an exception of unknown truth leaves the rule unknown. Traced runs also record why
each rule did or did not apply and which unknown inputs kept each fact open (its *missing*
inputs).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, Literal, NamedTuple

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
from carepath.rules.logic import Interval, PartialSet, Truth, and3, not3, or3, shown
from carepath.rules.nodes import ANSWERS_KEY, Explained
from carepath.rules.trace import Check, RowStep, RuleStatus, RuleStep, TargetStep

__all__ = ["Run", "Settled", "params_on", "run"]

Contribution = tuple[Any, Truth, str]


class Settled(NamedTuple):
    """A fact or outcome once settled."""

    value: Any
    determined: bool
    decided_by: tuple[str, ...] = ()
    candidates: tuple[Any, ...] = ()
    conflict: tuple[str, ...] = ()
    support: frozenset[str] = frozenset()


class Run:
    """The state of one evaluation."""

    __slots__ = (
        "contrib",
        "env",
        "off",
        "rule_support",
        "settled",
        "steps",
        "support",
        "target_steps",
        "traced",
        "wins",
        "yields",
    )

    def __init__(
        self, env: dict[str, Any], off: frozenset[str], traced: bool, targets: Iterable[str]
    ) -> None:
        self.env = env
        self.off = off
        self.traced = traced
        self.wins: dict[str, Truth] = {}
        self.yields: dict[str, Truth] = {}
        self.contrib: dict[str, list[Contribution]] = {name: [] for name in targets}
        self.settled: dict[str, Settled] = {}
        self.support: dict[str, frozenset[str]] = {}
        self.rule_support: dict[str, frozenset[str]] = {}
        self.steps: list[RuleStep] = []
        self.target_steps: list[TargetStep] = []


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


def run(
    compiled: CompiledRuleSet,
    answers: Answers,
    params: dict[str, Any],
    off: frozenset[str],
    traced: bool,
) -> Run:
    """Evaluate every step in order."""
    missing_params = [k[1:] for k, v in params.items() if v is _NOT_IN_FORCE]
    env: dict[str, Any] = dict(answers.values)
    env[ANSWERS_KEY] = answers.kinds
    env.update(params)
    state = Run(env, off, traced, compiled.merged.targets)
    if missing_params:
        raise EvaluationError(
            "no value in force on the evaluation date for parameter(s): " + ", ".join(sorted(missing_params))
        )
    for step in compiled.steps:
        _DISPATCH[type(step)](step, state)
    return state


# -- conclusion rules ------------------------------------------------------------------------


def _run_rule(rule: CompiledRule, st: Run) -> None:
    env = st.env
    if rule.id in st.off:
        st.wins[rule.id] = False
        st.yields[rule.id] = or3(st.yields[e] for e in rule.exceptions)
        if st.traced:
            st.steps.append(_step(rule, "not_in_force", detail="not in force on the evaluation date"))
        return
    explained: Explained | None = None
    if rule.cond is None:
        cond: Truth = True
    elif st.traced:
        explained = rule.cond.explain(env, st.support)
        cond = explained.value
    else:
        cond = rule.cond.ev(env)
    win = cond
    beaten: Truth = False
    if rule.exceptions:
        beaten = or3(st.yields[e] for e in rule.exceptions)
        win = and3((cond, not3(beaten)))
    st.wins[rule.id] = win
    st.yields[rule.id] = win if beaten is False else or3((win, beaten))
    if win is not False:
        for name, value in rule.then:
            st.contrib[name].append((value, win, rule.id))
    if not st.traced:
        return
    support: frozenset[str] = frozenset()
    if win is None and cond is None and explained is not None:
        support = explained.support
    if win is None or st.yields[rule.id] is None:
        support = support.union(
            *(st.rule_support.get(e, frozenset()) for e in rule.exceptions if st.yields[e] is None)
        )
    st.rule_support[rule.id] = support
    beaten_by = tuple(e for e in rule.exceptions if st.yields[e] is True)
    status: RuleStatus
    if win is True:
        status = "fired"
    elif cond is True and beaten_by:
        status = "overridden"
    elif win is None:
        status = "unknown"
    else:
        status = "not_fired"
    st.steps.append(
        _step(
            rule,
            status,
            checks=explained.checks if explained else (),
            concludes=tuple((n, shown(v)) for n, v in rule.then),
            exception_to=rule.exception_to,
            overridden_by=beaten_by,
            missing=tuple(sorted(support)),
        )
    )


def _step(rule: Any, status: RuleStatus, **extra: Any) -> RuleStep:
    kind: Literal["rule", "table", "score"] = "rule"
    if isinstance(rule, CompiledTable):
        kind = "table"
    elif isinstance(rule, CompiledScore | CompiledBands):
        kind = "score"
    return RuleStep(
        rule_id=rule.id,
        title=rule.title,
        kind=kind,
        status=status,
        source=rule.source,
        layer=rule.layer,
        hard=rule.hard,
        local_setting=rule.local_setting,
        **extra,
    )


# -- decision tables -------------------------------------------------------------------------


def _run_table(table: CompiledTable, st: Run) -> None:
    if table.id in st.off:
        if st.traced:
            st.steps.append(_step(table, "not_in_force", detail="not in force on the evaluation date"))
        return
    env = st.env
    truths: list[Truth] = []
    explained: list[Explained | None] = []
    for row in table.rows:
        if row.cond is None:
            truths.append(True)
            explained.append(None)
        elif st.traced:
            e = row.cond.explain(env, st.support)
            truths.append(e.value)
            explained.append(e)
        else:
            truths.append(row.cond.ev(env))
    out = st.contrib[table.output]
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
        hits = [i for i, t in enumerate(truths) if t is True]
        best = min(hits, key=lambda i: table.rank[table.rows[i].output]) if hits else None
        best_rank = table.rank[table.rows[best].output] if best is not None else len(table.rank)
        if best is not None:
            added.append((best, True))
        added.extend(
            (i, None)
            for i, t in enumerate(truths)
            if t is None and table.rank[table.rows[i].output] < best_rank
        )
    else:  # UNIQUE, COLLECT
        added.extend((i, t) for i, t in enumerate(truths) if t is not False)
    for i, t in added:
        out.append((table.rows[i].output, t, table.id))
    if not st.traced:
        return
    support = frozenset().union(
        *(e.support for (i, t) in added if t is None for e in [explained[i]] if e is not None)
    )
    st.rule_support[table.id] = support
    sure = [i for i, t in added if t is True]
    status: RuleStatus = "fired" if sure else "unknown" if added else "not_fired"
    detail = f"hit policy {policy}"
    if policy == "UNIQUE" and len([t for t in truths if t is True]) > 1:
        detail += ": more than one row matched, which UNIQUE forbids"
    rows = tuple(
        RowStep(
            id=row.id,
            value=truths[i],
            output=shown(row.output),
            checks=explained[i].checks if explained[i] is not None else (),  # type: ignore[union-attr]
            source=row.source,
        )
        for i, row in enumerate(table.rows)
    )
    concludes = tuple((table.output, shown(table.rows[i].output)) for i in sure)
    st.steps.append(
        _step(table, status, rows=rows, detail=detail, concludes=concludes, missing=tuple(sorted(support)))
    )


# -- scores and bands ------------------------------------------------------------------------


def _run_score(score: CompiledScore, st: Run) -> None:
    if score.id in st.off:
        if st.traced:
            st.steps.append(_step(score, "not_in_force", detail="not in force on the evaluation date"))
        return
    env = st.env
    out = st.contrib[score.target]
    rows: list[RowStep] = []
    support: frozenset[str] = frozenset()
    total_low = total_high = 0.0
    for item in score.items:
        weight = env[f"@{item.param}"] if item.param else item.output
        if st.traced and item.cond is not None:
            e = item.cond.explain(env, st.support)
            t, checks = e.value, e.checks
            if t is None:
                support |= e.support
        else:
            t = item.cond.ev(env) if item.cond is not None else True
            checks = ()
        if t is not False:
            out.append((weight, t, score.id))
            if t is True:
                total_low += weight
                total_high += weight
            else:
                total_low += min(0.0, weight)
                total_high += max(0.0, weight)
        if st.traced:
            rows.append(RowStep(id=item.id, value=t, output=weight, checks=checks, source=item.source))
    if not st.traced:
        return
    st.rule_support[score.id] = support
    shown = f"{total_low:g}" if total_low == total_high else f"between {total_low:g} and {total_high:g}"
    status: RuleStatus = "fired" if total_low == total_high else "unknown"
    st.steps.append(
        _step(score, status, rows=tuple(rows), detail=f"items add {shown}", missing=tuple(sorted(support)))
    )


def _run_bands(bands: CompiledBands, st: Run) -> None:
    env = st.env
    thresholds: list[tuple[float, str]] = []
    for number, param, value in bands.thresholds:
        thresholds.append((env[f"@{param}"] if param else (number or 0.0), value))

    def band(x: float) -> str:
        found = bands.below
        for at_least, value in thresholds:
            if x >= at_least:
                found = value
        return found

    score = env[bands.score]
    order = [bands.below, *(v for _, v in thresholds)]
    out = st.contrib[bands.target]
    if isinstance(score, Interval):
        low, high = band(score.low), band(score.high)
        span = order[order.index(low) : order.index(high) + 1]
        if len(span) == 1:
            out.append((low, True, bands.id))
        else:
            out.extend((b, None, bands.id) for b in span)
    elif score is None:
        out.extend((b, None, bands.id) for b in dict.fromkeys(order))
    else:
        out.append((band(score), True, bands.id))
    if st.traced:
        st.rule_support[bands.id] = st.support.get(bands.score, frozenset())
        sure = [v for v, t, _ in out if t is True and _ == bands.id]
        text = ", ".join(f"{v} from {a:g}" for a, v in thresholds)
        st.steps.append(
            _step(
                bands,
                "fired" if sure else "unknown",
                checks=(
                    Check(
                        f"{bands.score} in bands: below {bands.below}, {text}",
                        True if sure else None,
                        ((bands.score, shown(score)),),
                    ),
                ),
                concludes=tuple((bands.target, v) for v in sure),
                missing=tuple(sorted(st.rule_support[bands.id])),
            )
        )


# -- settling facts and outcomes -------------------------------------------------------------


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
    if st.traced:
        if not settled.determined:
            relevant = {rid for _, t, rid in items if t is None}
            support = frozenset().union(*(st.rule_support.get(rid, frozenset()) for rid in relevant))
            settled = settled._replace(support=support)
            st.settled[target.name] = settled
            st.support[target.name] = support
        st.target_steps.append(
            TargetStep(
                name=target.name,
                section="outcomes" if target.section == "outcomes" else "facts",
                value=shown(settled.value),
                determined=settled.determined,
                decided_by=settled.decided_by,
                candidates=tuple(shown(c) for c in settled.candidates),
                conflict=settled.conflict,
                missing=tuple(sorted(settled.support)),
            )
        )


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
    value: Any = _tidy(low)
    if low == high:
        return Settled(value, True, decided_by=tuple(dict.fromkeys(by)))
    return Settled(Interval(_tidy(low), _tidy(high)), False, decided_by=tuple(dict.fromkeys(by)))


def _tidy(x: float) -> float:
    return int(x) if float(x).is_integer() else x


_EMPTY_SET = Settled(frozenset(), True)

_DISPATCH: dict[type, Callable[[Any, Run], None]] = {
    CompiledRule: _run_rule,
    CompiledTable: _run_table,
    CompiledScore: _run_score,
    CompiledBands: _run_bands,
    CompiledTarget: _run_target,
}
