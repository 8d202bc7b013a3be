"""Bad cases against the bundled Palermo rule set: typed errors that name the field, never the value."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import carepath
from carepath.cli import main
from carepath.errors import (
    CaseError,
    CaseFormatError,
    FieldTypeError,
    OutOfRangeError,
    UnknownFieldError,
)

ON = dt.date(2024, 1, 1)
ACTS = "['harbouring', 'receipt', 'recruitment', 'transfer', 'transportation']"
MEANS = (
    "['abduction', 'abuse_of_power', 'abuse_of_vulnerability', 'deception', 'fraud', "
    "'other_coercion', 'payment_to_controller', 'threat_or_force']"
)


@pytest.fixture(scope="module")
def palermo() -> carepath.RuleSet:
    return carepath.load("intl/palermo")


def case_error(rules: carepath.RuleSet, case: Any) -> CaseError:
    with pytest.raises(CaseError) as info:
        rules.evaluate(case, as_of=ON)
    return info.value


def test_a_good_case_evaluates(palermo: carepath.RuleSet) -> None:
    result = palermo.evaluate({"age": 16, "act": ["recruitment"], "purpose": ["forced_labour"]}, as_of=ON)
    assert result["identification"].value == "victim"


# -- unknown fields ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "suggestion"), [("agee", "age"), ("purpos", "purpose"), ("Consent", "consent")]
)
def test_unknown_field_suggests_the_close_name(palermo: carepath.RuleSet, name: str, suggestion: str) -> None:
    error = case_error(palermo, {"age": 16, name: "x"})
    assert type(error) is UnknownFieldError
    assert (error.field, error.suggestion) == (name, suggestion)
    assert error.message == "not an input of this rule set"
    # the key is the case's own: only its length is told, with the declared name it may mean
    assert str(error) == (
        f"an unknown field ({len(name)} characters): not an input of this rule set "
        f"(did you mean {suggestion!r}?)"
    )
    assert name not in str(error).replace(suggestion, "")


def test_unknown_field_with_nothing_close(palermo: carepath.RuleSet) -> None:
    error = case_error(palermo, {"nationality": "x"})
    assert type(error) is UnknownFieldError
    assert (error.field, error.suggestion) == ("nationality", None)
    assert str(error) == "an unknown field (11 characters): not an input of this rule set"


# -- wrong types -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        ({"age": "16"}, "age", "expected a whole number"),
        ({"age": 16.5}, "age", "expected a whole number"),
        ({"age": True}, "age", "expected a whole number"),
        ({"act": "recruitment"}, "act", f"expected a list of choices from {ACTS}"),
        ({"act": {"recruitment": True}}, "act", f"expected a list of choices from {ACTS}"),
        ({"act": ["recruitment", 3]}, "act", f"expected a list of choices from {ACTS}"),
        ({"consent": "maybe"}, "consent", "expected true/false (or yes/no, unknown, declined)"),
        ({"consent": 1}, "consent", "expected true/false (or yes/no, unknown, declined)"),
    ],
    ids=[
        "age_str",
        "age_fraction",
        "age_bool",
        "set_bare_str",
        "set_mapping",
        "set_non_str",
        "bool_str",
        "bool_int",
    ],
)
def test_wrong_type(palermo: carepath.RuleSet, case: dict[str, Any], field: str, message: str) -> None:
    error = case_error(palermo, case)
    assert type(error) is FieldTypeError
    assert (error.field, error.message, error.suggestion) == (field, message, None)
    assert str(error) == f"{field}: {message}"


@pytest.mark.parametrize("act", [[["recruitment"]], [{"recruitment": True}]], ids=["list", "mapping"])
def test_a_set_holding_unhashable_items_is_a_field_type_error(palermo: carepath.RuleSet, act: Any) -> None:
    error = case_error(palermo, {"act": act})
    assert type(error) is FieldTypeError
    assert error.field == "act"


def test_whole_float_age_and_yes_no_words_are_read(palermo: carepath.RuleSet) -> None:
    answers = palermo.check({"age": 16.0, "consent": "no"})
    assert answers.values["age"] == 16 and type(answers.values["age"]) is int
    assert answers.values["consent"] is False


# -- out of range ------------------------------------------------------------------------------


@pytest.mark.parametrize("age", [130, -1, 121])
def test_age_out_of_range(palermo: carepath.RuleSet, age: int) -> None:
    error = case_error(palermo, {"age": age})
    assert type(error) is OutOfRangeError
    assert (error.field, error.message) == ("age", "outside the allowed range 0 to 120")
    assert str(error) == "age: outside the allowed range 0 to 120"


@pytest.mark.parametrize("age", [0, 120])
def test_age_at_the_bounds_is_accepted(palermo: carepath.RuleSet, age: int) -> None:
    assert palermo.check({"age": age}).values["age"] == age


def test_a_set_value_not_among_the_choices(palermo: carepath.RuleSet) -> None:
    error = case_error(palermo, {"means": ["fraud", "bribery"]})
    assert type(error) is OutOfRangeError
    assert error.field == "means"
    assert error.message == f"has values that are not among the choices {MEANS}"


ACCEPTS_ONLY_UNKNOWN = """\
inputs:
  age: {type: int, question: {en: "Age?"}, accepts: [unknown]}
