"""What the explainer page shows, as plain data for its template: the outcomes, the rules that
apply, are still open or do not apply (each with its source and quote), the first choice, the
care plan and the picture of the path with the case's place on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from carepath.assessments import Assessment, Pipeline
from carepath.errors import CarepathError
from carepath.plans.path import CarePlan, path_graph, stages_before
from carepath.plans.ranking import Reason
from carepath.report import pictures
from carepath.report.words import either, shown_value
from carepath.rules.model import InputSpec, Source
from carepath.rules.result import Evaluation
from carepath.rules.ruleset import RuleSet
from carepath.rules.trace import RuleStep

__all__ = ["Cited", "FirstChoice", "PathPicture", "Section", "first_choice", "path_picture", "section"]


@dataclass
class Cited:
    """A rule with what it did, why, and where it comes from."""

    id: str
    title: str
    status: str
    why: list[str]
    source: str
    quote: str | None


@dataclass
class Shown:
    """An outcome as the page shows it."""

    name: str
    value: str
    determined: bool
    waits_on: list[str]


@dataclass
class Section:
    """One rule set's evaluation: its outcomes and its rules by what they did."""

    step: str | None
    title: str
    outcomes: list[Shown]
    applies: list[Cited] = field(default_factory=list)
    open: list[Cited] = field(default_factory=list)
    not_apply: list[Cited] = field(default_factory=list)


SHOWN_MAX = 3
"""How many of an open outcome's possible values, or of the questions it waits on, are listed."""


def _some(values: tuple[Any, ...]) -> str:
    """The values an open outcome may take, the first few of many."""
    if len(values) <= SHOWN_MAX + 1:
        return either(values)
    return f"{either(values[:SHOWN_MAX])} or {len(values) - SHOWN_MAX} others"


def _cite(source: Source | None, local: bool) -> tuple[str, str | None]:
    if source is None:
        return ("local setting (not from the sources)" if local else "no source"), None
    return f"{source.document}, {source.locator} ({source.confidence})", source.quote


def _asked(inputs: dict[str, InputSpec], name: str) -> str:
    spec = inputs.get(name)
    return str(spec.question.get("en", name)) if spec is not None else name


def _cited(rule: RuleStep, inputs: dict[str, InputSpec]) -> Cited:
    why: list[str]
    if rule.status == "fired":
        why = [c.text for c in rule.checks if c.value is True] or [c.text for c in rule.checks]
    elif rule.status == "unknown":
        why = [f"waits on: {_asked(inputs, q)}" for q in rule.missing]
        why += [f"not yet known: {c.text}" for c in rule.checks if c.value is None]
    elif rule.status == "overridden":
        why = [f"overridden by {', '.join(rule.overridden_by)}"]
    elif rule.status == "not_in_force":
        why = ["not in force on this date"]
    else:
        why = [f"not met: {c.text}" for c in rule.checks if c.value is False]
        if not why and rule.rows:
            why = [f"no row applies ({len(rule.rows)} rows)"]
    source, quote = _cite(rule.source, rule.local_setting)
    return Cited(rule.rule_id, rule.title, rule.status, list(dict.fromkeys(why)), source, quote)


def section(
    ev: Evaluation, ruleset: RuleSet, inputs: dict[str, InputSpec], step: str | None = None
) -> Section:
    """The outcomes of ``ev`` and its rules by what they did (its trace is needed for the rules)."""
    outcomes = []
    for name, outcome in ev.outcomes.items():
        if outcome.determined:
            value = shown_value(outcome.value)
        else:
            may = f": may be {_some(outcome.candidates)}" if outcome.candidates else ""
            value = f"not yet known{may}"
            if outcome.value is not None:
                value = f"{shown_value(outcome.value)} so far, {value}"
        waits = [_asked(inputs, q) for q in outcome.missing]
        if len(waits) > SHOWN_MAX:
            waits = [*waits[:SHOWN_MAX], f"and {len(waits) - SHOWN_MAX} more questions"]
        outcomes.append(Shown(name, value, outcome.determined, waits))
    found = Section(step, ruleset.title, outcomes)
    if ev.trace is not None:
        for rule in ev.trace.rules:
            cited = _cited(rule, inputs)
            if rule.status == "fired":
                found.applies.append(cited)
            elif rule.status == "unknown":
                found.open.append(cited)
            else:
                found.not_apply.append(cited)
    return found


