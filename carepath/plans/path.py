"""The case path: stages as a networkx graph whose edges carry the rules that allow each move,
and the care plan of one case on it (current stage, moves allowed, blocked or pending, dates).

The pipeline's ``path`` names the stages, the moves between them and, for each move, the
yes/no outcome of the path step that allows it; the rules concluding that outcome are the
edge's rules. A move is **allowed** when its outcome is yes, **blocked** when it is surely no
(with the rules that did not fire and the exceptions that did), **pending** while answers
are missing. Due dates (placement reviews, follow-up visits, the end of follow-up) are the
latest known date plus a dated parameter of the path step, so an overlay that changes the
parameter changes the dates and the overdue rules together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import networkx as nx

from carepath.errors import PipelineError
from carepath.plans.confirm import ToConfirm
from carepath.plans.model import PathSpec, shown
from carepath.plans.ranking import Reason
from carepath.rules.answers import Answers
from carepath.rules.compiler import CompiledRule
from carepath.rules.conditions import ParamRef
from carepath.rules.logic import shift
from carepath.rules.result import Evaluation
from carepath.rules.ruleset import RuleSet
from carepath.rules.trace import RuleStep

__all__ = ["CarePlan", "DueDate", "MoveState", "care_plan", "check_path", "path_graph", "stages_before"]

MoveStatus = Literal["allowed", "blocked", "pending"]


@dataclass(frozen=True, slots=True)
class MoveState:
    """One move out of the current stage: allowed, blocked or pending, and why."""

    to: str
    label: str
    status: MoveStatus
    allowed_by: str
    because: tuple[Reason, ...] = ()
    """Allowed: the rules that allow it. Blocked: the exceptions that block it."""
    not_met: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Blocked or pending: each rule that would allow it and its checks that failed or are open."""
    missing: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"to": self.to, "label": self.label, "status": self.status}
        data["allowed_by"] = self.allowed_by
        if self.because:
            data["because"] = [r.to_dict() for r in self.because]
        if self.not_met:
            data["not_met"] = [{"rule": r, "checks": list(c)} for r, c in self.not_met]
        if self.missing:
            data["missing"] = list(self.missing)
        return data


@dataclass(frozen=True, slots=True)
class DueDate:
    """A date by which a review or visit falls due, whether it has passed, and whether the
    rules flag it as overdue (``overdue_when``; an exception such as lost contact may not)."""

    name: str
    label: str
    due: dt.date | None
    passed: bool | None
    overdue: bool | None
    counted_from: str | None
    """The date input it counts from (the latest known), or None when none is known."""
    needs: tuple[str, ...]
    """The date inputs it can count from."""
    every: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "due": self.due.isoformat() if self.due else None,
            "passed": self.passed,
            "overdue": self.overdue,
            "counted_from": self.counted_from,
            "needs": list(self.needs),
            "every": self.every,
        }


@dataclass(frozen=True)
class CarePlan:
    """Where a case stands on the path and what can happen next."""

    stage: str | None
    stage_label: str | None
    moves: tuple[MoveState, ...]
    due: tuple[DueDate, ...]
    stages: tuple[str, ...]
    to_confirm: tuple[ToConfirm, ...] = ()
    """Actions the rules give unless already done: each waits only on "already done?" questions
    (:mod:`carepath.plans.confirm`), of any step of the pipeline."""

    @property
    def allowed(self) -> tuple[str, ...]:
        return tuple(m.to for m in self.moves if m.status == "allowed")

    @property
    def blocked(self) -> tuple[str, ...]:
        return tuple(m.to for m in self.moves if m.status == "blocked")

    @property
    def pending(self) -> tuple[str, ...]:
        return tuple(m.to for m in self.moves if m.status == "pending")

    @property
    def overdue(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.due if d.overdue)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "stage_label": self.stage_label,
            "next_moves": [m.to_dict() for m in self.moves],
            "due": [d.to_dict() for d in self.due],
            "overdue": list(self.overdue),
            "to_confirm": [c.to_dict() for c in self.to_confirm],
        }


def path_graph(spec: PathSpec, ruleset: RuleSet | None = None) -> nx.DiGraph:
    """The stages and moves as a directed graph; each edge carries its outcome and rules, and
    ``back``: whether it moves to an earlier stage (after an unsafe finding, say)."""
    graph: nx.DiGraph = nx.DiGraph()
    order = list(spec.stages)
    for name, stage in spec.stages.items():
        graph.add_node(name, label=shown(stage.label, name))
    for move in spec.moves:
        rules: tuple[str, ...] = ()
        if ruleset is not None:
            rules = _rules_concluding(ruleset, move.allowed_by)
        back = order.index(move.to) < order.index(move.from_)
        graph.add_edge(move.from_, move.to, allowed_by=move.allowed_by, rules=rules, back=back)
    return graph


def stages_before(spec: PathSpec, stage: str) -> tuple[str, ...]:
    """The stages a case passes through before ``stage``, in path order: those that reach it by
    forward moves (a move back does not make a later stage one that came before)."""
    graph = path_graph(spec)
    forward = graph.edge_subgraph([(a, b) for a, b, back in graph.edges(data="back") if not back])
    if stage not in forward:
        return ()
    order = list(spec.stages)
    return tuple(sorted(nx.ancestors(forward, stage), key=order.index))


