"""Submissions of the XLSForm back into cases: a round trip over every bundled rule set, the
exact reading of ODK Central and KoboToolbox exports, and ``carepath import-submissions``."""

from __future__ import annotations

import csv
import datetime as dt
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import carepath
from carepath.authoring.strategies import cases
from carepath.cases import case_from_data
from carepath.cli import main
from carepath.errors import CaseError, CaseFormatError, FieldTypeError, OutOfRangeError, UnknownFieldError
from carepath.exchange import case_from_submission, read_submissions, xlsform_rows
from carepath.rules.ruleset import RuleSet

RULESETS = {rid: carepath.load(rid) for rid in carepath.bundled_ids()}
PALERMO = RULESETS["intl/palermo"]
WORDS = ("unknown", "declined")
METADATA = {
    "start": "2026-11-23T09:00:00.000+07:00",
    "end": "2026-11-23T09:30:00.000+07:00",
    "today": "2026-11-23",
    "deviceid": "collect:abc",
    "meta/instanceID": "uuid:0f1e",
    "__version__": "v1",
    "_id": 17,
    "_uuid": "0f1e",
    "_submission_time": "2026-11-23T02:31:00",
    "_attachments": [],
    "instanceID": "uuid:0f1e",
    "KEY": "uuid:0f1e",
    "SubmissionDate": "2026-11-23T02:31:00.000Z",
    "formhub/uuid": "77aa",
}


# -- the form as a field team fills it in --------------------------------------------------------


class Form:
    """The questions and choice lists of a rule set's XLSForm, read from ``xlsform_rows``."""

    def __init__(self, ruleset: RuleSet) -> None:
        sheets = xlsform_rows(ruleset)
        self.types = {row["name"]: row["type"] for row in sheets["survey"]}
        self.lists: dict[str, set[str]] = {}
        for row in sheets["choices"]:
            self.lists.setdefault(row["list_name"], set()).add(row["name"])

    def choices(self, name: str) -> set[str]:
        return self.lists[self.types[name].split(" ", 1)[1]]


FORMS = {rid: Form(ruleset) for rid, ruleset in RULESETS.items()}


def encode(form: Form, case: dict[str, Any], prefix: str = "", json_numbers: bool = False) -> dict[str, Any]:
    """A case as the form records it, question by question: choice names, a companion
    ``<input>__answer`` for the words where the form has one, '' where not asked."""
    row: dict[str, Any] = {}
    for name, kind in form.types.items():
        base = name.removesuffix("__answer")
        if base != name and base not in form.types:
            raise AssertionError(f"{name}: a companion with no value question")
        raw = case.get(base)
        word = isinstance(raw, str) and raw in WORDS
        if base != name:  # the companion: answered, unknown or declined
            value: Any = "" if raw is None else raw if word else "answered"
        elif raw is None or (word and f"{name}__answer" in form.types):
            value = ""
        elif kind.startswith("select_one"):
            value = raw if word else ("yes" if raw else "no") if isinstance(raw, bool) else raw
        elif kind.startswith("select_multiple"):
            value = raw if word else " ".join(raw) or "none"
        elif kind in ("integer", "decimal"):
            value = raw if json_numbers else str(raw)
        elif kind == "date":
            value = raw.isoformat()
        else:
            value = raw  # text
        if kind.startswith("select") and value != "":
            assert set(str(value).split()) <= form.choices(name), (name, value)
        row[prefix + name] = value
    return row


def write_export(path: Path, rows: list[dict[str, Any]]) -> None:
    """Rows as a CSV export (every value as text) or a JSON one."""
    if path.suffix == ".json":
        path.write_text(json.dumps({"value": rows}), encoding="utf-8")
        return
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def recordable(case: dict[str, Any]) -> bool:
    """An empty text answer cannot be told from *not asked* in a form."""
    return not any(isinstance(v, str) and not v.strip() for v in case.values())


