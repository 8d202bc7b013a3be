"""Layers: an overlay adds and tightens; relaxing a hard rule or parameter is refused at its line."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

import carepath
from carepath import LayerError

SRC = "{document: doc, locator: s1, confidence: verbatim}"
BASE = f"""
inputs:
  age: {{type: int, question: {{en: Age}}}}
  purpose: {{type: set, choices: [labour, sexual], question: {{en: Purpose}}}}
parameters:
  limit:
    description: child age
    hard: true
    may: increase
    values: [{{valid_from: 2000-01-01, value: 18, source: {SRC}}}]
  period:
    description: follow-up months
    values: [{{valid_from: 2000-01-01, value: 12, source: {SRC}}}]
outcomes:
  child: {{type: bool, default: false}}
  exploited: {{type: bool, default: false}}
rules:
  - {{id: b.child, title: child, hard: true, when: {{"<": [age, {{param: limit}}]}}, then: {{child: true}}, source: {SRC}}}
  - {{id: b.purpose, title: purpose, when: {{intersects: [purpose, [labour, sexual]]}},
      then: {{exploited: true}}, source: {SRC}}}
"""


def overlay(body: str) -> str:
    return "extends: base\n" + textwrap.dedent(body)


@pytest.fixture
def base(write_rules: Callable[..., Path]) -> Path:
    return write_rules(BASE, name="base")


def test_overlay_adds_a_choice_and_a_rule(base: Path, write_rules: Callable[..., Path]) -> None:
    path = write_rules(
        overlay(
            f"""
            inputs:
              purpose: {{type: set, choices: [debt_bondage], question: {{en: Purpose}}}}
            rules:
              - {{id: o.debt, title: debt bondage, when: {{contains: [purpose, debt_bondage]}},
                  then: {{exploited: true}}, source: {SRC}}}
            """
        ),
        name="over",
    )
    rs = carepath.load(path)
    assert rs.inputs["purpose"].choice_values == ("labour", "sexual", "debt_bondage")
    day = dt.date(2026, 1, 1)
    assert rs.evaluate({"purpose": ["debt_bondage"]}, as_of=day)["exploited"].value is True
    assert carepath.load(base).evaluate({"purpose": ["labour"]}, as_of=day)["exploited"].value is True
    ev = rs.evaluate({"purpose": ["labour"]}, as_of=day)
    assert ev.trace is not None and ev.trace.rule("b.purpose").layer == "base"


def test_replacing_a_hard_rule_is_refused_at_its_line(base: Path, write_rules: Callable[..., Path]) -> None:
    path = write_rules(
        overlay(
            f"""
            rules:
              - {{id: b.child, title: relaxed, when: {{"<": [age, 16]}}, then: {{child: true}}, source: {SRC}}}
            """
        ),
        name="over",
    )
    with pytest.raises(LayerError) as info:
        carepath.load(path)
    assert info.value.file == str(path)
    assert info.value.line == 10 and info.value.field == "rules[0]"
    assert "hard" in str(info.value)


def test_an_exception_to_a_hard_rule_is_refused(base: Path, write_rules: Callable[..., Path]) -> None:
    path = write_rules(
        overlay(
            f"""
            inputs:
              married: {{type: bool, question: {{en: Married}}}}
            rules:
              - {{id: o.married, title: married minors are adults, exception_to: [b.child],
                  when: {{is_true: married}}, then: {{child: false}}, source: {SRC}}}
            """
        ),
        name="over",
    )
    with pytest.raises(LayerError, match="may not relax") as info:
        carepath.load(path)
    assert info.value.field == "rules[0].exception_to[0]"


def test_a_hard_parameter_may_move_only_its_way(base: Path, write_rules: Callable[..., Path]) -> None:
    def param(value: int) -> Path:
        return write_rules(
            overlay(
                f"""
                parameters:
                  limit:
                    description: child age
                    hard: true
                    may: increase
                    values: [{{valid_from: 2010-01-01, value: {value}, source: {SRC}}}]
                """
            ),
            name="over",
        )

    with pytest.raises(LayerError, match="may only increase") as info:
        carepath.load(param(16))
    assert info.value.field == "parameters.limit.values[0].value"
    tightened = carepath.load(param(21))
    assert tightened.evaluate({"age": 19}, as_of=dt.date(2026, 1, 1))["child"].value is True


def test_a_soft_rule_and_parameter_may_be_replaced(base: Path, write_rules: Callable[..., Path]) -> None:
    path = write_rules(
        overlay(
            f"""
            parameters:
              period:
                description: follow-up months, lengthened by the organisation
                values: [{{valid_from: 2000-01-01, value: 24, local_setting: true}}]
            rules:
              - {{id: b.purpose, title: only labour, when: {{contains: [purpose, labour]}},
                  then: {{exploited: true}}, source: {SRC}}}
            """
        ),
        name="over",
    )
    rs = carepath.load(path)
    assert rs.merged.parameters["period"].values[0].value == 24
    assert rs.evaluate({"purpose": ["sexual"]}, as_of=dt.date(2026, 1, 1))["exploited"].value is False


def test_changing_a_type_is_refused_and_choices_are_never_lost(
    base: Path, write_rules: Callable[..., Path]
) -> None:
    path = write_rules(overlay("inputs:\n  age: {type: number, question: {en: Age}}\n"), name="over")
    with pytest.raises(LayerError, match="differs"):
        carepath.load(path)
    # choices an overlay lists are added; none below is lost
    path = write_rules(
        overlay("inputs:\n  purpose: {type: set, choices: [labour], question: {en: Purpose}}\n"), name="over"
    )
    assert carepath.load(path).inputs["purpose"].choice_values == ("labour", "sexual")


def test_layers_that_extend_each_other_in_a_loop(write_rules: Callable[..., Path]) -> None:
    write_rules("extends: b\n", name="a")
    path = write_rules("extends: a\n", name="b")
    with pytest.raises(LayerError, match="loop"):
        carepath.load(path)


def test_a_missing_lower_layer_is_reported_at_extends(write_rules: Callable[..., Path]) -> None:
    path = write_rules("extends: intl/palermoo\n", name="a")
    with pytest.raises(LayerError, match="did you mean 'intl/palermo'") as info:
        carepath.load(path)
    assert (info.value.line, info.value.field) == (7, "extends")


def test_an_overlay_may_describe_an_input_and_name_an_open_value(
    base: Path, write_rules: Callable[..., Path]
) -> None:
    path = write_rules(
        overlay(
            """
            inputs:
              age: {type: int, question: {en: Age}, description: age in completed years}
            outcomes:
              exploited: {type: bool, default: false, description: a purpose of exploitation was found}
            """
        ),
        name="over",
    )
    rs = carepath.load(path)
    assert rs.inputs["age"].description == "age in completed years"
    assert rs.merged.outcomes["exploited"].description == "a purpose of exploitation was found"


def test_an_overlay_sets_a_word_only_among_the_choices_below(write_rules: Callable[..., Path]) -> None:
    write_rules(
        """
        parameters:
          reading:
            description: which reading applies
            local_setting: true
            choices: [narrow, wide]
            values: [{valid_from: 2000-01-01, value: narrow, local_setting: true}]
        outcomes:
          met: {type: bool, default: false}
        rules:
          - {id: p.met, title: wide, local_setting: true, when: {"==": [{param: reading}, wide]}, then: {met: true}}
        """,
        name="base",
    )

    def setting(value: str, choices: str = "") -> Path:
        return write_rules(
            overlay(
                f"""
                parameters:
                  reading:
                    description: which reading applies
                    local_setting: true{choices}
                    values: [{{valid_from: 2000-01-01, value: {value}, local_setting: true}}]
                """
            ),
            name="over",
        )

    wide = carepath.load(setting("wide"))
    assert wide.merged.parameters["reading"].choices == ["narrow", "wide"]  # kept from below
    assert wide.evaluate({}, as_of=dt.date(2026, 1, 1))["met"].value is True
    with pytest.raises(
        LayerError, match=r"'wdie' is not one of the parameter's choices .* \(did you mean 'wide'\?\)"
    ) as info:
        carepath.load(setting("wdie"))
    assert info.value.field == "parameters.reading.values[0].value"
    with pytest.raises(LayerError, match="choices of a parameter stay as set below"):
        carepath.load(setting("wide", "\n                    choices: [narrow, wide, other]"))
