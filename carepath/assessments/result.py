"""What a pipeline run gives: each step's evaluation, what fed what, the ranked options and
the care plan, with one trace across all of them.

Recommendations with reasons, never determinations: the competent authority decides.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from carepath.rules.result import NOTICE, Evaluation, plain
from carepath.rules.trace import REDACTED, Trace

if TYPE_CHECKING:
    from carepath.plans.path import CarePlan
    from carepath.plans.ranking import Ranking

__all__ = ["Assessment", "Fed"]


@dataclass(frozen=True, slots=True)
class Fed:
    """An input of one step taken from an outcome of an earlier step (``ref``).

    When that outcome is undetermined, what is known of it is fed: the values it can still take
    (``candidates``, or for a number the ``interval``, with the upstream questions it is
    ``open_on``), so that the later step's conditions true for every candidate hold
    (:mod:`carepath.assessments.candidates`). When
    nothing is known beyond "unknown", nothing is fed: the input keeps the case's own answer
    (``kept_case_answer``) or stays unknown. An open assessment is never read as "no".
    """

    ref: str
    value: Any
    determined: bool
    kept_case_answer: bool = False
    candidates: tuple[Any, ...] = ()
    open_on: tuple[str, ...] = ()
    interval: tuple[float, float] | None = None
    """For a number outcome: ``(low, high)``, the interval it can still take (then ``candidates``
    is empty; :mod:`carepath.assessments.intervals`)."""
    sensitive: bool = False
    """The receiving input is sensitive: a redacted result masks what was fed (not in JSON)."""

    @property
    def fed_open(self) -> Any:
        """What was fed while the outcome is open, as traces show it: the candidates, or a
        number's interval as ``{"between": [low, high]}``; empty when nothing was."""
        if self.interval is not None:
            return {"between": list(self.interval)}
        return self.candidates


@dataclass(frozen=True)
class Assessment:
    """One case through a whole pipeline on one date."""

    pipeline: str
    version: str
    as_of: dt.date
    order: tuple[str, ...]
    steps: dict[str, Evaluation]
    fed: dict[str, dict[str, Fed]]
    ranking: Ranking | None
    plan: CarePlan | None
    notes: tuple[str, ...] = ()
    redacted: bool = False

    def __getitem__(self, step: str) -> Evaluation:
        return self.steps[step]

    @property
    def trace(self) -> dict[str, Trace]:
        """The trace of every step, in the order the steps ran (empty if not traced)."""
        return {name: t for name in self.order if (t := self.steps[name].trace) is not None}

    @property
    def missing(self) -> tuple[str, ...]:
        """The open questions of every step, most needed first, each once."""
        count: dict[str, int] = {}
        first: dict[str, int] = {}
        for name in self.order:
            for i, question in enumerate(self.steps[name].missing):
                count[question] = count.get(question, 0) + 1
                first.setdefault(question, len(first) + i)
        return tuple(sorted(count, key=lambda q: (-count[q], first[q])))

    @property
    def next_questions(self) -> tuple[str, ...]:
        """The open questions, what the current stage waits on first: the questions of the moves
        out of it still pending, then those that settle the first choice, then the rest."""
        first, rest = self.question_tiers
        return (*first, *rest)

    @property
    def question_tiers(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """:attr:`next_questions` in two parts: what the current stage waits on (its pending
        moves, then the first choice), and the rest, each most needed first."""
        first: list[str] = []
        if self.plan is not None:
            for move in self.plan.moves:
                if move.status == "pending":
                    first.extend(move.missing)
        if self.ranking is not None and self.ranking.top is None:
            provisional = self.ranking.provisional
            first.extend(provisional.open if provisional is not None else ())
            first.extend(m for p in self.ranking.pending for m in p.missing)
        rest = self.missing
        ordered = tuple(q for q in dict.fromkeys(first) if q in rest)
        taken = set(ordered)
        return ordered, tuple(q for q in rest if q not in taken)

    def step_of(self, question: str) -> str | None:
        """The first step, in the pipeline's order, that waits on ``question``."""
        return next((step for step in self.order if question in self.steps[step].missing), None)

    def to_dict(self, redact: bool = False) -> dict[str, Any]:
        """Plain JSON-ready data: steps, feeds, ranking, plan, notes. Redacted, the plan's due
        dates are masked, and so are the case's dates they count from, in every trace (as the
        text, Markdown and HTML reports mask them)."""
        redact = redact or self.redacted
        dates = plan_dates(self.plan) if redact else frozenset()
        plan = self.plan.to_dict() if self.plan is not None else None
        if redact and plan is not None:
            for due in plan["due"]:
                if due["due"] is not None:
                    due["due"] = REDACTED
        return {
            "pipeline": self.pipeline,
            "version": self.version,
            "as_of": self.as_of.isoformat(),
            "notice": NOTICE,
            "steps": {name: _step_dict(self.steps[name], redact, dates) for name in self.order},
            "fed": {
                step: {name: _fed_dict(f, redact) for name, f in feeds.items()}
                for step, feeds in self.fed.items()
                if feeds
            },
            "ranking": self.ranking.to_dict() if self.ranking is not None else None,
            "plan": plan,
            "missing": list(self.missing),
            "next_questions": list(self.next_questions),
            "notes": list(self.notes),
        }

    def to_json(self, redact: bool = False, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(redact=redact), indent=indent, ensure_ascii=False)


def _fed_dict(fed: Fed, redact: bool) -> dict[str, Any]:
    """One feed as JSON; redacted, a sensitive input's fed value, candidates and interval are
    masked, as the receiving step's trace masks them."""
    data: dict[str, Any] = plain(dataclasses.asdict(fed))
    del data["sensitive"]
    if redact and fed.sensitive:
        for key in ("value", "candidates", "interval"):
            if data[key] not in (None, []):
                data[key] = REDACTED
    return data


def plan_dates(plan: CarePlan | None) -> frozenset[str]:
    """The date inputs a care plan's due dates count from (masked too when redacting)."""
    return frozenset(n for d in plan.due for n in d.needs) if plan is not None else frozenset()


def mask_fields(ev: Evaluation, names: frozenset[str]) -> Evaluation:
    """``ev`` with the given values of ``names`` masked in its trace, as sensitive ones are."""
    trace = ev.trace
    if trace is None or not names:
        return ev
    answers = tuple(
        dataclasses.replace(x, value=REDACTED) if x.name in names and x.kind == "given" else x
        for x in trace.answers
    )
    rules = tuple(r.redacted(names) for r in trace.rules)
    masked = dataclasses.replace(
        trace, answers=answers, rules=rules, redacted_fields=trace.redacted_fields | names
    )
    return dataclasses.replace(ev, trace=masked)


def _step_dict(evaluation: Evaluation, redact: bool, dates: frozenset[str] = frozenset()) -> dict[str, Any]:
    ev = mask_fields(evaluation.redacted(), dates) if redact else evaluation
    data = ev.to_dict(redact=False)
    data.pop("notice", None)
    return data
