"""The care path on one screen: the summary lines at the top of a pipeline's page, and the
plan's dates."""

from __future__ import annotations

from dataclasses import dataclass, field

from carepath.assessments.pipeline import Pipeline
from carepath.assessments.result import Assessment
from carepath.plans.path import CarePlan
from carepath.report.html.jinja import _slug
from carepath.report.html.sections import _Section, _Target
from carepath.report.vocab import Vocab, words
from carepath.report.words import phrase
from carepath.report.words.keys import MOVE_KEYS
from carepath.rules.trace import REDACTED

# -- the view: plain data the templates lay out ------------------------------------------------


@dataclass
class _Line:
    """One line of the summary: a label, a value in words, the id as a small code, a link."""

    label: str
    shown: str
    code: str = ""
    href: str = ""
    open: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class _Glance:
    """The care path on one screen: what each step found, the first choice and why, the blocked
    options and their gates, the next questions and the next dates."""

    found: list[_Line]
    first: _Line | None
    provisional: bool
    blocked: list[_Line]
    stage: _Line | None
    moves: list[_Line]
    questions: list[_Line]
    dates: list[_Line]
    to_confirm: list[_Line] | None


def _glance(a: Assessment, pipeline: Pipeline, sections: list[_Section], redact: bool) -> _Glance:
    ranking, plan = a.ranking, a.plan
    path = pipeline.model.path
    skip = {ranking.step if ranking is not None else "", path.step if path is not None else ""}
    found = [
        _Line(
            s.outcomes[0].title,
            _glance_value(s.outcomes[0], s.v),
            s.outcomes[0].name,
            f"#{s.anchor}-{_slug(s.outcomes[0].name)}",
            not s.outcomes[0].determined,
        )
        for s in sections
        if s.outcomes and s.step not in skip
    ]
    first: _Line | None = None
    provisional = False
    blocked: list[_Line] = []
    if ranking is not None:
        if ranking.top is not None:
            top = ranking.top
            first = _Line(top.label, "", top.option, "#care-options", notes=[r.title for r in top.because])
        elif ranking.provisional is not None:
            prov = ranking.provisional
            provisional = True
            asks = [_ask_pipeline(pipeline, q) for q in prov.open[:3]]
            first = _Line(prov.label, "", prov.option, "#care-options", True, [r.title for r in prov.because])
            first.shown = phrase("options.answer_first", questions="; ".join(asks)) if asks else ""
        for option in ranking.blocked:
            gates = [
                phrase("glance.hard_gate", title=r.title) if r.hard else r.title for r in option.blocked_by
            ]
            blocked.append(_Line(option.label, "", option.option, "#care-options", notes=gates))
    stage: _Line | None = None
    moves: list[_Line] = []
    dates: list[_Line] = []
    to_confirm: list[_Line] | None = None
    if plan is not None:
        if plan.stage is not None:
            stage = _Line(plan.stage_label or plan.stage, "", plan.stage, "#care-plan")
            moves = [
                _Line(m.label, phrase(_MOVE_KEYS[m.status]), m.to, "#care-plan", m.status != "allowed")
                for m in plan.moves
            ]
        for label, when, _every, flag in _due_dates(plan, redact)[:3]:
            shown = phrase("glance.due_flag", when=when, flag=phrase(_FLAG_KEYS[flag])) if flag else when
            dates.append(_Line(label, shown, "", "#care-plan", flag == "overdue"))
        confirm = getattr(plan, "to_confirm", None)  # actions to confirm, where the plan has them
        if confirm is not None:
            to_confirm = [
                _Line(str(getattr(c, "label", c)), "", str(getattr(c, "name", ""))) for c in confirm
            ]
    questions = [_Line(_ask_pipeline(pipeline, q), "", q, "#questions") for q in a.next_questions[:3]]
    return _Glance(found, first, provisional, blocked, stage, moves, questions, dates, to_confirm)


def _glance_value(t: _Target, v: Vocab) -> str:
    """An outcome's value for the summary: open ones say so, their questions come next."""
    if isinstance(t.value, list | tuple) and t.value:
        shown = v.short(t.name, t.value)
        return shown if t.determined else phrase("glance.perhaps_more", value=shown)
    if t.determined:
        return t.shown
    if t.value is None or t.value in ((), []):
        return phrase("glance.open_value")
    return phrase("glance.not_sure", value=v.value(t.name, t.value))


_MOVE_KEYS = {**MOVE_KEYS, "pending": "move.waiting"}  # at a glance a pending move is "waiting"
_FLAG_KEYS = {"overdue": "flag.overdue", "passed": "flag.passed"}


def _ask_pipeline(pipeline: Pipeline, name: str) -> str:
    """The question that asks for a pipeline input, or its id as words."""
    spec = pipeline.inputs.get(name)
    if spec is not None and (question := words(spec.question)):
        return " ".join(question.split())
    return name.replace("_", " ")


def _due_dates(plan: CarePlan | None, redact: bool) -> list[tuple[str, str, str, str]]:
    """(label, when, every, flag) for each date of the plan; the dates masked when redacting."""
    if plan is None:
        return []
    rows = []
    for due in plan.due:
        if due.due is None:
            needs = phrase("list.or_between").join(n.replace("_", " ") for n in due.needs)
            when = phrase("glance.due_unknown", needs=needs)
        else:
            when = REDACTED if redact else due.due.isoformat()
        flag = "overdue" if due.overdue else "passed" if due.passed else ""
        rows.append((due.label, when, due.every, flag))
    return rows