@dataclass
class FirstChoice:
    """The first care option: settled (``determined``) or provisional, with the reasons."""

    option: str | None
    label: str | None
    determined: bool
    because: list[Cited]
    waits_on: list[str]
    blocked: list[tuple[str, list[Cited]]]


def _reason(reason: Reason, inputs: dict[str, InputSpec]) -> Cited:
    source, quote = _cite(reason.source, False)
    why = (
        list(reason.held)
        if reason.status == "fired"
        else [f"waits on: {_asked(inputs, q)}" for q in reason.missing]
    )
    return Cited(reason.rule, reason.title, reason.status, why, source, quote)


def first_choice(assessment: Assessment, inputs: dict[str, InputSpec]) -> FirstChoice | None:
    """The first choice of the ranking, or None when the pipeline ranks nothing."""
    ranking = assessment.ranking
    if ranking is None:
        return None
    blocked = [(b.label, [_reason(r, inputs) for r in b.blocked_by]) for b in ranking.blocked]
    top = ranking.top
    if top is not None:
        because = [_reason(r, inputs) for r in top.because]
        return FirstChoice(top.option, top.label, True, because, [], blocked)
    provisional = ranking.provisional
    if provisional is None:
        return FirstChoice(None, None, False, [], [], blocked)
    because = [_reason(r, inputs) for r in provisional.because]
    waits = [_asked(inputs, q) for q in provisional.open]
    return FirstChoice(provisional.option, provisional.label, False, because, waits, blocked)


@dataclass
class Stage:
    """A stage of the case path, and where the case is with respect to it."""

    name: str
    label: str
    place: str
    """``passed``, ``current``, ``allowed``, ``blocked``, ``pending`` or ``""`` (not reached)."""


@dataclass
class PathPicture:
    """The care path with the case's place on it: Graphviz's SVG where ``dot`` is installed,
    and always the stages as a list the page lays out itself."""

    svg: Markup | None
    stages: list[Stage]
    current: str | None


def path_picture(pipeline: Pipeline, plan: CarePlan | None) -> PathPicture | None:
    """The picture of the pipeline's case path, or None when it has none."""
    spec = pipeline.model.path
    if spec is None:
        return None
    from carepath.report.html import _inline_svg  # the report's own check of Graphviz's markup

    try:
        drawn = _inline_svg(pictures.svg(pictures.path_dot(spec, plan)))
    except CarepathError:
        drawn = None
    graph = path_graph(spec)
    current = plan.stage if plan is not None else None
    before = set(stages_before(spec, current)) if current is not None else set()
    moves = {m.to: m.status for m in plan.moves} if plan is not None else {}
    stages: list[Stage] = []
    for node, data in graph.nodes(data=True):
        place = "current" if node == current else "passed" if node in before else moves.get(node, "")
        stages.append(Stage(str(node), str(data["label"]), place))
    label = next((s.label for s in stages if s.place == "current"), None)
    return PathPicture(drawn, stages, label)


def plan_rows(plan: CarePlan | None, inputs: dict[str, InputSpec]) -> list[dict[str, Any]]:
    """The moves out of the current stage, each with its state and reasons."""
    if plan is None:
        return []
    rows = []
    for move in plan.moves:
        reasons = [_reason(r, inputs) for r in move.because]
        not_met = [f"{rule}: {', '.join(checks)}" for rule, checks in move.not_met]
        rows.append(
            {
                "label": move.label,
                "status": move.status,
                "because": reasons,
                "not_met": not_met,
                "waits_on": [_asked(inputs, q) for q in move.missing],
            }
        )
    return rows
