"""`carepath lint`: each defect class is caught in a fixture made for it, at its line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from carepath.authoring.lint import lint
from carepath.cli import main

ROOT = Path(__file__).resolve().parent.parent
SRC = "{document: doc, locator: s1, confidence: verbatim}"

DEFECTS = f"""\
inputs:
  a: {{type: bool, question: {{en: A}}}}
  colour: {{type: enum, choices: [red, green, blue], question: {{en: Colour}}}}
  never_read: {{type: bool, question: {{en: Never read}}}}
facts:
  never_concluded: {{type: bool, default: false}}
  never_used: {{type: bool, default: false}}
outcomes:
  o: {{type: enum, values: [x, y]}}
  p: {{type: bool, default: false}}
rules:
  - {{id: d.never_used, title: concludes a fact nobody reads, when: {{is_true: a}}, then: {{never_used: true}}, source: {SRC}}}
  - id: d.count
    title: asks two of one
    when: {{count_at_least: {{n: 2, of: [{{is_true: a}}]}}}}
    then: {{p: true}}
    source: {SRC}
  - id: d.table
    title: a table with a gap and an overlap
    source: {SRC}
    table:
      hit_policy: UNIQUE
      inputs: [colour, a]
      output: o
      rows:
        - {{id: red, when: [red, "-"], then: x}}
        - {{id: red_yes, when: [red, true], then: y}}
        - {{id: green, when: [green, "-"], then: x}}
  - {{id: d.inferred, title: a reading, when: {{is_true: a}}, then: {{p: true}},
      source: {{document: doc, locator: s2, confidence: inferred}}}}
  - {{id: d.setting, title: a setting, when: {{is_true: never_concluded}}, then: {{p: true}}, local_setting: true}}
"""


def findings(path: Path) -> list[tuple[int | None, str, str]]:
    return [(f.line, f.severity, f.code) for f in lint([path])]


def test_each_defect_class_is_found_at_its_line(write_rules: Callable[..., Path]) -> None:
    path = write_rules(DEFECTS)
    found = findings(path)
    assert (10, "warning", "unused-input") in found  # never_read
    assert (12, "warning", "unconcluded") in found  # never_concluded
    assert (13, "warning", "unread-fact") in found  # never_used
    assert (21, "warning", "cannot-count") in found
    assert (24, "warning", "table-gap") in found  # blue: no row
    assert (24, "warning", "table-overlap") in found  # red and true: x and y
    assert (35, "info", "inferred-source") in found
    assert (37, "info", "local-setting") in found
    messages = {f.code: f.message for f in lint([path])}
    assert messages["table-gap"] == "d.table: no row matches colour = blue, a = true"
    assert (
        messages["table-overlap"]
        == "d.table: rows red and red_yes both match colour = red, a = true (UNIQUE)"
    )


def test_an_invalid_file_is_an_error_and_fails_the_cli(write_rules: Callable[..., Path]) -> None:
    path = write_rules("rules:\n  - {id: x.y, title: no kind}\n", name="broken")
    (finding,) = lint([path])
    assert (finding.line, finding.severity, finding.code) == (8, "error", "invalid")
    result = CliRunner().invoke(main, ["lint", str(path)])
    assert result.exit_code == 1
    assert str(path) + ":8:5: error: invalid:" in result.output


def test_the_bundled_rule_sets_lint_without_errors_or_warnings() -> None:
    result = CliRunner().invoke(main, ["lint", "--strict", str(ROOT / "rulesets")])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("0 errors, 0 warnings")


def test_strict_fails_on_warnings(write_rules: Callable[..., Path]) -> None:
    path = write_rules(DEFECTS)
    assert CliRunner().invoke(main, ["lint", str(path)]).exit_code == 0
    assert CliRunner().invoke(main, ["lint", "--strict", str(path)]).exit_code == 1


OPTIONAL = f"""\
inputs:
  note: {{type: enum, choices: [up, down], optional: true, question: {{en: Override}}}}
  a: {{type: bool, question: {{en: A}}}}
outcomes:
  o: {{type: bool, default: false}}
