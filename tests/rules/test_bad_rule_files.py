"""Bad rule files: each is refused with the right typed error, placed at file, line, column, field.

Files are written by the ``write_rules`` fixture: a six-line header (schema_version, title,
version, jurisdiction, sources with the document ``doc``), so the body starts on line 7.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import carepath
from carepath.cli import main
from carepath.errors import CycleError, RuleFileError, RuleSetError, UnsourcedRuleError

WriteRules = Callable[..., Path]

SRC = "{document: doc, locator: s1, confidence: verbatim}"

# Lines 7-12 of every file below; a first rule starts on line 13.
BASE = """\
inputs:
  age: {type: int, min: 0, max: 120, question: {en: "Age?"}}
  work: {type: enum, question: {en: "Work?"}, choices: [farm, factory]}
outcomes:
  child: {type: bool, default: false}
rules:
"""


def rule(when: str, *, then: str = "{child: true}", extra: str = f"source: {SRC}") -> str:
    """One rule on lines 13-17: id, title, when (line 15), then, and ``extra``."""
    return f"  - id: r.one\n    title: One\n    when: {when}\n    then: {then}\n    {extra}\n"


def load_error(path: Path) -> RuleSetError:
    with pytest.raises(RuleSetError) as info:
        carepath.load(path)
    error = info.value
    assert error.file == str(path)
    return error


def where(error: RuleSetError) -> tuple[int | None, int | None, str | None]:
    return (error.line, error.column, error.field)


# -- the model ---------------------------------------------------------------------------------


def test_a_good_file_loads(write_rules: WriteRules) -> None:
    path = write_rules(BASE + rule('{"<": [age, 18]}'))
    rules = carepath.load(path)
    assert list(rules.merged.rules) == ["r.one"]
    assert rules.evaluate({"age": 10}, as_of=dt.date(2024, 1, 1))["child"].value is True


def test_unknown_top_level_field(write_rules: WriteRules) -> None:
    path = write_rules("langauges: [en]\n" + BASE + rule('{"<": [age, 18]}'))
    error = load_error(path)
    assert type(error) is RuleFileError
    assert error.message == "not a field here (misspelt?)"
    assert where(error) == (7, 12, "langauges")
    assert str(error) == f"{path}:7:12: langauges: not a field here (misspelt?)"
    assert len(error.errors) == 1


def test_missing_required_title(write_rules: WriteRules) -> None:
    path = write_rules(
        "schema_version: 1\nversion: 0.0.1\njurisdiction: test\n" + BASE + rule('{"<": [age, 18]}', extra=""),
        header=False,
    )
    error = load_error(path)
    assert type(error) is RuleFileError
    assert error.message == "Field required"
    assert where(error) == (1, 1, "title")
    assert len(error.errors) == 1


@pytest.mark.parametrize(
    "when", ['{"<": [age, 18], ">": [age, 3]}', "{lesser: [age, 18]}"], ids=["two_ops", "unknown_op"]
)
def test_a_condition_needs_exactly_one_known_operator(write_rules: WriteRules, when: str) -> None:
    path = write_rules(BASE + rule(when))
    error = load_error(path)
    assert type(error) is RuleFileError
    assert error.message == (
        "a condition is a mapping with exactly one operator: all, any, not, is_true, is_known, "
        "is_declined, in, intersects, contains, count_at_least, elapsed, ==, !=, <, <=, >, >="
    )
    assert len(error.errors) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (rule('{"<": [age, 18], ">": [age, 3]}'), (15, 11, "rules[0].when")),
        (rule("{lesser: [age, 18]}"), (15, 11, "rules[0].when")),
        ("  - id: r.one\n    then: {child: true}\n    source: " + SRC + "\n", (13, 5, "rules[0].title")),
        (rule('{"<": [age, 18]}', extra="local_settings: true"), (17, 21, "rules[0].local_settings")),
    ],
    ids=["two_ops", "unknown_op", "missing_rule_title", "misspelt_rule_field"],
)
def test_errors_inside_a_conclusion_rule_are_placed_at_their_field(
    write_rules: WriteRules, text: str, expected: tuple[int, int, str]
) -> None:
    error = load_error(write_rules(BASE + text))
    assert type(error) is RuleFileError
    assert where(error) == expected


def test_a_decision_table_row_with_the_wrong_number_of_cells(write_rules: WriteRules) -> None:
    body = f"""\
inputs:
  age: {{type: int, min: 0, max: 120, question: {{en: "Age?"}}}}
  work: {{type: enum, question: {{en: "Work?"}}, choices: [farm, factory]}}
outcomes:
  level: {{type: enum, values: [low, high]}}
