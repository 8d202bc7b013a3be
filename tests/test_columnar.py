"""The columnar path (carepath.authoring.columnar) against the per-case evaluator, case by case.

Every bundled rule set the columnar compiler accepts is evaluated both ways over generated
populations (hypothesis, carepath.authoring.strategies): the same outcomes (value, status, candidates,
conflict, missing inputs), facts, missing inputs and rule states. The ones it refuses are
listed with the construct, so that a refusal appearing or going away is seen.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("polars")

import carepath
from carepath.authoring.columnar import NotColumnar
from carepath.authoring.columnar.engine import columnar_leaves, evaluate_many, rule_states_many
from carepath.authoring.columnar.table import CheckedColumns
from carepath.authoring.strategies import cases
from carepath.errors import CarepathError
from carepath.rules.answers import Answers
from carepath.rules.registry import bundled_ids
from carepath.rules.ruleset import RuleSet

DAY = dt.date(2026, 11, 23)
REFUSED = {"intl/case_path": "elapsed"}
"""Bundled rule sets the columnar path refuses, and why: ``elapsed`` needs calendar arithmetic
(months that end on different days) that the leaf columns do not yet reproduce exactly."""


@cache
def _load(rid: str) -> RuleSet:
    return carepath.load(rid)


def _accepted() -> list[str]:
    return [rid for rid in bundled_ids() if rid not in REFUSED]


def _checked(rs: RuleSet, drawn: list[dict[str, object]]) -> list[Answers]:
    found = []
    for case in drawn:
        try:
            found.append(rs.check(case))
        except CarepathError:  # a drawn answer outside a range: not this test's concern
            continue
    return found


def test_the_refused_rule_sets_are_refused_for_the_construct_named() -> None:
    for rid, construct in REFUSED.items():
        with pytest.raises(NotColumnar) as caught:
            columnar_leaves(_load(rid), DAY)
        assert caught.value.construct == construct
        assert caught.value.rule_id is not None


def test_every_other_bundled_rule_set_is_accepted() -> None:
    accepted = _accepted()
    assert "intl/palermo" in accepted and "intl/ilo_indicators" in accepted
    for rid in accepted:
        assert columnar_leaves(_load(rid), DAY), rid


@pytest.mark.parametrize("rid", _accepted())
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(data=st.data())
def test_columnar_agrees_with_the_per_case_evaluator(rid: str, data: st.DataObject) -> None:
    rs = _load(rid)
    drawn = data.draw(st.lists(cases(rs), min_size=1, max_size=40))
    answers = _checked(rs, drawn * 2)  # each case twice: patterns met again share one result
    evaluations = evaluate_many(rs, answers, DAY)
    states = rule_states_many(rs, answers, DAY)
    coarse = rule_states_many(rs, answers, DAY, coarse=True)
    assert coarse == states  # the diff's coarser patterns: the same rule states
    assert len(evaluations) == len(states) == len(answers)
    for got, state, case in zip(evaluations, states, answers, strict=True):
        want = rs.evaluate(case, DAY, trace=False)
        assert got.outcomes == want.outcomes
        assert got.missing == want.missing
        assert got.facts == want.facts
        assert state == rs.rule_states(case, DAY)


def test_a_parameter_changes_the_columns() -> None:
    """A reform's leaves read its own parameter values: age < 21, not age < 18."""
    rs = _load("intl/palermo")
    reform = rs.with_parameters({"child_age_limit": 21})
    cases_ = [rs.check({"age": age}) for age in (17, 19, 22)]
    assert [e["child"].value for e in evaluate_many(rs, cases_, DAY)] == [True, False, False]
    assert [e["child"].value for e in evaluate_many(reform, cases_, DAY)] == [True, True, False]


def test_a_date_outside_the_rule_set_is_refused_as_evaluation_would() -> None:
    with pytest.raises(CarepathError):
        columnar_leaves(_load("intl/palermo"), dt.date(1990, 1, 1))


_JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-200, 200)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["unknown", "declined", "yes", "no", "2020-02-30", "2020-01-31"]),
    lambda inner: st.lists(inner, max_size=3),
    max_leaves=4,
)


@pytest.mark.parametrize("rid", ["intl/palermo", "intl/follow_up", "kh/mosvy_ratings"])
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_checked_columns_accept_exactly_what_the_rule_set_accepts(rid: str, data: st.DataObject) -> None:
    """Raw answers of any JSON shape: a case passes the column check iff checking it raises nothing."""
    rs = _load(rid)
    names = sorted(rs.inputs)
    field = st.sampled_from([*names, "not_an_input"])
    raw = st.one_of(_JSONISH, st.sampled_from(names).flatmap(lambda n: cases(rs).map(lambda c: c.get(n))))
    drawn = data.draw(st.lists(st.dictionaries(field, raw, max_size=4), min_size=1, max_size=20))
    _, ok = CheckedColumns([rs.inputs], names).table(drawn)
    for case, passed in zip(drawn, ok, strict=True):
        try:
            rs.check(case)
        except CarepathError:
            assert not passed
        else:
            assert passed


def test_answers_python_calls_equal_are_checked_apart() -> None:
    """``1``, ``1.0`` and ``true`` are one dict key to Python, not one answer to a reader."""
    rs = _load("intl/palermo")
    drawn = [{"age": 1}, {"age": True}, {"age": 1.0}, {"age": 1.5}, {"consent": True}, {"consent": 1}]
    drawn += [{"act": ["transfer"]}, {"act": "transfer"}, {"act": ["transfer", 1]}, {"consent": "unknown"}]
    _, ok = CheckedColumns([rs.inputs], sorted(rs.inputs)).table(drawn)
    assert ok == [True, False, True, False, True, False, True, False, False, True]
