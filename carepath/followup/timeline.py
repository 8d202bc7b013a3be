"""One case's follow-up as a timeline: each visit and its measures, then the flags, the
responses and the next actions, each with the rule and source behind it.

Free text from the visits (Form 5 changes, new issues) is sensitive: the timeline says whether
it was recorded, never what it says.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from carepath.assessments.pipeline import Pipeline
from carepath.assessments.result import Assessment
from carepath.cases import Case
from carepath.cases.visits import MEASURES, Visit
from carepath.plans.ranking import Reason
from carepath.rules.result import NOTICE

__all__ = ["timeline_data", "timeline_text"]

_TRACED = (
    ("follow_up", "deterioration"),
    ("follow_up", "urgency"),
    ("follow_up", "next_contact_step"),
    ("follow_up", "responses"),
    ("follow_up", "flags"),
    ("case_path", "follow_up_visit_overdue"),
    ("case_path", "closure"),
    ("case_path", "actions"),
)


def timeline_data(case: Case, pipeline: Pipeline, as_of: dt.date) -> dict[str, Any]:
    """The timeline as plain data."""
    result = pipeline.assess(case, as_of=as_of)
    return {
        "case_id": case.case_id,
        "as_of": as_of.isoformat(),
        "notice": NOTICE,
        "visits": [_visit(v, previous) for v, previous in _pairs(case.visits or (), as_of)],
        "outcomes": {
            step: {n: {"value": o.value, "status": o.status} for n, o in result[step].outcomes.items()}
            for step in result.order
        },
        "because": {f"{s}.{o}": _because(result, s, o) for s, o in _TRACED if s in result.steps},
        "plan": result.plan.to_dict() if result.plan is not None else None,
    }


def timeline_text(case: Case, pipeline: Pipeline, as_of: dt.date, markdown: bool = False) -> str:
    """The timeline for a terminal, or as Markdown."""
    data = timeline_data(case, pipeline, as_of)
    head = "## " if markdown else ""
    lines = [
        f"{'# ' if markdown else ''}Follow-up of {case.case_id or 'the case'}, as of {as_of.isoformat()}",
        "",
        NOTICE,
    ]
    lines += ["", f"{head}Visits", ""]
    if not data["visits"]:
        lines.append("- no visit recorded")
    for visit in data["visits"]:
        met = "met" if visit["contact_made"] else f"not met ({visit['attempt'].replace('_', ' ')})"
        if visit["declined"]:
            met = f"reached, declined {'the visit' if visit['declined'] == 'visit' else 'further follow-up'}"
        where = f", {visit['where']}" if visit["where"] else ""
        lines.append(f"- {visit['date']}: {met}{where}")
        for name, change in visit["measures"].items():
            lines.append(f"  - {name}: {change}")
        if visit["warning_signs"]:
            lines.append(f"  - warning signs: {', '.join(visit['warning_signs'])}")
        if visit["notes_recorded"]:
            lines.append("  - Form 5 notes recorded (not shown: sensitive)")
    outcomes = data["outcomes"]
    lines += ["", f"{head}Flags and next actions", ""]
    follow = outcomes.get("follow_up", {})
    for name in ("deterioration", "urgency", "next_contact_step"):
        if name in follow:
            lines.append(f"- {name}: {_show(follow[name])}")
    for key, reasons in data["because"].items():
        for item, rules in reasons.items():
            cited = "; ".join(f"{r['rule']} ({_cite(r)})" for r in rules)
            lines.append(f"- {key}: {item} - {cited}")
    plan = data["plan"]
    if plan is not None:
        lines += ["", f"{head}Care plan", "", f"- stage: {plan['stage']}"]
        for due in plan["due"]:
            flag = " - OVERDUE" if due["overdue"] else " - passed" if due["passed"] else ""
            lines.append(f"- {due['label']}: {due['due'] or 'not known'}{flag}")
        for move in plan["next_moves"]:
            lines.append(f"- to {move['to']}: {move['status']}")
        for item in plan["to_confirm"]:
            asks = ", ".join(item["questions"])
            lines.append(f"- to confirm: {item['label']}, unless already done (confirm: {asks})")
    return "\n".join(lines).rstrip() + "\n"


def timeline_json(case: Case, pipeline: Pipeline, as_of: dt.date) -> str:
    return json.dumps(timeline_data(case, pipeline, as_of), indent=2, ensure_ascii=False)


def _pairs(visits: tuple[Visit, ...], as_of: dt.date) -> list[tuple[Visit, dict[str, Any]]]:
    """Each visit up to ``as_of`` with the latest earlier reading of each measure."""
    seen: dict[str, Any] = {}
    out = []
    for visit in visits:
        if visit.date > as_of:
            break
        out.append((visit, dict(seen)))
        if visit.contact_made and visit.declined is None:
            seen.update(visit.measures)
    return out


def _visit(visit: Visit, previous: dict[str, Any]) -> dict[str, Any]:
    measures: dict[str, str] = {}
    for name, level in visit.measures.items():
        before = previous.get(name)
        scale = MEASURES[name]
        if before is None:
            measures[name] = f"{level}"
        else:
            trend = scale.index(level) - scale.index(before)
            word = "up" if trend > 0 else "DOWN" if trend < 0 else "same"
            measures[name] = f"{level} ({word} from {before})"
    return {
        "date": visit.date.isoformat(),
        "contact_made": visit.contact_made,
        "attempt": visit.attempt,
        "declined": visit.declined,
        "where": visit.where,
        "visitor": visit.visitor,
        "measures": measures,
        "warning_signs": list(visit.warning_signs),
        "services_received": list(visit.services_received),
        "notes_recorded": bool(visit.changes or visit.new_issues),
    }


def _because(result: Assessment, step: str, outcome: str) -> dict[str, list[dict[str, Any]]]:
    evaluation = result[step]
    if evaluation.trace is None or outcome not in evaluation.outcomes:
        return {}
    found = evaluation.trace.contributions(outcome)
    value = evaluation.outcomes[outcome].value
    items = value if isinstance(value, list) else [] if value is None else [value]
    reasons = {
        str(item): [Reason.of(c).to_dict() for c in found.get(item, []) if c.status == "fired"]
        for item in items
    }
    return {item: rules for item, rules in reasons.items() if rules}


def _cite(reason: dict[str, Any]) -> str:
    source = reason.get("source")
    if not source:
        return "local setting"
    return f"{source['document']}, {source['locator']}"


def _show(outcome: dict[str, Any]) -> str:
    value = outcome["value"]
    text = (
        {True: "yes", False: "no", None: "open"}.get(value, str(value))
        if not isinstance(value, list)
        else str(value)
    )
    return text if outcome["status"] == "determined" else f"{text} (undetermined)"