rules:
  - id: r.table
    title: Table
    table:
      hit_policy: FIRST
      inputs: [age, work]
      output: level
      rows:
        - {{when: [{{"<": 18}}, farm], then: high}}
        - {{when: ["-"], then: low}}
    source: {SRC}
"""
    error = load_error(write_rules(body))
    assert type(error) is RuleFileError
    assert error.message == "row 1 has 1 cells for 2 inputs"
    assert where(error) == (16, 7, "rules[0].table")  # the table mapping


def test_parameter_values_with_overlapping_dates(write_rules: WriteRules) -> None:
    body = f"""\
inputs:
  age: {{type: int, question: {{en: "Age?"}}}}
outcomes:
  child: {{type: bool, default: false}}
parameters:
  limit:
    description: Child age limit
    values:
      - {{valid_from: 2000-01-01, value: 18, source: {SRC}}}
      - {{valid_from: 2010-01-01, value: 16, source: {SRC}}}
rules:
  - id: r.child
    title: Child
    when: {{"<": [age, {{param: limit}}]}}
    then: {{child: true}}
    source: {SRC}
"""
    error = load_error(write_rules(body))
    assert type(error) is RuleFileError
    assert error.message == (
        "values from 2000-01-01 and 2010-01-01 overlap: "
        "close the earlier one with `valid_to` before the later starts"
    )
    assert where(error) == (13, 5, "parameters.limit")


def test_parameter_values_closed_before_the_next_load(write_rules: WriteRules) -> None:
    body = f"""\
inputs:
  age: {{type: int, question: {{en: "Age?"}}}}
outcomes:
  child: {{type: bool, default: false}}
parameters:
  limit:
    description: Child age limit
    values:
      - {{valid_from: 2000-01-01, valid_to: 2009-12-31, value: 18, source: {SRC}}}
      - {{valid_from: 2010-01-01, value: 16, source: {SRC}}}
rules:
  - id: r.child
    title: Child
    when: {{"<": [age, {{param: limit}}]}}
    then: {{child: true}}
    source: {SRC}
"""
    rules = carepath.load(write_rules(body))
    assert rules.evaluate({"age": 17}, as_of=dt.date(2005, 1, 1))["child"].value is True
    assert rules.evaluate({"age": 17}, as_of=dt.date(2015, 1, 1))["child"].value is False


# -- sources -----------------------------------------------------------------------------------


def test_a_rule_with_no_source(write_rules: WriteRules) -> None:
    path = write_rules(BASE + rule('{"<": [age, 18]}', extra="hard: true"))
    error = load_error(path)
    assert type(error) is UnsourcedRuleError
    assert isinstance(error, RuleFileError)
    assert error.message == (
        "rule 'r.one' has no `source`; cite the document, locator and confidence, "
        "or mark it `local_setting: true`"
    )
    assert where(error) == (13, 5, "rules[0].source")
    assert error.rule_id == "r.one"


def test_the_same_rule_loads_as_a_local_setting(write_rules: WriteRules) -> None:
    path = write_rules(BASE + rule('{"<": [age, 18]}', extra="local_setting: true"))
    rules = carepath.load(path)
    compiled = rules.compiled.rules["r.one"]
    assert compiled.local_setting is True
    assert compiled.source is None
    assert rules.evaluate({"age": 10}, as_of=dt.date(2024, 1, 1))["child"].value is True


def test_a_source_citing_an_undeclared_document(write_rules: WriteRules) -> None:
    path = write_rules(
        BASE + rule('{"<": [age, 18]}', extra="source: {document: dco, locator: s1, confidence: verbatim}")
    )
    error = load_error(path)
    assert type(error) is RuleFileError
    assert error.message == "source document 'dco' is not declared under `sources`"
    assert where(error) == (17, 24, "rules[0].source.document")
    assert error.rule_id == "r.one"


# -- names, types and values (compile time) ----------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message", "place"),
    [
        pytest.param(
            rule('{"<": [agee, 18]}'),
            "'agee' is not a declared input, fact or outcome (did you mean 'age'?)",
            (15, 17, "rules[0].when.<"),
            id="undeclared_input",
        ),
        pytest.param(
            rule('{"==": [work, fishing]}'),
            "'fishing' is not one of ['farm', 'factory']",
            (15, 18, "rules[0].when.=="),
            id="value_not_a_choice",
        ),
        pytest.param(
            rule('{"<": [work, farm]}'),
            "< does not apply to enum 'work'; use == or !=",
            (15, 17, "rules[0].when.<"),
            id="less_than_on_enum",
        ),
        pytest.param(
            rule('{"<": [age, 18]}') + "    exception_to: [r.zero]\n",
            "exception to 'r.zero': no rule by that id",
            (18, 20, "rules[0].exception_to[0]"),
            id="exception_to_missing_rule",
        ),
    ],
)
def test_names_types_and_values_are_checked_at_compile_time(
    write_rules: WriteRules, body: str, message: str, place: tuple[int, int, str]
) -> None:
    error = load_error(write_rules(BASE + body))
    assert type(error) is RuleFileError
    assert error.message == message
    assert where(error) == place
    assert error.rule_id == "r.one"


def test_an_exception_that_overrides_nothing(write_rules: WriteRules) -> None:
    body = f"""\
