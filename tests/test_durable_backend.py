"""The optional durable-rules backend agrees with the core on fully answered cases, and refuses,
with a typed error naming the rule, whatever it cannot translate exactly."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("durable")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import carepath
from carepath import CarepathError, CaseError, RuleSet
from carepath.authoring.strategies import value
from carepath.backends.durable import (
    DurableBackend,
    IncompleteCaseError,
    UnsupportedByBackend,
    durable_available,
)
from carepath.rules.conditions import ParamRef
from carepath.rules.model import InputSpec

DAY = dt.date(2026, 11, 23)
SRC = "{document: doc, locator: s1, confidence: verbatim}"
ADULT = {
    "age": 30,
    "act": ["recruitment"],
    "means": ["deception"],
    "purpose": ["forced_labour"],
    "consent": True,
    "harms": ["labour_exploitation"],
    "irregular_crossing_arranged": False,
}


def _supported() -> dict[str, tuple[RuleSet, DurableBackend]]:
    found: dict[str, tuple[RuleSet, DurableBackend]] = {}
    for rid in carepath.bundled_ids():
        ruleset = carepath.load(rid)
        try:
            found[rid] = (ruleset, DurableBackend(ruleset))
        except UnsupportedByBackend:
            continue
    return found


SUPPORTED = _supported()  # built once: durable's rule sets live as long as the process


def answer(ruleset: RuleSet, name: str, spec: InputSpec) -> st.SearchStrategy[Any]:
    """A real answer of the input's type; for numbers and dates, often one at, just below or just
    above a value the rules compare it with (where ``<`` and ``<=`` part ways)."""
    params = ruleset.params_on(DAY)
    marks: list[Any] = []
    for mark in ruleset.compiled.thresholds.get(name, ()):
        found = params[f"@{mark.param}"] if isinstance(mark, ParamRef) else mark
        if isinstance(found, dt.date):
            marks += [found + dt.timedelta(days=d) for d in (-1, 0, 1)]
        elif isinstance(found, int | float) and not isinstance(found, bool):
            marks += [found - 1, found, found + 1]
    if spec.type == "int":
        marks = [int(m) for m in marks if isinstance(m, int | float) and float(m).is_integer()]
    if spec.type in ("int", "number"):
        marks = [m for m in marks if spec.min is None or m >= spec.min]
        marks = [m for m in marks if spec.max is None or m <= spec.max]
    return st.one_of(value(spec), st.sampled_from(marks)) if marks else value(spec)


def full_cases(ruleset: RuleSet) -> st.SearchStrategy[dict[str, Any]]:
    """Cases in which every input has a real answer of its type."""
    return st.fixed_dictionaries({name: answer(ruleset, name, spec) for name, spec in ruleset.inputs.items()})


def core_values(ruleset: RuleSet, case: dict[str, Any], day: dt.date = DAY) -> dict[str, Any]:
    evaluation = ruleset.evaluate(case, as_of=day, trace=False)
    return {name: outcome.value for name, outcome in evaluation.outcomes.items()}


def test_durable_is_available_and_palermo_is_supported() -> None:
    assert durable_available()
    assert "intl/palermo" in SUPPORTED
    assert {"kh/palermo", "intl/reintegration_risk", "kh/mosvy_ratings"} <= set(SUPPORTED)


@pytest.mark.parametrize("rid", sorted(SUPPORTED))
def test_backend_agrees_with_the_core_on_fully_answered_cases(rid: str) -> None:
    ruleset, backend = SUPPORTED[rid]

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(full_cases(ruleset))
    def agree(case: dict[str, Any]) -> None:
        evaluation = ruleset.evaluate(case, as_of=DAY, trace=False)
        undetermined = [n for n, o in evaluation.outcomes.items() if o.status != "determined"]
        assert not undetermined, f"the core left {undetermined} open on a fully answered case"
        expected = {name: outcome.value for name, outcome in evaluation.outcomes.items()}
        assert backend.evaluate(case, DAY) == expected

    agree()


def test_palermo_known_cases() -> None:
    ruleset, backend = SUPPORTED["intl/palermo"]
    child = {**ADULT, "age": 16, "means": []}
    smuggled = {**ADULT, "act": [], "irregular_crossing_arranged": True, "harms": []}
    for case in (ADULT, child, smuggled):
        assert backend.evaluate(case, DAY) == core_values(ruleset, case)
    assert backend.evaluate(child, DAY)["identification"] == "victim"
    assert "smuggling_not_trafficking" in backend.evaluate(smuggled, DAY)["notes"]


def test_exceptions_follow_the_core(write_rules: Callable[..., Path]) -> None:
    """An exception beats its rule; an exception to the exception restores it (Catala-style)."""
    path = write_rules(
        f"""
        inputs:
          a: {{type: bool, question: {{en: "A?"}}}}
          b: {{type: bool, question: {{en: "B?"}}}}
          c: {{type: bool, question: {{en: "C?"}}}}
        outcomes:
          x: {{type: enum, values: [base, exc, exc2]}}
        rules:
          - {{id: r.base, title: Base, when: {{is_true: a}}, then: {{x: base}}, source: {SRC}}}
          - {{id: r.exc, title: Exc, exception_to: [r.base], when: {{is_true: b}}, then: {{x: exc}}, source: {SRC}}}
          - {{id: r.exc2, title: Exc2, exception_to: [r.exc], when: {{is_true: c}}, then: {{x: exc2}}, source: {SRC}}}
        """
    )
    ruleset = carepath.load(path)
    backend = DurableBackend(ruleset)
    for a in (True, False):
        for b in (True, False):
            for c in (True, False):
                case = {"a": a, "b": b, "c": c}
                assert backend.evaluate(case, DAY) == core_values(ruleset, case), case


def test_first_table_and_scores_follow_the_core(write_rules: Callable[..., Path]) -> None:
    path = write_rules(
        f"""
        inputs:
          n: {{type: int, min: 0, max: 10, question: {{en: "N?"}}}}
          tags: {{type: set, choices: [p, q], question: {{en: "Tags?"}}}}
          when: {{type: date, question: {{en: "When?"}}}}
          x: {{type: number, min: -10, max: 10, question: {{en: "X?"}}}}
        parameters:
          limit:
            description: A limit.
            values: [{{valid_from: 2000-01-01, valid_to: 2025-12-31, value: 5, local_setting: true}},
                     {{valid_from: 2026-01-01, value: 3, local_setting: true}}]
        facts:
          score: {{type: number}}
        outcomes:
          band: {{type: enum, values: [low, mid, high]}}
          first: {{type: enum, values: [one, two, three], default: three}}
          early: {{type: bool, default: false}}
          not_small: {{type: bool, default: false}}
          x_band: {{type: enum, values: [under, over]}}
        rules:
          - {{id: t.over, title: Over, when: {{">=": [x, 2.5]}}, then: {{x_band: over}}, source: {SRC}}}
          - {{id: t.under, title: Under, when: {{"<": [x, 2.5]}}, then: {{x_band: under}}, source: {SRC}}}
          - id: t.first
            title: First
            source: {SRC}
            table:
              hit_policy: FIRST
              inputs: [n, tags]
              output: first
              rows:
                - {{when: [{{">=": 7}}, "-"], then: one}}
                - {{when: ["-", [p]], then: two}}
          - id: t.score
            title: Score
            source: {SRC}
            score:
              target: score
              items:
                - {{id: big, when: {{">": [n, {{param: limit}}]}}, weight: 2}}
                - {{id: tag, when: {{contains: [tags, q]}}, weight: 1.5}}
              bands: {{target: band, below: low, thresholds: [{{at_least: 1.5, value: mid}}, {{at_least: 3, value: high}}]}}
          - {{id: t.early, title: Early, when: {{"<": [when, 2000-01-01]}}, then: {{early: true}}, source: {SRC}}}
          - {{id: t.not_small, title: Not small, when: {{not: {{"<": [n, {{param: limit}}]}}}}, then: {{not_small: true}}, source: {SRC}}}
        """
    )
    ruleset = carepath.load(path)
    backend = DurableBackend(ruleset)
    assert "2 span(s)" in repr(backend)  # the parameter changes on 2026-01-01
    case = {"n": 3, "tags": ["q"], "when": "1999-12-31"}
    for x in (1e-05, -1e-05, 5e-324, 2.5):  # durable's parser refuses "1e-05"; sent as "1.0e-05"
        assert backend.evaluate({**case, "x": x}, DAY) == core_values(ruleset, {**case, "x": x})

    @settings(max_examples=100, deadline=None)
    @given(full_cases(ruleset), st.sampled_from([dt.date(2025, 6, 1), DAY]))
    def agree(case: dict[str, Any], day: dt.date) -> None:
        assert backend.evaluate(case, day) == core_values(ruleset, case, day)

    agree()


def test_an_unsupported_hit_policy_is_refused_naming_the_rule(write_rules: Callable[..., Path]) -> None:
    path = write_rules(
        f"""
        inputs:
          n: {{type: int, question: {{en: "N?"}}}}
        outcomes:
          level: {{type: enum, values: [high, low]}}
        rules:
          - id: t.priority
            title: Priority table
            source: {SRC}
            table:
              hit_policy: PRIORITY
              inputs: [n]
              output: level
              rows:
                - {{when: [{{">=": 5}}], then: high}}
                - {{when: ["-"], then: low}}
        """
    )
    with pytest.raises(UnsupportedByBackend) as caught:
        DurableBackend(carepath.load(path))
    assert caught.value.rule_id == "t.priority"
    assert caught.value.feature == "PRIORITY table"
    assert "t.priority" in str(caught.value)
    assert isinstance(caught.value, CarepathError)


def test_elapsed_is_refused_naming_the_rule(write_rules: Callable[..., Path]) -> None:
    path = write_rules(
        f"""
        inputs:
          since: {{type: date, question: {{en: "Since?"}}}}
        outcomes:
          due: {{type: bool, default: false}}
        rules:
          - {{id: t.due, title: Due, when: {{elapsed: {{since: since, at_least: {{months: 3}}}}}}, then: {{due: true}}, source: {SRC}}}
        """
    )
    with pytest.raises(UnsupportedByBackend, match=r"rule t\.due") as caught:
        DurableBackend(carepath.load(path))
    assert (caught.value.rule_id, caught.value.feature) == ("t.due", "elapsed")


def test_conflicting_conclusions_are_refused_not_picked(write_rules: Callable[..., Path]) -> None:
    path = write_rules(
        f"""
        inputs:
          a: {{type: bool, question: {{en: "A?"}}}}
        outcomes:
          x: {{type: enum, values: [yes, no]}}
        rules:
          - {{id: r.one, title: One, when: {{is_true: a}}, then: {{x: "yes"}}, source: {SRC}}}
          - {{id: r.two, title: Two, when: {{is_true: a}}, then: {{x: "no"}}, source: {SRC}}}
        """
    )
    ruleset = carepath.load(path)
    backend = DurableBackend(ruleset)
    assert backend.evaluate({"a": False}, DAY) == core_values(ruleset, {"a": False})
    assert ruleset.evaluate({"a": True}, as_of=DAY)["x"].status == "undetermined"
    with pytest.raises(UnsupportedByBackend) as caught:
        backend.evaluate({"a": True}, DAY)
    assert caught.value.feature == "conflicting conclusions"


@pytest.mark.parametrize("answer", ["unknown", "declined", None])
def test_a_case_not_fully_answered_is_refused(answer: str | None) -> None:
    _, backend = SUPPORTED["intl/palermo"]
    case = {**ADULT, "consent": answer} if answer else {k: v for k, v in ADULT.items() if k != "consent"}
    with pytest.raises(IncompleteCaseError) as caught:
        backend.evaluate(case, DAY)
    assert caught.value.field == "consent"
    assert isinstance(caught.value, UnsupportedByBackend)


def test_bad_input_gets_carepaths_own_errors() -> None:
    _, backend = SUPPORTED["intl/palermo"]
    with pytest.raises(CaseError):
        backend.evaluate({**ADULT, "age": "thirty"}, DAY)
    with pytest.raises(CaseError):
        backend.evaluate({**ADULT, "agee": 30}, DAY)
    with pytest.raises(carepath.EvaluationError):
        backend.evaluate(ADULT, dt.date(1999, 1, 1))  # before the Protocol was in force


def test_two_backends_for_two_rule_sets_coexist() -> None:
    intl, intl_backend = SUPPORTED["intl/palermo"]
    kh, kh_backend = SUPPORTED["kh/palermo"]
    again = DurableBackend(intl)  # a second backend for the same rule set: its own durable name
    kh_case = {name: ADULT.get(name, False) for name in kh.inputs}
    for _ in range(3):
        assert intl_backend.evaluate(ADULT, DAY) == core_values(intl, ADULT)
        assert kh_backend.evaluate(kh_case, DAY) == core_values(kh, kh_case)
        assert again.evaluate(ADULT, DAY) == core_values(intl, ADULT)


def test_many_evaluations_never_reach_the_live_state_limit() -> None:
    """durable holds at most 1,024 live states per rule set: each evaluation deletes its own."""
    ruleset, backend = SUPPORTED["intl/palermo"]
    expected = core_values(ruleset, ADULT)
    for i in range(2000):
        case = {**ADULT, "age": i % 90}
        result = backend.evaluate(case, DAY)
        assert result["identification"] == "victim"
    assert backend.evaluate(ADULT, DAY) == expected


def test_threads_take_turns() -> None:
    ruleset, backend = SUPPORTED["intl/palermo"]
    cases = [{**ADULT, "age": age} for age in range(10, 40)]
    expected = [core_values(ruleset, case) for case in cases]
    results: list[list[dict[str, Any]]] = []

    def work() -> None:
        results.append([backend.evaluate(case, DAY) for case in cases])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4
