"""`carepath assess` over many cases: one result row per case, bad cases skipped and reported."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

import carepath
from carepath.cases import case_from_data
from carepath.cli import SKIPPED_EXIT, main

ROOT = Path(__file__).resolve().parents[1]
CARE_PATH = ROOT / "examples/care_path"
AS_OF = "2026-11-23"
PIPE = carepath.load_pipeline("intl/care_path")
GIRL = "girl-unsafe-family.yaml"  # kinship care comes first, the family is blocked (README)
MAN = "man-labour-quick-return.yaml"


def case_line(name: str) -> str:
    return json.dumps(yaml.safe_load((CARE_PATH / name).read_text(encoding="utf-8")), default=str)


def assess(*args: str) -> Any:
    return CliRunner().invoke(main, ["assess", *args, "--as-of", AS_OF])


def expected(data: dict[str, Any]) -> dict[str, Any]:
    """What the row should say, from the pipeline's own result."""
    result = PIPE.assess(case_from_data(data), as_of=dt.date.fromisoformat(AS_OF))
    assert result.ranking is not None
    top, provisional = result.ranking.top, result.ranking.provisional
    first = (
        {"option": top.option, "status": "determined"}
        if top
        else {"option": provisional.option, "status": "provisional"}
        if provisional
        else None
    )
    return {
        "first_choice": first,
        "blocked": [b.option for b in result.ranking.blocked],
        "open_questions": list(result.next_questions),
        "identification": result.steps["identification"].outcomes["identification"].value,
    }


def test_a_json_lines_file_gives_one_row_per_case(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(f"{case_line(GIRL)}\n\n{case_line(MAN)}\n", encoding="utf-8")
    result = assess(str(path))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["case_id"], r["source"]) for r in rows] == [
        ("example-girl-unsafe-family", "cases.jsonl:1"),
        ("example-man-labour-quick-return", "cases.jsonl:3"),
    ]
    girl = rows[0]
    assert girl["first_choice"] == {"option": "kinship_care", "status": "determined"}
    assert girl["blocked"] == ["family_reunification"]
    for row, name in zip(rows, (GIRL, MAN), strict=True):
        want = expected(yaml.safe_load((CARE_PATH / name).read_text(encoding="utf-8")))
        assert row["first_choice"] == want["first_choice"]
        assert row["blocked"] == want["blocked"] and row["open_questions"] == want["open_questions"]
        assert row["outcomes"]["identification.identification"] == {
            "value": want["identification"],
            "status": "determined",
        }
    assert "2 cases assessed, 0 skipped" in result.stderr


def test_a_provisional_first_choice_says_so(tmp_path: Path) -> None:
    data = {
        "answers": {"age": 34, "act": ["recruitment"], "means": ["deception"], "purpose": ["forced_labour"]}
    }
    want = expected(data)
    assert want["first_choice"] is not None and want["first_choice"]["status"] == "provisional"
    path = tmp_path / "provisional.jsonl"
    path.write_text(json.dumps(data) + "\n", encoding="utf-8")
    row = json.loads(assess(str(path)).stdout)
    assert row["case_id"] is None and row["first_choice"] == want["first_choice"]
    assert row["open_questions"] == want["open_questions"] and row["open_questions"]


