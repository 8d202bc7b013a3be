"""Which open question to ask next: ranked by how often its answer settles the open outcomes."""

from __future__ import annotations

import datetime as dt

import carepath
from carepath.rules.conditions import ParamRef
from carepath.rules.model import InputSpec
from carepath.rules.questions import trial_answers

DAY = dt.date(2026, 11, 23)
PALERMO = carepath.load("intl/palermo")


def ranked(case: dict[str, object]) -> list[tuple[str, float]]:
    return [(q.name, q.settles) for q in PALERMO.next_questions(case, as_of=DAY, outcomes=["identification"])]


def test_with_nothing_asked_the_act_comes_first() -> None:
    # an empty act or an empty purpose settles the test at once; age and means never do alone
    assert ranked({}) == [("act", 0.167), ("purpose", 0.125), ("age", 0.0), ("means", 0.0)]


def test_an_adult_with_act_and_purpose_is_asked_about_means() -> None:
    assert ranked({"age": 30, "act": ["recruitment"], "purpose": ["forced_labour"]}) == [("means", 1.0)]


def test_without_means_the_age_settles_it() -> None:
    assert ranked({"act": ["receipt"], "purpose": ["servitude"], "means": []}) == [("age", 1.0)]


def test_a_settled_outcome_leaves_no_questions() -> None:
    settled = {"age": 12, "act": ["receipt"], "purpose": ["servitude"]}
    assert PALERMO.next_questions(settled, as_of=DAY, outcomes=["identification"]) == []
    # the harms keep the referrals open (any answer settles them: first); consent and the means
    # (not asked) keep the notes open
    assert [q.name for q in PALERMO.next_questions(settled, as_of=DAY)] == ["harms", "consent", "means"]


def test_trial_answers_per_type() -> None:
    def spec(kind: str, **extra: object) -> InputSpec:
        return InputSpec.model_validate({"type": kind, "question": {"en": "Q"}, **extra})

    assert trial_answers(spec("bool"), (), {}) == [True, False]
    assert trial_answers(spec("enum", choices=["a", "b"]), (), {}) == ["a", "b"]
    assert trial_answers(spec("set", choices=["a", "b"]), (), {}) == [frozenset(), {"a"}, {"b"}]
    # each side of each threshold, a parameter read on the day, clamped to the declared range
    # each side of each threshold (below, at, above), a parameter read on the day, within the range
    assert trial_answers(spec("int", min=0, max=120), (ParamRef(param="limit"), 0), {"@limit": 18}) == [
        17, 18, 19, 0, 1,
    ]  # fmt: skip
    day = dt.date(2020, 1, 1)
    assert trial_answers(spec("date"), (day,), {}) == [
        day - dt.timedelta(days=1),
        day,
        day + dt.timedelta(days=1),
    ]
    assert trial_answers(spec("int"), (), {}) == []
