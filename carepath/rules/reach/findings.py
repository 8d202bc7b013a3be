"""The reachability findings of one rule set, for the linter.

Findings: ``never-fires`` (no answer makes the condition true; ``never-fires-with-setting``, a
note, when it reads a parameter whose current value excludes it, as a reading another layer
chooses), ``always-overridden`` (an
exception holds whenever the rule does), ``exception-overrides-nothing`` (the exception never
holds together with the rule it names), ``shadowed-row`` (a FIRST or PRIORITY table row that
never decides, because a row before it, or of higher priority, matches whenever it does).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from carepath.rules.compiler import CompiledRule, CompiledRuleSet, CompiledScore, CompiledTable
from carepath.rules.nodes import CNode
from carepath.rules.reach.domains import _Domains, _envs, _reads

Finding = tuple[str, tuple[str | int, ...], str, str]
"""(rule id, path under the rule, code, message)."""


def reach_findings(compiled: CompiledRuleSet, params: dict[str, Any]) -> Iterator[Finding]:
    """The reachability findings of one rule set (``params``: the values the checks read)."""
    if not params:
        return
    domains = _Domains(compiled, params)
    rules = compiled.rules
    for rid, rule in rules.items():
        if isinstance(rule, CompiledRule) and rule.cond is not None:
            yield from _rule_findings(domains, rid, rule, rules)
        elif isinstance(rule, CompiledTable):
            yield from _table_findings(domains, rid, rule)
        elif isinstance(rule, CompiledScore):
            for i, item in enumerate(rule.items):
                if item.cond is not None and _never(domains, item.cond):
                    message = f"{rid}: item {item.id} can never hold for any answers"
                    yield rid, ("score", "items", i), "never-fires", message


def _never(domains: _Domains, cond: CNode) -> bool:
    envs = _envs(domains, cond.names())
    return envs is not None and not any(cond.ev(env) is True for env in envs)


def _params_read(node: CNode) -> set[str]:
    """The parameters a condition reads."""
    found = set(getattr(node, "params", ()) or ())
    param = getattr(node, "param", None)
    if param:
        found.add(param)
    for child in node.children():
        found |= _params_read(child)
    return found


def _rule_findings(
    domains: _Domains, rid: str, rule: CompiledRule, rules: dict[str, Any]
) -> Iterator[Finding]:
    assert rule.cond is not None
    if _never(domains, rule.cond):
        settings = sorted(_params_read(rule.cond))
        if settings:  # another value of the setting (in an overlay, or on another date) may reach it
            message = f"{rid}: can never hold with the current value of {', '.join(settings)}"
            yield rid, ("when",), "never-fires-with-setting", message
        else:
            yield rid, ("when",), "never-fires", f"{rid}: its condition can never hold for any answers"
        return
    for eid in rule.exceptions:
        exc = rules[eid]
        if not isinstance(exc, CompiledRule) or exc.cond is None:
            continue
        envs = _envs(domains, _reads(rule.cond, exc.cond))
        if envs is None:
            continue
        if not any(rule.cond.ev(env) is True and exc.cond.ev(env) is True for env in envs):
            message = f"{eid}: an exception to {rid} that never holds when {rid} does: it overrides nothing"
            yield eid, ("exception_to",), "exception-overrides-nothing", message
    conds = [rules[e].cond for e in rule.exceptions if isinstance(rules[e], CompiledRule)]
    if not conds or any(c is None for c in conds):
        return
    if any(rules[e].exceptions for e in rule.exceptions):
        return  # an exception that can itself be beaten: not certain
    envs = _envs(domains, _reads(rule.cond, *conds))
    if envs is None:
        return
    holds = [env for env in envs if rule.cond.ev(env) is True]
    if holds and all(any(c is not None and c.ev(env) is True for c in conds) for env in holds):
        message = f"{rid}: whenever it holds, an exception ({', '.join(rule.exceptions)}) holds too"
        yield rid, ("when",), "always-overridden", message


def _table_findings(domains: _Domains, rid: str, table: CompiledTable) -> Iterator[Finding]:
    rows = table.rows
    envs = _envs(domains, _reads(*(row.cond for row in rows)))
    if envs is None:
        return
    matched = [False] * len(rows)
    decides = [False] * len(rows)
    for env in envs:
        truths = [row.cond is None or row.cond.ev(env) is True for row in rows]
        for i, t in enumerate(truths):
            if not t:
                continue
            matched[i] = True
            if table.hit_policy == "FIRST":
                decides[i] = decides[i] or not any(truths[:i])
            elif table.hit_policy == "PRIORITY":
                mine = table.rank[rows[i].output]
                decides[i] = decides[i] or not any(
                    truths[j] and table.rank[rows[j].output] < mine for j in range(len(rows))
                )
            else:
                decides[i] = True
    for i, row in enumerate(rows):
        where = ("table", "rows", i)
        if not matched[i]:
            yield rid, where, "never-fires", f"{rid}: row {row.id} can never match"
        elif not decides[i]:
            why = "a row before it" if table.hit_policy == "FIRST" else "a row of higher priority"
            message = (
                f"{rid}: row {row.id} never decides: {why} matches whenever it does ({table.hit_policy})"
            )
            yield rid, where, "shadowed-row", message
