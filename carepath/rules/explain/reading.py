"""Read single steps of the trace from the traced pass, without the generated builder: the
steps that may conclude one target (what :meth:`Trace.contributions` reads before the whole
trace is built)."""

from __future__ import annotations

from carepath.rules.compiler import CompiledRule, CompiledRuleSet, CompiledTable
from carepath.rules.evaluator import Run, Supports
from carepath.rules.explain.builder import Plan
from carepath.rules.explain.records import Explained, make_check, make_step, missing_of, table_step
from carepath.rules.logic import Truth
from carepath.rules.nodes import AllNode, AnyNode, CNode, CountNode, Leaf, NotNode, display
from carepath.rules.trace import Check, RuleStatus, RuleStep

__all__ = ["contributing_steps"]


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
            return value, (make_check(node.text, value, tuple(read)),)
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
    missing = missing_of(found, rule.id)
    return make_step(rule, status, rule.concludes, checks, rule.exception_to, beaten_by, missing=missing)


def _table(table: CompiledTable, found: Supports, reader: _Reader) -> RuleStep:
    explained = [reader.cond(row.cond) if row.cond is not None else None for row in table.rows]
    return table_step(table, explained, missing_of(found, table.id))
