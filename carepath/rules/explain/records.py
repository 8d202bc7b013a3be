"""The records of the trace (``carepath.rules.trace``) and quick ways to build them: a rule's,
a table's, a score's and a band's step from the truths and checks read from the traced pass."""

from __future__ import annotations

from typing import Any, Literal

from carepath.rules.compiler import CompiledBands, CompiledScore, CompiledTable
from carepath.rules.evaluator import Run, Supports, band_contributions, table_hits
from carepath.rules.logic import Interval, Truth, shown
from carepath.rules.trace import AnswerStep, Check, RowStep, RuleStatus, RuleStep, TargetStep, maker

__all__ = [
    "Explained",
    "answer_step",
    "bands_step",
    "make_check",
    "make_row",
    "make_rule_step",
    "make_step",
    "make_target_step",
    "missing_of",
    "score_step",
    "table_step",
]

Explained = tuple[Truth, tuple[Check, ...]]
"""A condition's truth and the leaf checks that decided it."""

make_check = maker(Check)
make_row = maker(RowStep)
make_rule_step = maker(RuleStep)
make_target_step = maker(TargetStep)
answer_step = maker(AnswerStep)


def make_step(
    rule: Any,
    status: RuleStatus,
    concludes: tuple[tuple[str, Any], ...] = (),
    checks: tuple[Check, ...] = (),
    exception_to: tuple[str, ...] = (),
    overridden_by: tuple[str, ...] = (),
    rows: tuple[RowStep, ...] = (),
    detail: str | None = None,
    missing: tuple[str, ...] = (),
    target: str | None = None,
) -> RuleStep:
    kind: Literal["rule", "table", "score"] = "rule"
    if isinstance(rule, CompiledTable):
        kind = "table"
    elif isinstance(rule, CompiledScore | CompiledBands):
        kind = "score"
    return make_rule_step(
        rule.id,
        rule.title,
        kind,
        status,
        rule.source,
        rule.layer,
        rule.hard,
        rule.local_setting,
        concludes,
        checks,
        exception_to,
        overridden_by,
        rows,
        detail,
        missing,
        target,
    )


def missing_of(found: Supports, rule_id: str) -> tuple[str, ...]:
    support = found.rules.get(rule_id)
    return tuple(sorted(support)) if support else ()


def table_step(table: CompiledTable, explained: list[Explained | None], missing: tuple[str, ...]) -> RuleStep:
    """A table's step from each row's truth and checks (``None``: a row without condition)."""
    truths = [e[0] if e is not None else True for e in explained]
    added = table_hits(table, truths)
    sure = [i for i, t in added if t is True]
    status: RuleStatus = "fired" if sure else "unknown" if added else "not_fired"
    detail = f"hit policy {table.hit_policy}"
    if table.hit_policy == "UNIQUE" and truths.count(True) > 1:
        detail += ": more than one row matched, which UNIQUE forbids"
    rows = tuple(
        make_row(row.id, truths[i], shown(row.output), e[1] if e is not None else (), row.source)
        for i, (row, e) in enumerate(zip(table.rows, explained, strict=True))
    )
    return make_step(
        table,
        status,
        rows=rows,
        detail=detail,
        concludes=tuple((table.output, shown(table.rows[i].output)) for i in sure),
        missing=missing,
        target=table.output,
    )


def score_step(
    score: CompiledScore, st: Run, explained: list[Explained | None], missing: tuple[str, ...]
) -> RuleStep:
    """A score's step from each item's truth and checks (``None``: an item without condition)."""
    env = st.env
    rows: list[RowStep] = []
    for item, e in zip(score.items, explained, strict=True):
        weight = env[f"@{item.param}"] if item.param else item.output
        value, checks = e if e is not None else (True, ())
        rows.append(make_row(item.id, value, weight, checks, item.source))
    total, determined = st.settled[score.target][:2]
    amount = f"between {total.low:g} and {total.high:g}" if isinstance(total, Interval) else f"{total:g}"
    return make_step(
        score,
        "fired" if determined else "unknown",
        rows=tuple(rows),
        detail=f"{score.target} = {amount}",
        missing=missing,
        target=score.target,
    )


def bands_step(bands: CompiledBands, st: Run, missing: tuple[str, ...]) -> RuleStep:
    hits = band_contributions(bands, st.env)
    sure = [value for value, t in hits if t is True]
    env = st.env
    limits = ", ".join(
        f"{value} from {env[f'@{param}'] if param else number:g}" for number, param, value in bands.thresholds
    )
    made = make_check(
        f"{bands.score} in bands: below {bands.below}, {limits}",
        True if sure else None,
        ((bands.score, shown(env[bands.score])),),
    )
    return make_step(
        bands,
        "fired" if sure else "unknown",
        checks=(made,),
        concludes=tuple((bands.target, v) for v in sure),
        missing=missing,
    )
