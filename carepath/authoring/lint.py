"""Lint rule sets: what loads but is probably wrong, each finding placed at its file and line.

Severities: ``error`` (the rule set cannot be used: everything :func:`carepath.authoring.validate`
finds), ``warning`` (loads, but probably a mistake), ``info`` (worth a policy author's look).

Checks:

- ``unused-input``: an input no rule reads;
- ``unconcluded``: a fact or outcome that no rule concludes;
- ``unread-fact``: a fact (not an outcome) that no rule reads;
- ``setting-without-choices``: a parameter of words (a setting that chooses between readings)
  with no ``choices``, so a misspelt value would be read as another reading;
- ``unguarded-optional``: a rule reads an optional input (an annotation that, left out, means
  none) other than through ``is_known`` in the same ``all``, so its absence would leave it unknown;
- ``cannot-count``: ``count_at_least`` asking for more conditions than it lists (a note when the
  number is a parameter, which a policy author may change);
- ``table-gap``: a UNIQUE or FIRST table with answers that no row matches;
- ``table-overlap``: a UNIQUE table where two rows with different outputs match the same answers;
- ``inferred-source``, ``local-setting``: rules and parameter values resting on a reading of the
  sources, or on a setting of the organisation (a whole parameter, or one of its dated values),
  so that a reviewer can find them;
- ``never-fires``, ``always-overridden``, ``exception-overrides-nothing``, ``shadowed-row``:
  rules and rows that can never decide anything, found by enumerating the declared input
  domains (``carepath.rules.reach``);
- ``conflict``: two rules (or rows of two tables) that can both apply to one case and conclude
  different values of a one-valued (bool or enum) target, where no exception orders them, so
  the case would show a conflict and no recommendation; found by the same enumeration, and
  reported at the rule of the higher layer (the later one in one file), naming both lines.

Table checks enumerate the columns' answers (yes/no, choices, none-or-one of a set), up to
4,096 combinations. Tables whose columns are numbers, dates or facts are skipped.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from carepath.authoring.validate import rule_files
from carepath.errors import EvaluationError, RuleSetError
from carepath.rules import conditions as c
from carepath.rules.compiler import CompiledTable
from carepath.rules.layers import MergedRuleSet
from carepath.rules.model import ConclusionRule, DecisionTable, Parameter, ScoreRule
from carepath.rules.nodes import ANSWERS_KEY
from carepath.rules.reach import Conclusion, conflicts, reach_findings
from carepath.rules.ruleset import RuleSet, load

__all__ = ["Finding", "lint", "lint_ruleset"]

Severity = Literal["error", "warning", "info"]
MAX_COMBINATIONS = 4096


@dataclass(frozen=True)
class Finding:
    """One lint finding."""

    file: str
    line: int | None
    column: int | None
    severity: Severity
    code: str
    message: str

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line, self.column) if p is not None)
        return f"{where}: {self.severity}: {self.code}: {self.message}"


def lint(paths: Iterable[str | Path]) -> list[Finding]:
    """Lint every rule file under ``paths``."""
    findings: list[Finding] = []
    for path in rule_files(paths):
        try:
            ruleset = load(path)
        except RuleSetError as exc:
            findings += [
                Finding(e.file or str(path), e.line, e.column, "error", "invalid", e.message)
                for e in exc.errors
            ]
            continue
        findings += lint_ruleset(ruleset, top_only=True)
    return findings


def lint_ruleset(ruleset: RuleSet, top_only: bool = False) -> list[Finding]:
    """The findings of one loaded rule set (``top_only``: only those in its own file)."""
    merged = ruleset.merged
    top = merged.layers[-1]
    result: list[Finding] = []
    for (layer, path), severity, code, message in _findings(ruleset, merged):
        if top_only and layer is not top:
            continue  # a lower layer is linted in its own file
        mark = layer.parsed.located.mark(path)
        line, column = (mark[0], mark[1]) if mark else (None, None)
        result.append(Finding(layer.file, line, column, severity, code, message))
    return result


Located = tuple[Any, tuple[str | int, ...]]


def _findings(ruleset: RuleSet, merged: MergedRuleSet) -> Iterator[tuple[Located, Severity, str, str]]:
    compiled = ruleset.compiled
    params = _latest_params(ruleset)
    reads: set[str] = set().union(*compiled.reads.values()) if compiled.reads else set()
    concluded: set[str] = set()
    for rule in merged.rules.values():
        if isinstance(rule, ConclusionRule):
            concluded.update(rule.then)
        elif isinstance(rule, DecisionTable):
            concluded.add(rule.table.output)
        elif isinstance(rule, ScoreRule):
            concluded.add(rule.score.target)
            if rule.score.bands is not None:
                concluded.add(rule.score.bands.target)
    for name in merged.inputs:
        if name not in reads:
            origin = merged.origin("inputs", name)
            yield (origin.layer, origin.path), "warning", "unused-input", f"no rule reads the input {name!r}"
    for section in ("facts", "outcomes"):
        for name in getattr(merged, section):
            origin = merged.origin(section, name)
            if name not in concluded:
                yield (origin.layer, origin.path), "warning", "unconcluded", f"no rule concludes {name!r}"
            if section == "facts" and name not in reads:
                yield (
                    (origin.layer, origin.path),
                    "warning",
                    "unread-fact",
                    f"no rule reads the fact {name!r}",
                )
    for name, param in merged.parameters.items():
        yield from _parameter_notes(name, param, merged)
        if param.choices is None and any(isinstance(v.value, str) for v in param.values):
            origin = merged.origin("parameters", name)
            yield (
                (origin.layer, origin.path),
                "warning",
                "setting-without-choices",
                f"parameter {name!r} takes words but declares no `choices`: a misspelt value "
                "would silently be read as another reading",
            )
    for rid, rule in merged.rules.items():
        origin = merged.origin("rules", rid)
        here = (origin.layer, origin.path)
        if rule.local_setting:
            yield (
                here,
                "info",
                "local-setting",
                f"{rid}: a setting of this organisation, not from the sources",
            )
        elif rule.source is not None and rule.source.confidence == "inferred":
            yield here, "info", "inferred-source", f"{rid}: rests on a reading of the sources (inferred)"
        for sub, name in _unguarded(rule, {n for n, s in merged.inputs.items() if s.optional}):
            message = f"{rid}: reads the optional input {name!r} without is_known beside it in an `all`"
            yield (origin.layer, (*origin.path, *sub)), "warning", "unguarded-optional", message
        for sub, n, listed in _counts(rule):
            need = params.get(f"@{n.param}") if isinstance(n, c.ParamRef) else n
            if isinstance(need, int) and need > listed:
                severity: Severity = "info" if isinstance(n, c.ParamRef) else "warning"
                how = f"{need} (parameter {n.param} now)" if isinstance(n, c.ParamRef) else str(need)
                yield (
                    (origin.layer, (*origin.path, *sub)),
                    severity,
                    "cannot-count",
                    f"{rid}: count_at_least {how} of only {listed} conditions can never hold",
                )
        step = compiled.rules.get(rid)
        if isinstance(step, CompiledTable) and step.hit_policy in ("UNIQUE", "FIRST"):
            yield from _table_findings(ruleset, step, rule, here)
    for rid, sub, code, message in reach_findings(ruleset.compiled, params):
        origin = merged.origin("rules", rid)
        level: Severity = "info" if code == "never-fires-with-setting" else "warning"
        yield (origin.layer, (*origin.path, *sub)), level, code, message
    yield from _conflict_findings(ruleset, merged, params)


def _parameter_notes(
    name: str, param: Parameter, merged: MergedRuleSet
) -> Iterator[tuple[Located, Severity, str, str]]:
    """The local settings and inferred sources of a parameter: the whole of it, or its values."""
    origin = merged.origin("parameters", name)
    if param.local_setting:
        message = f"parameter {name!r}: a setting of this organisation, not from the sources"
        yield (origin.layer, origin.path), "info", "local-setting", message
        return
    for j, value in enumerate(param.values):
        here = (origin.layer, (*origin.path, "values", j))
        when = f"parameter {name!r} from {value.valid_from}"
        if value.local_setting:
            yield (
                here,
                "info",
                "local-setting",
                f"{when}: a setting of this organisation, not from the sources",
            )
        elif value.source is not None and value.source.confidence == "inferred":
            yield here, "info", "inferred-source", f"{when}: rests on a reading of the sources (inferred)"


def _conflict_findings(
    ruleset: RuleSet, merged: MergedRuleSet, params: dict[str, Any]
) -> Iterator[tuple[Located, Severity, str, str]]:
    """Rules that can both apply to one case and conclude different values of one target."""
    layers = {id(layer): i for i, layer in enumerate(merged.layers)}

    def rank(conclusion: Conclusion) -> tuple[int, int]:
        origin = merged.origin("rules", conclusion.rule)
        mark = origin.layer.parsed.located.mark(origin.path)
        return layers[id(origin.layer)], mark[0] if mark else 0

    def where(conclusion: Conclusion) -> str:
        origin = merged.origin("rules", conclusion.rule)
        mark = origin.layer.parsed.located.mark((*origin.path, *conclusion.path))
        return f"{origin.layer.file}:{mark[0]}" if mark else origin.layer.file

    for found in conflicts(ruleset.compiled, params):
        if found.reachable is not True:
            continue  # not enumerable: not reported as certain
        first, second = sorted((found.first, found.second), key=rank)
        origin = merged.origin("rules", second.rule)
        message = (
            f"{first.rule} ({where(first)}) and {second.rule} ({where(second)}) can both apply to one "
            f"case and conclude {_value(first.value)} and {_value(second.value)} of {first.target!r}, "
            "with no exception between them: such a case shows a conflict, not a recommendation"
        )
        yield (origin.layer, (*origin.path, *second.path)), "warning", "conflict", message


def _value(v: Any) -> str:
    return str(v).lower() if isinstance(v, bool) else str(v)


def _unguarded(rule: Any, optional: set[str]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Leaves reading an optional input with no ``is_known`` of it beside them in an ``all``."""
    if not optional or not isinstance(rule, ConclusionRule) or rule.when is None:
        return
    stack: list[tuple[tuple[str | int, ...], Any, frozenset[str]]] = [(("when",), rule.when, frozenset())]
    while stack:
        path, node, guarded = stack.pop()
        if isinstance(node, c.All):
            known = guarded | {x.is_known for x in node.all if isinstance(x, c.IsKnown)}
            stack += [((*path, "all", i), x, frozenset(known)) for i, x in enumerate(node.all)]
        elif isinstance(node, c.Any_):
            stack += [((*path, "any", i), x, guarded) for i, x in enumerate(node.any)]
        elif isinstance(node, c.Not):
            stack.append(((*path, "not"), node.not_, guarded))
        elif isinstance(node, c.CountAtLeast):
            of = node.count_at_least.of
            stack += [((*path, "count_at_least", "of", i), x, guarded) for i, x in enumerate(of)]
        elif not isinstance(node, c.IsKnown | c.IsDeclined):
            for name in _leaf_names(node) & optional - guarded:
                yield path, name


