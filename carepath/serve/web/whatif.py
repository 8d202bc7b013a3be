"""A policy author's what-if for one case: the same answers through the subject with some
parameters set (in memory, :func:`carepath.rules.ruleset.with_parameters`) or through another
rule set or pipeline (an overlay), side by side with what moves.

What moves is compared as ``carepath diff`` compares a population, for one case: each outcome's
value (an open one as ``value?``), and the rules whose status differs between the two sides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from carepath.assessments import Assessment, Pipeline
from carepath.errors import CaseFormatError
from carepath.report.words import shown_value
from carepath.rules.loader import Limits, load_yaml_text
from carepath.rules.result import Evaluation, Outcome
from carepath.rules.ruleset import RuleSet

__all__ = ["Compared", "Row", "compare", "parse_settings", "run", "with_settings"]

MAX_SETTINGS = 20


@dataclass
class Row:
    """One thing both sides conclude, and whether it moved."""

    what: str
    before: str
    after: str

    @property
    def moved(self) -> bool:
        return self.before != self.after


@dataclass
class Compared:
    """The two sides of a what-if for one case."""

    base: str
    other: str
    rows: list[Row] = field(default_factory=list)
    rules: list[Row] = field(default_factory=list)

    @property
    def moved(self) -> list[Row]:
        return [r for r in self.rows if r.moved]


def parse_settings(text: str) -> dict[str, Any]:
    """``NAME=VALUE`` lines as settings; each VALUE one YAML scalar, as ``carepath diff --set``."""
    settings: dict[str, Any] = {}
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_SETTINGS:
        raise CaseFormatError(f"what-if: at most {MAX_SETTINGS} settings")
    for number, line in enumerate(lines, 1):
        name, equals, value = line.partition("=")
        name = name.strip()
        if not equals or not name:
            raise CaseFormatError(f"what-if line {number}: expected NAME=VALUE")
        if name in settings:
            raise CaseFormatError(f"what-if line {number}: {name} is set twice")
        parsed = load_yaml_text(value, f"what-if {name}", Limits(max_bytes=1000, max_depth=4)).data
        if parsed is None or isinstance(parsed, dict | list):
            raise CaseFormatError(
                f"what-if line {number}: the value is one number, date, true / false or word"
            )
        settings[name] = parsed
    return settings


def with_settings(subject: RuleSet | Pipeline, settings: dict[str, Any]) -> RuleSet | Pipeline:
    """``subject`` with these parameter settings; for a pipeline each is named ``step.NAME``."""
    if isinstance(subject, RuleSet):
        return subject.with_parameters(settings)
    by_step: dict[str, dict[str, Any]] = {}
    for name, value in settings.items():
        step, dot, param = name.partition(".")
        if not dot or step not in subject.rulesets:
            steps = ", ".join(sorted(subject.rulesets))
            raise CaseFormatError(f"what-if: name a parameter as STEP.NAME, with a step of: {steps}")
        by_step.setdefault(step, {})[param] = value
    rulesets = dict(subject.rulesets)
    for step, values in by_step.items():
        rulesets[step] = rulesets[step].with_parameters(values)
    return Pipeline(
        id=subject.id,
        model=subject.model,
        rulesets=rulesets,
        order=subject.order,
        sources=subject.sources,
        where=subject.where,
        ignored=subject.ignored,
    )


def _key(outcome: Outcome) -> str:
    value = shown_value(outcome.value) if outcome.value is not None else ""
    return value if outcome.determined else f"{value}?"


def _outcomes(result: Evaluation | Assessment) -> dict[str, str]:
    if isinstance(result, Evaluation):
        return {name: _key(o) for name, o in result.outcomes.items()}
    found: dict[str, str] = {}
    for step, ev in result.steps.items():
        for name, outcome in ev.outcomes.items():
            found[f"{step}.{name}"] = _key(outcome)
    if result.ranking is not None:
        top = result.ranking.top
        provisional = result.ranking.provisional
        found["first choice"] = (
            top.label
            if top is not None
            else f"{provisional.label} (provisional)"
            if provisional
            else "none yet"
        )
    if result.plan is not None:
        for move in result.plan.moves:
            found[f"move to {move.label}"] = move.status
    return found


def _rule_states(result: Evaluation | Assessment) -> dict[str, str]:
    evaluations = {"": result} if isinstance(result, Evaluation) else result.steps
    found: dict[str, str] = {}
    for step, ev in evaluations.items():
        if ev.trace is None:
            continue
        for rule in ev.trace.rules:
            found[f"{step}.{rule.rule_id}" if step else rule.rule_id] = rule.status
    return found


def compare(
    base: Evaluation | Assessment, other: Evaluation | Assessment, labels: tuple[str, str]
) -> Compared:
    """What moves from ``base`` to ``other`` (both traced), for one case."""
    done = Compared(*labels)
    before, after = _outcomes(base), _outcomes(other)
    for name in dict.fromkeys([*before, *after]):
        done.rows.append(Row(name, before.get(name, "(not concluded)"), after.get(name, "(not concluded)")))
    rules_before, rules_after = _rule_states(base), _rule_states(other)
    for name in dict.fromkeys([*rules_before, *rules_after]):
        row = Row(name, rules_before.get(name, "(no such rule)"), rules_after.get(name, "(no such rule)"))
        if row.moved:
            done.rules.append(row)
    return done


def run(subject: RuleSet | Pipeline, answers: dict[str, Any], as_of: Any) -> Evaluation | Assessment:
    """The traced result of ``answers`` through ``subject``."""
    if isinstance(subject, Pipeline):
        return subject.assess(answers, as_of=as_of)
    return subject.evaluate(answers, as_of=as_of)