rules:
  - {{id: g.guarded, title: guarded, when: {{all: [{{is_known: note}}, {{"==": [note, up]}}]}}, then: {{o: true}}, source: {SRC}}}
  - {{id: g.bare, title: unguarded, when: {{any: [{{is_true: a}}, {{"==": [note, down]}}]}}, then: {{o: true}}, source: {SRC}}}
"""


def test_an_optional_input_read_without_is_known_is_flagged(write_rules: Callable[..., Path]) -> None:
    found = [(f.code, f.message) for f in lint([write_rules(OPTIONAL)]) if f.code == "unguarded-optional"]
    assert found == [
        (
            "unguarded-optional",
            "g.bare: reads the optional input 'note' without is_known beside it in an `all`",
        )
    ]


REACH = f"""\
inputs:
  a: {{type: bool, question: {{en: A}}}}
  b: {{type: bool, question: {{en: B}}}}
  age: {{type: int, min: 0, max: 120, question: {{en: Age}}}}
  colour: {{type: enum, choices: [red, green, blue], question: {{en: Colour}}}}
parameters:
  reading:
    description: a reading the sources leave open
    local_setting: true
    choices: [strict, lenient]
    values: [{{valid_from: 2000-01-01, value: strict, local_setting: true}}]
outcomes:
  p: {{type: bool, default: false}}
  q: {{type: bool, default: false}}
  o: {{type: enum, values: [x, y, z]}}
  r: {{type: enum, values: [high, low]}}
rules:
  - id: d.never
    title: a child over 120
    when: {{all: [{{"<": [age, 18]}}, {{">": [age, 100]}}]}}
    then: {{p: true}}
    source: {SRC}
  - id: d.base
    title: a general rule
    when: {{is_true: a}}
    then: {{q: true}}
    source: {SRC}
  - id: d.always_beats
    title: an exception that holds whenever the rule does
    exception_to: [d.base]
    when: {{any: [{{is_true: a}}, {{is_true: b}}]}}
    then: {{q: false}}
    source: {SRC}
  - id: d.base2
    title: another general rule
    when: {{"==": [colour, red]}}
    then: {{p: true}}
    source: {SRC}
  - id: d.disjoint
    title: an exception that never meets its rule
    exception_to: [d.base2]
    when: {{"==": [colour, blue]}}
    then: {{p: false}}
    source: {SRC}
  - id: d.first
    title: a FIRST table whose third row never decides
    source: {SRC}
    table:
      hit_policy: FIRST
      inputs: [colour, a]
      output: o
      rows:
        - {{id: red, when: [red, "-"], then: x}}
        - {{id: any_a, when: ["-", true], then: y}}
        - {{id: red_a, when: [red, true], then: z}}
        - {{id: rest, when: ["-", "-"], then: z}}
  - id: d.priority
    title: a PRIORITY table whose low row never decides
    source: {SRC}
    table:
      hit_policy: PRIORITY
      inputs: [a, b]
      output: r
      rows:
        - {{id: low_a_b, when: [true, true], then: low}}
        - {{id: high_a, when: [true, "-"], then: high}}
        - {{id: other, when: [false, "-"], then: low}}
  - id: d.setting
    title: a reading another layer may choose
    when: {{all: [{{"==": [{{param: reading}}, lenient]}}, {{is_true: b}}]}}
    then: {{p: true}}
    source: {SRC}
