"""A whole export back to cases: ids and dates kept, several submissions of one case as its
contacts, rejected submissions skipped and counted, a bad row skipped and reported."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import carepath
from carepath.cases import case_from_data
from carepath.cli import SKIPPED_EXIT, main
from carepath.errors import CaseFormatError
from carepath.exchange.submissions import import_submissions, submission_meta

PALERMO = carepath.load("intl/palermo")
CARE_PATH = carepath.load_pipeline("intl/care_path")
EXAMPLES = Path(__file__).resolve().parents[1] / "examples/submissions"


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


# -- what a submission says about itself ---------------------------------------------------------


def test_the_instance_id_is_read_in_order_of_preference() -> None:
    assert submission_meta({"meta/instanceID": "uuid:m", "KEY": "uuid:k"}).instance_id == "uuid:k"
    assert submission_meta({"meta-instanceID": "uuid:m", "_uuid": "u"}).instance_id == "uuid:m"
    assert submission_meta({"_uuid": "u", "_id": 5}).instance_id == "u"
    assert submission_meta({"age": "3"}) == submission_meta({})  # nothing known: no id, no date
    assert submission_meta({}).case is None


def test_ids_dates_and_review_of_each_export() -> None:
    central_csv = {"KEY": "uuid:a", "SubmissionDate": "2026-11-20T08:00:00.000Z", "ReviewState": "rejected"}
    meta = submission_meta(central_csv)
    assert (meta.instance_id, meta.case, meta.date, meta.rejected) == (
        "uuid:a",
        "uuid:a",
        dt.date(2026, 11, 20),
        True,
    )
    odata = {
        "__id": "uuid:b",
        "__system": {"submissionDate": "2026-11-21T01:00:00Z", "reviewState": "hasIssues"},
    }
    meta = submission_meta(odata)
    assert (meta.instance_id, meta.date, meta.rejected) == ("uuid:b", dt.date(2026, 11, 21), False)
    assert submission_meta({**odata, "__system": {"reviewState": "rejected"}}).rejected
    kobo = {"_uuid": "c", "_submission_time": "2026-11-22T03:00:00", "meta/instanceID": "uuid:c"}
    meta = submission_meta({**kobo, "_validation_status": {"uid": "validation_status_not_approved"}})
    assert (meta.instance_id, meta.date, meta.rejected) == ("uuid:c", dt.date(2026, 11, 22), True)
    assert submission_meta({**kobo, "_validation_status": "validation_status_not_approved"}).rejected  # CSV
    assert submission_meta({**kobo, "_validation_status": "Not Approved"}).rejected  # exported with labels
    assert not submission_meta({**kobo, "_validation_status": "On Hold"}).rejected
    assert not submission_meta({**kobo, "_validation_status": {"uid": "validation_status_approved"}}).rejected
    assert not submission_meta({**kobo, "_validation_status": {}}).rejected


def test_the_case_id_question_wins_and_the_interview_date_comes_before_the_upload() -> None:
    row = {"KEY": "uuid:a", "grp/case_id": " SIM-7 ", "SubmissionDate": "2026-11-25T08:00:00Z"}
    assert submission_meta(row).case == "SIM-7"
    assert submission_meta(row).date == dt.date(2026, 11, 25)
    # collected offline on the 20th, uploaded on the 25th: the contact is the interview
    assert submission_meta({**row, "start": "2026-11-20T23:30:00+07:00"}).date == dt.date(2026, 11, 20)
    assert submission_meta({**row, "today": "2026-11-19", "start": "2026-11-20T09:00"}).date == dt.date(
        2026, 11, 19
    )


def test_a_bad_date_names_its_column_not_its_value() -> None:
    with pytest.raises(CaseFormatError) as caught:
        submission_meta({"start": "20/11/2026"})
    assert caught.value.field == "start" and "2026" not in str(caught.value)


# -- a whole export -------------------------------------------------------------------------------


def test_several_submissions_of_one_case_are_its_contacts_in_date_order(tmp_path: Path) -> None:
    rows = [  # newest first, as ODK Central exports them
        {"KEY": "uuid:3", "case_id": "A", "today": "2026-11-22", "consent": "yes"},
        {"KEY": "uuid:2", "case_id": "B", "today": "2026-11-21", "age": "40"},
        {"KEY": "uuid:1", "case_id": "A", "today": "2026-11-20", "age": "16", "consent": "declined"},
    ]
    done = import_submissions(PALERMO, write_csv(tmp_path / "e.csv", rows))
    assert [c["case_id"] for c in done.cases] == ["A", "B"] and done.rows == [2, 3]
    first = done.cases[0]
    assert [(c["id"], c["date"]) for c in first["contacts"]] == [
        ("uuid:1", "2026-11-20"),
        ("uuid:3", "2026-11-22"),
    ]
    case = case_from_data(first)
    assert dict(case) == {"age": 16, "consent": True}  # the later real answer wins over a refusal
    assert case.origin["consent"] == "uuid:3"
    assert (done.submissions, done.imported, done.rejected, done.skipped) == (3, 3, 0, [])


def test_rejected_submissions_are_skipped_and_counted(tmp_path: Path) -> None:
    rows = [
        {"KEY": "uuid:1", "ReviewState": "rejected", "age": "16"},
        {"KEY": "uuid:2", "ReviewState": "edited", "age": "17"},
        {"KEY": "uuid:3", "ReviewState": "", "age": "18"},
    ]
    done = import_submissions(PALERMO, write_csv(tmp_path / "e.csv", rows))
    assert [c["case_id"] for c in done.cases] == ["uuid:2", "uuid:3"]
    assert (done.rejected, done.imported) == (1, 2)
    assert "3 submissions: 2 imported as 2 cases, 1 rejected by review" in done.summary()


def test_a_bad_row_is_skipped_with_its_row_and_field_and_nothing_else_is_lost(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(
        "KEY,age,consent\n"
        "uuid:1,16,yes\n"
        "uuid:2,sixteen,yes\n"  # not a number
        "uuid:3,17,yes,extra\n"  # more cells than columns
        "uuid:1,18,no\n"  # the same submission again
        "uuid:4,19,no\n",
        encoding="utf-8",
    )
    told: list[str] = []
    done = import_submissions(PALERMO, path, on_skip=told.append)
    assert [c["case_id"] for c in done.cases] == ["uuid:1", "uuid:4"]
    assert done.cases[0]["contacts"][0]["answers"] == {"age": 16, "consent": True}
    assert told == done.skipped
    assert done.skipped[0] == f"{path}:3: age: expected a whole number"
    assert done.skipped[1] == f"{path}:4: more cells than columns"
    assert done.skipped[2].startswith(f"{path}:5: the same submission")
    assert not any(v in m for m in done.skipped for v in ("sixteen", "extra", "uuid"))
    assert (done.submissions, done.imported) == (5, 2)


def test_a_json_item_that_is_no_object_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    path.write_text(json.dumps([{"_uuid": "a", "age": 3}, 7, {"_uuid": "b", "age": 4}]), encoding="utf-8")
    done = import_submissions(PALERMO, path)
    assert [c["case_id"] for c in done.cases] == ["a", "b"]
    assert done.skipped == [f"{path}:2: a submission is a JSON object"]


def test_a_pipeline_form_reads_every_step_and_checks_each_answer(tmp_path: Path) -> None:
    rows = [{"KEY": "u1", "identification/age": "16", "care_options/kinship_carer_available": "yes"}]
    done = import_submissions(CARE_PATH, write_csv(tmp_path / "e.csv", rows))
    assert done.cases[0]["contacts"][0]["answers"] == {"age": 16, "kinship_carer_available": True}
    bad = import_submissions(CARE_PATH, write_csv(tmp_path / "b.csv", [{"KEY": "u1", "stage": "later"}]))
    assert bad.cases == [] and bad.skipped[0].startswith(f"{tmp_path / 'b.csv'}:2: stage: ")
    assert "later" not in bad.skipped[0]


def test_the_bundled_examples_import_as_their_cases() -> None:
    central = import_submissions(CARE_PATH, EXAMPLES / "care-path-odk-central.csv")
    assert [c["case_id"] for c in central.cases] == ["SIM-0001", "SIM-0002"]
    assert [c["id"] for c in central.cases[0]["contacts"]] == ["uuid:7d0c-sim-0001", "uuid:7d0c-sim-0004"]
    assert (central.rejected, central.skipped) == (1, [])
    kobo = import_submissions(CARE_PATH, EXAMPLES / "care-path-kobo.json")
    assert [c["case_id"] for c in kobo.cases] == ["SIM-0101"] and kobo.rejected == 1
    for case in (*central.cases, *kobo.cases):
        CARE_PATH.assess(case_from_data(case), as_of=dt.date(2026, 11, 23), trace=False)


# -- the command ----------------------------------------------------------------------------------


def test_cli_writes_the_cases_to_a_file_and_exits_3_when_rows_were_skipped(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", [{"KEY": "u1", "age": "16"}, {"KEY": "u2", "age": "x"}])
    out = tmp_path / "cases.jsonl"
    result = CliRunner().invoke(main, ["import-submissions", str(path), "-r", "intl/palermo", "-o", str(out)])
    assert result.exit_code == SKIPPED_EXIT == 3
    assert [json.loads(line)["case_id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["u1"]
    assert f"skipped: {path}:3: age: expected a whole number" in result.stderr
    assert f"written to {out}" in result.stderr and result.stdout == ""


def test_cli_an_unreadable_export_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text('KEY,age\nu1,16\nu2,"17\n', encoding="utf-8")  # an unterminated quote
    out = tmp_path / "cases.jsonl"
    out.write_text("before\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import-submissions", str(path), "-r", "intl/palermo", "-o", str(out)])
    assert result.exit_code == 1 and "not readable CSV" in result.stderr
    assert out.read_text(encoding="utf-8") == "before\n"


def test_cli_needs_a_rule_set_or_a_pipeline(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", [{"KEY": "u1", "age": "16"}])
    assert CliRunner().invoke(main, ["import-submissions", str(path)]).exit_code == 2
    both = ["import-submissions", str(path), "-r", "intl/palermo", "-p", "intl/care_path"]
    assert CliRunner().invoke(main, both).exit_code == 2
    result = CliRunner().invoke(main, ["import-submissions", str(path), "-p", "intl/care_path"])
    assert result.exit_code == 0 and json.loads(result.stdout)["case_id"] == "u1"
