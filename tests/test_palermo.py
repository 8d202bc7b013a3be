"""The bundled Palermo rule set: the legal test's elements, a child's means, consent, unknown age."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

import carepath

DAY = dt.date(2026, 11, 23)
PALERMO = carepath.load("intl/palermo")
ACTS = ["recruitment", "transportation", "transfer", "harbouring", "receipt"]
MEANS = [c for c in PALERMO.inputs["means"].choice_values]
PURPOSES = [c for c in PALERMO.inputs["purpose"].choice_values]


def identify(case: dict[str, object]) -> carepath.Outcome:
    return PALERMO.evaluate(case, as_of=DAY)["identification"]


# The table of legal-test cases lives in rulesets/intl/palermo.test.yaml, each with its source.


def test_the_trace_shows_the_child_exception_winning_and_cites_art_3() -> None:
    ev = PALERMO.evaluate({"age": 15, "act": ["recruitment"], "purpose": ["forced_labour"]}, as_of=DAY)
    assert ev.trace is not None
    assert ev.trace.rule("palermo.means_required").overridden_by == ("palermo.child_no_means",)
    child = ev.trace.rule("palermo.child_no_means")
    assert child.status == "fired" and child.source is not None
    assert child.source.locator.startswith("Art. 3(c)")
    assert "consent_irrelevant_child" not in ev["notes"].value  # consent not asked


def test_consent_is_irrelevant_where_means_were_used() -> None:
    ev = PALERMO.evaluate(
        {
            "age": 40,
            "act": ["recruitment"],
            "means": ["deception"],
            "purpose": ["forced_labour"],
            "consent": True,
        },
        as_of=DAY,
    )
    assert ev["notes"].value == ["consent_irrelevant_means"]
    assert ev["identification"].value == "victim"


def test_exploitation_types_and_child_flag() -> None:
    ev = PALERMO.evaluate(
        {"age": 12, "act": ["harbouring"], "purpose": ["forced_labour", "other_sexual_exploitation"]},
        as_of=DAY,
    )
    assert ev["exploitation_types"].value == ["labour", "sexual"]
    assert ev["child"].value is True


def test_another_form_of_exploitation_counts_and_is_flagged_for_review() -> None:
    ev = PALERMO.evaluate({"age": 10, "act": ["receipt"], "purpose": ["other_exploitation"]}, as_of=DAY)
    assert ev["identification"].value == "victim"
    assert "other_exploitation_review" in ev["notes"].value


answer = st.one_of(st.just("unknown"), st.just("declined"), st.none())
cases = st.fixed_dictionaries(
    {
        "age": st.one_of(st.integers(0, 90), answer),
        "act": st.one_of(st.lists(st.sampled_from(ACTS), unique=True), answer),
        "means": st.one_of(st.lists(st.sampled_from(MEANS), unique=True), answer),
        "purpose": st.one_of(st.lists(st.sampled_from(PURPOSES), unique=True), answer),
        "consent": st.one_of(st.booleans(), answer),
    }
)


@settings(max_examples=300, deadline=None)
@given(cases, st.lists(st.sampled_from(MEANS), unique=True))
def test_for_a_child_the_means_never_change_the_outcome(case: dict[str, object], means: list[str]) -> None:
    case = {**case, "age": 15}
    assert identify(case) == identify({**case, "means": means})


@settings(max_examples=300, deadline=None)
@given(cases, st.data())
def test_answering_an_unknown_never_undoes_a_determined_outcome(
    case: dict[str, object], data: st.DataObject
) -> None:
    before = identify(case)
    settled = dict(case)
    for name, value in case.items():
        if value in ("unknown", "declined", None):
            settled[name] = data.draw(
                {
                    "age": st.integers(0, 90),
                    "consent": st.booleans(),
                    "act": st.lists(st.sampled_from(ACTS), unique=True),
                    "means": st.lists(st.sampled_from(MEANS), unique=True),
                    "purpose": st.lists(st.sampled_from(PURPOSES), unique=True),
                }[name]
            )
    after = identify(settled)
    assert after.status == "determined"
    if before.status == "determined":
        assert after.value == before.value
    else:
        assert after.value in before.candidates


@settings(max_examples=300, deadline=None)
@given(cases)
def test_not_identified_is_never_reached_while_a_needed_element_is_unknown(case: dict[str, object]) -> None:
    outcome = identify(case)
    if outcome.value == "not_identified":
        assert outcome.status == "determined" and outcome.missing == ()
