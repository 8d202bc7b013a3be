"""Stage 5: explain a finished evaluation, step by step: why each rule did or did not apply.

Reads the values of a :class:`Run` from the traced values pass (every condition node's truth,
in ``Run.nodes``) and the :class:`Supports` of what stayed open, and builds the
:class:`RuleStep` and :class:`TargetStep` records of the trace. It evaluates no condition: a
leaf's check shows the truth the pass computed and the values it read. The steps are the
same as re-running every condition would give (``replay.replayed_steps``, the reference).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Literal, TypeVar

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
from carepath.rules.trace import AnswerStep, Check, RowStep, RuleStatus, RuleStep, TargetStep

__all__ = ["Plan", "contributing_steps", "maker", "trace_steps"]

_NONE: frozenset[str] = frozenset()
Explained = tuple[Truth, tuple[Check, ...]]
T = TypeVar("T")


def maker(cls: type[T]) -> Callable[..., T]:
    """A quicker constructor of a frozen, slotted dataclass with no ``__post_init__``: every
    field, positionally, set through its slot (the generated ``__init__`` goes through
    ``object.__setattr__`` once per field, about twice as slow). Gives equal instances."""
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls}
    lines = [f"def make({', '.join(names)}):", "    o = new(cls)"]
    for i, name in enumerate(names):
        namespace[f"s{i}"] = getattr(cls, name).__set__
        lines.append(f"    s{i}(o, {name})")
    lines.append("    return o")
    exec("\n".join(lines), namespace)  # field names of our own dataclasses only
    made: Callable[..., T] = namespace["make"]
    return made


_check = maker(Check)
_row = maker(RowStep)
_rule_step = maker(RuleStep)
_target_step = maker(TargetStep)
answer_step = maker(AnswerStep)


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


class Plan:
    """Where each step's condition truths start in ``Run.nodes``, and which steps may conclude
    each fact or outcome (what :meth:`Trace.contributions` reads), for one date's traced pass."""

    __slots__ = ("feeds", "starts")

    def __init__(self, compiled: CompiledRuleSet, off: frozenset[str]) -> None:
        self.starts: list[int] = []
        self.feeds: dict[str, list[int]] = {}
        at = 0
        for i, step in enumerate(compiled.steps):
            self.starts.append(at)
            if isinstance(step, CompiledTarget) or step.id in off:
                continue
            if isinstance(step, CompiledRule):
                at += _size(step.cond)
                for name in dict.fromkeys(name for name, _ in step.concludes):
                    self.feeds.setdefault(name, []).append(i)
            elif isinstance(step, CompiledTable | CompiledScore):
                rows = step.rows if isinstance(step, CompiledTable) else step.items
                at += sum(_size(row.cond) for row in rows)
                if isinstance(step, CompiledTable):
                    self.feeds.setdefault(step.output, []).append(i)


def _size(node: CNode | None) -> int:
    """How many truths the traced pass keeps for a condition (every node of it)."""
    if node is None:
        return 0
    return 1 + sum(_size(child) for child in node.children())


def contributing_steps(compiled: CompiledRuleSet, plan: Plan, st: Run, target: str) -> list[RuleStep]:
    """The steps of the trace that may conclude ``target``, built alone and in order: the same
    as the matching steps of :func:`trace_steps` (rules that conclude it, tables that output it)."""
    found = st.supports()
    reader = _Reader(st)
    steps: list[RuleStep] = []
    for i in plan.feeds.get(target, ()):
        step = compiled.steps[i]
        reader.at = plan.starts[i]
        if isinstance(step, CompiledRule):
            steps.append(_rule(step, st, found, reader))
        elif isinstance(step, CompiledTable):
            steps.append(_table(step, found, reader))
    return steps


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
            return value, (_check(node.text, value, tuple(read)),)
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


def _step(
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
    return _rule_step(
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


def _missing(found: Supports, rule_id: str) -> tuple[str, ...]:
    support = found.rules.get(rule_id)
    return tuple(sorted(support)) if support else ()


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
    missing = _missing(found, rule.id)
    return _step(rule, status, rule.concludes, checks, rule.exception_to, beaten_by, missing=missing)


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
        _row(row.id, truths[i], shown(row.output), e[1] if e is not None else (), row.source)
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
        rows.append(_row(item.id, value, weight, checks, item.source))
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
    check = _check(
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
    value, determined, decided_by, candidates, conflict = st.settled[target.name]
    support = found.targets.get(target.name)
    return _target_step(
        target.name,
        "outcomes" if target.section == "outcomes" else "facts",
        shown(value),
        determined,
        decided_by,
        tuple(shown(c) for c in candidates) if candidates else (),
        conflict,
        tuple(sorted(support)) if support else (),
    )
