"""Follow-up: visits in case files, the answers derived from them, the caseload and the timeline."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import carepath
from carepath import CaseFormatError
from carepath.cases.visits import MEASURES, WARNING_SIGNS, read_visits, visit_answers
from carepath.cli import main
from carepath.followup.caseload import caseload, read_cases

ROOT = Path(__file__).resolve().parents[1]
DAY = dt.date(2026, 11, 23)
FOLLOW_UP = carepath.load_pipeline("intl/follow_up")


def v(day: str, contact: bool = True, **extra: Any) -> dict[str, Any]:
    return {"date": day, "contact_made": contact, **extra}


def test_answers_from_visits() -> None:
    visits = read_visits(
        [
            v("2026-06-01", measures={"aht_economic": 3, "wp_wellbeing": "slightly_improved"}),
            v(
                "2026-07-01",
                measures={"aht_economic": 2, "wp_wellbeing": "much_worse"},
                warning_signs=["new_debt"],
            ),
            v("2026-08-01", contact=False),
            v("2026-08-10", contact=False, attempt="second_try"),
            v("2027-01-01", measures={"aht_economic": 4}),  # after as_of: not yet
        ],
        "case",
    )
    answers = visit_answers(visits, DAY)
    assert answers["last_contact_visit"] == dt.date(2026, 7, 1)
    assert answers["visits_with_contact"] == 2
    assert answers["failed_contact_attempts"] == 2
    assert answers["escalation_done"] == ["second_try"]
    assert answers["measures_fallen"] == ["aht_economic", "wp_wellbeing"]
    assert answers["measures_lowest"] == ["wp_wellbeing"]
    assert answers["warning_signs"] == ["new_debt"]
    assert answers["new_issues_reported"] is False


def test_a_visit_without_contact_never_counts_as_a_visit() -> None:
    visits = read_visits([v("2026-10-01"), v("2026-11-01", contact=False, new_issues="x")], "case")
    answers = visit_answers(visits, DAY)
    assert answers["last_contact_visit"] == dt.date(2026, 10, 1)
    assert answers["visits_with_contact"] == 1
    assert answers["failed_contact_attempts"] == 1
    assert answers["new_issues_reported"] is False  # only what a visit that met the person reports


def test_a_declined_visit_reached_the_person_but_is_not_a_visit_with_contact() -> None:
    """Issue 13: a refusal ends an escalation (the person was reached), never counts as a visit
    that met the person, and a refusal of follow-up stands until a later visit meets them."""
    visits = read_visits(
        [
            v("2026-08-01"),
            v("2026-09-01", contact=False, attempt="second_try"),
            v("2026-09-10", declined="follow_up", warning_signs=["divorce"]),
            v("2026-10-01", contact=False, attempt="family_visit"),
        ],
        "case",
    )
    answers = visit_answers(visits, DAY)
    assert answers["visits_with_contact"] == 1
    assert answers["last_contact_visit"] == dt.date(2026, 8, 1)
    assert answers["failed_contact_attempts"] == 1  # only the attempt after she was reached
    assert answers["escalation_done"] == ["family_visit"]
    assert answers["follow_up_refused"] is True
    assert answers["warning_signs"] == []  # a declined visit reports nothing
    met_again = read_visits([*(x.model_dump() for x in visits), v("2026-11-02")], "case")
    assert visit_answers(met_again, DAY)["follow_up_refused"] is False
    one_visit = read_visits([v("2026-10-01"), v("2026-11-01", declined="visit")], "case")
    assert visit_answers(one_visit, DAY)["follow_up_refused"] is False
    assert visit_answers(one_visit, DAY)["failed_contact_attempts"] == 0


def test_a_refusal_is_respected_for_an_adult_and_heard_for_a_child() -> None:
    """Issue 13, defect 6: the same visits, an adult and a child, through the follow-up pipeline."""
    raw = [
        v("2026-09-01"),
        v("2026-10-01", declined="follow_up"),
        *(
            v(f"2026-10-{d:02d}", contact=False, attempt=a)
            for d, a in [
                (8, "second_try"),
                (15, "family_visit"),
                (22, "commune_office"),
                (29, "district_office"),
            ]
        ),
    ]
    base = {
        "stage": "follow_up",
        "reintegration_date": "2026-03-01",
        "moved_district": False,
        "coordination_meeting_approved": True,
        "closure_reason": "none",
    }
    results = {}
    for age in (30, 15):
        case = carepath.read_case_text(json.dumps({"answers": {**base, "age": age}, "visits": raw}))
        results[age] = FOLLOW_UP.assess(case, as_of=DAY)
    adult, child = results[30], results[15]
    assert adult["case_path"].facts["lost_contact"] is False
    assert "escalate_contact" not in adult["case_path"]["actions"].value
    assert "note_services_on_offer" in adult["case_path"]["actions"].value
    assert adult["case_path"]["closure"].value == "ended_by_refusal"
    assert adult["follow_up"]["next_contact_step"].value == "none"
    assert child["case_path"]["closure"].value == "not_yet"
    assert "see_child_and_family" in child["case_path"]["actions"].value
    assert "see_child_and_family" in child["follow_up"]["responses"].value


@pytest.mark.parametrize(
    ("visit", "message"),
    [
        ({"date": "2026-01-01"}, "visits[0].contact_made: Field required"),
        (v("2026-01-01", contact=False, declined="visit"), "visits[0].declined: only a person reached"),
        (v("2026-01-01", measures={"aht_money": 2}), "visits[0].measures: an unknown measure (9 characters)"),
        (
            v("2026-01-01", measures={"aht_safety": 7}),
            "visits[0].measures: aht_safety: not one of [1, 2, 3, 4]",
        ),
        (v("2026-01-01", warning_signs=["lottery_win"]), "visits[0].warning_signs.0"),
        (v("2026-01-01", visitor="Mrs Sok"), "visits[0].visitor"),
    ],
)
def test_bad_visits_are_refused_naming_the_visit_and_field_never_the_value(
    visit: dict[str, Any], message: str
) -> None:
    with pytest.raises(CaseFormatError) as info:
        carepath.read_case_text(json.dumps({"answers": {}, "visits": [visit]}))
    assert message in str(info.value)
    assert "Mrs Sok" not in str(info.value)


def test_visits_feed_the_follow_up_and_the_case_path() -> None:
    case = carepath.read_case(ROOT / "examples/care_path/boy-moved-district.yaml")
    result = FOLLOW_UP.assess(case, as_of=DAY)
    assert result["follow_up"]["deterioration"].value is True
    assert "add_education_support" in result["follow_up"]["responses"].value
    assert result.fed["case_path"]["deterioration"].value is True
    assert "refer_to_new_district" in result["case_path"]["actions"].value
    # the answers the visits give replace any recorded by hand
    assert result["case_path"].trace is not None
    read = {a.name: a for a in result["case_path"].trace.answers}
    assert read["last_contact_visit"].contact == "visits"


# -- the caseload --------------------------------------------------------------------------


def test_the_caseload_example_is_current() -> None:
    done = subprocess.run(
        [sys.executable, "docs/examples/caseload_example.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def example() -> carepath.followup.caseload.Caseload:
    return caseload(read_cases(ROOT / "examples/caseload/cases"), DAY)


def test_the_example_caseload_sorts_by_urgency_and_lists_what_matters(
    example: carepath.followup.caseload.Caseload,
) -> None:
    rows = example.rows
    assert len(rows) == 36
    keys = [r.sort_key() for r in rows]
    assert keys == sorted(keys)
    closable = {r.case_id: r.ready_to_close for r in example.ready_to_close}
    assert set(closable.values()) <= {"successful", "unsuccessful_lost_contact", "transferred"}
    for row in rows:
        if row.overdue or row.deterioration is not False:
            assert row.ready_to_close is None, row.case_id  # never ready to close
    assert {r.case_id for r in example.referrals} == {
        r.case_id for r in rows if "refer_to_new_district" in r.actions
    }
    assert all(r.referral for r in example.referrals)
    placements = [r for r in rows if r.stage == "placement"]
    assert placements and all("placement_review" in r.overdue or r.next_visit_due for r in placements)


def test_the_caseload_filters_by_worker_and_office(example: carepath.followup.caseload.Caseload) -> None:
    one = caseload(read_cases(ROOT / "examples/caseload/cases"), DAY, worker="SW-03")
    assert one.rows and all(r.worker == "SW-03" for r in one.rows)
    office = caseload(read_cases(ROOT / "examples/caseload/cases"), DAY, office="SRP")
    assert {r.case_id for r in office.rows} == {r.case_id for r in one.rows}


def test_the_caseload_in_every_format(tmp_path: Path) -> None:
    runner = CliRunner()
    folder = str(ROOT / "examples/caseload/cases")
    for fmt in ("table", "json", "markdown", "csv"):
        done = runner.invoke(main, ["caseload", folder, "--as-of", "2026-11-23", "--format", fmt])
        assert done.exit_code == 0, done.output
    done = runner.invoke(main, ["caseload", folder, "--as-of", "2026-11-23", "--format", "json"])
    data = json.loads(done.output)
    assert len(data["cases"]) == 36
    done = runner.invoke(main, ["caseload", folder, "--as-of", "2026-11-23", "--format", "csv"])
    assert done.output.splitlines()[0].startswith("case_id,worker,office,stage,urgency")


def test_jsonl_input_and_a_bad_case_names_the_field(tmp_path: Path) -> None:
    good = {
        "case_id": "A",
        "answers": {"stage": "follow_up", "reintegration_date": "2026-05-01"},
        "visits": [],
    }
    bad = {"case_id": "B", "answers": {"stage": "follow_up", "age": "SECRET-37"}}
    path = tmp_path / "cases.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\nnot json\n", encoding="utf-8")
    load = caseload(read_cases(path), DAY)
    errors = {r.case_id: r.error for r in load.rows if r.error}
    assert errors == {"B": "age", "cases.jsonl:3": "CaseFormatError"}
    assert "SECRET" not in load.to_json()
    assert [r.case_id for r in load.rows if not r.error] == ["A"]


def test_a_closed_case_leaves_the_caseload(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("case_id: A\nanswers: {stage: closure}\nvisits: []\n", encoding="utf-8")
    assert caseload(read_cases(tmp_path), DAY).rows == ()


# -- properties over generated visit histories ------------------------------------------------


@st.composite
def histories(draw: st.DrawFn) -> dict[str, Any]:
    returned = draw(st.dates(dt.date(2025, 1, 1), dt.date(2026, 11, 1)))
    visits = []
    for _ in range(draw(st.integers(0, 8))):
        day = draw(st.dates(returned, DAY))
        contact = draw(st.booleans())
        visit: dict[str, Any] = {"date": day.isoformat(), "contact_made": contact}
        if contact:
            names = draw(st.lists(st.sampled_from(sorted(MEASURES)), max_size=3, unique=True))
            visit["measures"] = {n: draw(st.sampled_from(MEASURES[n])) for n in names}
            visit["warning_signs"] = draw(st.lists(st.sampled_from(WARNING_SIGNS), max_size=2, unique=True))
        else:
            visit["attempt"] = draw(
                st.sampled_from(
                    ["scheduled", "second_try", "family_visit", "commune_office", "district_office"]
                )
            )
        visits.append(visit)
    answers = {
        "stage": "follow_up",
        "reintegration_date": returned.isoformat(),
        "moved_district": draw(st.booleans()),
        "referred_to_new_district": draw(st.booleans()),
        "coordination_meeting_approved": draw(st.booleans()),
        "final_rating": draw(st.sampled_from(["close_case", "continue_case"])),
    }
    return {"case_id": "G", "answers": answers, "visits": visits}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=histories())
def test_an_overdue_visit_or_open_deterioration_is_never_ready_to_close(doc: dict[str, Any]) -> None:
    case = carepath.read_case_text(json.dumps(doc))
    (row,) = caseload([("G", case)], DAY, FOLLOW_UP).rows
    if row.overdue or row.deterioration is not False:
        assert row.ready_to_close is None  # never ready to close, whatever the kind
    if row.ready_to_close == "successful":
        assert not row.overdue and row.deterioration is False
        assert row.next_contact_step in (None, "none")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=histories(), sign=st.sampled_from(WARNING_SIGNS))
def test_a_warning_sign_at_the_last_visit_never_lowers_urgency(doc: dict[str, Any], sign: str) -> None:
    contact = [x for x in doc["visits"] if x["contact_made"]]
    if not contact:
        return
    latest = max(contact, key=lambda x: x["date"])
    before = carepath.read_case_text(json.dumps(doc))
    latest["warning_signs"] = sorted({*latest.get("warning_signs", []), sign})
    after = carepath.read_case_text(json.dumps(doc))
    order = {"routine": 0, "soon": 1, "urgent": 2}
    low = FOLLOW_UP.assess(before, as_of=DAY, trace=False)["follow_up"]["urgency"]
    high = FOLLOW_UP.assess(after, as_of=DAY, trace=False)["follow_up"]["urgency"]
    if low.determined and high.determined:
        assert order[high.value] >= order[low.value]


# -- the timeline ----------------------------------------------------------------------------


def test_the_timeline_shows_each_visit_the_flags_and_the_rules_behind_them() -> None:
    done = CliRunner().invoke(
        main, ["followup", str(ROOT / "examples/care_path/boy-moved-district.yaml"), "--as-of", "2026-11-23"]
    )
    assert done.exit_code == 0, done.output
    out = done.output
    assert "2026-09-25: met, home" in out
    assert "aht_social: 2 (DOWN from 3)" in out
    assert "warning signs: child_out_of_school" in out
    assert "deterioration: yes" in out
    assert "add_education_support - follow_up.respond_child_out_of_school (seed_002, 002:L710" in out
    assert "refer_to_new_district - district.refer (seed_000, 000:L157-160)" in out
    data = json.loads(
        CliRunner()
        .invoke(
            main,
            [
                "followup",
                str(ROOT / "examples/care_path/boy-moved-district.yaml"),
                "--as-of",
                "2026-11-23",
                "--format",
                "json",
            ],
        )
        .output
    )
    assert data["outcomes"]["follow_up"]["deterioration"]["value"] is True


def test_the_timeline_never_shows_form_5_free_text(tmp_path: Path) -> None:
    doc = {
        "case_id": "T",
        "answers": {"stage": "follow_up", "reintegration_date": "2026-05-01"},
        "visits": [v("2026-06-01", new_issues="PRIVATE-DETAIL about the family")],
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    done = CliRunner().invoke(main, ["followup", str(path), "--as-of", "2026-11-23"])
    assert done.exit_code == 0, done.output
    assert "PRIVATE-DETAIL" not in done.output
    assert "Form 5 notes recorded (not shown: sensitive)" in done.output


def test_two_processes_give_the_same_caseload_as_one(tmp_path: Path) -> None:
    import yaml

    from carepath.followup.caseload import CHUNK, caseload_file

    docs = [
        yaml.safe_load(p.read_text(encoding="utf-8"))
        for p in sorted((ROOT / "examples/caseload/cases").glob("*.yaml"))
    ]
    path = tmp_path / "cases.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for i in range(CHUNK + 40):  # more than one chunk
            handle.write(json.dumps(dict(docs[i % len(docs)], case_id=f"X{i:04d}"), default=str) + "\n")
    one = caseload_file(path, DAY, workers=1)
    two = caseload_file(path, DAY, workers=2)
    assert len(one.rows) == CHUNK + 40
    assert one.rows == two.rows