def test_a_bad_case_is_reported_by_its_line_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    secret = json.loads(case_line(GIRL))
    secret["answers"]["age"] = 1234
    path.write_text(
        "\n".join(
            [case_line(GIRL), "{not json", json.dumps(secret), '{"answers": {"agee": 5}}', case_line(MAN)]
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "results.jsonl"
    result = assess(str(path), "-o", str(out))
    assert result.exit_code == SKIPPED_EXIT
    assert [json.loads(line)["source"] for line in out.read_text(encoding="utf-8").splitlines()] == [
        "cases.jsonl:1",
        "cases.jsonl:5",
    ]
    errors = [line for line in result.stderr.splitlines() if line.startswith("skipped: ")]
    assert [e.split(":")[1:3] for e in errors] == [
        [" cases.jsonl", "2"],
        [" cases.jsonl", "3"],
        [" cases.jsonl", "4"],
    ]
    assert "age: outside the allowed range" in errors[1]
    assert "1234" not in result.output and "agee" not in result.output  # never a value nor a key
    assert "2 cases assessed, 3 skipped" in result.stderr and f"written to {out}" in result.stderr


def test_csv_rows_have_one_column_per_outcome(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(f"{case_line(GIRL)}\n{case_line(MAN)}\n", encoding="utf-8")
    result = assess(str(path), "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0])[:3] == ["case_id", "source", "identification.identification"]
    assert list(rows[0])[-4:] == ["first_choice", "first_choice_status", "blocked", "open_questions"]
    girl = rows[0]
    assert (girl["first_choice"], girl["first_choice_status"], girl["blocked"]) == (
        "kinship_care",
        "determined",
        "family_reunification",
    )
    result_ = PIPE.assess(case_from_data(json.loads(case_line(GIRL))), as_of=dt.date.fromisoformat(AS_OF))
    for step in result_.order:
        for name, outcome in result_.steps[step].outcomes.items():
            cell = girl[f"{step}.{name}"]
            assert (cell == "undetermined") == (not outcome.determined)  # never read as a value
    assert girl["open_questions"].split() == list(result_.next_questions)


def test_a_folder_of_case_files(tmp_path: Path) -> None:
    for name in (GIRL, MAN):
        shutil.copy(CARE_PATH / name, tmp_path / name)
    (tmp_path / "broken.yaml").write_text("answers: [\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a case", encoding="utf-8")
    result = assess(str(tmp_path))
    assert result.exit_code == SKIPPED_EXIT
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["source"], r["case_id"]) for r in rows] == [
        (GIRL, "example-girl-unsafe-family"),
        (MAN, "example-man-labour-quick-return"),
    ]
    assert "skipped: broken.yaml: " in result.stderr


def test_a_submissions_export_is_imported_then_assessed() -> None:
    export = ROOT / "examples/submissions/care-path-odk-central.csv"
    result = assess(str(export))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["case_id"] for r in rows] == ["SIM-0001", "SIM-0002"]  # the rejected one is left out
    assert "1 rejected by review" in result.stderr
    kobo = assess(str(ROOT / "examples/submissions/care-path-kobo.json"), "--format", "csv")
    assert kobo.exit_code == 0 and [r["case_id"] for r in csv.DictReader(io.StringIO(kobo.stdout))] == [
        "SIM-0101"
    ]


def test_one_rule_set_over_many_cases(tmp_path: Path) -> None:
    export = ROOT / "examples/submissions/palermo-odk-central.csv"
    result = assess(str(export), "-r", "intl/palermo", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["source"] for r in rows] == [
        "palermo-odk-central.csv:2",
        "palermo-odk-central.csv:3",
        "palermo-odk-central.csv:4",
    ]
    assert rows[0]["identification"] == "victim" and rows[0]["first_choice"] == ""
    assert rows[2]["identification"] == "undetermined" and rows[2]["open_questions"]


def test_a_single_case_still_gives_its_report_and_other_formats_are_refused(tmp_path: Path) -> None:
    one = assess(str(CARE_PATH / GIRL))
    assert one.exit_code == 0 and "first choice" in one.stdout
    out = tmp_path / "girl.md"
    assert assess(str(CARE_PATH / GIRL), "--format", "markdown", "-o", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("#")
    path = tmp_path / "cases.jsonl"
    path.write_text(case_line(GIRL) + "\n", encoding="utf-8")
    refused = assess(str(path), "--format", "html")
    assert refused.exit_code == 2 and "jsonl or csv" in refused.output


def test_the_progress_bar_is_for_a_terminal_only(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(f"{case_line(GIRL)}\n{case_line(MAN)}\n", encoding="utf-8")
    quiet = assess(str(path), "-o", str(tmp_path / "a.jsonl"))
    assert "cases  [" not in quiet.stderr and "100%" not in quiet.stderr
    # on a terminal (a pseudo-terminal as standard error): the bar is drawn
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80"}
    args = [
        sys.executable,
        "-m",
        "carepath",
        "assess",
        str(path),
        "--as-of",
        AS_OF,
        "-o",
        str(tmp_path / "b.jsonl"),
    ]
    done = subprocess.run(
        args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=follower, env=env, timeout=120
    )
    os.close(follower)
    shown = b""
    try:
        while chunk := os.read(leader, 4096):
            shown += chunk
    except OSError:  # the terminal is closed once read
        pass
    os.close(leader)
    assert done.returncode == 0
    assert b"cases" in shown and b"100%" in shown
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_a_line_that_is_not_utf8_is_skipped_not_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_bytes(
        case_line(GIRL).encode() + b"\n" + b'{"answers": {"age": "\xff"}}\n' + case_line(MAN).encode() + b"\n"
    )
    result = assess(str(path))
    assert result.exit_code == SKIPPED_EXIT
    assert [json.loads(line)["source"] for line in result.stdout.splitlines()] == [
        "cases.jsonl:1",
        "cases.jsonl:3",
    ]
    assert "skipped: cases.jsonl:2: not UTF-8 (byte 22)" in result.stderr


def test_one_case_file_as_a_result_row() -> None:
    result = assess(str(CARE_PATH / GIRL), "--format", "jsonl")
    assert result.exit_code == 0, result.output
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert (row["case_id"], row["source"]) == ("example-girl-unsafe-family", GIRL)
    assert row["first_choice"] == {"option": "kinship_care", "status": "determined"}