def check_path(
    spec: PathSpec,
    ruleset: RuleSet | None,
    error: Callable[[str, tuple[str | int, ...]], PipelineError],
) -> None:
    """Check the path against the rule set of its step (raises a located :class:`PipelineError`)."""
    if ruleset is None:
        raise error(f"no step {spec.step!r}", ("path", "step"))
    stage_input = ruleset.inputs.get(spec.stage)
    if stage_input is None or stage_input.type != "enum":
        raise error(f"{spec.stage!r} is not an enum input of step {spec.step!r}", ("path", "stage"))
    if list(stage_input.choice_values) != list(spec.stages):
        raise error(
            f"the stages must be the choices of {spec.stage!r}, in order: {list(stage_input.choice_values)}",
            ("path", "stages"),
        )
    outcomes = ruleset.merged.outcomes
    for i, move in enumerate(spec.moves):
        for end in ("from_", "to"):
            if getattr(move, end) not in spec.stages:
                raise error(f"{getattr(move, end)!r} is not a stage", ("path", "moves", i, end.rstrip("_")))
        target = outcomes.get(move.allowed_by)
        if target is None or target.type != "bool":
            raise error(
                f"{move.allowed_by!r} is not a yes/no outcome of step {spec.step!r}", ("path", "moves", i)
            )
    params = ruleset.merged.parameters
    for name, due in spec.due.items():
        at = ("path", "due", name)
        for date_input in due.after:
            found = ruleset.inputs.get(date_input)
            if found is None or found.type != "date":
                raise error(f"{date_input!r} is not a date input of step {spec.step!r}", (*at, "after"))
        amount = due.every.amount
        if isinstance(amount, ParamRef) and amount.param not in params:
            raise error(f"no parameter {amount.param!r} in step {spec.step!r}", (*at, "every"))
        for stage in due.stages:
            if stage not in spec.stages:
                raise error(f"{stage!r} is not a stage", (*at, "stages"))
        if due.overdue_when is not None:
            target = outcomes.get(due.overdue_when)
            if target is None or target.type != "bool":
                raise error(f"{due.overdue_when!r} is not a yes/no outcome", (*at, "overdue_when"))


def care_plan(
    spec: PathSpec,
    ruleset: RuleSet,
    evaluation: Evaluation,
    as_of: dt.date,
    answers: Answers,
    to_confirm: tuple[ToConfirm, ...] = (),
) -> CarePlan:
    """The care plan of one evaluated case: the path step's evaluation and the answers it read.
    With the evaluation's trace, each move carries its reasons; without, its status only."""
    given = {n: v for n, v in answers.values.items() if v is not None}
    stage = given.get(spec.stage)
    labels = {name: shown(s.label, name) for name, s in spec.stages.items()}
    moves: list[MoveState] = []
    if stage is not None:
        for move in spec.moves:
            if move.from_ == stage:
                moves.append(_move_state(move.to, labels[move.to], move.allowed_by, evaluation))
    params = ruleset.params_on(as_of)
    due: list[DueDate] = []
    for name, spec_due in spec.due.items():
        if stage is None or stage not in spec_due.stages:
            continue
        flag = evaluation[spec_due.overdue_when] if spec_due.overdue_when else None
        overdue = flag.value if flag is not None and flag.determined else None
        due.append(_due(name, spec_due, given, params, as_of, overdue))
    return CarePlan(
        stage=stage,
        stage_label=labels.get(stage) if stage else None,
        moves=tuple(moves),
        due=tuple(due),
        stages=tuple(spec.stages),
        to_confirm=to_confirm,
    )


def _move_state(to: str, label: str, outcome_name: str, evaluation: Evaluation) -> MoveState:
    outcome = evaluation[outcome_name]
    if evaluation.trace is None:
        status: MoveStatus = "pending"
        if outcome.determined:
            status = "allowed" if outcome.value is True else "blocked"
        return MoveState(to, label, status, outcome_name, missing=outcome.missing)
    contributions = evaluation.trace.contributions(outcome_name)
    allow_rules = [c for c in contributions.get(True, []) if c.status == "fired"]
    block_rules = [c for c in contributions.get(False, []) if c.status == "fired"]
    if outcome.determined and outcome.value is True:
        return MoveState(to, label, "allowed", outcome_name, tuple(Reason.of(c) for c in allow_rules))
    not_met = _not_met(evaluation.trace.feeding_steps(outcome_name), outcome_name)
    if outcome.determined:
        return MoveState(
            to, label, "blocked", outcome_name, tuple(Reason.of(c) for c in block_rules), not_met
        )
    return MoveState(to, label, "pending", outcome_name, (), not_met, outcome.missing)


def _not_met(steps: Sequence[RuleStep], outcome_name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each rule that would allow the move and did not, with its checks that failed or are open."""
    found: list[tuple[str, tuple[str, ...]]] = []
    for step in steps:
        if step.kind != "rule" or step.status == "fired":
            continue
        if any(name == outcome_name and value is True for name, value in step.concludes):
            checks = tuple(c.text for c in step.checks if c.value is not True)
            found.append((step.rule_id, checks))
    return tuple(found)


def _due(
    name: str,
    spec: Any,
    answers: dict[str, Any],
    params: dict[str, Any],
    as_of: dt.date,
    overdue: bool | None,
) -> DueDate:
    dates = [(answers[n], n) for n in spec.after if isinstance(answers.get(n), dt.date)]
    amount = spec.every.amount
    count = params[f"@{amount.param}"] if isinstance(amount, ParamRef) else amount
    every = f"{count} {spec.every.unit}"
    label = shown(spec.label, name)
    needs = tuple(spec.after)
    if not dates:
        return DueDate(name, label, None, None, overdue, None, needs, every)
    latest, after = max(dates)
    due = shift(latest, spec.every.unit, int(count))
    return DueDate(name, label, due, as_of > due, overdue, after, needs, every)


def _rules_concluding(ruleset: RuleSet, outcome: str) -> tuple[str, ...]:
    return tuple(
        rid
        for rid, rule in ruleset.compiled.rules.items()
        if isinstance(rule, CompiledRule) and any(t == outcome for t, _ in rule.then)
    )
