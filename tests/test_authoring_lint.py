"""Lint for policy authors: every local setting (of rules and of parameter values), and an
overlay's added rule that concludes against a rule of a lower layer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from carepath.authoring.lint import lint

SRC = "{document: doc, locator: s1, confidence: verbatim}"

PARAMS = f"""\
inputs:
  age: {{type: number, question: {{en: Age}}}}
outcomes:
  adult: {{type: bool, default: false}}
  old: {{type: bool, default: false}}
  senior: {{type: bool, default: false}}
parameters:
  whole:
    description: a whole parameter set by the organisation
    local_setting: true
    values:
      - {{valid_from: 2000-01-01, value: 18}}
  dated:
    description: a sourced value, then a value set by the organisation
    values:
      - {{valid_from: 2000-01-01, valid_to: 2009-12-31, value: 60, source: {SRC}}}
      - {{valid_from: 2010-01-01, value: 65, local_setting: true}}
  read:
    description: a value read into the sources
    values:
      - {{valid_from: 2000-01-01, value: 70, source: {{document: doc, locator: s2, confidence: inferred}}}}
rules:
  - {{id: p.adult, title: adult, when: {{">=": [age, {{param: whole}}]}}, then: {{adult: true}}, source: {SRC}}}
  - {{id: p.old, title: old, when: {{">=": [age, {{param: dated}}]}}, then: {{old: true}}, source: {SRC}}}
  - {{id: p.senior, title: senior, when: {{">=": [age, {{param: read}}]}}, then: {{senior: true}}, source: {SRC}}}
"""


def notes(path: Path) -> list[tuple[int | None, str, str]]:
    return [(f.line, f.code, f.message) for f in lint([path]) if f.severity == "info"]


def test_lint_lists_the_local_settings_and_readings_of_parameter_values(
    write_rules: Callable[..., Path],
) -> None:
    path = write_rules(PARAMS)
    lines = path.read_text(encoding="utf-8").splitlines()
    found = notes(path)
    whole = next(i for i, t in enumerate(lines, 1) if t.strip() == "whole:")
    dated = next(i for i, t in enumerate(lines, 1) if "value: 65" in t)
    read = next(i for i, t in enumerate(lines, 1) if "value: 70" in t)
    assert (
        whole + 1,  # a parameter is placed at its mapping, as inputs are
        "local-setting",
        "parameter 'whole': a setting of this organisation, not from the sources",
    ) in found
    assert (
        dated,
        "local-setting",
        "parameter 'dated' from 2010-01-01: a setting of this organisation, not from the sources",
    ) in found
    assert (
        read,
        "inferred-source",
        "parameter 'read' from 2000-01-01: rests on a reading of the sources (inferred)",
    ) in found
    assert not [f for f in found if "from 2000-01-01" in f[2] and "'dated'" in f[2]]  # the sourced value
    assert len([f for f in found if f[2].startswith("parameter ")]) == 3


BASE = f"""\
inputs:
  a: {{type: bool, question: {{en: A}}}}
  b: {{type: bool, question: {{en: B}}}}
outcomes:
  o: {{type: enum, values: [x, y]}}
rules:
  - {{id: c.x, title: x when a, when: {{is_true: a}}, then: {{o: x}}, source: {SRC}}}
  - {{id: c.b, title: b read, when: {{is_true: b}}, then: {{o: x}}, source: {SRC}}}
"""

OVERLAY = f"""\
extends: base.yaml
rules:
  - {{id: o.y, title: y when b, when: {{is_true: b}}, then: {{o: y}}, source: {SRC}}}
"""


def test_an_overlays_added_rule_concluding_against_a_lower_layers_rule_is_a_conflict(
    write_rules: Callable[..., Path],
) -> None:
    base = write_rules(BASE, name="base")
    over = write_rules(OVERLAY, name="over")
    found = [f for f in lint([base, over]) if f.code == "conflict"]
    assert [(f.file, f.line) for f in found] == [(str(over), 9), (str(over), 9)]  # at the overlay's rule
    messages = " ".join(f.message for f in found)
    assert "c.x (" in messages and "c.b (" in messages and f"o.y ({over}:9)" in messages
    assert f"{base}:" in messages  # the lower layer's rule, at its own file and line


def test_an_overlay_rule_that_agrees_or_is_ordered_gives_no_conflict(
    write_rules: Callable[..., Path],
) -> None:
    write_rules(BASE, name="base")
    agrees = write_rules(OVERLAY.replace("then: {o: y}", "then: {o: x}"), name="agrees")
    ordered = write_rules(
        OVERLAY.replace("title: y when b,", "title: y when b, exception_to: [c.x, c.b],"), name="ordered"
    )
    assert not [f for f in lint([agrees, ordered]) if f.code == "conflict"]