inputs:
  age: {{type: int, question: {{en: "Age?"}}}}
facts:
  young: {{type: bool}}
outcomes:
  child: {{type: bool, default: false}}
rules:
  - id: r.base
    title: Base
    then: {{child: false}}
    source: {SRC}
  - id: r.exc
    title: Exception
    when: {{"<": [age, 18]}}
    then: {{young: true}}
    exception_to: [r.base]
    source: {SRC}
"""
    error = load_error(write_rules(body))
    assert type(error) is RuleFileError
    assert error.message == (
        "exception to 'r.base' concludes nothing that rule concludes, so it overrides nothing"
    )
    assert where(error) == (22, 20, "rules[1].exception_to[0]")
    assert error.rule_id == "r.exc"


def test_a_cycle_between_two_derived_facts(write_rules: WriteRules) -> None:
    body = f"""\
inputs:
  age: {{type: int, question: {{en: "Age?"}}}}
facts:
  a: {{type: bool}}
  b: {{type: bool}}
rules:
  - id: r.a
    title: A from B
    when: {{is_true: b}}
    then: {{a: true}}
    source: {SRC}
  - id: r.b
    title: B from A
    when: {{is_true: a}}
    then: {{b: true}}
    source: {SRC}
"""
    error = load_error(write_rules(body))
    assert type(error) is CycleError
    assert sorted(error.rules) == ["r.a", "r.b"]
    assert error.message == f"these rules depend on their own conclusions: {' -> '.join(error.rules)}"


# -- validate: every error, every file ---------------------------------------------------------

GOOD = BASE + rule('{"<": [age, 18]}')
# line 8: a misspelt `minimum` (value at column 53); line 12: `outcome` instead of `outcomes`
BROKEN = """\
inputs:
  age: {type: int, question: {en: "Age?"}, minimum: 0}
outcomes:
  child: {type: bool, default: false}
rules: []
outcome: {}
"""
# two rules without a source, on lines 13 and 17
UNSOURCED = BASE + (
    '  - id: r.one\n    title: One\n    when: {"<": [age, 18]}\n    then: {child: true}\n'
    '  - id: r.two\n    title: Two\n    when: {">": [age, 60]}\n    then: {child: false}\n'
)


def test_validate_returns_every_error_of_every_file(write_rules: WriteRules) -> None:
    good = write_rules(GOOD, name="good")
    broken = write_rules(BROKEN, name="broken")
    unsourced = write_rules(UNSOURCED, name="unsourced")
    found = carepath.validate([good.parent])
    assert list(found) == [broken, good, unsourced]
    assert found[good] == []
    assert [(type(e), *where(e)) for e in found[broken]] == [
        (RuleFileError, 8, 53, "inputs.age.minimum"),
        (RuleFileError, 12, 10, "outcome"),
    ]
    assert [(type(e), *where(e), e.rule_id) for e in found[unsourced]] == [
        (UnsourcedRuleError, 13, 5, "rules[0].source", "r.one"),
        (UnsourcedRuleError, 17, 5, "rules[1].source", "r.two"),
    ]
    assert all(e.file == str(broken) for e in found[broken])


def test_validate_cli_on_a_folder_with_a_good_and_a_broken_file(write_rules: WriteRules) -> None:
    good = write_rules(GOOD, name="good")
    broken = write_rules(BROKEN, name="broken")
    result = CliRunner().invoke(main, ["validate", str(good.parent)])
    assert result.exit_code == 1
    assert result.stdout == f"ok {good}\n"
    assert result.stderr.splitlines() == [
        f"{broken}:8:53: inputs.age.minimum: not a field here (misspelt?)",
        f"{broken}:12:10: outcome: not a field here (misspelt?)",
        "1 valid, 1 invalid",
    ]
    assert "broken.yaml:8:53" in result.output


def test_validate_cli_on_good_files_only(write_rules: WriteRules) -> None:
    good = write_rules(GOOD, name="good")
    result = CliRunner().invoke(main, ["validate", str(good)])
    assert result.exit_code == 0
    assert result.stdout == f"ok {good}\n1 valid, 0 invalid\n"
