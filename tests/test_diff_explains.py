"""`carepath diff` explains truly: moves blamed on the rules that differ and reach the outcome
(an overlay's new rules included), cases not evaluated counted with their reason, labels."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

from click.testing import CliRunner

import carepath
from carepath.authoring.diff import _key, diff_file
from carepath.authoring.synth import assumed_inputs, population_file, read_population
from carepath.cli import main

DAY = dt.date(2026, 11, 23)
SRC = "{document: doc, locator: s1, confidence: verbatim}"
BASE = f"""
inputs:
  age: {{type: int, min: 0, max: 120, question: {{en: Age}}}}
  worked: {{type: bool, question: {{en: Worked}}}}
outcomes:
  child: {{type: bool, default: false}}
  level: {{type: enum, values: [low, high], default: low}}
rules:
  - {{id: b.child, title: child, when: {{"<": [age, 18]}}, then: {{child: true}}, source: {SRC}}}
"""
REFORM = f"""
extends: base
inputs:
  migrant: {{type: bool, question: {{en: Migrant}}}}
rules:
  - {{id: b.child, title: child, when: {{"<": [age, 16]}}, then: {{child: true}}, source: {SRC}}}
  - {{id: o.worked, title: worked young, when: {{all: [{{is_true: worked}}, {{"<": [age, 21]}}]}},
      then: {{level: high}}, source: {SRC}}}
"""
CASES = [
    {"case_id": "a", "age": 15, "worked": True},  # level low -> high (the new rule)
    {"case_id": "b", "age": 30, "worked": True},  # nothing moves
    {"case_id": "c", "age": 17, "worked": True},  # child yes -> no (b.child), level low -> high
    {"case_id": "d", "age": 19, "worked": "unknown"},  # level low -> open (the new rule may apply)
    {"case_id": "e", "age": 19, "worked": True, "migrant": True},  # base does not declare migrant
    {"case_id": "f", "age": 40, "name_of_a_person": 1},  # a field neither side declares
]


def setup(tmp_path: Path, write_rules: Callable[..., Path]) -> tuple[Path, Path, Path]:
    base = write_rules(BASE, name="base")
    reform = write_rules(REFORM, name="reform")
    cases = tmp_path / "cases.jsonl"
    cases.write_text("".join(json.dumps(c) + "\n" for c in CASES), encoding="utf-8")
    return base, reform, cases


def test_an_overlays_new_rule_is_blamed_for_its_moves(
    tmp_path: Path, write_rules: Callable[..., Path]
) -> None:
    base, reform, cases = setup(tmp_path, write_rules)
    level = diff_file(base, reform, cases, DAY).outcomes["level"]
    assert dict(level.rules[("low", "high")]) == {"o.worked": 2}  # a and c; never b.child
    assert dict(level.rules[("low", "?")]) == {"o.worked": 1}  # it may apply: it did something
    assert level.samples[("low", "?")] == ["d"]


def test_a_move_is_blamed_only_on_rules_that_reach_its_outcome(
    tmp_path: Path, write_rules: Callable[..., Path]
) -> None:
    base, reform, cases = setup(tmp_path, write_rules)
    report = diff_file(base, reform, cases, DAY)
    assert dict(report.outcomes["child"].rules[("yes", "no")]) == {"b.child": 1}  # c: o.worked differs too
    text = report.markdown()
    assert "no rule differs" not in text


def test_cases_not_evaluated_are_counted_with_their_reason(
    tmp_path: Path, write_rules: Callable[..., Path]
) -> None:
    base, reform, cases = setup(tmp_path, write_rules)
    report = diff_file(base, reform, cases, DAY)
    assert (report.cases, report.errors) == (6, 2)
    data = report.to_dict()
    reasons = {r["reason"]: (r["cases"], r["samples"]) for r in data["not_evaluated"]}
    assert reasons == {
        "an input old (base) does not declare: migrant": (1, ["e"]),
        "old (base): a field neither rule set declares": (1, ["f"]),
    }
    assert "name_of_a_person" not in json.dumps(data) + report.markdown() + report.html()
    assert "- not evaluated, an input old (base) does not declare: migrant: 1; e.g. e" in report.markdown()


def test_drop_undeclared_evaluates_each_side_on_what_it_declares(
    tmp_path: Path, write_rules: Callable[..., Path]
) -> None:
    base, reform, cases = setup(tmp_path, write_rules)
    report = diff_file(base, reform, cases, DAY, drop_undeclared=True)
    assert (report.cases, report.errors) == (6, 0)
    data = report.to_dict()
    assert "not_evaluated" not in data
    assert data["dropped"] == {
        "old": {"a field neither rule set declares": 1, "migrant": 1},
        "new": {"a field neither rule set declares": 1},
    }
    assert report.outcomes["level"].matrix[("low", "high")] == 3  # e is evaluated now
    two = diff_file(base, reform, cases, DAY, workers=2, drop_undeclared=True).to_dict()
    assert (two["dropped"], two["outcomes"]) == (data["dropped"], data["outcomes"])
    args = ["diff", str(base), str(reform), "--cases", str(cases), "--as-of", "2026-11-23"]
    result = CliRunner().invoke(main, [*args, "--drop-undeclared"])
    assert result.exit_code == 0, result.output
    assert "- dropped from old's cases, migrant: 1" in result.output


def test_values_are_labels_never_python_words_nor_empty(
    tmp_path: Path, write_rules: Callable[..., Path]
) -> None:
    base, reform, cases = setup(tmp_path, write_rules)
    data = diff_file(base, reform, cases, DAY).to_dict()
    shown = {t[side] for o in data["outcomes"].values() for t in o["transitions"] for side in ("old", "new")}
    assert shown == {"yes", "no", "low", "high", "?"}
    outcome = SimpleNamespace
    assert _key(outcome(value=[], determined=True)) == "none"  # type: ignore[arg-type]
    assert _key(outcome(value=None, determined=True)) == "none"  # type: ignore[arg-type]
    assert _key(outcome(value=["a", "b"], determined=False)) == "a,b?"  # type: ignore[arg-type]
    assert _key(outcome(value=False, determined=False)) == "no?"  # type: ignore[arg-type]


def test_an_overlays_population_is_its_bases() -> None:
    overlay = carepath.load("kh/palermo")
    found = population_file(overlay)
    assert found is not None and found.name == "palermo.population.yaml" and found.parent.name == "intl"
    population = read_population(found)
    assert "age" in population.inputs
    assert assumed_inputs(overlay, population) == [
        n
        for n in overlay.inputs
        if n not in carepath.load("intl/palermo").inputs and not overlay.inputs[n].optional
    ]
    result = CliRunner().invoke(main, ["synth", "-r", "kh/palermo", "--n", "400", "--seed", "3"])
    assert result.exit_code == 0, result.output
    ages = [c["age"] for c in map(json.loads, result.stdout.splitlines()) if isinstance(c.get("age"), int)]
    assert ages and min(ages) >= 10 and max(ages) <= 45  # the base's ranges, never uniform 0-120
