"""Parameter settings without an overlay file (carepath.rules.reform): an in-memory layer on top,
so every rule of layering applies; the original rule set is left as it was."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

import carepath
from carepath import CarepathError, LayerError, RuleFileError
from carepath.rules.reform import (
    SETTINGS_FILE,
    ParameterTypeError,
    SettingError,
    UnknownParameterError,
)
from carepath.rules.ruleset import with_parameters

ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2026, 11, 23)
# an adult's case without means: identified only if the person counts as a child
CASE = {"age": 19, "act": ["recruitment"], "means": [], "purpose": ["forced_labour"]}


@pytest.fixture(scope="module")
def palermo() -> carepath.RuleSet:
    return carepath.load("intl/palermo")


def test_a_higher_child_age_limit_makes_a_19_year_old_a_child(palermo: carepath.RuleSet) -> None:
    reformed = with_parameters(palermo, {"child_age_limit": 21})
    before, after = palermo.evaluate(CASE, as_of=DAY), reformed.evaluate(CASE, as_of=DAY)
    assert (before["child"].value, after["child"].value) == (False, True)
    assert (before["identification"].value, after["identification"].value) == ("not_identified", "victim")
    assert before.trace is not None and after.trace is not None
    assert (before.trace.rule("palermo.child").status, after.trace.rule("palermo.child").status) == (
        "not_fired",
        "fired",
    )
    assert palermo.params_on(DAY)["@child_age_limit"] == 18
    assert reformed.params_on(DAY)["@child_age_limit"] == 21
    # below both limits and above both, nothing moves
    for age, child in ((17, True), (22, False)):
        case = {**CASE, "age": age}
        assert palermo.evaluate(case, as_of=DAY)["child"].value is child
        assert reformed.evaluate(case, as_of=DAY)["child"].value is child


def test_the_original_is_unchanged_and_both_live_side_by_side(palermo: carepath.RuleSet) -> None:
    reformed = palermo.with_parameters({"child_age_limit": 21})  # the method delegates
    assert (palermo.id, reformed.id) == ("intl/palermo", "intl/palermo+settings")
    assert reformed.version == palermo.version and reformed.path == palermo.path
    assert palermo.merged.parameters["child_age_limit"].values[0].value == 18
    assert len(reformed.merged.layers) == len(palermo.merged.layers) + 1
    assert reformed.merged.layers[-1].file == SETTINGS_FILE
    for _ in range(2):  # interleaved, each keeps its own compiled rules
        assert palermo.evaluate(CASE, as_of=DAY)["child"].value is False
        assert reformed.evaluate(CASE, as_of=DAY)["child"].value is True
    assert carepath.with_parameters is with_parameters


def test_a_value_set_is_a_local_setting_without_a_source(palermo: carepath.RuleSet) -> None:
    param = with_parameters(palermo, {"child_age_limit": 21}).merged.parameters["child_age_limit"]
    (value,) = param.values
    assert (value.value, value.valid_from, value.source, value.local_setting) == (
        21,
        dt.date(2003, 12, 25),  # the start of the rule set's in-force period
        None,
        True,
    )
    assert "set for this run" in param.description
    assert (param.hard, param.may) == (True, "increase")  # the layer keeps the parameter hard


def test_no_settings_is_the_rule_set_itself(palermo: carepath.RuleSet) -> None:
    assert with_parameters(palermo, {}) is palermo


def test_a_reform_of_a_reform_keeps_one_suffix_and_the_layer_rules(palermo: carepath.RuleSet) -> None:
    once = with_parameters(palermo, {"child_age_limit": 21})
    twice = with_parameters(once, {"child_age_limit": 22})
    assert twice.id == "intl/palermo+settings"
    assert twice.params_on(DAY)["@child_age_limit"] == 22
    with pytest.raises(LayerError, match="may only increase: 21 -> 19"):
        with_parameters(once, {"child_age_limit": 19})  # 21 is now the layer below


def test_an_unknown_parameter_is_refused_with_a_suggestion(palermo: carepath.RuleSet) -> None:
    with pytest.raises(UnknownParameterError) as info:
        with_parameters(palermo, {"child_age_limt": 21})
    error = info.value
    assert isinstance(error, SettingError | RuleFileError | CarepathError)
    assert (error.file, error.field, error.suggestion) == (
        SETTINGS_FILE,
        "parameters.child_age_limt",
        "child_age_limit",
    )
    assert str(error) == (
        "<settings>: parameters.child_age_limt: intl/palermo has no parameter 'child_age_limt' "
        "(did you mean 'child_age_limit'?)"
    )


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("eighteen", "a word or text"),
        (True, "true or false"),
        (dt.date(2030, 1, 1), "a date"),
        ([21], "a list"),
        (None, "nothing"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused(palermo: carepath.RuleSet, value: object, kind: str) -> None:
    with pytest.raises(ParameterTypeError) as info:
        with_parameters(palermo, {"child_age_limit": value})
    assert info.value.field == "parameters.child_age_limit"
    assert info.value.message == f"the value is {kind}; the parameter's values are a number"


def test_every_bad_setting_is_listed(palermo: carepath.RuleSet) -> None:
    with pytest.raises(SettingError) as info:
        with_parameters(palermo, {"nope": 1, "child_age_limit": "x"})
    assert [type(e) for e in info.value.errors] == [UnknownParameterError, ParameterTypeError]


def test_relaxing_a_hard_parameter_is_the_overlays_layer_error() -> None:
    case_path = carepath.load("intl/case_path")
    with pytest.raises(LayerError) as overlay:
        carepath.load(ROOT / "examples" / "overlays" / "ngo_follow_up_6.yaml")
    with pytest.raises(LayerError) as setting:
        with_parameters(case_path, {"follow_up_months": 6})
    assert type(setting.value) is type(overlay.value)
    assert (
        overlay.value.message
        == setting.value.message
        == ("parameter is hard in a lower layer and may only increase: 12 -> 6 from 2009-01-01")
    )
    assert str(setting.value) == f"{SETTINGS_FILE}: parameters.follow_up_months: {setting.value.message}"
    # its way is allowed, as the overlay ngo_follow_up_24.yaml is
    longer = with_parameters(case_path, {"follow_up_months": 24})
    assert longer.params_on(DAY)["@follow_up_months"] == 24


def test_a_word_outside_a_settings_choices_is_refused_with_a_suggestion() -> None:
    ilo = carepath.load("intl/ilo_indicators")
    with pytest.raises(LayerError, match="did you mean 'act_suffices'"):
        with_parameters(ilo, {"ilo_child_rule": "act_sufices"})
    assert with_parameters(ilo, {"ilo_child_rule": "act_suffices"}).params_on(DAY)["@ilo_child_rule"] == (
        "act_suffices"
    )


def test_valid_from_keeps_the_old_value_before_it(palermo: carepath.RuleSet) -> None:
    start = dt.date(2027, 1, 1)
    reformed = with_parameters(palermo, {"child_age_limit": 21}, valid_from=start)
    assert reformed.evaluate(CASE, as_of=start - dt.timedelta(days=1))["child"].value is False
    assert reformed.evaluate(CASE, as_of=start)["child"].value is True
    values = reformed.merged.parameters["child_age_limit"].values
    assert [(v.valid_from, v.valid_to, v.value) for v in values] == [
        (dt.date(2003, 12, 25), dt.date(2026, 12, 31), 18),
        (start, None, 21),
    ]
    assert values[0].source is not None  # the kept value keeps its source


def test_dated_values_after_valid_from_give_way_to_the_setting(write_rules: Callable[..., Path]) -> None:
    src = "{document: doc, locator: s1, confidence: verbatim}"
    path = write_rules(
        f"""
        inputs:
          age: {{type: int, question: {{en: Age}}}}
        parameters:
          limit:
            description: child age
            values:
              - {{valid_from: 2000-01-01, valid_to: 2009-12-31, value: 16, source: {src}}}
              - {{valid_from: 2010-01-01, value: 18, source: {src}}}
        outcomes:
          child: {{type: bool, default: false}}
        rules:
          - {{id: r.child, title: child, when: {{"<": [age, {{param: limit}}]}}, then: {{child: true}},
              source: {src}}}
        """
    )
    base = carepath.load(path)
    # no in-force period: from the parameter's first date
    assert [v.value for v in with_parameters(base, {"limit": 17}).merged.parameters["limit"].values] == [17]
    reformed = with_parameters(base, {"limit": 17}, valid_from=dt.date(2005, 1, 1))
    on = {year: reformed.params_on(dt.date(year, 6, 1))["@limit"] for year in (2003, 2007, 2020)}
    assert on == {2003: 16, 2007: 17, 2020: 17}
    assert base.params_on(dt.date(2020, 6, 1))["@limit"] == 18


def test_a_number_a_rule_cannot_read_is_refused_at_the_setting() -> None:
    case_path = carepath.load("intl/case_path")
    with pytest.raises(ParameterTypeError) as info:
        with_parameters(case_path, {"follow_up_months": 24.5})  # `elapsed` counts whole months
    assert (info.value.file, info.value.field) == (SETTINGS_FILE, "parameters.follow_up_months")
    assert info.value.message.startswith(
        "parameter 'follow_up_months' must be a whole number on every date ("
    )
    assert "case_path.yaml:" in info.value.message  # and the rule that reads it
