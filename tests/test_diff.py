"""`carepath diff`: two rule sets over the same cases: what moves, for how many, and why."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from carepath.authoring.diff import diff_file
from carepath.cli import main

DAY = dt.date(2026, 11, 23)
SRC = "{document: doc, locator: s1, confidence: verbatim}"
BODY = """
inputs:
  age: {{type: int, min: 0, max: 120, question: {{en: Age}}}}
parameters:
  limit:
    description: child age limit
    values: [{{valid_from: 2000-01-01, value: {limit}, source: {src}}}]
outcomes:
  child: {{type: bool, default: false}}
rules:
  - {{id: r.child, title: child, when: {{"<": [age, {{param: limit}}]}}, then: {{child: true}}, source: {src}}}
"""


def setup(tmp_path: Path, write_rules: Callable[..., Path], n: int = 60) -> tuple[Path, Path, Path]:
    old = write_rules(BODY.format(limit=18, src=SRC), name="old")
    new = write_rules(BODY.format(limit=16, src=SRC), name="new")
    cases = tmp_path / "cases.jsonl"
    lines = [json.dumps({"case_id": f"c{i}", "age": i % 30}) for i in range(n)]
    lines.append(json.dumps({"age": "unknown"}))
    cases.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return old, new, cases


def test_transitions_counts_rules_and_samples(tmp_path: Path, write_rules: Callable[..., Path]) -> None:
    old, new, cases = setup(tmp_path, write_rules)
    report = diff_file(old, new, cases, DAY)
    child = report.outcomes["child"]
    # ages 16 and 17 (twice each in 0..59) stop being children when the limit drops to 16
    assert (report.cases, report.changed, child.changed) == (61, 4, 4)
    assert child.matrix[("yes", "no")] == 4
    assert child.matrix[("yes", "yes")] == 32 and child.matrix[("no", "no")] == 24
    assert child.matrix[("?", "?")] == 1  # an unknown age stays open under both
    assert dict(child.rules[("yes", "no")]) == {"r.child": 4}
    assert child.samples[("yes", "no")] == ["c16", "c17", "c46"]


def test_two_workers_give_the_same_report(tmp_path: Path, write_rules: Callable[..., Path]) -> None:
    old, new, cases = setup(tmp_path, write_rules, n=5000)
    one = diff_file(old, new, cases, DAY).to_dict()
    two = diff_file(old, new, cases, DAY, workers=2).to_dict()
    assert one["cases"] == two["cases"] == 5001 and one["changed"] == two["changed"]
    for a, b in zip(
        one["outcomes"]["child"]["transitions"], two["outcomes"]["child"]["transitions"], strict=True
    ):
        assert (a["old"], a["new"], a["cases"], a["rules"]) == (b["old"], b["new"], b["cases"], b["rules"])


def test_cli_markdown_json_and_html(tmp_path: Path, write_rules: Callable[..., Path]) -> None:
    old, new, cases = setup(tmp_path, write_rules)
    args = ["diff", str(old), str(new), "--cases", str(cases), "--as-of", "2026-11-23"]
    md = CliRunner().invoke(main, args)
    assert md.exit_code == 0, md.output
    assert "## child: 4 cases change" in md.output
    assert "- `yes` -> `no` (4): `r.child` (4); e.g. c16, c17, c46" in md.output
    js = CliRunner().invoke(main, [*args, "--format", "json"])
    data = json.loads(js.output[js.output.index("{") :])
    assert data["changed"] == 4 and data["outcomes"]["child"]["changed"] == 4
    out = tmp_path / "diff.html"
    html = CliRunner().invoke(main, [*args, "--format", "html", "-o", str(out)])
    assert html.exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "<td>r.child (4)</td>" in page


def test_no_case_data_in_the_report(tmp_path: Path, write_rules: Callable[..., Path]) -> None:
    old, new, cases = setup(tmp_path, write_rules)
    text = json.dumps(diff_file(old, new, cases, DAY).to_dict())
    assert '"age"' not in text  # only case references and counts


def test_set_compares_a_rule_set_with_a_reform_of_itself(
    tmp_path: Path, write_rules: Callable[..., Path]
) -> None:
    old, new, cases = setup(tmp_path, write_rules)
    by_file = diff_file(old, new, cases, DAY).to_dict()
    by_setting = diff_file(old, old, cases, DAY, settings={"limit": 16})
    assert by_setting.new.endswith("+settings") and by_setting.settings == {"limit": 16}
    data = by_setting.to_dict()
    assert data["settings"] == {"limit": 16} and "settings" not in by_file
    assert (data["changed"], data["outcomes"]) == (by_file["changed"], by_file["outcomes"])
    two = diff_file(old, old, cases, DAY, workers=2, settings={"limit": 16}).to_dict()
    assert (two["changed"], two["settings"]) == (4, {"limit": 16})


def test_cli_set_applies_to_the_new_side(tmp_path: Path, write_rules: Callable[..., Path]) -> None:
    old, _, cases = setup(tmp_path, write_rules)
    args = ["diff", str(old), str(old), "--cases", str(cases), "--as-of", "2026-11-23"]
    md = CliRunner().invoke(main, [*args, "--set", "limit=16"])
    assert md.exit_code == 0, md.output
    assert "# old -> old+settings\n\nold+settings sets limit=16.\n\n61 cases" in md.output
    assert "## child: 4 cases change" in md.output
    assert "- `yes` -> `no` (4): `r.child` (4); e.g. c16, c17, c46" in md.output
    same = CliRunner().invoke(main, args)
    assert same.exit_code == 0 and "## child: 0 cases change" in same.output and "sets" not in same.output


@pytest.mark.parametrize(
    ("setting", "code", "message"),
    [
        ("limit", 2, "expected NAME=VALUE"),
        ("=16", 2, "expected NAME=VALUE"),
        ("limit=[16]", 2, "the value is one number, date, true / false or word"),
        ("limit=", 2, "the value is one number, date, true / false or word"),
        ("limit=[16", 2, "Invalid value for '--set': limit:"),  # not YAML
        ("limit=no", 1, "parameters.limit: the value is a word or text"),  # YAML 1.2: `no` is a word
        ("limit=2030-01-01", 1, "parameters.limit: the value is a date"),
        ("limt=16", 1, "has no parameter 'limt' (did you mean 'limit'?)"),
    ],
)
def test_cli_set_refuses_what_it_cannot_apply(
    tmp_path: Path, write_rules: Callable[..., Path], setting: str, code: int, message: str
) -> None:
    old, _, cases = setup(tmp_path, write_rules)
    args = ["diff", str(old), str(old), "--cases", str(cases), "--set", setting]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == code and message in result.output, result.output


def test_cli_set_twice_is_refused(tmp_path: Path, write_rules: Callable[..., Path]) -> None:
    old, _, cases = setup(tmp_path, write_rules)
    args = ["diff", str(old), str(old), "--cases", str(cases), "--set", "limit=16", "--set", "limit=17"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "limit is set twice" in result.output


def test_cli_set_keeps_a_hard_parameter_hard(tmp_path: Path) -> None:
    cases = tmp_path / "palermo.jsonl"
    case = {"act": ["recruitment"], "means": [], "purpose": ["forced_labour"]}
    lines = (json.dumps({**case, "case_id": f"p{age}", "age": age}) for age in range(15, 25))
    cases.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["diff", "intl/palermo", "intl/palermo", "--cases", str(cases), "--as-of", "2026-11-23"]
    lower = CliRunner().invoke(main, [*args, "--set", "child_age_limit=16"])
    assert lower.exit_code == 1
    assert (
        "Error: <settings>: parameters.child_age_limit: parameter is hard in a lower layer and may only "
        "increase: 18 -> 16 from 2003-12-25" in lower.output
    )
    higher = CliRunner().invoke(main, [*args, "--set", "child_age_limit=21"])
    assert higher.exit_code == 0, higher.output
    assert "# intl/palermo -> intl/palermo+settings" in higher.output
    assert "intl/palermo+settings sets child_age_limit=21." in higher.output
    assert "## child: 3 cases change" in higher.output  # ages 18, 19 and 20
