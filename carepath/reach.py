"""Reachability of rules over the declared input domains, for the linter.

Each check enumerates the answers a rule's conditions can read, as the evaluator reads them:

- a yes/no input: yes, no; a choice: each choice; a set of up to six choices: every subset;
- a number: the values either side of each threshold rules compare it with, and its bounds;
- every input also unknown and declined (``is_known`` and ``is_declined`` read those);
- a fact or outcome is left free over its own values, so that a finding holds whatever the
  rules that conclude it do (never-fires and shadowing are then certain, never guessed).

Rules reading dates, free text or sets of more than six choices, and conditions over more than
:data:`MAX_COMBINATIONS` answers, are not checked.

Findings: ``never-fires`` (no answer makes the condition true; ``never-fires-with-setting``, a
note, when it reads a parameter whose current value excludes it, as a reading another layer
chooses), ``always-overridden`` (an
exception holds whenever the rule does), ``exception-overrides-nothing`` (the exception never
holds together with the rule it names), ``shadowed-row`` (a FIRST or PRIORITY table row that
never decides, because a row before it, or of higher priority, matches whenever it does).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator
from typing import Any

from carepath.rules.compiler import CompiledRule, CompiledScore, CompiledTable
from carepath.rules.conditions import ParamRef
from carepath.rules.nodes import ANSWERS_KEY, CNode
from carepath.rules.ruleset import RuleSet

__all__ = ["MAX_COMBINATIONS", "reach_findings"]

MAX_COMBINATIONS = 20_000
MAX_SET_CHOICES = 6

Finding = tuple[str, tuple[str | int, ...], str, str]
"""(rule id, path under the rule, code, message)."""

_UNKNOWN = (None, "unknown")
_DECLINED = (None, "declined")


class _Domains:
    """The answers each name can take, as (value, kind-of-non-answer) pairs."""

    def __init__(self, ruleset: RuleSet, params: dict[str, Any]) -> None:
        self.ruleset = ruleset
        self.params = params
        self.cache: dict[str, list[tuple[Any, str | None]] | None] = {}

    def of(self, name: str) -> list[tuple[Any, str | None]] | None:
        if name not in self.cache:
            self.cache[name] = self._build(name)
        return self.cache[name]

    def _build(self, name: str) -> list[tuple[Any, str | None]] | None:
        spec = self.ruleset.inputs.get(name)
        if spec is not None:
            known = self._known(spec.type, list(spec.choice_values), spec.min, spec.max, name)
            return None if known is None else [(v, None) for v in known] + [_UNKNOWN, _DECLINED]
        target = self.ruleset.merged.targets.get(name)
        if target is None:
            return None
        if target.type == "bool":
            return [(True, None), (False, None), _UNKNOWN]
        if target.type == "enum":
            return [(v, None) for v in target.values or []] + [_UNKNOWN]
        if target.type == "set" and len(target.values or []) <= MAX_SET_CHOICES:
            return [(s, None) for s in _subsets(target.values or [])] + [_UNKNOWN]
        return None

    def _known(
        self, kind: str, choices: list[str], low: float | None, high: float | None, name: str
    ) -> list[Any] | None:
        if kind == "bool":
            return [True, False]
        if kind == "enum":
            return choices
        if kind == "set":
            return _subsets(choices) if len(choices) <= MAX_SET_CHOICES else None
        if kind in ("int", "number"):
            points: set[float] = set()
            for threshold in self.ruleset.compiled.thresholds.get(name, ()):
                for value in self._threshold_values(threshold):
                    step = 1 if kind == "int" else 0.5
                    points |= {math.floor(value) - step, value, math.ceil(value) + step}
            if low is not None:
                points.add(low)
            if high is not None:
                points.add(high)
            found = sorted(p for p in points if (low is None or p >= low) and (high is None or p <= high))
            return [int(p) if kind == "int" and float(p).is_integer() else p for p in found] or [0]
        return None  # dates, text

    def _threshold_values(self, threshold: Any) -> list[float]:
        if isinstance(threshold, ParamRef):
            values = self.ruleset.merged.parameters[threshold.param].values
            return [
                v.value for v in values if isinstance(v.value, int | float) and not isinstance(v.value, bool)
            ]
        if isinstance(threshold, int | float) and not isinstance(threshold, bool):
            return [threshold]
        return []  # an elapsed-time mark: dates are not enumerated


def _subsets(choices: list[str]) -> list[frozenset[str]]:
    return [frozenset(c) for r in range(len(choices) + 1) for c in itertools.combinations(choices, r)]


def _envs(domains: _Domains, names: Iterable[str]) -> Iterator[dict[str, Any]] | None:
    """Every combination of answers to ``names``, or None when they cannot be enumerated."""
    ordered = sorted(set(names))
    lists: list[list[tuple[Any, str | None]]] = []
    total = 1
    for name in ordered:
        found = domains.of(name)
        if found is None:
            return None
        lists.append(found)
        total *= len(found)
        if total > MAX_COMBINATIONS:
            return None

    def generate() -> Iterator[dict[str, Any]]:
        for combo in itertools.product(*lists):
            env: dict[str, Any] = dict(domains.params)
            kinds: dict[str, str] = {}
            for name, (value, kind) in zip(ordered, combo, strict=True):
                env[name] = value
                if kind is not None:
                    kinds[name] = kind
            env[ANSWERS_KEY] = kinds
            yield env

    return generate()


def _reads(*nodes: CNode | None) -> set[str]:
    return set().union(*(n.names() for n in nodes if n is not None))


def reach_findings(ruleset: RuleSet, params: dict[str, Any]) -> Iterator[Finding]:
    """The reachability findings of one rule set (``params``: the values the checks read)."""
    if not params:
        return
    domains = _Domains(ruleset, params)
    rules = ruleset.compiled.rules
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
