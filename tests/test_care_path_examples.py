"""The care-path examples: committed outputs are current, and each shows what it is there for."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

import carepath
from carepath.assessments import Assessment

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "examples" / "care_path"
DAY = dt.date(2026, 11, 23)


def run(name: str, pipeline: str = "intl/care_path") -> Assessment:
    return carepath.assess(carepath.read_case(FOLDER / f"{name}.yaml"), DAY, pipeline=pipeline)


def test_the_committed_outputs_are_what_the_rules_produce() -> None:
    done = subprocess.run(
        [sys.executable, "docs/examples/care_path_examples.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_girl_with_a_complicit_family_goes_to_vetted_kin_never_home() -> None:
    result = run("girl-unsafe-family")
    assert result.ranking is not None and result.ranking.top is not None
    assert result.ranking.top.option == "kinship_care"
    (blocked,) = [b for b in result.ranking.blocked if b.option == "family_reunification"]
    assert blocked.hard
    assert result.plan is not None
    assert result.plan.allowed == ("placement",)
    assert result.plan.blocked == ("reintegration",)  # she does not agree to return yet


def test_man_trafficked_for_labour_goes_home_quickly_and_his_refusal_of_shelter_holds() -> None:
    result = run("man-labour-quick-return")
    assert result.ranking is not None and result.ranking.top is not None
    assert result.ranking.top.option == "family_reunification"
    care = result["care_options"]
    assert {"speedy_return", "take_away_information", "family_income_stabilisation"} <= set(
        care["paths"].value
    )
    assert care["flags"].value == ["shelter_refused"]
    assert "residential_care" in {b.option for b in result.ranking.blocked}
    assert "family_grant" in result["services"]["services"].value


def test_infant_in_a_poor_safe_family_stays_with_the_family() -> None:
    result = run("infant-poverty-only")
    assert result.ranking is not None
    assert [r.option for r in result.ranking.ranked] == ["family_reunification"]
    blocked = {b.option: [r.rule for r in b.blocked_by] for b in result.ranking.blocked}
    assert "care_options.young_child_family_based" in blocked["residential_care"]
    assert "care_options.poverty_only" in blocked["foster_care_temporary"]


def test_a_childs_shelter_placement_unreviewed_for_five_months_is_overdue() -> None:
    result = run("girl-shelter-review")
    assert result.plan is not None
    (review,) = result.plan.due
    assert review.due == dt.date(2026, 9, 10)
    assert review.overdue is True
    assert "review_placement" in result["case_path"]["actions"].value


def test_closure_kinds() -> None:
    success = run("woman-follow-up-closure")
    assert success["case_path"]["closure"].value == "successful"
    assert success.plan is not None and success.plan.allowed == ("closure",)
    lost = run("woman-lost-contact")
    assert lost["case_path"]["closure"].value == "not_yet"  # the meeting has not discussed it yet
    assert "bring_to_coordination_meeting" in lost["case_path"]["actions"].value
    assert lost.plan is not None
    assert [d.overdue for d in lost.plan.due if d.name == "follow_up_visit"] == [False]  # contact is lost
    moved = run("boy-moved-district")
    assert "refer_to_new_district" in moved["case_path"]["actions"].value
    assert moved["case_path"]["follow_up_visit_overdue"].value is True
    assert moved.plan is not None
    # not referred yet: never a success nor a transfer; closure waits on the meeting and the
    # reason, and with no unsafe finding the moves back stay blocked
    closure = moved["case_path"]["closure"]
    assert not closure.determined and not {"successful", "transferred"} & set(closure.candidates)
    assert moved.plan.pending == ("closure",)
    assert set(moved.plan.blocked) == {"crisis_care", "assessment", "placement"}


def test_the_cambodian_pipeline_feeds_the_form_6_conclusion_to_closure() -> None:
    result = run("kh-girl-form6-closure", pipeline="kh/care_path")
    assert result["mosvy"]["conclusion"].value == "close_case"
    assert result.fed["case_path"]["final_rating"].value == "close_case"
    assert result["case_path"]["closure"].value == "successful"


@pytest.mark.parametrize("name", ["girl-unsafe-family"])
def test_the_markdown_example_cites_every_rule_it_names(name: str) -> None:
    text = (FOLDER / f"{name}.md").read_text(encoding="utf-8")
    assert text.startswith("# carepath: intl/care_path")
    assert "not determinations" in text
    assert "## Care options" in text and "## Care plan" in text and "## Sources" in text
    for line in text.splitlines():
        if "blocked by `" in line or "fits: `" in line or "allowed by `" in line:
            assert "(verbatim)" in line or "(secondary)" in line or "(inferred)" in line, line


def test_the_shortening_overlay_is_refused_at_its_value() -> None:
    with pytest.raises(carepath.LayerError) as info:
        carepath.load(ROOT / "examples/overlays/ngo_follow_up_6.yaml")
    assert info.value.line == 26
    assert "may only increase" in info.value.message


def test_the_readme_excerpt_is_taken_from_the_example_report() -> None:
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (excerpt,) = re.findall(r"```text\n(.*?)```", readme, flags=re.S)
    assert excerpt.strip() in (FOLDER / "girl-unsafe-family.md").read_text(encoding="utf-8")


def test_the_assessment_schema_validates_every_example_output_with_and_without_trace() -> None:
    import json

    import jsonschema
    from click.testing import CliRunner

    from carepath.cli import main

    done = CliRunner().invoke(main, ["schema", "--assessment"])
    assert done.exit_code == 0
    schema = json.loads(done.output)
    assert schema["$id"] == "urn:carepath:assessment:v1"
    for path in sorted(FOLDER.glob("*.json")):
        jsonschema.validate(json.loads(path.read_text(encoding="utf-8")), schema)
    traced = run("girl-unsafe-family").to_dict()
    jsonschema.validate(traced, schema)
    broken = dict(traced, ranking={"ranked": "kinship_care"})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_the_case_input_schema_of_a_pipeline_accepts_its_examples_answers() -> None:
    import json

    import jsonschema
    import yaml
    from click.testing import CliRunner

    from carepath.cli import main

    schema = json.loads(CliRunner().invoke(main, ["schema", "--input", "intl/care_path"]).output)
    assert schema["$id"] == "urn:carepath:case:intl/care_path:1.0.0"
    for path in sorted(FOLDER.glob("*.yaml")):
        if path.name == "index.yaml" or path.name.startswith("kh-"):
            continue
        document = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
        jsonschema.validate(document, schema)  # the whole case file, visits included
        jsonschema.validate(document["answers"], schema)  # or the answers alone
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"age": 300}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"answers": {}, "visits": [{"date": "2026-01-01"}]}, schema)  # no contact_made
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"answers": {}, "name": "x"}, schema)
