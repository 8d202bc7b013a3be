"""The YAML test runner: `carepath test`, reports of failures, bad test files, the pytest plugin."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from carepath.cli import main
from carepath.errors import RuleFileError
from carepath.testing import read_test_file, run_file

ROOT = Path(__file__).resolve().parent.parent

GOOD = """\
ruleset: intl/palermo
as_of: 2026-11-23
tests:
  - name: child, no means
    source: {document: palermo, locator: "Art. 3(c)"}
    input: {age: 15, act: [recruitment], purpose: [forced_labour]}
    output: {identification: victim, child: true}
    fired: [palermo.child_no_means]
"""

WRONG = """\
ruleset: intl/palermo
as_of: 2026-11-23
tests:
  - name: an adult without means expected as a victim (wrong on purpose)
    source: {document: palermo, locator: "Art. 3(a)"}
    input: {age: 30, act: [recruitment], means: [], purpose: [forced_labour]}
    output:
      identification: {value: victim, status: determined}
    fired: [palermo.elements]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_passing_file(tmp_path: Path) -> None:
    (result,) = run_file(write(tmp_path, "good.test.yaml", GOOD))
    assert result.passed and result.line == 4 and result.name == "child, no means"


def test_a_failure_shows_expected_actual_and_the_deciding_rule(tmp_path: Path) -> None:
    (result,) = run_file(write(tmp_path, "wrong.test.yaml", WRONG))
    assert not result.passed
    assert [(f.what, f.expected, f.actual) for f in result.failures] == [
        ("output.identification", "victim", "not_identified"),
        ("fired palermo.elements", "fired", "not_fired"),
    ]
    report = result.report()
    assert report.startswith(f"FAILED {tmp_path / 'wrong.test.yaml'}:4: an adult without means")
    assert (
        "palermo.not_identified fired: The legal test fails on the known answers [seed_000, 000:L745-753]"
        in report
    )
    assert "means_present is false (means_present = False)" in report


def test_a_source_outside_the_rule_sets_documents_fails(tmp_path: Path) -> None:
    text = GOOD.replace("document: palermo", "document: palermoo")
    (result,) = run_file(write(tmp_path, "src.test.yaml", text))
    assert [f.what for f in result.failures] == ["source.document"]


def test_a_test_without_a_source_is_refused_at_its_line(tmp_path: Path) -> None:
    text = GOOD.replace('    source: {document: palermo, locator: "Art. 3(c)"}\n', "")
    with pytest.raises(RuleFileError) as info:
        read_test_file(write(tmp_path, "nosrc.test.yaml", text))
    assert (info.value.line, info.value.field) == (4, "tests[0]")
    assert "source" in info.value.message.lower() or "Field required" in info.value.message


def test_cli_exit_codes_and_summary(tmp_path: Path) -> None:
    good = write(tmp_path, "good.test.yaml", GOOD)
    result = CliRunner().invoke(main, ["test", str(good)])
    assert (result.exit_code, result.output.strip().splitlines()[-1]) == (0, "1 passed, 0 failed")
    write(tmp_path, "wrong.test.yaml", WRONG)
    result = CliRunner().invoke(main, ["test", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == "1 passed, 1 failed"
    assert "expected 'victim', got 'not_identified'" in result.output


def test_the_bundled_rule_set_tests_pass() -> None:
    result = CliRunner().invoke(main, ["test", str(ROOT / "rulesets")])
    assert result.exit_code == 0, result.output
    passed = int(result.output.strip().splitlines()[-1].split()[0])
    assert passed >= 12


def test_pytest_collects_yaml_tests(tmp_path: Path) -> None:
    write(tmp_path, "good.test.yaml", GOOD)
    write(tmp_path, "wrong.test.yaml", WRONG)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 1
    assert "1 failed, 1 passed" in run.stdout
    assert "expected 'victim', got 'not_identified'" in run.stdout


def test_a_yaml_test_can_give_visits_and_a_bad_visit_fails_it(tmp_path: Path) -> None:
    from carepath.testing import run_file

    body = """
ruleset: intl/follow_up
as_of: 2026-11-23
tests:
  - name: good
    source: {document: seed_002, locator: "002:L710"}
    input: {stage: follow_up}
    visits: [{date: 2026-11-01, contact_made: true, warning_signs: [divorce]}]
    output: {deterioration: true}
  - name: a sign the visit cannot hold
    source: {document: seed_002, locator: "002:L710"}
    input: {stage: follow_up}
    visits: [{date: 2026-11-01, contact_made: true, warning_signs: [lottery]}]
    output: {deterioration: true}
"""
    path = tmp_path / "v.test.yaml"
    path.write_text(body, encoding="utf-8")
    good, bad = run_file(path)
    assert good.passed
    assert not bad.passed
    assert "visits[0].warning_signs.0" in bad.report()
