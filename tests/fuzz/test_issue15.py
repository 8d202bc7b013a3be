"""Issue 15: the reproducers of the fuzzing report, each kept as a regression test.

Each gave a traceback, a half-written file, a hang or a leaked value; each must now give a typed
error (one line from the command line, a 4xx JSON answer from the service) or the right result.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import carepath
from carepath.cli import main
from carepath.errors import (
    CarepathError,
    CaseFormatError,
    CycleError,
    OutOfRangeError,
    RuleFileError,
    RuleSetError,
    YamlError,
)
from carepath.rules.loader import Limits, load_yaml_file
from carepath.rules.ruleset import with_parameters

DAY = dt.date(2026, 11, 23)
ADULT = {"age": 24, "act": ["recruitment"], "purpose": ["forced_labour"], "means": "unknown"}
CLI = [sys.executable, "-m", "carepath"]


def one_line_error(result: object) -> str:
    """The CLI failed with exactly one line on standard error and no traceback."""
    exit_code = getattr(result, "exit_code", None)
    if exit_code is None:
        exit_code = getattr(result, "returncode")  # noqa: B009
    stderr = getattr(result, "stderr")  # noqa: B009
    assert exit_code not in (0, None), stderr
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return str(lines[0])


def run(args: list[str], cwd: Path, **extra: object) -> subprocess.CompletedProcess[str]:
    extra.setdefault("stdout", subprocess.PIPE)
    extra.setdefault("stderr", subprocess.PIPE)
    return subprocess.run([*CLI, *args], cwd=cwd, text=True, timeout=60, check=False, **extra)  # type: ignore[call-overload, no-any-return]


# -- 1. a control character ---------------------------------------------------------------------


def test_1_a_control_character_is_a_located_error_and_validate_goes_on(tmp_path: Path) -> None:
    case = tmp_path / "c.yaml"
    case.write_bytes(b"age: 1\x07\n")
    line = one_line_error(CliRunner().invoke(main, ["assess", str(case)]))
    assert f"{case}:1:7:" in line
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "a.yaml").write_bytes(b"title: x\x07\n")
    (folder / "b.yaml").write_bytes(b"title: y\x00\n")
    result = CliRunner().invoke(main, ["validate", str(folder)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "0 valid, 2 invalid" in result.stderr  # both files reported, not stopped at the first


# -- 2. contacts with a date and a timestamp ------------------------------------------------------


def test_2_contacts_mixing_a_date_and_a_timestamp_sort_by_day() -> None:
    text = (
        "contacts:\n"
        "  - {date: 2024-01-02 10:00:00, answers: {age: 17}}\n"
        "  - {date: 2024-01-01, answers: {age: 16}}\n"
    )
    case = carepath.read_case_text(text)
    assert case["age"] == 17 and [c.date for c in case.contacts] == [dt.date(2024, 1, 1), dt.date(2024, 1, 2)]


def test_also_a_contact_without_an_id_is_labelled_by_position_never_by_date() -> None:
    case = carepath.read_case_text("contacts:\n  - {date: 2024-03-05, answers: {age: 16}}\n")
    assert case.contacts[0].id == "contact 1"
    assert "2024-03-05" not in json.dumps(case.origin)


# -- 3. dates near the calendar's end ------------------------------------------------------------


def test_3_a_date_past_the_bound_is_a_typed_error_everywhere(tmp_path: Path) -> None:
    pipe = carepath.load_pipeline("intl/care_path")
    case = {"stage": "placement", "current_placement": "residential_care", "placement_start": "9999-12-31"}
    with pytest.raises(OutOfRangeError) as info:
        pipe.assess(case, as_of=DAY)
    assert info.value.field == "placement_start" and "9999" not in str(info.value)
    path = tmp_path / "c.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    assert "placement_start" in one_line_error(CliRunner().invoke(main, ["assess", str(path)]))
    result = CliRunner().invoke(main, ["assess", str(path), "--as-of", "9999-12-31"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_3_one_bad_date_does_not_abort_a_caseload(tmp_path: Path) -> None:
    from carepath.followup.caseload import caseload, read_cases

    (tmp_path / "a.yaml").write_text("worker: w1\nanswers: {stage: placement, age: 12}\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("answers: {stage: placement, placement_start: 9999-12-31}\n", "utf-8")
    load = caseload(read_cases(tmp_path), DAY)
    assert load is not None  # no exception: the bad case is reported, the others listed


# -- 5. failed writes ----------------------------------------------------------------------------


def test_5_an_output_in_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "x.jsonl"
    line = one_line_error(
        CliRunner().invoke(main, ["synth", "-r", "intl/palermo", "--n", "2", "-o", str(target)])
    )
    assert "missing" in line and "No such file or directory" in line
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps(ADULT) + "\n", encoding="utf-8")
    args = ["diff", "intl/palermo", "intl/palermo", "--cases", str(cases), "-o", str(target)]
    assert "cannot write" in one_line_error(CliRunner().invoke(main, args))


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))


@pytest.mark.parametrize(
    "args",
    [
        ["synth", "-r", "intl/palermo", "--n", "5000", "-o", "out"],
        ["export", "xlsform", "intl/case_path", "-o", "out"],
    ],
)
def test_5_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "out").write_bytes(b"old")
    result = run(args, tmp_path, preexec_fn=_limit_file_size)
    assert "cannot write" in one_line_error(result)
    assert (tmp_path / "out").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_5_interview_save_that_fails_keeps_the_answers(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "answers.yaml"
    start = tmp_path / "start.yaml"
    start.write_text("age: 24\n", encoding="utf-8")
    args = ["interview", "--case", str(start), "--save", str(target)]
    result = CliRunner().invoke(main, args, input="quit\n")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "cannot write" in result.stderr and "age: 24" in result.stderr  # shown, not lost


# -- 6. size limits counted while reading ---------------------------------------------------------


def test_6_values_are_counted_while_composing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("[" + "1," * 400_000 + "1]", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(YamlError, match="more than 1000 values"):
        load_yaml_file(path, Limits(max_values=1000))
    assert time.perf_counter() - started < 1.0  # stopped at the limit, not after composing it all


# -- 7. redacted JSON masks the plan's dates -------------------------------------------------------


def test_7_redacted_json_masks_due_dates_and_the_dates_they_count_from() -> None:
    pipe = carepath.load_pipeline("intl/care_path")
    case = {
        "stage": "placement",
        "current_placement": "residential_care",
        "age": 12,
        "placement_start": "2026-03-01",
        "last_placement_review": "2026-07-14",
    }
    plain = pipe.assess(case, as_of=DAY, trace=True).to_json()
    assert "2026-07-14" in plain  # the dates are there unredacted
    redacted = pipe.assess(case, as_of=DAY, trace=True, redact=True).to_json(redact=True)
    for date in ("2026-03-01", "2026-07-14", "2026-10-14", "2026-06-01"):
        assert date not in redacted


# -- 8, 9, 14: rule files ---------------------------------------------------------------------------

RULE = """\
parameters:
  limit:
    description: A limit.
    values: [{{valid_from: 2000-01-01, value: {value}, local_setting: true}}]