"""


def test_rules_and_rows_that_can_never_decide_are_found(write_rules: Callable[..., Path]) -> None:
    path = write_rules(REACH)
    found = {(f.code, f.message.split(":")[0], f.severity) for f in lint([path])}
    assert ("never-fires", "d.never", "warning") in found
    assert ("always-overridden", "d.base", "warning") in found
    assert ("exception-overrides-nothing", "d.disjoint", "warning") in found
    assert ("shadowed-row", "d.first", "warning") in found
    assert ("shadowed-row", "d.priority", "warning") in found
    assert ("never-fires-with-setting", "d.setting", "info") in found
    messages = {f.message for f in lint([path]) if f.code == "shadowed-row"}
    assert "d.first: row red_a never decides: a row before it matches whenever it does (FIRST)" in messages
    assert any("row low_a_b never decides" in m for m in messages)
    # nothing else is flagged: the rows that do decide, and the exception that can beat its rule
    flagged = {f.message.split(":")[0] for f in lint([path]) if f.severity == "warning"}
    assert flagged == {"d.never", "d.base", "d.disjoint", "d.first", "d.priority"}


def test_reach_findings_point_at_the_rule(write_rules: Callable[..., Path]) -> None:
    path = write_rules(REACH)
    (never,) = [f for f in lint([path]) if f.code == "never-fires"]
    text = path.read_text(encoding="utf-8").splitlines()
    assert never.line is not None
    assert "all:" in text[never.line - 1] or "when" in text[never.line - 1]


def test_a_setting_of_words_without_choices_is_flagged(write_rules: Callable[..., Path]) -> None:
    body = """\
        parameters:
          reading:
            description: which reading applies
            local_setting: true
            values: [{valid_from: 2000-01-01, value: narrow, local_setting: true}]
          limit:
            description: a number needs no choices
            local_setting: true
            values: [{valid_from: 2000-01-01, value: 3, local_setting: true}]
        outcomes:
          met: {type: bool, default: false}
        rules:
          - {id: p.met, title: wide, local_setting: true, when: {"==": [{param: reading}, wide]}, then: {met: true}}
          - {id: p.big, title: big, local_setting: true, when: {">": [{param: limit}, 2]}, then: {met: true}}
        """
    flagged = [f for f in lint([write_rules(body)]) if f.code == "setting-without-choices"]
    assert [(f.line, f.severity) for f in flagged] == [(9, "warning")]
    assert "'reading'" in flagged[0].message
    with_choices = body.replace(
        "value: narrow, local_setting: true}]",
        "value: narrow, local_setting: true}]\n            choices: [narrow, wide]",
    )
    assert with_choices != body
    assert not [f for f in lint([write_rules(with_choices, name="c")]) if f.code == "setting-without-choices"]


CONFLICT = f"""\
inputs:
  a: {{type: bool, question: {{en: A}}}}
  b: {{type: bool, question: {{en: B}}}}
facts:
  t: {{type: bool, default: false}}
outcomes:
  o: {{type: enum, values: [x, y]}}
rules:
  - {{id: c.t, title: t follows a, when: {{is_true: a}}, then: {{t: true}}, source: {SRC}}}
  - {{id: c.x, title: x when a, when: {{is_true: a}}, then: {{o: x}}, source: {SRC}}}
  - {{id: c.y, title: y when b, when: {{is_true: b}}, then: {{o: y}}, source: {SRC}}}
"""


def test_a_reachable_conflict_names_both_rules_and_their_lines(write_rules: Callable[..., Path]) -> None:
    path = write_rules(CONFLICT)
    (found,) = [f for f in lint([path]) if f.code == "conflict"]
    text = path.read_text(encoding="utf-8").splitlines()
    assert found.severity == "warning" and found.line is not None
    assert "c.y" in text[found.line - 1]  # at the later rule's conclusion
    x_line = next(i for i, line in enumerate(text, 1) if "id: c.x" in line)
    assert f"c.x ({path}:{x_line})" in found.message and f"c.y ({path}:{found.line})" in found.message
    assert "'o'" in found.message


@pytest.mark.parametrize(
    "edits",
    [
        [("when: {is_true: b}", "when: {not: {is_true: a}}")],  # never together
        [("id: c.y, title: y when b,", "id: c.y, title: y when b, exception_to: [c.x],")],  # ordered
        [("then: {o: y}", "then: {o: x}")],  # they agree
        # t holds only where a does, though it is enumerated free: the fact's own rule rules it out
        [
            ("x when a, when: {is_true: a}", "x when a, when: {not: {is_true: a}}"),
            ("when: {is_true: b}", "when: {is_true: t}"),
        ],
    ],
)
def test_rules_that_cannot_conflict_give_no_finding(
    write_rules: Callable[..., Path], edits: list[tuple[str, str]]
) -> None:
    body = CONFLICT
    for old, new in edits:
        assert old in body
        body = body.replace(old, new)
    assert not [f for f in lint([write_rules(body)]) if f.code == "conflict"]


def test_the_bundled_rule_sets_reach_no_conflict() -> None:
    assert not [str(f) for f in lint([ROOT / "rulesets"]) if f.code == "conflict"]
