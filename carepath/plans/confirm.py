"""Actions to confirm: what would be done unless it already was.

An input marked ``asks_if_done`` asks whether something was already done (a referral made, a
meeting held, the escalation steps tried). While such a question is open, an action that it
alone keeps open is neither recommended nor dropped: it is listed *to confirm*, with the
questions that would settle it. Not referring a client who moved district is the failure
000:L157-160 describes; the worker should see "refer to the new district, unless done".

The test is exact and rule-agnostic: the step is evaluated again with every open
"already done?" question answered "not done" (``no``; for a set, none). A member of a set
outcome that is possible now and sure then waits on nothing else. Its questions are those
among them it still needs: left open one at a time, the member is no longer sure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from carepath.plans.model import shown
from carepath.rules.model import InputSpec, TargetSpec
from carepath.rules.result import Evaluation

__all__ = ["ToConfirm", "done_questions", "not_done", "to_confirm"]


@dataclass(frozen=True, slots=True)
class ToConfirm:
    """An action the rules give unless it was already done: confirm, then act."""

    step: str
    outcome: str
    value: str
    label: str
    questions: tuple[str, ...]
    """The open "already done?" questions it waits on."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "outcome": self.outcome,
            "value": self.value,
            "label": self.label,
            "questions": list(self.questions),
        }


def not_done(spec: InputSpec) -> Any:
    """The answer meaning "not done": no, or none of the steps."""
    return False if spec.type == "bool" else []


def done_questions(inputs: Mapping[str, InputSpec]) -> tuple[str, ...]:
    """The inputs that ask whether something was already done (``asks_if_done``)."""
    return tuple(n for n, s in inputs.items() if s.asks_if_done)


def to_confirm(
    step: str,
    inputs: Mapping[str, InputSpec],
    outcomes: Mapping[str, TargetSpec],
    evaluation: Evaluation,
    open_done: tuple[str, ...],
    evaluate: Callable[[dict[str, Any]], Evaluation],
) -> tuple[ToConfirm, ...]:
    """The members of ``evaluation``'s open set outcomes that only ``open_done`` keep open.

    ``evaluate`` runs the same step with more answers (the same feeds and candidates)."""
    undecided = [
        o
        for o in evaluation.outcomes.values()
        if not o.determined and o.candidates and outcomes[o.name].type == "set"
    ]
    if not open_done or not undecided:
        return ()
    world = {q: not_done(inputs[q]) for q in open_done}
    then = evaluate(world)
    alone: dict[str, Evaluation] = {}  # each question left open alone (more than one open)

    def needs(outcome: str, member: Any) -> tuple[str, ...]:
        if len(open_done) == 1:
            return open_done
        for q in open_done:
            if q not in alone:
                alone[q] = evaluate({k: v for k, v in world.items() if k != q})
        found = tuple(q for q in open_done if member not in set(alone[q][outcome].value or ()))
        return found or open_done

    return tuple(
        ToConfirm(step, o.name, m, shown(outcomes[o.name].value_labels.get(m, {}), m), needs(o.name, m))
        for o in undecided
        for m in o.candidates
        if m not in set(o.value or ()) and m in set(then[o.name].value or ())
    )
