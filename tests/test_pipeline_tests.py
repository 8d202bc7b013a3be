"""YAML tests of a whole pipeline: `pipeline:` test files, their outputs, failures and errors."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from carepath.authoring.testing import read_test_file, run_file
from carepath.cli import main
from carepath.errors import RuleFileError

ROOT = Path(__file__).resolve().parent.parent

GIRL = """{age: 16, gender: female, act: [recruitment, transfer], means: [deception, payment_to_controller],
            purpose: [prostitution_of_others], harms: [sexual_exploitation], consent: true,
            irregular_crossing_arranged: false, stage: assessment, family_involved_in_trafficking: true,
            kinship_carer_available: true, foster_family_available: false, placement_need: long_term,
            care_reasons: [protection_risk], consents_to_return: false, views_heard: true}"""

GOOD = f"""\
pipeline: intl/care_path
as_of: 2026-11-23
tests:
  - name: a girl sold by her family goes to a vetted uncle, never home
    source: {{document: seed_004, locator: "004:L2716-2722"}}
    input: {GIRL}
    output:
      identification.identification: {{value: victim, status: determined}}
      identification.child: true
      care_options.blocked_options: {{includes: [family_reunification], excludes: [kinship_care]}}
      ranking.top_option: {{value: kinship_care, status: determined}}
      ranking.blocked: [family_reunification]
      ranking.ranked: {{excludes: [family_reunification, residential_care]}}
      plan.stage: assessment
      plan.allowed: {{includes: [placement]}}
      case_path.closure: {{one_of: [not_yet, null]}}
    fired: [care_options.no_return_to_unsafe_family, case_path.path.placement]
    not_fired: [care_options.poverty_only]
"""

WRONG = f"""\
pipeline: intl/care_path
as_of: 2026-11-23
tests:
  - name: expects the family home (wrong on purpose)
    source: {{document: seed_004, locator: "004:L2716-2722"}}
    input: {GIRL}
    output:
      ranking.top_option: family_reunification
      care_options.blocked_options: {{excludes: [family_reunification]}}
      plan.allowed: {{one_of: [[reintegration]]}}
      nowhere.nothing: 1
    fired: [care_options.family_reunification_child, no_step.no_rule]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_whole_case_meets_every_kind_of_expectation(tmp_path: Path) -> None:
    (result,) = run_file(write(tmp_path, "good.test.yaml", GOOD))
    assert result.passed, result.report()
    assert result.line == 4


def test_a_failure_names_each_expectation_and_the_rules_step_by_step(tmp_path: Path) -> None:
    (result,) = run_file(write(tmp_path, "wrong.test.yaml", WRONG))
    got = {f.what: (f.expected, f.actual) for f in result.failures}
    assert got["output.ranking.top_option"] == ("family_reunification", "kinship_care")
    assert got["output.care_options.blocked_options.excludes"][0] == "family_reunification"
    assert got["output.plan.allowed.one_of"] == ([["reintegration"]], ["placement"])
    assert got["output.nowhere.nothing"][1] == "nothing"
    assert got["fired care_options.family_reunification_child"] == ("fired", "not_fired")
    assert got["fired no_step.no_rule"] == ("fired", "no such rule")
    report = result.report()
    assert report.startswith(f"FAILED {tmp_path / 'wrong.test.yaml'}:4: expects the family home")
    assert "care_options: care_options.no_return_to_unsafe_family fired: No return to a family" in report
    assert "family_involved_in_trafficking is true (family_involved_in_trafficking = True)" in report


def test_contacts_and_visits_are_read_as_a_case_file_reads_them(tmp_path: Path) -> None:
    body = """\
    pipeline: intl/care_path
    as_of: 2026-11-23
    tests:
      - name: the refusal at the first contact stands, the later visit is counted
        source: {document: seed_000, locator: "000:L678"}
        contacts:
          - {date: 2026-10-01, answers: {age: declined, stage: follow_up, reintegration_date: 2026-09-01}}
          - {date: 2026-11-01, answers: {age: unknown}}
        visits: [{date: 2026-11-02, contact_made: true}]
        output:
          case_path.follow_up_visit_overdue: false
          identification.child: {status: undetermined}
    """
    (result,) = run_file(write(tmp_path, "contacts.test.yaml", body))
    assert result.passed, result.report()


