"""Policy authors' test tools: `carepath test -k`, `--ruleset`, `--coverage`, and `overlay:`."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from carepath.authoring.coverage import measure
from carepath.authoring.testing import Selection, run_file, run_selected
from carepath.cli import main
from carepath.errors import RuleFileError

ROOT = Path(__file__).resolve().parent.parent
OVERLAY = ROOT / "examples" / "overlays" / "ngo_follow_up_24.yaml"
OVERLAY_ID = "ngo_follow_up_24"

TWO = """\
ruleset: intl/palermo
as_of: 2026-11-23
tests:
  - name: A child, no means needed
    source: {document: palermo, locator: "Art. 3(c)"}
    input: {age: 15, act: [recruitment], purpose: [forced_labour]}
    output: {identification: victim, child: true}
    fired: [palermo.child_no_means]
  - name: An adult without means is no victim
    source: {document: palermo, locator: "Art. 3(a)"}
    input: {age: 30, act: [recruitment], means: [], purpose: [forced_labour]}
    output: {identification: {value: not_identified, status: determined}}
"""

# a case twelve months after the return, approved and rated close: the baseline closes it, the
# overlay (24 months) does not
CLOSING = (
    "{closure_reason: none, stage: follow_up, reintegration_date: 2025-11-23, last_contact_visit: "
    "2026-11-16, failed_contact_attempts: 0, moved_district: false, coordination_meeting_approved: true, "
    "final_rating: close_case, deterioration: false, visits_with_contact: 12}"
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_k_selects_by_a_part_of_the_name_in_any_case_and_repeated_k_is_any(tmp_path: Path) -> None:
    path = write(tmp_path, "two.test.yaml", TWO)
    run = run_selected([path], Selection(("CHILD",)))
    assert [r.name for r in run.results] == ["A child, no means needed"] and run.deselected == 1
    run = run_selected([path], Selection(("child", "adult")))
    assert len(run.results) == 2 and run.deselected == 0
    result = CliRunner().invoke(main, ["test", str(path), "-k", "adult"])
    assert result.exit_code == 0 and "1 passed, 0 failed, 1 deselected" in result.output
    none = CliRunner().invoke(main, ["test", str(path), "-k", "nothing of the kind"])
    assert none.exit_code == 1 and "0 passed, 0 failed, 2 deselected" in none.output


def test_ruleset_keeps_its_own_tests_and_its_overlays_tests() -> None:
    files = [ROOT / "rulesets" / "intl" / "palermo.test.yaml", ROOT / "rulesets" / "kh" / "palermo.test.yaml"]
    files.append(ROOT / "rulesets" / "intl" / "readiness.test.yaml")
    everything = run_selected(files, Selection())
    base = run_selected(files, Selection(ruleset="intl/palermo"))
    kh = run_selected(files, Selection(ruleset="kh/palermo"))
    assert {Path(r.file).parent.name for r in base.results} == {"intl", "kh"}  # kh/palermo extends it
    assert not [r for r in base.results if "readiness" in r.file]
    assert {Path(r.file).parent.name for r in kh.results} == {"kh"}  # not the baseline's own tests
    assert len(base.results) + base.deselected == len(everything.results)
    assert 0 < len(kh.results) < len(base.results)
    by_path = run_selected(files, Selection(ruleset=str(ROOT / "rulesets" / "kh" / "palermo.yaml")))
    assert [r.name for r in by_path.results] == [r.name for r in kh.results]


def test_coverage_names_the_rules_no_test_fired_and_the_values_no_test_expected(tmp_path: Path) -> None:
    path = write(tmp_path, "two.test.yaml", TWO)
    (found,) = measure(c for r in run_file(path) for c in r.covered)
    assert found.id == "intl/palermo" and found.tests == 2
    assert "palermo.child_no_means" in found.fired and "palermo.child_no_means" not in found.unfired
    assert "palermo.smuggling_not_trafficking" in found.unfired
    assert "victim" not in found.unexpected.get("identification", [])
    assert "possible_victim" in found.unexpected["identification"]
    assert 0 < found.rule_share < 1
    result = CliRunner().invoke(main, ["test", str(path), "--coverage", "--format", "json"])
    assert result.exit_code == 0
    (data,) = json.loads(result.output)["coverage"]
    assert data["ruleset"] == "intl/palermo" and data["unfired_rules"] == found.unfired
    assert data["rule_coverage"] == round(found.rule_share, 4)
    text = CliRunner().invoke(main, ["test", str(path), "--coverage"]).output
    assert f"intl/palermo: rules {len(found.fired)}/{len(found.rules)}" in text
    assert "  rule no test fired: palermo.smuggling_not_trafficking" in text


def test_a_failing_test_covers_nothing(tmp_path: Path) -> None:
    wrong = TWO.replace(
        "output: {identification: victim, child: true}", "output: {identification: not_identified}"
    )
    (failing, passing) = run_file(write(tmp_path, "w.test.yaml", wrong))
    assert not failing.passed and not failing.covered and passing.covered


def test_cannot_fire_lists_a_rule_apart_and_an_unknown_rule_is_refused_at_its_line(tmp_path: Path) -> None:
    noted = TWO.replace(
        "tests:\n", "cannot_fire:\n  palermo.smuggling_not_trafficking: a reason given here\ntests:\n"
    )
    (found,) = measure(c for r in run_file(write(tmp_path, "n.test.yaml", noted)) for c in r.covered)
    assert "palermo.smuggling_not_trafficking" not in found.unfired
    assert found.cannot_fire == {"palermo.smuggling_not_trafficking": "a reason given here"}
    wrong = noted.replace("palermo.smuggling_not_trafficking:", "palermo.child_no_means:")
    (stated,) = measure(c for r in run_file(write(tmp_path, "f.test.yaml", wrong)) for c in r.covered)
    assert stated.contradicted == ["palermo.child_no_means"]  # a test fires it: the statement is wrong
    misspelt = noted.replace("palermo.smuggling_not_trafficking:", "palermo.smuggling_not_traficking:")
    with pytest.raises(RuleFileError) as info:
        run_file(write(tmp_path, "m.test.yaml", misspelt))
    assert (info.value.line, info.value.field) == (4, "cannot_fire.palermo.smuggling_not_traficking")
    assert "did you mean 'palermo.smuggling_not_trafficking'" in info.value.message


def test_an_overlay_counts_the_rules_its_lower_layer_tests_fired(tmp_path: Path) -> None:
    found = {
        c.id: c
        for c in measure(
            c
            for r in run_selected(
                [
                    ROOT / "rulesets" / "kh" / "palermo.test.yaml",
                    ROOT / "rulesets" / "intl" / "palermo.test.yaml",
                ],
                Selection(),
            ).results
            for c in r.covered
        )
    }
    alone = {
        c.id: c
        for c in measure(
            c for r in run_file(ROOT / "rulesets" / "kh" / "palermo.test.yaml") for c in r.covered
        )
    }
    assert found["kh/palermo"].inherited and not alone["kh/palermo"].inherited
    assert found["kh/palermo"].inherited <= found["intl/palermo"].fired
    assert len(alone["kh/palermo"].unfired) > len(found["kh/palermo"].unfired)


OVERLAID = f"""\
ruleset: intl/case_path
overlay: {OVERLAY}
as_of: 2026-11-23
tests:
  - name: under the overlay, twelve months are not enough
    source: {{document: ngo_follow_up_policy, locator: "follow-up period"}}
    input: {CLOSING}
    output: {{follow_up_complete: false, closure: not_yet}}