def _leaf_names(node: Any) -> set[str]:
    if isinstance(node, c.Compare):
        left = node.args[0]
        return {left} if isinstance(left, str) else set()
    for attr in ("is_true", "in_", "intersects", "contains"):
        value = getattr(node, attr, None)
        if isinstance(value, str):
            return {value}
        if isinstance(value, tuple):
            return {value[0]}
    return set()


def _counts(rule: Any) -> Iterator[tuple[tuple[str | int, ...], int | c.ParamRef, int]]:
    """Every count_at_least in a rule's conditions: (path, n, how many conditions listed)."""
    roots: list[tuple[tuple[str | int, ...], Any]] = []
    if isinstance(rule, ConclusionRule) and rule.when is not None:
        roots.append((("when",), rule.when))
    if isinstance(rule, ScoreRule):
        roots += [(("score", "items", i, "when"), item.when) for i, item in enumerate(rule.score.items)]
    stack = roots
    while stack:
        path, node = stack.pop()
        if isinstance(node, c.CountAtLeast):
            spec = node.count_at_least
            yield path, spec.n, len(spec.of)
            stack += [((*path, "count_at_least", "of", i), x) for i, x in enumerate(spec.of)]
        elif isinstance(node, c.All):
            stack += [((*path, "all", i), x) for i, x in enumerate(node.all)]
        elif isinstance(node, c.Any_):
            stack += [((*path, "any", i), x) for i, x in enumerate(node.any)]
        elif isinstance(node, c.Not):
            stack.append(((*path, "not"), node.not_))


