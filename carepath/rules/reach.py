"""Reachability of rules over the declared input domains, for the linter.

Each check enumerates the answers a rule's conditions can read, as the evaluator reads them:

- a yes/no input: yes, no; a choice: each choice; a set of up to six choices: every subset;
- a number: the values either side of each threshold rules compare it with, and its bounds;
- every input also unknown and declined (``is_known`` and ``is_declined`` read those);
- a fact or outcome is left free over its own values, so that a finding holds whatever the
  rules that conclude it do (never-fires and shadowing are then certain, never guessed).

Free text is only ever tested with ``is_known`` and ``is_declined``, so one text stands for
any. Rules reading dates or sets of more than six choices, and conditions over more than
:data:`MAX_COMBINATIONS` answers, are not checked.

Findings: ``never-fires`` (no answer makes the condition true; ``never-fires-with-setting``, a
note, when it reads a parameter whose current value excludes it, as a reading another layer
chooses), ``always-overridden`` (an
exception holds whenever the rule does), ``exception-overrides-nothing`` (the exception never
holds together with the rule it names), ``shadowed-row`` (a FIRST or PRIORITY table row that
never decides, because a row before it, or of higher priority, matches whenever it does).

:func:`conflicts` finds rules that can both surely apply to one case and conclude different
values of a one-valued (bool or enum) target, where no exception orders them: the evaluator then
reports a conflict and decides nothing. "Surely apply" is read as the evaluator reads it: the
condition holds and no exception below the rule yields a value. The linter reports them
(``conflict``); the layers refuse an overlay rule that can conclude against a hard rule.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from carepath.rules.compiler import CompiledRule, CompiledRuleSet, CompiledScore, CompiledTable
from carepath.rules.conditions import ParamRef
from carepath.rules.evaluator import table_hits
from carepath.rules.logic import Truth
from carepath.rules.nodes import ANSWERS_KEY, CNode, Leaf

__all__ = ["MAX_COMBINATIONS", "Conclusion", "Conflict", "conflicts", "reach_findings"]

MAX_COMBINATIONS = 20_000
MAX_PROOF_COMBINATIONS = 1 << 16
"""For a proof that two rules never meet, which enumerates known values only."""
MAX_SET_CHOICES = 6

Finding = tuple[str, tuple[str | int, ...], str, str]
"""(rule id, path under the rule, code, message)."""

_UNKNOWN = (None, "unknown")
_DECLINED = (None, "declined")


class _Domains:
    """The answers each name can take, as (value, kind-of-non-answer) pairs."""

    def __init__(self, compiled: CompiledRuleSet, params: dict[str, Any]) -> None:
        self.compiled = compiled
        self.params = params
        self.cache: dict[str, list[tuple[Any, str | None]] | None] = {}

    def of(self, name: str) -> list[tuple[Any, str | None]] | None:
        if name not in self.cache:
            self.cache[name] = self._build(name)
        return self.cache[name]

    def _build(self, name: str) -> list[tuple[Any, str | None]] | None:
        spec = self.compiled.inputs.get(name)
        if spec is not None:
            known = self._known(spec.type, list(spec.choice_values), spec.min, spec.max, name)
            return None if known is None else [(v, None) for v in known] + [_UNKNOWN, _DECLINED]
        target = self.compiled.merged.targets.get(name)
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
            for threshold in self.compiled.thresholds.get(name, ()):
                for value in self._threshold_values(threshold):
                    step = 1 if kind == "int" else 0.5
                    points |= {math.floor(value) - step, value, math.ceil(value) + step}
            if low is not None:
                points.add(low)
            if high is not None:
                points.add(high)
            found = sorted(p for p in points if (low is None or p >= low) and (high is None or p <= high))
            return [int(p) if kind == "int" and float(p).is_integer() else p for p in found] or [0]
        if kind == "text":  # free text is only ever tested with is_known and is_declined
            return ["text"]
        return None  # dates

    def _threshold_values(self, threshold: Any) -> list[float]:
        if isinstance(threshold, ParamRef):
            values = self.compiled.merged.parameters[threshold.param].values
            return [
                v.value for v in values if isinstance(v.value, int | float) and not isinstance(v.value, bool)
            ]
        if isinstance(threshold, int | float) and not isinstance(threshold, bool):
            return [threshold]
        return []  # an elapsed-time mark: dates are not enumerated


def _subsets(choices: list[str]) -> list[frozenset[str]]:
    return [frozenset(c) for r in range(len(choices) + 1) for c in itertools.combinations(choices, r)]


def _envs(
    domains: _Domains, names: Iterable[str], known_only: Iterable[str] = (), limit: int = MAX_COMBINATIONS
) -> Iterator[dict[str, Any]] | None:
    """Every combination of answers to ``names`` (only the known values for ``known_only``), or
    None when they cannot be enumerated."""
    ordered = sorted(set(names))
    concrete = set(known_only)
    lists: list[list[tuple[Any, str | None]]] = []
    total = 1
    for name in ordered:
        found = domains.of(name)
        if found is None:
            return None
        if name in concrete:
            found = [item for item in found if item[1] is None]
        lists.append(found)
        total *= len(found)
        if total > limit:
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


# -- conflicts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conclusion:
    """One way a rule concludes a value of a one-valued (bool or enum) target."""

    rule: str
    path: tuple[str | int, ...]
    """Under the rule: ``("then", TARGET)``, or ``("table", "rows", I, "then")`` for a table row."""
    target: str
    value: Any
    hard: bool
    layer: str


@dataclass(frozen=True)
class Conflict:
    """Two conclusions of different values that no exception orders.

    ``reachable``: True when some answers make both surely apply; None when the answers could
    not be enumerated (dates, free text, too many combinations), so it could not be shown that
    they never do.
    """

    first: Conclusion
    second: Conclusion
    reachable: bool | None


def one_valued_conclusions(compiled: CompiledRuleSet) -> dict[str, list[Conclusion]]:
    """Per bool or enum target, every rule or table row that concludes a value of it."""
    targets = compiled.merged.targets
    found: dict[str, list[Conclusion]] = {}

    def one_valued(name: str) -> bool:
        spec = targets.get(name)
        return spec is not None and spec.type in ("bool", "enum")

    for rid, rule in compiled.rules.items():
        if isinstance(rule, CompiledRule):
            for name, value in rule.then:
                if one_valued(name):
                    conclusion = Conclusion(rid, ("then", name), name, value, rule.hard, rule.layer)
                    found.setdefault(name, []).append(conclusion)
        elif isinstance(rule, CompiledTable) and one_valued(rule.output):
            for i, row in enumerate(rule.rows):
                path = ("table", "rows", i, "then")
                conclusion = Conclusion(rid, path, rule.output, row.output, rule.hard, rule.layer)
                found.setdefault(rule.output, []).append(conclusion)
    return found


def beaten(compiled: CompiledRuleSet) -> dict[str, frozenset[str]]:
    """Per rule, every rule it beats: those it is an exception to, and theirs, transitively.

    An exception yields a value when it applies or one of its own exceptions yields one, so an
    exception to an exception still beats the rule below both.
    """
    direct = {rid: r.exception_to for rid, r in compiled.rules.items() if isinstance(r, CompiledRule)}
    result: dict[str, frozenset[str]] = {}
    for rid in direct:
        seen: set[str] = set()
        stack = list(direct[rid])
        while stack:
            below = stack.pop()
            if below not in seen:
                seen.add(below)
                stack.extend(direct.get(below, ()))
        result[rid] = frozenset(seen)
    return result


def conflicts(
    compiled: CompiledRuleSet,
    params: dict[str, Any],
    pairs: Iterable[tuple[Conclusion, Conclusion]] | None = None,
) -> Iterator[Conflict]:
    """Pairs of conclusions (all pairs, or ``pairs``) of different values of one target that no
    exception orders, in force together, with whether some answers make both surely apply.

    Pairs that provably never apply together are left out.
    """
    beats = beaten(compiled)
    domains = _Domains(compiled, params)
    if pairs is None:
        pairs = (
            (a, b)
            for found in one_valued_conclusions(compiled).values()
            for a, b in itertools.combinations(found, 2)
        )
    for a, b in pairs:
        if a.value == b.value or a.rule == b.rule:
            continue  # agree, or one table's rows (its hit policy decides between them)
        if a.rule in beats.get(b.rule, ()) or b.rule in beats.get(a.rule, ()):
            continue  # ordered by an exception
        if not _in_force_together(compiled, a.rule, b.rule):
            continue
        reachable = _both_apply(domains, compiled, a, b)
        if reachable is not False:
            yield Conflict(a, b, reachable)


def _in_force_together(compiled: CompiledRuleSet, first: str, second: str) -> bool:
    a, b = compiled.rules[first], compiled.rules[second]
    return (a.valid_to is None or b.valid_from is None or b.valid_from <= a.valid_to) and (
        b.valid_to is None or a.valid_from is None or a.valid_from <= b.valid_to
    )


def _both_apply(domains: _Domains, compiled: CompiledRuleSet, a: Conclusion, b: Conclusion) -> bool | None:
    """Whether some answers make both surely conclude (None: cannot tell).

    Exact when every name the two rules and their exceptions read can be enumerated with its
    unknown and declined answers; facts are enumerated free, so answers where a fact takes a
    value its own rules surely exclude are dropped (:func:`_consistent`). Otherwise a proof that
    they never meet is tried: conditions are monotone in Kleene logic (a true condition stays
    true when an unknown becomes known) except ``is_known`` and ``is_declined``, so it is
    enough to enumerate known values (all answers for names those read), leaving the names that
    cannot be enumerated (or, when too many, all but the names both read) unknown: if no
    combination leaves both possibly true, no case makes both surely true.
    """
    rules = compiled.rules
    reads_a, reads_b = _conclusion_reads(rules, a, True), _conclusion_reads(rules, b, True)
    reads = reads_a | reads_b
    by_target = one_valued_conclusions(compiled)
    try:
        envs = _envs(domains, reads)
        if envs is not None:
            return any(
                _concludes(rules, a, env, True) is True
                and _concludes(rules, b, env, True) is True
                and _consistent(compiled, by_target, env)
                for env in envs
            )
        answer_tests = _answer_tested(rules, a) | _answer_tested(rules, b)
        for names in (reads, reads_a & reads_b):
            known = {n for n in names if domains.of(n) is not None}
            partial = _envs(domains, known, known - answer_tests, MAX_PROOF_COMBINATIONS)
            if partial is None:
                continue
            rest = reads - known
            if rest & answer_tests:
                return None  # is_known of a name left unknown: not monotone, no proof
            for env in partial:
                env.update(dict.fromkeys(rest))
                env[ANSWERS_KEY] = {**env[ANSWERS_KEY], **dict.fromkeys(rest, "unknown")}
                if (
                    _concludes(rules, a, env, True) is not False
                    and _concludes(rules, b, env, True) is not False
                    and _consistent(compiled, by_target, env)
                ):
                    return None
            return False
    except KeyError:  # a parameter with no value on the date used
        return None
    return None


def _answer_tested(rules: dict[str, Any], conclusion: Conclusion) -> set[str]:
    """The names read by ``is_known`` or ``is_declined`` in a rule, its exceptions or its table."""
    rule = rules[conclusion.rule]
    if isinstance(rule, CompiledTable):
        roots = [row.cond for row in rule.rows]
    else:
        roots, stack, seen = [], [conclusion.rule], set()
        while stack:
            rid = stack.pop()
            if rid not in seen:
                seen.add(rid)
                roots.append(rules[rid].cond)
                stack.extend(rules[rid].exceptions)
    found: set[str] = set()
    nodes = [n for n in roots if n is not None]
    while nodes:
        node = nodes.pop()
        if isinstance(node, Leaf) and (
            (node.shape is not None and node.shape.op == "known") or node.text.endswith(" was declined")
        ):
            found |= set(node.reads)
        nodes.extend(node.children())
    return found


def _consistent(
    compiled: CompiledRuleSet, by_target: dict[str, list[Conclusion]], env: dict[str, Any]
) -> bool:
    """False when a fact in ``env`` has a value its own rules surely exclude, whatever the answers
    ``env`` leaves out (read as unknown): a rule surely concludes another value, or no rule can
    give this one and it is not the default."""
    rules = compiled.rules
    targets = compiled.merged.targets
    for name, value in env.items():
        if value is None or name not in by_target:
            continue
        possible = targets[name].default == value
        for other in by_target[name]:
            reads = _conclusion_reads(rules, other, True)
            filled = [n for n in reads if n not in env]
            if filled and set(filled) & _answer_tested(rules, other):
                possible = True  # is_known of a name left out: not monotone, no conclusion
                continue
            there = env
            if filled:
                kinds = {**env[ANSWERS_KEY], **dict.fromkeys(filled, "unknown")}
                there = {**env, **dict.fromkeys(filled), ANSWERS_KEY: kinds}
            truth = _concludes(rules, other, there, True)
            if other.value != value and truth is True:
                return False
            if other.value == value and truth is not False:
                possible = True
        if not possible:
            return False
    return True


def _conclusion_reads(rules: dict[str, Any], conclusion: Conclusion, with_exceptions: bool) -> set[str]:
    rule = rules[conclusion.rule]
    if isinstance(rule, CompiledTable):
        return _reads(*(row.cond for row in rule.rows))
    found: set[str] = set()
    stack, seen = [conclusion.rule], set()
    while stack:
        rid = stack.pop()
        if rid in seen:
            continue
        seen.add(rid)
        found |= _reads(rules[rid].cond)
        if with_exceptions:
            stack.extend(rules[rid].exceptions)
    return found


def _concludes(
    rules: dict[str, Any], conclusion: Conclusion, env: dict[str, Any], with_exceptions: bool
) -> Truth:
    """Whether the rule (or the table row) surely gives its value on these answers."""
    rule = rules[conclusion.rule]
    if isinstance(rule, CompiledTable):
        truths = [row.cond.ev(env) if row.cond is not None else True for row in rule.rows]
        index = conclusion.path[2]
        return any(i == index and t is True for i, t in table_hits(rule, truths))
    if not with_exceptions:
        return True if rule.cond is None else rule.cond.ev(env)
    return _applies(rules, conclusion.rule, env)


def _applies(rules: dict[str, Any], rid: str, env: dict[str, Any]) -> Truth:
    """Kleene truth of "the rule applies": its condition holds and no exception yields a value."""
    rule = rules[rid]
    held: Truth = True if rule.cond is None else rule.cond.ev(env)
    if held is False:
        return False
    beaten_by = [_yields(rules, e, env) for e in rule.exceptions]
    if True in beaten_by:
        return False
    return True if held is True and all(x is False for x in beaten_by) else None


def _yields(rules: dict[str, Any], rid: str, env: dict[str, Any]) -> Truth:
    """Kleene truth of "the exception, or one of its own exceptions, gives a value"."""
    applies = _applies(rules, rid, env)
    if applies is True:
        return True
    below = [_yields(rules, e, env) for e in rules[rid].exceptions]
    if True in below:
        return True
    return False if applies is False and all(x is False for x in below) else None