outcomes:
  child: {type: bool, default: false}
rules:
  - id: r.child
    title: Child
    when: {"<": [age, 18]}
    then: {child: true}
    local_setting: true
"""


def test_an_answer_word_the_input_does_not_accept(write_rules: Callable[..., Path]) -> None:
    rules = carepath.load(write_rules(ACCEPTS_ONLY_UNKNOWN))
    error = case_error(rules, {"age": "declined"})
    assert type(error) is OutOfRangeError
    assert error.field == "age"
    assert error.message == "this input accepts only unknown"
    assert rules.check({"age": "unknown"}).kind("age") == "unknown"
    assert rules.evaluate({"age": "unknown"}, as_of=ON)["child"].status == "undetermined"


def test_palermo_accepts_both_answer_words(palermo: carepath.RuleSet) -> None:
    answers = palermo.check({"age": "unknown", "consent": "declined"})
    assert (answers.kind("age"), answers.kind("consent"), answers.kind("act")) == (
        "unknown",
        "declined",
        "not_asked",
    )
    assert answers.values["age"] is None and answers.values["consent"] is None


def test_a_case_that_is_not_a_mapping(palermo: carepath.RuleSet) -> None:
    error = case_error(palermo, ["age", 16])
    assert type(error) is CaseFormatError
    assert str(error) == "a case is a mapping of input names to answers"


# -- privacy: errors never show the value ------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "value"),
    [
        ({"age": 130}, "130"),
        ({"age": -7}, "-7"),
        ({"age": 16.5}, "16.5"),
        ({"age": "sixteen"}, "sixteen"),
        ({"act": ["recruitmnt"]}, "recruitmnt"),
        ({"act": "smuggling"}, "smuggling"),
        ({"means": ["fraud", "bribery"]}, "bribery"),
        ({"purpose": ["forced_labour", 42]}, "42"),
        ({"consent": "maybe"}, "maybe"),
    ],
)
def test_no_error_message_contains_the_offending_value(
    palermo: carepath.RuleSet, case: dict[str, Any], value: str
) -> None:
    error = case_error(palermo, case)
    assert error.field == next(iter(case))
    assert value not in str(error)
    assert value not in error.message
    assert error.suggestion is None or value not in error.suggestion


# -- reading case documents --------------------------------------------------------------------


def test_read_case_text_with_an_answers_wrapper() -> None:
    text = "case_id: c-001\ndescription: A test\nanswers:\n  age: 16\n  act: [recruitment]\n  consent: no\n"
    assert carepath.read_case_text(text) == {"age": 16, "act": ["recruitment"], "consent": "no"}


def test_read_case_text_flat() -> None:
    assert carepath.read_case_text("age: 16\nconsent: yes\n") == {"age": 16, "consent": "yes"}


def test_read_case_text_json() -> None:
    text = json.dumps({"answers": {"age": 16, "purpose": ["slavery"]}, "case_id": "j-1"})
    assert carepath.read_case_text(text) == {"age": 16, "purpose": ["slavery"]}


@pytest.mark.parametrize("text", ["- age\n- 16\n", "16\n", "", "just words\n"])
def test_read_case_text_not_a_mapping(text: str) -> None:
    with pytest.raises(CaseFormatError) as info:
        carepath.read_case_text(text, "c.yaml")
    assert str(info.value) == "c.yaml: a case is a mapping of input names to answers"


def test_read_case_text_answers_not_a_mapping() -> None:
    with pytest.raises(CaseFormatError) as info:
        carepath.read_case_text("case_id: c\nanswers: [age]\n")
    assert str(info.value) == "<case>: `answers` is a mapping of input names to answers"


def test_read_case_text_other_keys_beside_answers() -> None:
    with pytest.raises(CaseFormatError) as info:
        carepath.read_case_text("case_id: c\nage: 16\nanswers: {}\n")
    assert str(info.value) == (
        "<case>: beside `answers` or `contacts` a case file takes only case_id, description, visits, "
        "worker and office (found 1 other key)"
    )


def test_read_case_text_unsafe_or_bad_yaml_is_a_case_format_error() -> None:
    with pytest.raises(CaseFormatError) as info:
        carepath.read_case_text("age: 16\nage: 17\n", "c.yaml")
    assert str(info.value) == "c.yaml:2:1: duplicate key (a key of 3 characters)"  # never the key
    with pytest.raises(CaseFormatError):
        carepath.read_case_text("age: !!python/name:os.system\n")


def test_read_case_text_impossible_date_is_a_case_format_error() -> None:
    with pytest.raises(CaseFormatError) as info:
        carepath.read_case_text("interview_date: 2024-02-30\n", "c.yaml")
    assert str(info.value) == "c.yaml:1:17: this value cannot be read as its type"


def test_read_case_file(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text("case_id: c-9\nanswers:\n  age: 16\n  means: []\n", encoding="utf-8")
    assert carepath.read_case(path) == {"age": 16, "means": []}
    flat = tmp_path / "case.json"
    flat.write_text('{"age": 30, "consent": true}', encoding="utf-8")
    assert carepath.read_case(flat) == {"age": 30, "consent": True}


def test_read_case_file_not_a_mapping_or_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text("- 16\n", encoding="utf-8")
    with pytest.raises(CaseFormatError) as info:
        carepath.read_case(path)
    assert str(info.value) == f"{path}: a case is a mapping of input names to answers"
    path.write_bytes("name: José\n".encode("latin-1"))
    with pytest.raises(CaseFormatError) as info:
        carepath.read_case(path)
    assert str(info.value) == f"{path}: not UTF-8 text (byte 9)"


# -- the CLI -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "line"),
    [
        ("  age: 130\n", "Error: age: outside the allowed range 0 to 120"),
        (
            "  agee: 13\n",
            "Error: an unknown field (4 characters): not an input of this rule set (did you mean 'age'?)",
        ),
        ("  act: smuggling\n", f"Error: act: expected a list of choices from {ACTS}"),
    ],
)
def test_assess_a_bad_case_exits_with_one_line(tmp_path: Path, answers: str, line: str) -> None:
    path = tmp_path / "case.yaml"
    path.write_text("case_id: c-1\nanswers:\n" + answers, encoding="utf-8")
    result = CliRunner().invoke(main, ["assess", str(path), "-r", "intl/palermo", "--as-of", "2024-01-01"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == line + "\n"
    assert "130" not in result.output and "smuggling" not in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a traceback


def test_assess_a_case_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text("[16, recruitment]\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["assess", str(path), "-r", "intl/palermo", "--as-of", "2024-01-01"])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {path}: a case is a mapping of input names to answers\n"


def test_assess_a_good_case_exits_zero(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(
        "answers:\n  age: 16\n  act: [recruitment]\n  purpose: [forced_labour]\n", encoding="utf-8"
    )
    result = CliRunner().invoke(
        main, ["assess", str(path), "-r", "intl/palermo", "--as-of", "2024-01-01", "--format", "json"]
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["outcomes"]["identification"]["value"] == "victim"