rules:
  - id: r.one
    title: One
    when: {when}
    then: {{child: true}}
    source: {{document: doc, locator: s1, confidence: verbatim}}
"""
BASE = """\
inputs:
  age: {type: int, min: 0, max: 120, question: {en: "Age?"}}
  since: {type: date, question: {en: "Since?"}}
outcomes:
  child: {type: bool, default: false}
"""


@pytest.mark.parametrize("value", ["2020-01-01", "word", "true"])
def test_8_a_parameter_of_the_wrong_type_for_its_comparison_is_refused_at_load(
    write_rules: Callable[..., Path], value: str
) -> None:
    path = write_rules(BASE + RULE.format(value=value, when='{">=": [age, {param: limit}]}'))
    with pytest.raises(RuleFileError) as info:
        carepath.load(path)
    assert info.value.line is not None and "parameter 'limit'" in info.value.message


@pytest.mark.parametrize(
    ("when", "value", "message"),
    [
        ("{elapsed: {since: since, at_least: {days: 100000000}}}", "1", "over 364000 days"),
        ("{elapsed: {since: since, at_least: {years: 100000000000000000000}}}", "1", "over 999 years"),
        ("{elapsed: {since: since, at_least: {years: {param: limit}}}}", "100000", "over 999 years"),
        ('{">=": [age, 1.0e+300]}', "1", "magnitude"),
        ('{">=": [age, {param: limit}]}', "1.0e+300", "magnitude"),
        ('{">=": [age, {param: limit}]}', ".nan", "NaN"),
    ],
)
def test_9_huge_numbers_are_refused_at_load_with_a_location(
    write_rules: Callable[..., Path], when: str, value: str, message: str
) -> None:
    path = write_rules(BASE + RULE.format(value=value, when=when))
    with pytest.raises(RuleSetError) as info:
        carepath.load(path)
    assert message in str(info.value) and info.value.line is not None


def test_9_an_input_bound_of_nan_and_a_parameter_set_to_10_400(write_rules: Callable[..., Path]) -> None:
    path = write_rules(
        BASE.replace("max: 120", "max: .nan") + RULE.format(value="1", when='{">=": [age, 1]}')
    )
    with pytest.raises(RuleFileError, match="NaN"):
        carepath.load(path)
    rules = carepath.load("intl/palermo")
    name = next(n for n, p in rules.merged.parameters.items() if isinstance(p.values[0].value, int))
    with pytest.raises(RuleSetError):
        with_parameters(rules, {name: 10**400})


def test_14_a_cycle_error_names_a_line(write_rules: Callable[..., Path]) -> None:
    body = """\
inputs:
  age: {type: int, question: {en: "Age?"}}
facts:
  a: {type: bool}
  b: {type: bool}
outcomes:
  child: {type: bool, default: false}