def _table_findings(
    ruleset: RuleSet, table: CompiledTable, rule: Any, here: Located
) -> Iterator[tuple[Located, Severity, str, str]]:
    columns = rule.table.inputs
    domains: list[list[Any]] = []
    for name in columns:
        spec = ruleset.inputs.get(name)
        if spec is None or spec.type not in ("bool", "enum", "set"):
            return  # a fact or an unbounded column: not enumerated
        if spec.type == "bool":
            domains.append([True, False])
        elif spec.type == "enum":
            domains.append(list(spec.choice_values))
        else:
            domains.append([frozenset(), *(frozenset((v,)) for v in spec.choice_values)])
    total = 1
    for domain in domains:
        total *= len(domain)
    if total > MAX_COMBINATIONS:
        return
    params = _latest_params(ruleset)
    gap: tuple[Any, ...] | None = None
    overlap: tuple[tuple[Any, ...], str, str] | None = None
    for combo in itertools.product(*domains):
        env: dict[str, Any] = {**params, ANSWERS_KEY: {}, **dict(zip(columns, combo, strict=True))}
        try:
            hits = [row for row in table.rows if row.cond is None or row.cond.ev(env) is True]
        except KeyError:  # a cell reads a parameter with no value on the date used: not enumerable
            return
        if not hits and gap is None:
            gap = combo
        outputs = {repr(row.output) for row in hits}
        if table.hit_policy == "UNIQUE" and len(outputs) > 1 and overlap is None:
            overlap = (combo, hits[0].id, hits[1].id)
    if gap is not None:
        yield here, "warning", "table-gap", f"{table.id}: no row matches {_show(columns, gap)}"
    if overlap is not None:
        combo, first, second = overlap
        yield (
            here,
            "warning",
            "table-overlap",
            f"{table.id}: rows {first} and {second} both match {_show(columns, combo)} (UNIQUE)",
        )


def _latest_params(ruleset: RuleSet) -> dict[str, Any]:
    """Parameter values for the table checks: those in force when the latest value starts."""
    starts = [v.valid_from for p in ruleset.merged.parameters.values() for v in p.values]
    if not starts:
        return {}
    try:
        return ruleset.params_on(max(starts))
    except EvaluationError:  # some parameter has no value that day: the tables then read none
        return {}


def _show(columns: list[str], combo: tuple[Any, ...]) -> str:
    def value(v: Any) -> str:
        if isinstance(v, frozenset):
            return "[" + ", ".join(sorted(v)) + "]"
        return str(v).lower() if isinstance(v, bool) else str(v)

    return ", ".join(f"{n} = {value(v)}" for n, v in zip(columns, combo, strict=True))