@pytest.mark.parametrize("rid", sorted(RULESETS))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_case_survives_the_round_trip_through_the_form(rid: str, data: Any) -> None:
    ruleset = RULESETS[rid]
    case = data.draw(cases(ruleset).filter(recordable), label="case")
    prefix = data.draw(st.sampled_from(["", "group_a/", "group_a-", "outer/inner/"]), label="prefix")
    via = data.draw(st.sampled_from(["row", "csv", "json"]), label="via")
    row = {**METADATA, **encode(FORMS[rid], case, prefix, json_numbers=via != "csv")}
    if via != "row":  # through an export file, as ODK Central or KoboToolbox write it
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"export.{via}"
            write_export(path, [row])
            ((number, row),) = read_submissions(path)
            assert number == (2 if via == "csv" else 1)
    got = case_from_submission(ruleset, row)
    json.dumps(got)  # a case file's JSON
    assert set(got) <= set(case)
    # the same values, and unknown, declined and not asked stay distinct
    assert ruleset.check(got) == ruleset.check(case)


# -- reading one submission ---------------------------------------------------------------------


def test_group_prefixes_are_stripped() -> None:
    row = {"grp/age__answer": "answered", "grp/age": "16", "grp-act": "recruitment", "a/b/purpose": ""}
    assert case_from_submission(PALERMO, row) == {"age": 16, "act": ["recruitment"]}
    # ODK Central's OData JSON nests groups as objects
    nested = {"grp": {"age__answer": "answered", "age": 16, "inner": {"means": "fraud"}}}
    assert case_from_submission(PALERMO, nested) == {"age": 16, "means": ["fraud"]}


def test_metadata_is_ignored() -> None:
    central = {"__id": "uuid:1", "__system": {"submissionDate": "2026-11-23", "status": None}}
    kobo = {"_validation_status": {}, "_notes": [], "_geolocation": [None, None], "_tags": []}
    row = {**METADATA, **central, **kobo, "meta-instanceID": "uuid:1", "consent": "no"}
    assert case_from_submission(PALERMO, row) == {"consent": False}


def test_none_alone_is_the_empty_list_and_never_goes_with_a_choice() -> None:
    assert case_from_submission(PALERMO, {"means": "none"}) == {"means": []}
    assert case_from_submission(PALERMO, {"means": "fraud  deception"}) == {"means": ["fraud", "deception"]}
    for bad in ("none fraud", "unknown fraud", "declined unknown"):
        with pytest.raises(OutOfRangeError) as caught:
            case_from_submission(PALERMO, {"means": bad})
        assert caught.value.field == "means" and "fraud" not in str(caught.value)


def test_unknown_and_declined_come_from_the_choice_or_the_companion() -> None:
    assert case_from_submission(PALERMO, {"consent": "declined", "act": "unknown"}) == {
        "consent": "declined",
        "act": "unknown",
    }
    assert case_from_submission(PALERMO, {"age__answer": "unknown", "age": ""}) == {"age": "unknown"}
    # the value question was not asked: a value left over from before is not read
    assert case_from_submission(PALERMO, {"age__answer": "declined", "age": "30"}) == {"age": "declined"}
    # answered with no value, or no companion answer at all: not asked
    assert case_from_submission(PALERMO, {"age__answer": "answered", "age": ""}) == {}
    assert case_from_submission(PALERMO, {"age__answer": "", "age": ""}) == {}
    assert case_from_submission(PALERMO, {"age": "17"}) == {"age": 17}  # no companion column


def test_a_companion_choice_the_input_does_not_take(write_rules: Callable[..., Path]) -> None:
    with pytest.raises(OutOfRangeError) as caught:
        case_from_submission(PALERMO, {"age__answer": "perhaps_ten"})
    assert caught.value.field == "age__answer" and "perhaps_ten" not in str(caught.value)
    only_unknown = carepath.load(
        write_rules(
            """\
            inputs:
              n: {type: int, question: {en: "N?"}, accepts: [unknown]}
              m: {type: int, question: {en: "M?"}, accepts: []}
            """
        )
    )
    with pytest.raises(OutOfRangeError) as caught:
        case_from_submission(only_unknown, {"n__answer": "declined"})
    assert caught.value.field == "n__answer"
    with pytest.raises(UnknownFieldError) as unknown:  # an input that takes no words has no companion
        case_from_submission(only_unknown, {"m__answer": "unknown"})
    assert unknown.value.field == "m__answer"


def test_a_datetime_keeps_its_date() -> None:
    case_path = RULESETS["intl/case_path"]
    row = {"placement_start__answer": "answered", "placement_start": "2026-03-04T23:30:00.000+07:00"}
    assert case_from_submission(case_path, row) == {"placement_start": "2026-03-04"}
    assert case_from_submission(case_path, {"placement_start": "2026-03-04"}) == {
        "placement_start": "2026-03-04"
    }
    for bad in ("04/03/2026", "2026-02-30", "soon"):
        with pytest.raises(FieldTypeError) as caught:
            case_from_submission(case_path, {"placement_start": bad})
        assert caught.value.field == "placement_start" and bad not in str(caught.value)