rules:
  - {id: r.a, title: A, when: {is_true: b}, then: {a: true}, source: {document: doc, locator: s1, confidence: verbatim}}
  - {id: r.b, title: B, when: {is_true: a}, then: {b: true}, source: {document: doc, locator: s1, confidence: verbatim}}
  - {id: r.c, title: C, when: {is_true: a}, then: {child: true}, source: {document: doc, locator: s1, confidence: verbatim}}
"""
    with pytest.raises(CycleError) as info:
        carepath.load(write_rules(body))
    assert info.value.line is not None and f":{info.value.line}:" in str(info.value)


# -- 10, 11, 12, 13: reading and writing ------------------------------------------------------------


def test_10_non_utf8_json_lines_name_the_line(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_bytes(json.dumps(ADULT).encode() + b'\n{"age": "\xff"}\n')
    line = one_line_error(CliRunner().invoke(main, ["caseload", str(cases), "--workers", "1"]))
    assert "line 2 is not UTF-8" in line
    args = ["diff", "intl/palermo", "intl/palermo", "--cases", str(cases)]
    assert "line 2 is not UTF-8" in one_line_error(CliRunner().invoke(main, args))


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_11_only_regular_files_are_read(tmp_path: Path, kind: str) -> None:
    if kind == "fifo":
        path = tmp_path / "c.yaml"
        os.mkfifo(path)
    else:
        path = Path("/dev/zero") if kind == "device" else tmp_path
    with pytest.raises(YamlError, match=r"not a regular file|cannot read"):
        load_yaml_file(path)
    with pytest.raises(CaseFormatError):
        carepath.read_case(path)


def test_11_the_command_line_does_not_block_on_a_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "c.yaml")
    assert "not a regular file" in one_line_error(run(["assess", "c.yaml"], tmp_path))


def test_12_surrogate_escapes_join_or_are_refused() -> None:
    case = carepath.read_case_text('answers: {age: 16}\ndescription: "\\ud83d\\ude42"\n')
    assert case.description == "\U0001f642"
    with pytest.raises(CaseFormatError, match="lone UTF-16 surrogate"):
        carepath.read_case_text('answers: {age: 16}\ndescription: "\\ud83d"\n')


def test_13_a_full_standard_output_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text(json.dumps(ADULT), encoding="utf-8")
    with open("/dev/full", "w") as full:
        result = run(
            ["assess", "c.json", "-r", "intl/palermo"], tmp_path, stdout=full, stderr=subprocess.PIPE
        )
    result.stdout = ""
    assert "No space left on device" in one_line_error(result)


# -- also ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["synth", "-r", "intl/palermo", "--n", "-5"],
        ["diff", "intl/palermo", "intl/palermo", "--cases", "CASES", "--workers", "-1"],
    ],
)
def test_also_negative_counts_are_usage_errors(tmp_path: Path, args: list[str]) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps(ADULT) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, [str(cases) if a == "CASES" else a for a in args])
    assert result.exit_code == 2


def test_also_an_unterminated_quote_in_a_csv_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text('consent,age\nyes,"16\n', encoding="utf-8")
    line = one_line_error(CliRunner().invoke(main, ["import-submissions", str(path), "-r", "intl/palermo"]))
    assert "not readable CSV" in line


def test_also_diff_refuses_a_repeated_key(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"age": 16, "age": 30, "act": ["recruitment"]}\n', encoding="utf-8")
    args = ["diff", "intl/palermo", "intl/palermo", "--cases", str(cases)]
    line = one_line_error(CliRunner().invoke(main, args))
    assert "a key repeats" in line and "16" not in line and "30" not in line


def test_also_errors_never_name_a_case_key() -> None:
    secret = "name_of_survivor_sopheap"
    pipe = carepath.load_pipeline("intl/care_path")
    for call in (
        lambda: carepath.load("intl/palermo").evaluate({**ADULT, secret: 1}, as_of=DAY),
        lambda: pipe.assess({**ADULT, secret: 1}, as_of=DAY),
        lambda: carepath.read_case_text(f"case_id: c\nanswers: {{}}\n{secret}: 1\n"),
        lambda: carepath.read_case_text(f"{secret}: 1\n{secret}: 2\n"),
    ):
        with pytest.raises(CarepathError) as info:
            call()
        assert secret not in str(info.value)


def test_9_a_huge_number_in_a_case_is_out_of_range_even_without_a_declared_max(
    write_rules: Callable[..., Path],
) -> None:
    rules = carepath.load(
        write_rules(BASE.replace(", max: 120", "") + RULE.format(value="1", when='{">=": [age, 1]}'))
    )
    assert rules.inputs["age"].max is None
    for value in (10**400, -(10**400), 10**16):
        with pytest.raises(OutOfRangeError) as info:
            rules.evaluate({"age": value}, as_of=DAY)
        assert info.value.field == "age"
    assert rules.evaluate({"age": 10**15}, as_of=DAY)["child"].value is True
