"""Conflicts: rules that can both surely apply to one case and conclude different values.

:func:`conflicts` finds rules that can both surely apply to one case and conclude different
values of a one-valued (bool or enum) target, where no exception orders them: the evaluator then
reports a conflict and decides nothing. "Surely apply" is read as the evaluator reads it: the
condition holds and no exception below the rule yields a value. The linter reports them
(``conflict``); the layers refuse an overlay rule that can conclude against a hard rule.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from carepath.rules.compiler import CompiledRule, CompiledRuleSet, CompiledTable
from carepath.rules.evaluator import table_hits
from carepath.rules.logic import Truth
from carepath.rules.nodes import ANSWERS_KEY, Leaf
from carepath.rules.reach.domains import MAX_PROOF_COMBINATIONS, _Domains, _envs, _reads


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
