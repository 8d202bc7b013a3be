"""``elapsed``: time passed from a date input to the evaluation date, in calendar units."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

import carepath
from carepath import RuleFileError

RULES = """
inputs:
  since_return: {type: date, question: {en: "When did the person return?"}}
  flag: {type: bool, question: {en: Flag}}
parameters:
  follow_up_months:
    description: months of follow-up
    values:
      - {valid_from: 2000-01-01, valid_to: 2019-12-31, value: 6, source: {document: doc, locator: p1, confidence: verbatim}}
      - {valid_from: 2020-01-01, value: 12, source: {document: doc, locator: p2, confidence: verbatim}}
outcomes:
  period_over: {type: bool, default: false}
  visit_due: {type: bool, default: false}
  overdue: {type: bool, default: false}
rules:
  - id: over
    title: the follow-up period is over
    when: {elapsed: {since: since_return, at_least: {months: {param: follow_up_months}}}}
    then: {period_over: true}
    source: {document: doc, locator: s1, confidence: verbatim}
  - id: due
    title: a visit is due two weeks after return
    when: {all: [{elapsed: {since: since_return, at_least: {weeks: 2}}},
                 {elapsed: {since: since_return, less_than: {days: 40}}}]}
    then: {visit_due: true}
    source: {document: doc, locator: s2, confidence: verbatim}
  - id: overdue
    title: overdue the day after a month has passed
    when: {elapsed: {since: since_return, more_than: {months: 1}}}
    then: {overdue: true}
    source: {document: doc, locator: s3, confidence: verbatim}
"""


@pytest.fixture
def rules(write_rules: Callable[..., Path]) -> carepath.RuleSet:
    return carepath.load(write_rules(RULES))


@pytest.mark.parametrize(
    ("returned", "as_of", "over"),
    [
        (dt.date(2025, 1, 31), dt.date(2026, 1, 30), False),  # one day short of 12 months
        (dt.date(2025, 1, 31), dt.date(2026, 1, 31), True),  # exactly 12 calendar months
        (dt.date(2024, 2, 29), dt.date(2025, 2, 28), True),  # 29 Feb + 12 months = 28 Feb
        (dt.date(2026, 3, 1), dt.date(2026, 2, 1), False),  # a return date after as_of
    ],
)
def test_at_least_months_counts_calendar_months(
    rules: carepath.RuleSet, returned: dt.date, as_of: dt.date, over: bool
) -> None:
    result = rules.evaluate({"since_return": returned}, as_of=as_of)
    assert result["period_over"].value is over


def test_the_duration_follows_the_parameter_in_force_on_as_of(rules: carepath.RuleSet) -> None:
    case = {"since_return": dt.date(2019, 1, 1)}
    assert rules.evaluate(case, as_of=dt.date(2019, 7, 1))["period_over"].value is True  # 6 months then
    case = {"since_return": dt.date(2020, 1, 1)}
    assert rules.evaluate(case, as_of=dt.date(2020, 7, 1))["period_over"].value is False  # 12 now


@pytest.mark.parametrize(("days", "due"), [(13, False), (14, True), (39, True), (40, False)])
def test_weeks_and_days_bound_a_window(rules: carepath.RuleSet, days: int, due: bool) -> None:
    as_of = dt.date(2026, 6, 1)
    result = rules.evaluate({"since_return": as_of - dt.timedelta(days=days)}, as_of=as_of)
    assert result["visit_due"].value is due


@pytest.mark.parametrize(("as_of", "overdue"), [(dt.date(2026, 2, 15), False), (dt.date(2026, 2, 16), True)])
def test_more_than_is_strict(rules: carepath.RuleSet, as_of: dt.date, overdue: bool) -> None:
    result = rules.evaluate({"since_return": dt.date(2026, 1, 15)}, as_of=as_of)
    assert result["overdue"].value is overdue


@pytest.mark.parametrize("answer", ["unknown", "declined", None])
def test_an_unknown_date_leaves_it_open_and_asks_for_the_date(
    rules: carepath.RuleSet, answer: str | None
) -> None:
    case = {} if answer is None else {"since_return": answer}
    result = rules.evaluate(case, as_of=dt.date(2026, 6, 1))
    assert result["period_over"].status == "undetermined"
    assert result["period_over"].missing == ("since_return",)


def test_the_trace_names_the_duration_and_the_date_read(rules: carepath.RuleSet) -> None:
    result = rules.evaluate({"since_return": "2025-01-01"}, as_of=dt.date(2026, 6, 1))
    assert result.trace is not None
    (check,) = result.trace.rule("over").checks
    assert check.text == "at least follow_up_months months since since_return"
    assert check.value is True
    assert ("since_return", "2025-01-01") in check.reads or (
        "since_return",
        dt.date(2025, 1, 1),
    ) in check.reads
    assert ("follow_up_months", 12) in check.reads


def test_next_questions_tries_dates_on_both_sides_of_the_boundary(rules: carepath.RuleSet) -> None:
    (question,) = rules.next_questions({}, as_of=dt.date(2026, 6, 1))
    assert question.name == "since_return"
    assert question.settles == 1.0  # any date settles both outcomes; without trial dates it would be 0


@pytest.mark.parametrize(
    ("cond", "message"),
    [
        ("{elapsed: {since: flag, at_least: {days: 3}}}", "elapsed needs a date input"),
        ("{elapsed: {since: since_return, at_least: {days: 3}, less_than: {days: 9}}}", "exactly one of"),
        ("{elapsed: {since: since_return, at_least: {days: 3, weeks: 1}}}", "exactly one of days"),
        ("{elapsed: {since: since_return, at_least: {months: {param: nothing}}}}", "no parameter 'nothing'"),
    ],
)
def test_bad_elapsed_conditions_are_refused_with_their_place(
    write_rules: Callable[..., Path], cond: str, message: str
) -> None:
    body = (
        RULES.split("rules:")[0]
        + f"""rules:
  - id: bad
    title: bad
    when: {cond}
    then: {{period_over: true}}
    source: {{document: doc, locator: s1, confidence: verbatim}}
"""
    )
    with pytest.raises(carepath.RuleSetError) as info:
        carepath.load(write_rules(body))
    assert message in str(info.value)
    assert "t.yaml" in str(info.value)
    assert isinstance(info.value, RuleFileError)
