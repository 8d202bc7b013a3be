"""Invariants in YAML: they hold for the bundled rule sets, and the checker finds a broken one."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from carepath.cli import main
from carepath.invariants import check_file, check_paths

ROOT = Path(__file__).resolve().parents[1]

RISK = """
inputs:
  threat: {type: bool, question: {en: "Threat?"}}
  helper: {type: bool, question: {en: "Helper?"}}
outcomes:
  risk: {type: enum, values: [low, high], default: low}
rules:
  - id: high
    title: a threat is high risk
    when: {is_true: threat}
    then: {risk: high}
    source: {document: doc, locator: s1, confidence: verbatim}
"""

BROKEN = RISK.replace("when: {is_true: threat}", 'when: {"==": [threat, false]}')


def _invariants(write: Callable[..., Path], body: str, target: str = "t") -> Path:
    path = write(textwrap.dedent(body), name=f"{target}.invariants", header=False)
    return path


def test_the_bundled_invariants_hold() -> None:
    results = check_paths([ROOT / "rulesets"], examples=15)
    assert len(results) >= 10
    assert all(r.passed for r in results), [r.report() for r in results if not r.passed]


MONOTONE = """
schema_version: 1
ruleset: t
invariants:
  - id: threat_never_lowers
    title: a threat never lowers the risk
    source: {document: doc, locator: s1}
    monotone: {inputs: [threat, helper], outcome: risk, order: [low, high]}
  - id: threat_is_high
    title: a known threat is high risk
    source: {document: doc, locator: s1}
    given: {threat: true}
    check: {equals: [risk, high]}
"""


def test_a_sound_rule_set_passes(write_rules: Callable[..., Path]) -> None:
    write_rules(RISK)
    results = check_file(_invariants(write_rules, MONOTONE), examples=30)
    assert [r.passed for r in results] == [True, True]


def test_a_broken_rule_set_fails_with_the_smallest_case(write_rules: Callable[..., Path]) -> None:
    write_rules(BROKEN)
    monotone, check = check_file(_invariants(write_rules, MONOTONE), examples=30)
    assert not monotone.passed
    assert "threat: no -> yes moved risk down from high to low" in (monotone.detail or "")
    assert not check.passed
    assert check.counterexample == {"threat": True}  # shrunk to the one answer that matters
    assert "risk is 'low', not 'high'" in (check.detail or "")
    assert check.line == 9


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            "outcome: risk,",
            "outcome: risky,",
        ),
        ("document: doc", "document: nowhere"),
        ("given: {threat: true}", "given: {threta: true}"),
    ],
)
def test_a_wrong_reference_is_reported_at_its_invariant(
    write_rules: Callable[..., Path], change: str, message: str
) -> None:
    write_rules(RISK)
    body = MONOTONE.replace(change, message, 1)
    (result,) = check_file(_invariants(write_rules, body))
    assert not result.passed
    assert result.id == "<file>"
    assert "t.invariants.yaml" in (result.detail or "")


def test_a_malformed_file_names_file_line_and_field(write_rules: Callable[..., Path]) -> None:
    write_rules(RISK)
    body = MONOTONE.replace(
        "    check: {equals: [risk, high]}", "    check: {equals: [risk, high], in: [risk, [low]]}"
    )
    (result,) = check_file(_invariants(write_rules, body))
    assert not result.passed
    assert result.line == 13  # the `check` of the second invariant
    assert "exactly one of" in (result.detail or "")


def test_the_command_exits_non_zero_on_a_broken_invariant(write_rules: Callable[..., Path]) -> None:
    write_rules(BROKEN)
    path = _invariants(write_rules, MONOTONE)
    done = CliRunner().invoke(main, ["check", str(path), "-n", "20"])
    assert done.exit_code == 1
    assert "0 invariants hold, 2 broken" in done.output
    write_rules(RISK)
    done = CliRunner().invoke(main, ["check", str(path), "-n", "20"])
    assert done.exit_code == 0, done.output