"""


def test_a_test_file_may_apply_an_overlay_to_the_rule_set_it_tests(tmp_path: Path) -> None:
    (overlaid,) = run_file(write(tmp_path, "o.test.yaml", OVERLAID))
    assert overlaid.passed, overlaid.report()
    assert [c.ruleset.id for c in overlaid.covered] == [OVERLAY_ID]  # counted as the overlay
    plain = OVERLAID.replace(f"overlay: {OVERLAY}\n", "").replace("ngo_follow_up_policy", "seed_000")
    (baseline,) = run_file(write(tmp_path, "p.test.yaml", plain))
    assert [f.what for f in baseline.failures] == ["output.follow_up_complete (fact)", "output.closure"]
    per_test = plain.replace(
        "    source: {document: seed_000",
        f"    overlay: {OVERLAY}\n    source: {{document: ngo_follow_up_policy",
    )
    (own,) = run_file(write(tmp_path, "t.test.yaml", per_test))
    assert own.passed, own.report()


def test_an_overlay_of_another_rule_set_or_for_a_pipeline_is_refused_at_its_line(tmp_path: Path) -> None:
    other = OVERLAID.replace(str(OVERLAY), str(OVERLAY.with_name("ilo_two_medium.yaml")))
    with pytest.raises(RuleFileError) as info:
        run_file(write(tmp_path, "x.test.yaml", other))
    assert (info.value.line, info.value.field) == (2, "overlay")
    assert "does not extend intl/case_path" in info.value.message
    piped = OVERLAID.replace("ruleset: intl/case_path", "pipeline: intl/follow_up")
    with pytest.raises(
        RuleFileError, match="an overlay applies to a rule set's tests, not a pipeline's"
    ) as info:
        run_file(write(tmp_path, "y.test.yaml", piped))
    assert info.value.line == 2
    missing = OVERLAID.replace(str(OVERLAY), "no_such_overlay.yaml")
    with pytest.raises(RuleFileError) as info:
        run_file(write(tmp_path, "z.test.yaml", missing))
    assert (info.value.file, info.value.line) == (str(tmp_path / "z.test.yaml"), 2)
