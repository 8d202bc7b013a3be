"""Invariants in YAML: they hold for the bundled rule sets, and the checker finds a broken one."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from carepath.authoring.invariants import check_file, check_paths
from carepath.cli import main

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


def test_one_invariant_is_checked_alone(write_rules: Callable[..., Path]) -> None:
    """pytest checks each invariant as its own item: only that one runs, with the same result."""
    write_rules(BROKEN)
    path = _invariants(write_rules, MONOTONE)
    whole = check_file(path, examples=30)
    for result in whole:
        (alone,) = check_file(path, examples=30, only=result.id)
        assert (alone.id, alone.passed, alone.counterexample) == (
            result.id,
            result.passed,
            result.counterexample,
        )


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
    ("change", "wrong", "broken"),
    [
        ("outcome: risk,", "outcome: risky,", ["threat_never_lowers"]),
        ("document: doc", "document: nowhere", ["threat_never_lowers"]),
        ("given: {threat: true}", "given: {threta: true}", ["threat_is_high"]),
    ],
)
def test_a_wrong_reference_fails_its_own_invariant_at_its_line(
    write_rules: Callable[..., Path], change: str, wrong: str, broken: list[str]
) -> None:
    write_rules(RISK)
    body = MONOTONE.replace(change, wrong, 1)
    results = check_file(_invariants(write_rules, body), examples=10)
    assert [r.id for r in results if not r.passed] == broken
    (failed,) = [r for r in results if not r.passed]
    assert f"t.invariants.yaml:{failed.line}: invariants[" in (failed.detail or "")
    assert all(r.passed for r in results if r.id not in broken)  # the others are still checked


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


# -- the kinds of property the whole care path needs ------------------------------------------

UNKNOWN_AS_NO = RISK.replace(  # the defect: an open threat reads as no threat, so the risk is low
    "when: {is_true: threat}", "when: {all: [{is_known: threat}, {is_true: threat}]}"
)

KINDS = """
schema_version: 1
ruleset: t
derived:
  alarm:
    cases:
      - {value: raised, when: {equals: [risk, high]}}
      - {value: quiet}
invariants:
  - id: worst_threat_never_less_protective
    title: an open threat is never lower risk than a threat
    source: {document: doc, locator: s1}
    worst_value: {inputs: {threat: [true]}, outcome: risk, order: [low, high]}
  - id: alarm_follows_risk
    title: a high risk raises the alarm
    source: {document: doc, locator: s1}
    when: {equals: [risk, high]}
    check: {equals: [derived.alarm, raised]}
  - id: threat_never_quiets_the_alarm
    title: a threat never quiets the alarm
    source: {document: doc, locator: s1}
    monotone: {inputs: [threat], outcome: derived.alarm, order: [quiet, [raised]]}
  - id: an_open_threat_is_never_low
    title: an open or declined threat is never low risk
    source: {document: doc, locator: s1}
    given: {threat: [null, unknown, declined]}
    check: {differs: [risk, low]}
"""


def test_the_new_kinds_hold_for_a_sound_rule_set(write_rules: Callable[..., Path]) -> None:
    write_rules(RISK)
    results = check_file(_invariants(write_rules, KINDS), examples=25)
    assert [r.id for r in results if not r.passed] == []


def test_worst_value_and_given_unknown_find_an_unknown_read_as_no(write_rules: Callable[..., Path]) -> None:
    write_rules(UNKNOWN_AS_NO)
    results = {r.id: r for r in check_file(_invariants(write_rules, KINDS), examples=25)}
    worst = results["worst_threat_never_less_protective"]
    assert not worst.passed
    assert "risk is low with the open answer, high with the worst" in (worst.detail or "")
    assert worst.counterexample is not None and worst.counterexample.get("threat") in (
        None,
        "unknown",
        "declined",
    )
    assert not results["an_open_threat_is_never_low"].passed
    assert results["alarm_follows_risk"].passed and results["threat_never_quiets_the_alarm"].passed


def test_a_derived_value_that_names_nothing_is_an_error_of_the_file(write_rules: Callable[..., Path]) -> None:
    write_rules(RISK)
    body = KINDS.replace(
        "{equals: [risk, high]}}\n      - {value: quiet}", "{equals: [risky, high]}}\n      - {value: quiet}"
    )
    (result,) = check_file(_invariants(write_rules, body))
    assert result.id == "<file>" and "derived alarm: no outcome 'risky'" in (result.detail or "")


def test_sourced_reads_a_pipeline_only(write_rules: Callable[..., Path]) -> None:
    write_rules(RISK)
    body = (
        KINDS
        + """  - id: explained
    title: every recommendation is explained
    source: {document: doc, locator: s1}
    sourced: [ranking.ranked]
"""
    )
    results = {r.id: r for r in check_file(_invariants(write_rules, body), examples=5)}
    assert not results["explained"].passed
    assert "is not one" in (results["explained"].detail or "") or "pipeline" in (
        results["explained"].detail or ""
    )


def test_tally_counts_every_failure_without_shrinking(write_rules: Callable[..., Path]) -> None:
    from carepath.authoring.invariants import tally_file

    write_rules(UNKNOWN_AS_NO)
    tally = tally_file(_invariants(write_rules, KINDS), 60)
    assert tally.cases >= 60
    assert tally.failures["worst_threat_never_less_protective"] > 0
    assert tally.failures["an_open_threat_is_never_low"] == tally.tried["an_open_threat_is_never_low"]
    assert tally.failures["alarm_follows_risk"] == 0
    _, problem = tally.first["an_open_threat_is_never_low"]
    assert problem == "risk is 'low'"


PIPELINE_PROPERTIES = """
schema_version: 1
pipeline: intl/care_path
seeds: [seed.test.yaml]
derived:
  family_return:
    cases:
      - {value: not_recommended, when: {includes: [ranking.blocked, family_reunification]}}
      - {value: not_recommended, when: {includes: [ranking.pending, family_reunification]}}
      - {value: not_recommended, when: {includes: [ranking.not_found, family_reunification]}}
      - {value: recommended}
invariants:
  - id: explained
    title: every recommendation names sourced rules
    source: {document: un_guidelines, locator: para 14}
    sourced: [ranking.ranked, ranking.top_option, ranking.blocked, plan.allowed]
  - id: complicit_never_home
    title: a complicit family is never returned to
    source: {document: seed_004, locator: "004:L2716-2722"}
    given: {family_involved_in_trafficking: true}
    check: {equals: [derived.family_return, not_recommended]}
  - id: home_is_recommended_somewhere
    title: (wrong on purpose) a return home is never recommended
    source: {document: seed_004, locator: "004:L2716-2722"}
    check: {equals: [derived.family_return, not_recommended]}
"""


def test_pipeline_properties_over_whole_cases_varied_from_seed_cases(tmp_path: Path) -> None:
    seed = ROOT / "rulesets/intl/care_path.test.yaml"
    (tmp_path / "seed.test.yaml").write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "p.invariants.yaml"
    path.write_text(textwrap.dedent(PIPELINE_PROPERTIES), encoding="utf-8")
    explained, complicit, wrong = check_file(path, examples=30)
    assert explained.passed, explained.report()
    assert complicit.passed, complicit.report()
    assert not wrong.passed  # the seeds hold safe families whose return home is recommended
    assert "derived.family_return is 'recommended'" in (wrong.detail or "")
