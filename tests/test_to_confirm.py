"""Actions that only wait on "has it been done already?" are listed to confirm, never dropped.

A client who moved district must be referred to the new district's office (000:L157-160);
while nobody has said whether that was done, the care plan lists the referral to confirm.
Properties over generated partial cases of both care paths: each action to confirm is sure
once its questions are answered "not done", and gone once any of them is answered "done";
it is never also a sure action; its questions are open ``asks_if_done`` inputs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import carepath
from carepath.assessments.pipeline import Pipeline
from carepath.authoring.strategies import cases
from carepath.cases import case_from_data
from carepath.followup.caseload import caseload
from carepath.plans.confirm import not_done
from carepath.rules.model import InputSpec

DAY = dt.date(2026, 11, 23)
PIPELINES = {pid: carepath.load_pipeline(pid) for pid in ("intl/care_path", "kh/care_path")}
MOVED = {"age": 17, "stage": "follow_up", "moved_district": True, "reintegration_date": "2026-06-01"}


def _actions(a: Any) -> set[str]:
    return set(a["case_path"]["actions"].value or ())


def test_a_client_who_moved_district_is_to_be_referred_unless_already_done() -> None:
    pipe = PIPELINES["intl/care_path"]
    a = pipe.assess(MOVED, as_of=DAY)
    assert a.plan is not None
    assert "refer_to_new_district" not in _actions(a)  # not sure: it may have been done
    item = next(c for c in a.plan.to_confirm if c.value == "refer_to_new_district")
    assert item.step == "case_path" and item.outcome == "actions"
    assert item.questions == ("referred_to_new_district",)
    assert item.label.startswith("Refer the case")
    data = a.to_dict()["plan"]["to_confirm"]
    assert {"step": "case_path", "outcome": "actions", "value": "refer_to_new_district"}.items() <= next(
        d for d in data if d["value"] == "refer_to_new_district"
    ).items()

    not_yet = pipe.assess({**MOVED, "referred_to_new_district": False}, as_of=DAY)
    assert "refer_to_new_district" in _actions(not_yet)
    assert not_yet.plan is not None
    assert all(c.value != "refer_to_new_district" for c in not_yet.plan.to_confirm)

    done = pipe.assess({**MOVED, "referred_to_new_district": True}, as_of=DAY)
    assert "refer_to_new_district" not in _actions(done)
    assert done.plan is not None
    assert all(c.value != "refer_to_new_district" for c in done.plan.to_confirm)


def test_an_action_that_waits_on_more_than_whether_it_was_done_is_not_to_confirm() -> None:
    """The stage is not known: the referral waits on it too, so it is neither sure nor to confirm."""
    case = {k: v for k, v in MOVED.items() if k != "stage"}
    a = PIPELINES["intl/care_path"].assess(case, as_of=DAY)
    assert a.plan is not None
    assert all(c.value != "refer_to_new_district" for c in a.plan.to_confirm)


def test_a_declined_answer_is_not_read_as_done() -> None:
    a = PIPELINES["intl/care_path"].assess({**MOVED, "referred_to_new_district": "declined"}, as_of=DAY)
    assert a.plan is not None
    assert [c.value for c in a.plan.to_confirm if c.value == "refer_to_new_district"]


def test_the_caseload_and_the_timeline_show_what_to_confirm() -> None:
    case = case_from_data({"case_id": "C1", "answers": MOVED}, "C1")
    load = caseload([("C1", case)], DAY, "intl/care_path")
    (row,) = load.rows
    assert "refer_to_new_district" in row.to_confirm
    assert "refer_to_new_district" in load.to_markdown()
    assert row.first_choice is None or isinstance(row.first_choice, str)


def test_asks_if_done_is_only_for_yes_no_and_set_questions() -> None:
    with pytest.raises(ValidationError, match="asks_if_done"):
        InputSpec.model_validate(
            {"type": "enum", "question": {"en": "q"}, "choices": [{"value": "a"}], "asks_if_done": True}
        )
    assert not_done(InputSpec.model_validate({"type": "bool", "question": {"en": "q"}})) is False
    spec = InputSpec.model_validate({"type": "set", "question": {"en": "q"}, "choices": [{"value": "a"}]})
    assert not_done(spec) == []


def _done_inputs(pipe: Pipeline, step: str) -> dict[str, InputSpec]:
    return {n: s for n, s in pipe.rulesets[step].inputs.items() if s.asks_if_done}


@pytest.mark.parametrize("pid", sorted(PIPELINES))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_each_action_to_confirm_waits_only_on_its_questions(pid: str, data: Any) -> None:
    pipe = PIPELINES[pid]
    base = data.draw(cases(pipe))
    stage = data.draw(st.sampled_from(["reintegration", "follow_up"]))
    case = {**base, "stage": stage, "moved_district": data.draw(st.booleans())}
    a = pipe.assess(case, as_of=DAY, trace=False)
    assert a.plan is not None
    for item in a.plan.to_confirm:
        done = _done_inputs(pipe, item.step)
        assert item.questions and set(item.questions) <= set(done)
        assert all(case.get(q) in (None, "unknown", "declined") for q in item.questions)
        outcome = a[item.step][item.outcome]
        assert item.value not in set(outcome.value or ())
        answered = {q: not_done(done[q]) for q in item.questions}
        then = pipe.assess({**case, **answered}, as_of=DAY, trace=False)
        assert item.value in set(then[item.step][item.outcome].value or ()), item
        for q in item.questions:
            if done[q].type == "bool":
                was_done = pipe.assess({**case, q: True}, as_of=DAY, trace=False)
                assert item.value not in set(was_done[item.step][item.outcome].value or ())