def test_a_source_outside_the_pipelines_documents_fails(tmp_path: Path) -> None:
    (result,) = run_file(
        write(tmp_path, "src.test.yaml", GOOD.replace("document: seed_004", "document: seed_999"))
    )
    assert [f.what for f in result.failures] == ["source.document"]


@pytest.mark.parametrize(
    ("change", "line", "field", "message"),
    [
        ("    input: {", 4, "tests[0]", "as `input` or as `contacts`"),
        ("as_of: 2026-11-23\n", 3, "parameters", "not a pipeline's"),
        ("pipeline: intl/care_path\n", 1, "", "a `ruleset` or a `pipeline`"),
    ],
)
def test_a_bad_pipeline_test_file_is_refused_at_its_line(
    tmp_path: Path, change: str, line: int, field: str, message: str
) -> None:
    replaced = {
        "    input: {": "    contacts: [{answers: {age: 3}}]\n    input: {",
        "as_of: 2026-11-23\n": "as_of: 2026-11-23\nparameters: {child_age_limit: 18}\n",
        "pipeline: intl/care_path\n": "pipeline: intl/care_path\nruleset: intl/palermo\n",
    }[change]
    with pytest.raises(RuleFileError) as info:
        read_test_file(write(tmp_path, "bad.test.yaml", GOOD.replace(change, replaced, 1)))
    assert message in info.value.message
    assert info.value.line == line or (line == 1 and info.value.line in (1, None))
    if field:
        assert (info.value.field or "").startswith(field)


def test_the_command_and_pytest_run_pipeline_tests(tmp_path: Path) -> None:
    write(tmp_path, "good.test.yaml", GOOD)
    write(tmp_path, "wrong.test.yaml", WRONG)
    done = CliRunner().invoke(main, ["test", str(tmp_path)])
    assert done.exit_code == 1
    assert done.output.strip().splitlines()[-1] == "1 passed, 1 failed"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 1
    assert "1 failed, 1 passed" in run.stdout
    assert "expected 'family_reunification', got 'kinship_care'" in run.stdout


@pytest.mark.parametrize("pipeline", ["intl", "kh"])
def test_the_source_cases_cite_their_passage_and_their_assumptions(pipeline: str) -> None:
    path = ROOT / f"rulesets/{pipeline}/care_path.test.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["pipeline"] == f"{pipeline}/care_path"
    for test in data["tests"]:
        source = test["source"]
        assert (source["locator"] and "Assumed" in source.get("note", "")) or "assumed" in source.get(
            "note", ""
        )
    seeds = ROOT.parent / "shared" / "seeds"
    if seeds.is_dir():  # every seed locator names lines that exist
        lengths = {p.name[:3]: len(p.read_text(encoding="utf-8").splitlines()) for p in seeds.glob("*.txt")}
        import re

        for test in data["tests"]:
            for doc, start, end in re.findall(r"(00\d):L(\d+)(?:-(\d+))?", test["source"]["locator"]):
                assert int(end or start) <= lengths[doc], test["name"]


def test_at_least_twenty_source_cases_across_both_pipelines() -> None:
    count = sum(len(run_file(ROOT / f"rulesets/{p}/care_path.test.yaml")) for p in ("intl", "kh"))
    assert count >= 20


def test_a_test_file_without_a_subject_runs_the_pipeline_beside_it(tmp_path: Path) -> None:
    pipeline = (ROOT / "rulesets/intl/care_path.pipeline.yaml").read_text(encoding="utf-8")
    (tmp_path / "mine.pipeline.yaml").write_text(pipeline, encoding="utf-8")
    (result,) = run_file(write(tmp_path, "mine.test.yaml", GOOD.replace("pipeline: intl/care_path\n", "")))
    assert result.passed, result.report()
    with pytest.raises(RuleFileError) as info:
        run_file(
            write(
                tmp_path, "mine.test.yaml", GOOD.replace("pipeline: intl/care_path\n", "parameters: {x: 1}\n")
            )
        )
    assert info.value.line == 1 and "not a pipeline's" in info.value.message