@pytest.mark.parametrize("value", ["16.5", 16.5, "1.65e1", "sixteen", "", "16", "16.0", 16.0, "1.6e1"])
def test_an_int_input_takes_whole_numbers_only(value: Any) -> None:
    row = {"age__answer": "answered", "age": value}
    if value == "":
        assert case_from_submission(PALERMO, row) == {}
    elif value in ("16", "16.0", 16.0, "1.6e1"):
        got = case_from_submission(PALERMO, row)
        assert got == {"age": 16} and type(got["age"]) is int
    else:
        with pytest.raises(FieldTypeError) as caught:
            case_from_submission(PALERMO, row)
        assert caught.value.field == "age"
        assert str(value) not in str(caught.value)  # case data is never echoed
        assert "expected a whole number" in str(caught.value)


def test_a_number_out_of_range_names_the_field_not_the_value() -> None:
    with pytest.raises(OutOfRangeError) as caught:
        case_from_submission(PALERMO, {"age": "130"}, origin="export.csv:7")
    assert caught.value.field == "age"
    assert str(caught.value).startswith("export.csv:7: age: outside the allowed range")
    assert "130" not in str(caught.value)


def test_an_unknown_column_is_refused_with_a_suggestion_unless_not_strict() -> None:
    with pytest.raises(UnknownFieldError) as caught:
        case_from_submission(PALERMO, {"group/agee": "16", "consent": "yes"})
    assert caught.value.field == "group/agee" and caught.value.suggestion == "age"
    assert "did you mean 'age'?" in str(caught.value) and "16" not in str(caught.value)
    loose = case_from_submission(PALERMO, {"group/agee": "16", "consent": "yes"}, strict=False)
    assert loose == {"consent": True}


def test_yes_no_and_enum_values() -> None:
    assert case_from_submission(PALERMO, {"consent": "yes"}) == {"consent": True}
    with pytest.raises(FieldTypeError) as caught:
        case_from_submission(PALERMO, {"consent": "Yes please"})
    assert caught.value.field == "consent" and "please" not in str(caught.value)
    stage = case_from_submission(RULESETS["intl/case_path"], {"stage": "assessment"})
    assert stage == {"stage": "assessment"}
    with pytest.raises(OutOfRangeError):
        case_from_submission(RULESETS["intl/case_path"], {"stage": "asessment"})


def test_kobo_one_column_per_choice_is_read_only_without_the_question_column() -> None:
    split = {"act/recruitment": "1", "act/transfer": "0", "act/none": "0", "act/unknown": ""}
    assert case_from_submission(PALERMO, split) == {"act": ["recruitment"]}
    assert case_from_submission(PALERMO, {**split, "act": "transfer"}) == {"act": ["transfer"]}
    assert case_from_submission(PALERMO, {"means/none": "1", "means/fraud": "0"}) == {"means": []}
    with pytest.raises(FieldTypeError) as caught:
        case_from_submission(PALERMO, {"act/recruitment": "maybe"})
    assert caught.value.field == "act/recruitment"


def test_the_same_question_in_two_columns_is_refused() -> None:
    with pytest.raises(CaseFormatError) as caught:
        case_from_submission(PALERMO, {"a/consent": "yes", "b/consent": "no"})
    assert caught.value.field == "consent"


# -- files ----------------------------------------------------------------------------------------


CSV = (
    "start,group_a/age__answer,group_a/age,act,means,purpose,consent,meta/instanceID,_id\n"
    "2026-11-23T09:00,answered,16,recruitment,none,prostitution_of_others,,uuid:1,1\n"
    "\n"
    '2026-11-23T10:00,unknown,,"recruitment transportation",fraud,,declined,uuid:2,2\n'
)


