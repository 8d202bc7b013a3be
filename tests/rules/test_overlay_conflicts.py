"""An overlay may not contradict a hard rule through a conflict: refused at load, at its line."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

import carepath
from carepath import LayerError
from carepath.authoring.validate import rule_files
from carepath.rules.layers import HardConflictError

ROOT = Path(__file__).resolve().parents[2]
SRC = "{document: doc, locator: s1, confidence: verbatim}"

# The shape of intl/palermo's identification, with the recommendation itself hard.
BASE = f"""
inputs:
  age: {{type: int, min: 0, max: 120, question: {{en: Age}}}}
  act: {{type: bool, question: {{en: Act}}}}
  purpose: {{type: bool, question: {{en: Purpose}}}}
  consent: {{type: bool, question: {{en: Consent}}}}
facts:
  child: {{type: bool, default: false}}
  elements_met: {{type: bool, default: false}}
outcomes:
  identification: {{type: enum, values: [victim, possible_victim, not_identified], undetermined_value: possible_victim}}
rules:
  - {{id: b.child, title: child, hard: true, when: {{"<": [age, 18]}}, then: {{child: true}}, source: {SRC}}}
  - {{id: b.elements, title: act and purpose (a child needs no means), hard: true,
      when: {{all: [{{is_true: child}}, {{is_true: act}}, {{is_true: purpose}}]}}, then: {{elements_met: true}}, source: {SRC}}}
  - {{id: b.identified, title: victim, hard: true, when: {{is_true: elements_met}},
      then: {{identification: victim}}, source: {SRC}}}
  - {{id: b.not_identified, title: not identified, when: {{not: {{is_true: elements_met}}}},
      then: {{identification: not_identified}}, source: {SRC}}}
"""

CONSENT_RULE = """\
extends: base
inputs:
  consent_given: {type: bool, question: {en: Consent}}
rules:
  - id: o.consent
    title: a person who consented is not a victim
    when: {is_true: consent}
    then: {identification: not_identified}
    source: {document: doc, locator: s2, confidence: verbatim}
"""


@pytest.fixture
def base(write_rules: Callable[..., Path]) -> Path:
    return write_rules(BASE, name="base")


def test_consent_against_a_hard_identification_is_refused_at_its_line(
    base: Path, write_rules: Callable[..., Path]
) -> None:
    path = write_rules(CONSENT_RULE, name="over")
    with pytest.raises(HardConflictError) as info:
        carepath.load(path)
    error = info.value
    assert isinstance(error, LayerError)
    assert error.file == str(path)
    assert error.field == "rules[0].then.identification"
    assert error.line is not None
    assert "then: {identification: not_identified}" in path.read_text().splitlines()[error.line - 1]
    assert error.rule_id == "o.consent"
    assert "'b.identified'" in error.message and "may not contradict a hard rule" in error.message
    assert f"{base}:" in error.message  # where the hard rule is


def test_the_same_rule_is_accepted_where_it_excludes_the_hard_rules_cases(
    base: Path, write_rules: Callable[..., Path]
) -> None:
    narrowed = CONSENT_RULE.replace(
        "when: {is_true: consent}", "when: {all: [{is_true: consent}, {not: {is_true: elements_met}}]}"
    )
    assert narrowed != CONSENT_RULE
    rs = carepath.load(write_rules(narrowed, name="over"))
    child = {"age": 15, "act": True, "purpose": True, "consent": True, "consent_given": True}
    assert rs.evaluate(child, as_of=dt.date(2026, 1, 1))["identification"].value == "victim"


def test_a_rule_that_cannot_be_shown_apart_from_the_hard_rule_is_refused(
    base: Path, write_rules: Callable[..., Path]
) -> None:
    dated = textwrap.dedent(
        f"""\
        extends: base
        inputs:
          arrived: {{type: date, question: {{en: Arrival date}}}}
        rules:
          - {{id: o.old_case, title: old cases are not identified, when: {{"<": [arrived, 2000-01-01]}},
              then: {{identification: not_identified}}, source: {SRC}}}
        """
    )
    with pytest.raises(HardConflictError, match="cannot be shown never to conclude") as info:
        carepath.load(write_rules(dated, name="over"))
    assert info.value.field == "rules[0].then.identification"


def test_the_bundled_palermo_refuses_consent_against_its_hard_elements(
    write_rules: Callable[..., Path],
) -> None:
    body = f"""\
        extends: intl/palermo
        rules:
          - {{id: o.consent, title: consent undoes the elements, when: {{is_true: consent}},
              then: {{elements_met: false}}, source: {SRC}}}
        """
    path = write_rules(body, name="over")
    with pytest.raises(HardConflictError) as info:
        carepath.load(path)
    assert info.value.file == str(path)
    assert info.value.field == "rules[0].then.elements_met"
    assert "'palermo.elements'" in info.value.message


def test_an_overlay_adding_the_hard_rules_own_value_is_accepted(
    base: Path, write_rules: Callable[..., Path]
) -> None:
    same = CONSENT_RULE.replace("then: {identification: not_identified}", "then: {identification: victim}")
    carepath.load(write_rules(same, name="over"))


def test_no_bundled_rule_set_is_refused() -> None:
    for path in rule_files([ROOT / "rulesets"]):
        carepath.load(path)


@pytest.mark.parametrize(
    ("exception_to", "expected"),
    [
        (
            "b.identified",
            "rule 'o.married' would relax the hard rule 'b.identified' of base: an exception to a hard "
            "rule replaces its conclusion wherever it applies, and an overlay may not relax a hard rule",
        ),
        (
            "b.narrow",
            "rule 'o.married' would relax the hard rule 'b.identified' of base: it is an exception to "
            "'b.narrow', which overrides 'b.identified', so it would replace the hard rule's conclusion "
            "wherever it applies, and an overlay may not relax a hard rule",
        ),
    ],
)
def test_an_exception_to_a_hard_rule_says_which_and_why_in_one_sentence(
    write_rules: Callable[..., Path], exception_to: str, expected: str
) -> None:
    narrow = (
        f"  - {{id: b.narrow, title: narrower, exception_to: [b.identified], when: {{is_true: consent}},\n"
        f"      then: {{identification: victim}}, source: {SRC}}}\n"
    )
    write_rules(BASE + narrow, name="base")
    body = f"""\
        extends: base
        rules:
          - {{id: o.married, title: married, exception_to: [{exception_to}], when: {{is_true: purpose}},
              then: {{identification: not_identified}}, source: {SRC}}}
        """
    with pytest.raises(LayerError) as info:
        carepath.load(write_rules(body, name="over"))
    assert info.value.message == expected
    assert info.value.field == "rules[0].exception_to[0]"
