"""Properties every bundled rule set must keep, over generated cases (hypothesis).

The central one is Kleene soundness: answering a question that was open never changes an
outcome that was already determined, and a determined outcome has no missing question.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import carepath
from carepath.authoring.strategies import cases, value

DAY = dt.date(2026, 11, 23)
RULESETS = {rid: carepath.load(rid) for rid in carepath.bundled_ids()}
OPEN = (None, "unknown", "declined")


@pytest.mark.parametrize("rid", sorted(RULESETS))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_answering_an_open_question_never_changes_a_determined_outcome(rid: str, data: Any) -> None:
    ruleset = RULESETS[rid]
    case = data.draw(cases(ruleset))
    before = ruleset.evaluate(case, as_of=DAY, trace=False)
    for outcome in before.outcomes.values():
        assert outcome.determined == (outcome.missing == () and not outcome.conflict)
    settled = dict(case)
    for name, spec in ruleset.inputs.items():
        if case.get(name) in OPEN and not spec.optional:  # an optional input left out means none
            settled[name] = data.draw(value(spec))
    after = ruleset.evaluate(settled, as_of=DAY, trace=False)
    for name, outcome in before.outcomes.items():
        if outcome.determined:
            assert after[name].value == outcome.value, name
        elif after[name].determined and outcome.candidates and after[name].value is not None:
            # "no value" (no rule applies, no default) is always possible while nothing surely applies
            assert after[name].value in outcome.candidates or isinstance(after[name].value, list), name


@pytest.mark.parametrize("rid", [r for r in sorted(RULESETS) if r.endswith("palermo")])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_for_a_child_the_means_never_change_identification(rid: str, data: Any) -> None:
    ruleset = RULESETS[rid]
    case = {**data.draw(cases(ruleset)), "age": data.draw(st.integers(0, 17))}
    means = data.draw(value(ruleset.inputs["means"]))
    first = ruleset.evaluate(case, as_of=DAY, trace=False)["identification"]
    second = ruleset.evaluate({**case, "means": means}, as_of=DAY, trace=False)["identification"]
    assert (first.value, first.status) == (second.value, second.status)


# -- whole cases of a pipeline (carepath.authoring.strategies.whole_cases) ------------------------------


def _pipe() -> Any:
    from carepath.assessments.pipeline import load_pipeline

    return load_pipeline("intl/care_path")


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_closure_cases_answer_every_question_and_intake_cases_leave_most_open(data: Any) -> None:
    from carepath.authoring.strategies import whole_cases

    pipe = _pipe()
    required = [n for n, s in pipe.inputs.items() if not s.optional]
    closure = data.draw(whole_cases(pipe, DAY, ["closure"], with_visits=False))
    assert all(closure.get(n) not in OPEN for n in required)
    intake = data.draw(whole_cases(pipe, DAY, ["intake"], with_visits=False))
    assert sum(intake.get(n) in OPEN for n in required) >= len(required) // 3
    pipe.assess(closure, as_of=DAY, trace=False)  # both are cases the pipeline accepts
    pipe.assess(intake, as_of=DAY, trace=False)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_varied_seed_cases_stay_near_their_seed(data: Any) -> None:
    from carepath.authoring.strategies import varied

    pipe = _pipe()
    seed = {"age": 16, "family_involved_in_trafficking": True, "stage": "assessment", "poverty": False}
    case = data.draw(varied([seed], pipe.inputs, DAY, most=3))
    changed = {k for k in set(seed) | set(case) if seed.get(k) != case.get(k)}
    assert len(changed) <= 3


def test_generated_whole_cases_carry_visits_the_pipeline_reads() -> None:
    from hypothesis import find

    from carepath.authoring.invariants import assess
    from carepath.authoring.strategies import VISITS_KEY, whole_cases

    pipe = _pipe()
    case = find(
        whole_cases(pipe, DAY, ["any"]),
        lambda c: any(v["contact_made"] for v in c.get(VISITS_KEY, [])),
        settings=settings(max_examples=500, database=None),
    )
    result = assess(pipe, case, DAY)
    assert result["case_path"].trace is None  # a fast run
    assert (result.steps["follow_up"] is not None) and VISITS_KEY in case
