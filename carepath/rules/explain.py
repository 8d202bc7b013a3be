"""Stage 5: explain a finished evaluation, step by step: why each rule did or did not apply.

Reads the values of a :class:`Run` from the traced values pass (every condition node's truth,
in ``Run.nodes``) and the :class:`Supports` of what stayed open, and builds the
:class:`RuleStep` and :class:`TargetStep` records of the trace. It evaluates no condition: a
leaf's check shows the truth the pass computed and the values it read. The steps are the
same as re-running every condition would give (``replay.replayed_steps``, the reference).
"""

from __future__ import annotations

from typing import Any, Literal

from carepath.rules.compiler import (
    CompiledBands,
    CompiledRule,
    CompiledRuleSet,
    CompiledScore,
    CompiledTable,
    CompiledTarget,
)
from carepath.rules.evaluator import Run, Supports, band_contributions, table_hits
from carepath.rules.logic import Interval, Truth, shown
from carepath.rules.nodes import AllNode, AnyNode, CNode, CountNode, Leaf, NotNode, display
from carepath.rules.trace import Check, RowStep, RuleStatus, RuleStep, TargetStep

__all__ = ["trace_steps"]

_NONE: frozenset[str] = frozenset()
Explained = tuple[Truth, tuple[Check, ...]]


def trace_steps(
    compiled: CompiledRuleSet, st: Run, found: Supports
) -> tuple[list[RuleStep], list[TargetStep]]:
    """The rule steps and target steps of the trace, in evaluation order.

    ``st`` comes from the traced values pass: its ``nodes`` are read in the order the pass
    wrote them (steps in order, each condition's nodes in pre-order).
    """
    reader = _Reader(st)
    rules: list[RuleStep] = []
    targets: list[TargetStep] = []
    for step in compiled.steps:
        if isinstance(step, CompiledTarget):
            targets.append(_target(step, st, found))
        elif step.id in st.off:
            rules.append(_step(step, "not_in_force", detail="not in force on the evaluation date"))
        elif isinstance(step, CompiledRule):
            rules.append(_rule(step, st, found, reader))
        elif isinstance(step, CompiledTable):
            rules.append(_table(step, found, reader))
        elif isinstance(step, CompiledScore):
            rules.append(_score(step, st, found, reader))
        else:
            rules.append(_bands(step, st, found))
    if reader.at != len(st.nodes):
        raise AssertionError("the trace read a different number of condition truths than the pass kept")
    return rules, targets


class _Reader:
    """Reads condition truths from the traced pass, one node after the other."""

    __slots__ = ("at", "env", "nodes")

    def __init__(self, st: Run) -> None:
        self.env = st.env
        self.nodes = st.nodes
        self.at = 0

    def cond(self, node: CNode) -> Explained:
        """A node's truth and the leaf checks that decided it (as ``CNode.explain`` gives them)."""
        value = self.nodes[self.at]
        self.at += 1
        if isinstance(node, Leaf):
            env = self.env
            read = [(n, display(n, env)) for n in node.reads]
            if node.params:
                read += [(p, env.get(f"@{p}")) for p in node.params]
            return value, (Check(node.text, value, tuple(read)),)
        if isinstance(node, NotNode):
            return value, self.cond(node.child)[1]
        if not isinstance(node, AllNode | AnyNode | CountNode):
            raise TypeError(f"no trace for condition node {type(node).__name__}")
        parts = [self.cond(part) for part in node.parts]
        decisive: Truth
        if isinstance(node, AllNode):
            decisive = False if value is False else None
        elif isinstance(node, AnyNode):
            decisive = True if value is True else None
        else:
            decisive = value
        if value is True and decisive is None:
            chosen = parts
        else:
            chosen = [p for p in parts if p[0] is decisive] or parts
        if len(chosen) == 1:
            return value, chosen[0][1]
        return value, tuple(c for p in chosen for c in p[1])


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


def _missing(found: Supports, rule_id: str) -> tuple[str, ...]:
    return tuple(sorted(found.rules.get(rule_id, _NONE)))


def _rule(rule: CompiledRule, st: Run, found: Supports, reader: _Reader) -> RuleStep:
    checks: tuple[Check, ...] = ()
    cond: Truth = True
    if rule.cond is not None:
        cond, checks = reader.cond(rule.cond)
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
        missing=_missing(found, rule.id),
    )


def _table(table: CompiledTable, found: Supports, reader: _Reader) -> RuleStep:
    explained = [reader.cond(row.cond) if row.cond is not None else None for row in table.rows]
    truths = [e[0] if e is not None else True for e in explained]
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
            checks=e[1] if e is not None else (),
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
        missing=_missing(found, table.id),
        target=table.output,
    )


def _score(score: CompiledScore, st: Run, found: Supports, reader: _Reader) -> RuleStep:
    env = st.env
    rows: list[RowStep] = []
    for item in score.items:
        weight = env[f"@{item.param}"] if item.param else item.output
        value, checks = reader.cond(item.cond) if item.cond is not None else (True, ())
        rows.append(RowStep(id=item.id, value=value, output=weight, checks=checks, source=item.source))
    total, determined = st.settled[score.target][:2]
    amount = f"between {total.low:g} and {total.high:g}" if isinstance(total, Interval) else f"{total:g}"
    return _step(
        score,
        "fired" if determined else "unknown",
        rows=tuple(rows),
        detail=f"{score.target} = {amount}",
        missing=_missing(found, score.id),
        target=score.target,
    )


def _bands(bands: CompiledBands, st: Run, found: Supports) -> RuleStep:
    hits = band_contributions(bands, st.env)
    sure = [value for value, t in hits if t is True]
    env = st.env
    limits = ", ".join(
        f"{value} from {env[f'@{param}'] if param else number:g}" for number, param, value in bands.thresholds
    )
    check = Check(
        f"{bands.score} in bands: below {bands.below}, {limits}",
        True if sure else None,
        ((bands.score, shown(env[bands.score])),),
    )
    return _step(
        bands,
        "fired" if sure else "unknown",
        checks=(check,),
        concludes=tuple((bands.target, v) for v in sure),
        missing=_missing(found, bands.id),
    )


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
