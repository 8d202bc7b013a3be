"""Every report says which gate held and why: the conditions of the rule that decided, and the
passage it rests on, for each blocked option, each first choice and each move of the plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import carepath
from carepath.authoring.strategies import cases
from carepath.plans.ranking import Reason
from carepath.report.assessment import assessment_markdown, assessment_text
from carepath.report.html import assessment_html

DAY = dt.date(2026, 11, 23)
PIPE = carepath.load_pipeline("intl/care_path")

# A 16-year-old girl whose mother took money for her: the family is complicit.
COMPLICIT = {
    "age": 16,
    "family_involved_in_trafficking": True,
    "kinship_carer_available": True,
    "care_reasons": ["protection_risk"],
    "stage": "assessment",
}


def _blocked(assessment: Any, option: str) -> Any:
    assert assessment.ranking is not None
    return next(b for b in assessment.ranking.blocked if b.option == option)


def test_a_blocked_option_names_the_conditions_that_held() -> None:
    a = PIPE.assess(COMPLICIT, as_of=DAY)
    gate = next(
        r
        for r in _blocked(a, "family_reunification").blocked_by
        if r.rule == "care_options.no_return_to_unsafe_family"
    )
    assert gate.hard
    assert "family_involved_in_trafficking" in gate.held
    # An `any` gate keeps only the parts that decided it; an unknown part is not shown as held.
    assert all(not h.startswith("not ") for h in gate.held)
    data = a.to_dict()["ranking"]["blocked"]
    entry = next(b for b in data if b["option"] == "family_reunification")
    reasons = {r["rule"]: r for r in entry["blocked_by"]}
    assert reasons["care_options.no_return_to_unsafe_family"]["held"] == list(gate.held)


def test_a_condition_that_held_by_being_false_is_shown_negated() -> None:
    a = PIPE.assess(COMPLICIT, as_of=DAY)
    assert a.ranking is not None and a.ranking.top is not None
    assert a.ranking.top.option == "kinship_care"
    held = a.ranking.top.because[0].held
    assert "kinship_carer_available" in held
    assert "not placement_excluded" in held


@pytest.mark.parametrize("render", [assessment_text, assessment_markdown, assessment_html])
def test_every_format_shows_the_gate_its_conditions_and_its_quote(render: Any) -> None:
    a = PIPE.assess(COMPLICIT, as_of=DAY)
    out = render(a, PIPE)
    gate = next(r for r in _blocked(a, "family_reunification").blocked_by if r.source and r.source.quote)
    assert "care_options.no_return_to_unsafe_family" in out
    assert "held:" in out
    assert "family_involved_in_trafficking" in out
    quote = gate.source.quote
    assert quote is not None
    shown = quote.replace("'", "&#39;").replace('"', "&#34;") if render is assessment_html else quote
    assert shown in out


def test_a_rule_that_did_not_fire_holds_nothing() -> None:
    a = PIPE.assess({"age": 16, "stage": "assessment"}, as_of=DAY)
    assert a.ranking is not None
    for pending in a.ranking.pending:
        for reason in (*pending.may_fit, *pending.may_block):
            assert reason.status == "unknown"
            assert reason.held == ()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(PIPE))
def test_every_fired_reason_lists_only_conditions_of_its_own_rule(case: dict[str, Any]) -> None:
    """The held conditions come from the rule's own checks in the trace, never from anywhere else."""
    a = PIPE.assess(case, as_of=DAY)
    if a.ranking is None:
        return
    trace = a.steps[a.ranking.step].trace
    assert trace is not None
    reasons: list[Reason] = [r for o in a.ranking.ranked for r in o.because]
    reasons += [r for o in a.ranking.blocked for r in o.blocked_by]
    for reason in reasons:
        assert reason.status == "fired"
        step = trace.rule(reason.rule.split("#", 1)[0])
        row = reason.rule.split("#", 1)[1] if "#" in reason.rule else None
        checks = next(r.checks for r in step.rows if r.id == row) if row else step.checks
        texts = {c.text for c in checks}
        for held in reason.held:
            bare = (
                held.removeprefix("not ").removeprefix("(").removesuffix(")")
                if held.startswith("not ")
                else held
            )
            assert bare in texts