def test_read_a_csv_export(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("\ufeff" + CSV, encoding="utf-8")  # ODK Central writes a byte-order mark
    rows = list(read_submissions(path))
    assert [n for n, _ in rows] == [2, 4]  # the spreadsheet's rows: the header is row 1
    assert rows[0][1]["start"] == "2026-11-23T09:00" and rows[1][1]["group_a/age__answer"] == "unknown"
    got = [case_from_submission(PALERMO, row) for _, row in rows]
    assert got == [
        {"age": 16, "act": ["recruitment"], "means": [], "purpose": ["prostitution_of_others"]},
        {
            "age": "unknown",
            "act": ["recruitment", "transportation"],
            "means": ["fraud"],
            "consent": "declined",
        },
    ]
    semicolons = tmp_path / "kobo.csv"
    semicolons.write_text("act;consent\nrecruitment;yes\n", encoding="utf-8")
    assert list(read_submissions(semicolons)) == [(2, {"act": "recruitment", "consent": "yes"})]


def test_read_a_json_export(tmp_path: Path) -> None:
    central = tmp_path / "central.json"
    rows = [{"__id": "uuid:1", "group_a": {"age__answer": "answered", "age": 16}}, {"consent": "no"}]
    central.write_text(json.dumps({"@odata.context": "x", "value": rows}), encoding="utf-8")
    assert list(read_submissions(central)) == [(1, rows[0]), (2, rows[1])]
    plain = tmp_path / "kobo.json"
    plain.write_text(json.dumps(rows), encoding="utf-8")
    assert [case_from_submission(PALERMO, row) for _, row in read_submissions(plain)] == [
        {"age": 16},
        {"consent": False},
    ]
    for bad in ('{"rows": []}', "[1, 2]", "[{", '[{"age": NaN}]', '[{"a": 1, "a": 2}]'):
        central.write_text(bad, encoding="utf-8")
        with pytest.raises(CaseFormatError):
            list(read_submissions(central))


# -- the command ----------------------------------------------------------------------------------


def test_cli_writes_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(CSV, encoding="utf-8")
    result = CliRunner().invoke(main, ["import-submissions", str(path), "--ruleset", "intl/palermo"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    cases = [json.loads(line) for line in lines]
    # one case per submission (no case id question): the instance id is the case id
    assert [c["case_id"] for c in cases] == ["uuid:1", "uuid:2"]
    assert [c["contacts"][0]["answers"] for c in cases] == [
        case_from_submission(PALERMO, row) for _, row in read_submissions(path)
    ]
    assert [c["contacts"][0]["date"] for c in cases] == ["2026-11-23", "2026-11-23"]  # from `start`
    for case in cases:  # each line is a case file carepath reads
        carepath.load("intl/palermo").evaluate(case_from_data(case), as_of=dt.date(2026, 11, 23))
    assert "2 submissions: 2 imported as 2 cases" in result.stderr


def test_cli_skips_a_bad_row_with_file_row_and_field_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    bad = "2026-11-23T11:00,answered,15.5,recruitment,,,,uuid:3,3\n"
    path.write_text(CSV + bad + "2026-11-23T12:00,answered,17,,,,yes,uuid:4,4\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import-submissions", str(path), "-r", "intl/palermo"])
    assert result.exit_code == 3  # done, but some rows were skipped
    assert f"skipped: {path}:5: age: expected a whole number" in result.stderr
    assert "15.5" not in result.output
    # the good rows before and after it
    assert [json.loads(line)["case_id"] for line in result.stdout.splitlines()] == [
        "uuid:1",
        "uuid:2",
        "uuid:4",
    ]
    assert "1 unreadable (skipped)" in result.stderr


def test_cli_strict_and_not_strict(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps([{"consent": "yes", "extra_note": "x"}]), encoding="utf-8")
    strict = CliRunner().invoke(main, ["import-submissions", str(path), "-r", "intl/palermo"])
    assert strict.exit_code == 3 and f"{path}:1: an unknown field (10 characters): neither" in strict.stderr
    assert "extra_note" not in strict.stderr  # the column is named by its length, never itself
    assert strict.stdout == ""
    loose = CliRunner().invoke(main, ["import-submissions", str(path), "-r", "intl/palermo", "--no-strict"])
    assert loose.exit_code == 0
    assert json.loads(loose.stdout) == {
        "case_id": None,
        "contacts": [{"id": "row 1", "date": None, "answers": {"consent": True}}],
    }


def test_cli_unknown_rule_set(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(CSV, encoding="utf-8")
    result = CliRunner().invoke(main, ["import-submissions", str(path), "-r", "intl/nope"])
    assert result.exit_code == 1


def test_every_error_is_a_case_error(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(b"age\n\xff\n")
    with pytest.raises(CaseError, match="not UTF-8"):
        list(read_submissions(path))
