"""The YAML test runner: `carepath test`, reports of failures, bad test files, the pytest plugin."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from carepath.authoring.testing import read_test_file, run_file
from carepath.cli import main
from carepath.errors import LayerError, RuleFileError
from carepath.rules.reform import ParameterTypeError, UnknownParameterError

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
    assert (info.value.line, info.value.field) == (
        4,
        "tests[0].source",
    )  # the field missing, as validate names it
    assert info.value.message == "Field required"


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
    from carepath.authoring.testing import run_file

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


SETTINGS = """\
ruleset: intl/palermo
as_of: 2026-11-23
parameters: {child_age_limit: 21}
tests:
  - name: a 19-year-old is a child under the file's setting
    source: {document: palermo, locator: "Art. 3(d)"}
    input: {age: 19, act: [recruitment], means: [], purpose: [forced_labour]}
    output: {child: true, identification: victim}
  - name: the test's own setting wins over the file's
    source: {document: palermo, locator: "Art. 3(d)"}
    parameters: {child_age_limit: 19}
    input: {age: 19, act: [recruitment], means: [], purpose: [forced_labour]}
    output: {child: false, identification: not_identified}
  - name: the same setting again, from the cache
    source: {document: palermo, locator: "Art. 3(d)"}
    input: {age: 20, act: [recruitment], means: [], purpose: [forced_labour]}
    output: {child: true}
"""


def test_file_and_test_parameters_with_the_tests_winning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import carepath.authoring.testing.running

    calls: list[dict[str, object]] = []
    real = carepath.authoring.testing.running.with_parameters

    def counted(ruleset: Any, settings: Any) -> Any:
        calls.append(dict(settings))
        return real(ruleset, settings)

    monkeypatch.setattr(carepath.authoring.testing.running, "with_parameters", counted)
    results = run_file(write(tmp_path, "settings.test.yaml", SETTINGS))
    assert [r.passed for r in results] == [True, True, True], [r.report() for r in results]
    assert [r.parameters for r in results] == [
        {"child_age_limit": 21},
        {"child_age_limit": 19},
        {"child_age_limit": 21},
    ]
    assert calls == [{"child_age_limit": 21}, {"child_age_limit": 19}]  # compiled once per setting


def test_a_failure_shows_the_settings_used(tmp_path: Path) -> None:
    text = SETTINGS.replace("output: {child: true, identification: victim}", "output: {child: false}")
    first = run_file(write(tmp_path, "wrong.test.yaml", text))[0]
    assert not first.passed
    assert first.report().splitlines()[:3] == [
        f"FAILED {tmp_path / 'wrong.test.yaml'}:5: a 19-year-old is a child under the file's setting",
        "  with parameters: child_age_limit=21",
        "  output.child: expected False, got True",
    ]


@pytest.mark.parametrize(
    ("old", "new", "error", "where", "message"),
    [
        (
            "parameters: {child_age_limit: 19}",
            "parameters: {child_age_limt: 19}",
            UnknownParameterError,
            (11, 34, "tests[1].parameters.child_age_limt"),
            "did you mean 'child_age_limit'?",
        ),
        (
            "parameters: {child_age_limit: 19}",
            "parameters: {child_age_limit: nineteen}",
            ParameterTypeError,
            (11, 35, "tests[1].parameters.child_age_limit"),
            "the value is a word or text; the parameter's values are a number",
        ),
        (
            "parameters: {child_age_limit: 21}",
            "parameters: {child_age_limit: 16}",
            LayerError,
            (3, 31, "parameters.child_age_limit"),
            "may only increase: 18 -> 16",
        ),
    ],
)
def test_a_bad_setting_is_an_error_of_the_test_file_at_its_line(
    tmp_path: Path, old: str, new: str, error: type[Exception], where: tuple[int, int, str], message: str
) -> None:
    path = write(tmp_path, "bad.test.yaml", SETTINGS.replace(old, new))
    with pytest.raises(error) as info:
        run_file(path)
    assert isinstance(info.value, RuleFileError | LayerError)
    assert (info.value.file, info.value.line, info.value.column, info.value.field) == (str(path), *where)
    assert message in info.value.message
    result = CliRunner().invoke(main, ["test", str(path)])
    assert result.exit_code == 1 and f"{path}:{where[0]}:{where[1]}: {where[2]}:" in result.output
