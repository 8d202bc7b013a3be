"""The reference trace: explain a finished evaluation by re-running every condition.

The trace as it was built before the traced values pass kept its truths: each condition is
explained again through its closure tree (:meth:`CNode.explain`). Kept as the definition
``explain.trace_steps`` is tested against (it must give identical steps), and measured
against in ``benchmarks/evaluate.py``; nothing else calls it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from carepath.rules.compiler import (
    CompiledBands,
    CompiledRule,
    CompiledRuleSet,
    CompiledScore,
    CompiledTable,
    CompiledTarget,
)
from carepath.rules.evaluator import Run, Supports, table_hits
from carepath.rules.explain.records import bands_step, missing_of
from carepath.rules.logic import Interval, shown
from carepath.rules.trace import Check, RowStep, RuleStatus, RuleStep, TargetStep

__all__ = ["replayed_steps"]

_NONE: frozenset[str] = frozenset()


def replayed_steps(
    compiled: CompiledRuleSet, st: Run, found: Supports
) -> tuple[list[RuleStep], list[TargetStep]]:
    """The rule steps and target steps of the trace, in evaluation order."""
    rules: list[RuleStep] = []
    targets: list[TargetStep] = []
    for step in compiled.steps:
        if isinstance(step, CompiledTarget):
            targets.append(_target(step, st, found))
        elif step.id in st.off:
            rules.append(_step(step, "not_in_force", detail="not in force on the evaluation date"))
        else:
            rules.append(_EXPLAIN[type(step)](step, st, found))
    return rules, targets


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


def _rule(rule: CompiledRule, st: Run, found: Supports) -> RuleStep:
    checks: tuple[Check, ...] = ()
    cond: bool | None = True
    if rule.cond is not None:
        explained = rule.cond.explain(st.env)
        checks, cond = explained.checks, explained.value
    win = st.wins[rule.id]
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
    return _step(
        rule,
        status,
        checks=checks,
        concludes=rule.concludes,
        exception_to=rule.exception_to,
        overridden_by=beaten_by,
        missing=missing_of(found, rule.id),
    )


def _table(table: CompiledTable, st: Run, found: Supports) -> RuleStep:
    explained = [row.cond.explain(st.env) if row.cond is not None else None for row in table.rows]
    truths = [e.value if e is not None else True for e in explained]
    added = table_hits(table, truths)
    sure = [i for i, t in added if t is True]
    status: RuleStatus = "fired" if sure else "unknown" if added else "not_fired"
    detail = f"hit policy {table.hit_policy}"
    if table.hit_policy == "UNIQUE" and truths.count(True) > 1:
        detail += ": more than one row matched, which UNIQUE forbids"
    rows = tuple(
        RowStep(
            id=row.id,
            value=truths[i],
            output=shown(row.output),
            checks=e.checks if e is not None else (),
            source=row.source,
        )
        for i, (row, e) in enumerate(zip(table.rows, explained, strict=True))
    )
    return _step(
        table,
        status,
        rows=rows,
        detail=detail,
        concludes=tuple((table.output, shown(table.rows[i].output)) for i in sure),
        missing=missing_of(found, table.id),
        target=table.output,
    )


def _score(score: CompiledScore, st: Run, found: Supports) -> RuleStep:
    env = st.env
    rows: list[RowStep] = []
    for item in score.items:
        weight = env[f"@{item.param}"] if item.param else item.output
        e = item.cond.explain(env) if item.cond is not None else None
        rows.append(
            RowStep(
                id=item.id,
                value=e.value if e is not None else True,
                output=weight,
                checks=e.checks if e is not None else (),
                source=item.source,
            )
        )
    total = st.settled[score.target].value
    determined = st.settled[score.target].determined
    amount = f"between {total.low:g} and {total.high:g}" if isinstance(total, Interval) else f"{total:g}"
    return _step(
        score,
        "fired" if determined else "unknown",
        rows=tuple(rows),
        detail=f"{score.target} = {amount}",
        missing=missing_of(found, score.id),
        target=score.target,
    )


def _bands(bands: CompiledBands, st: Run, found: Supports) -> RuleStep:
    # no condition to re-run: a band step is built as the traced pass builds it
    return bands_step(bands, st, missing_of(found, bands.id))


def _target(target: CompiledTarget, st: Run, found: Supports) -> TargetStep:
    settled = st.settled[target.name]
    return TargetStep(
        name=target.name,
        section="outcomes" if target.section == "outcomes" else "facts",
        value=shown(settled.value),
        determined=settled.determined,
        decided_by=settled.decided_by,
        candidates=tuple(shown(c) for c in settled.candidates),
        conflict=settled.conflict,
        missing=tuple(sorted(found.targets.get(target.name, _NONE))),
    )


_EXPLAIN: dict[type, Callable[[Any, Run, Supports], RuleStep]] = {
    CompiledRule: _rule,
    CompiledTable: _table,
    CompiledScore: _score,
    CompiledBands: _bands,
}
