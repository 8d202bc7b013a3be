"""Regressions for defects found in review, each reproduced and then fixed."""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

import carepath
from carepath.errors import CaseFormatError, FieldTypeError, LayerError, RuleFileError

DAY = dt.date(2026, 1, 1)
SRC = "{document: doc, locator: s1, confidence: verbatim}"


def test_a_first_table_cannot_conclude_a_set(write_rules: Callable[..., Path]) -> None:
    body = f"""
        inputs:
          a: {{type: bool, question: {{en: A}}}}
        outcomes:
          acts: {{type: set, values: [x, y]}}
        rules:
          - id: t.first
            title: first match into a set
            source: {SRC}
            table: {{hit_policy: FIRST, inputs: [a], output: acts, rows: [{{when: [true], then: [x]}}]}}
        """
    with pytest.raises(RuleFileError, match="FIRST table concludes one value"):
        carepath.load(write_rules(body))


def test_an_exception_must_conclude_what_its_rule_concludes(write_rules: Callable[..., Path]) -> None:
    body = f"""
        inputs:
          p: {{type: bool, question: {{en: P}}}}
        outcomes:
          x: {{type: enum, values: [a, b]}}
          y: {{type: enum, values: [b, c]}}
        rules:
          - {{id: r.base, title: base, then: {{x: a}}, source: {SRC}}}
          - {{id: r.exc, title: exc, exception_to: [r.base], when: {{is_true: p}}, then: {{x: b, y: b}}, source: {SRC}}}
        """
    with pytest.raises(RuleFileError, match="concludes exactly what the rule it overrides"):
        carepath.load(write_rules(body))


def test_an_overlay_cannot_relax_a_hard_rule_through_an_exception_chain(
    write_rules: Callable[..., Path],
) -> None:
    base = f"""
        inputs:
          p: {{type: bool, question: {{en: P}}}}
        outcomes:
          victim: {{type: bool, default: false}}
        rules:
          - {{id: h.rule, title: hard, hard: true, then: {{victim: true}}, source: {SRC}}}
          - {{id: h.exc, title: exc, exception_to: [h.rule], when: {{is_true: p}}, then: {{victim: false}}, source: {SRC}}}
        """
    write_rules(base, name="base")
    over = (
        "extends: base\nrules:\n"
        + f"  - {{id: o.x, title: x, exception_to: [h.exc], then: {{victim: false}}, source: {SRC}}}\n"
    )
    with pytest.raises(LayerError, match=r"would relax the hard rule 'h\.rule'"):
        carepath.load(write_rules(over, name="over"))


def test_a_middle_layer_cannot_flip_a_hard_parameters_direction(write_rules: Callable[..., Path]) -> None:
    def param(may: str, value: int, extends: str | None) -> str:
        head = f"extends: {extends}\n" if extends else ""
        return head + textwrap.dedent(f"""\
            parameters:
              min_age:
                description: m
                hard: true
                may: {may}
                values: [{{valid_from: 2000-01-01, value: {value}, source: {SRC}}}]
            """)

    write_rules(param("increase", 18, None), name="base")
    with pytest.raises(LayerError, match="direction stays as set below"):
        carepath.load(write_rules(param("decrease", 18, "base"), name="middle"))


def test_a_non_finite_number_is_refused() -> None:
    palermo = carepath.load("intl/palermo")
    with pytest.raises(FieldTypeError, match="finite"):
        palermo.evaluate({"age": math.nan}, as_of=DAY)


def test_an_explicit_tag_on_a_scalar_is_refused_without_echoing_the_value() -> None:
    for text in ('name: !!int "Maria Lopez"\n', 'x: !!timestamp "Maria"\n', 'x: !!bool "Maria"\n'):
        with pytest.raises(CaseFormatError) as info:
            carepath.read_case_text(text)
        assert "explicit tags are not allowed" in str(info.value)
        assert "Maria" not in str(info.value) and "maria" not in str(info.value)


def test_a_parameter_used_as_a_weight_must_be_a_number(write_rules: Callable[..., Path]) -> None:
    body = f"""
        inputs:
          a: {{type: bool, question: {{en: A}}}}
        parameters:
          w:
            description: a weight
            values: [{{valid_from: 2000-01-01, value: high, source: {SRC}}}]
        outcomes:
          s: {{type: number}}
        rules:
          - {{id: s.score, title: score, source: {SRC}, score: {{target: s, items: [{{id: a, when: {{is_true: a}}, weight: {{param: w}}}}]}}}}
        """
    with pytest.raises(RuleFileError, match="parameter 'w' must be a number"):
        carepath.load(write_rules(body))


def test_in_on_an_open_score_is_false_when_no_value_fits(write_rules: Callable[..., Path]) -> None:
    body = f"""
        inputs:
          a: {{type: bool, question: {{en: A}}}}
          b: {{type: bool, question: {{en: B}}}}
        facts:
          s: {{type: number}}
        outcomes:
          small: {{type: bool, default: false}}
        rules:
          - {{id: s.score, title: score, source: {SRC}, score: {{target: s, items: [{{id: a, when: {{is_true: a}}, weight: 5}}, {{id: b, when: {{is_true: b}}, weight: 3}}]}}}}
          - {{id: s.small, title: small, when: {{in: [s, [0, 1]]}}, then: {{small: true}}, source: {SRC}}}
        """
    rs = carepath.load(write_rules(body))
    small = rs.evaluate({"a": True, "b": "unknown"}, as_of=DAY)["small"]
    assert (small.value, small.status, small.missing) == (False, "determined", ())


def test_a_rule_not_in_force_still_shows_its_open_exceptions(write_rules: Callable[..., Path]) -> None:
    body = f"""
        inputs:
          p: {{type: bool, question: {{en: P}}}}
          q: {{type: bool, question: {{en: Q}}}}
        outcomes:
          x: {{type: enum, values: [a, b, c]}}
        rules:
          - {{id: r.base, title: base, then: {{x: a}}, source: {SRC}}}
          - {{id: r.e1, title: e1, valid_to: 2000-01-01, exception_to: [r.base], when: {{is_true: p}}, then: {{x: b}}, source: {SRC}}}
          - {{id: r.e2, title: e2, exception_to: [r.e1], when: {{is_true: q}}, then: {{x: c}}, source: {SRC}}}
        """
    rs = carepath.load(write_rules(body))
    x = rs.evaluate({"p": False}, as_of=DAY)["x"]
    assert (x.status, x.missing) == ("undetermined", ("q",))


def test_dates_that_run_backwards_are_refused(write_rules: Callable[..., Path]) -> None:
    body = f"""
        outcomes:
          o: {{type: bool, default: false}}
        rules:
          - {{id: d.r, title: r, valid_from: 2020-01-01, valid_to: 2019-01-01, then: {{o: true}}, source: {SRC}}}
        """
    with pytest.raises(RuleFileError, match="comes before"):
        carepath.load(write_rules(body))
