"""One XLSForm for a whole pipeline: its layout, pyxform's conversion, the skip logic across
steps, and the form loaded and filled in a real XForm engine (ODK Web Forms' engine, headless
under Node: tests/xforms/fill.mjs), its submission imported back and assessed.

The engine tests need Node (20.19.3 or later) and the packages of tests/xforms (``npm ci``
there); they are skipped only where ``node`` or ``npm`` is absent, and fail even then under
``CAREPATH_XFORMS_ENGINE=required`` (CI).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import elementpath
import pytest
from click.testing import CliRunner
from elementpath import XPath1Parser
from hypothesis import HealthCheck, given, settings
from openpyxl import load_workbook
from pyxform.xls2xform import convert

import carepath
from carepath.assessments import Pipeline
from carepath.authoring.strategies import cases
from carepath.cases import read_case
from carepath.cli import main
from carepath.exchange.pipeline_form import (
    CASE_ID,
    METADATA_QUESTIONS,
    asked_in,
    pipeline_relevance,
    pipeline_xlsform_rows,
    write_pipeline_xlsform,
)

ROOT = Path(__file__).resolve().parent.parent
XFORMS = "{http://www.w3.org/2002/xforms}"
JAVAROSA = "{http://openrosa.org/javarosa}"
PIPELINES = {pid: carepath.load_pipeline(pid) for pid in ("intl/care_path", "kh/care_path")}
CARE_PATH = PIPELINES["intl/care_path"]
EXAMPLE = ROOT / "examples" / "care_path" / "man-labour-quick-return"
ENGINE = ROOT / "tests" / "xforms"


# -- helpers -------------------------------------------------------------------------------------


def survey(pipeline: Pipeline) -> list[dict[str, Any]]:
    return pipeline_xlsform_rows(pipeline)["survey"]


def questions(pipeline: Pipeline) -> dict[str, dict[str, Any]]:
    """The survey rows that hold an answer (no groups, no notes), by name."""
    return {
        row["name"]: row
        for row in survey(pipeline)
        if row["type"] not in ("begin group", "end group", "note")
    }


def form_values(pipeline: Pipeline, case: dict[str, Any]) -> dict[str, Any]:
    """A case as an enumerator enters it in the form: choice names ('yes' / 'no', names joined
    by spaces), a companion ``<field>__answer`` (answered, unknown or declined), numbers and
    dates as text; a field the case leaves out is not entered at all."""
    rows = questions(pipeline)
    out: dict[str, Any] = {}
    for name, spec in pipeline.inputs.items():
        if name not in case:
            continue
        raw = case[name]
        word = isinstance(raw, str) and raw in ("unknown", "declined")
        if f"{name}__answer" in rows:
            out[f"{name}__answer"] = raw if word else "answered"
            if word:
                continue
        if word:
            out[name] = raw
        elif spec.type == "bool":
            out[name] = "yes" if raw else "no"
        elif spec.type == "set":
            out[name] = " ".join(raw) if raw else "none"
        elif isinstance(raw, dt.date):
            out[name] = raw.isoformat()
        else:
            out[name] = raw
    return out


def xpath(expr: str, values: dict[str, Any]) -> bool:
    """A ``relevant`` expression evaluated as XPath 1.0, '' for a question not answered."""
    names = set(re.findall(r"\$\{(\w+)\}", expr))
    variables = {n: values.get(n, "") for n in names}
    result = elementpath.select(
        ET.Element("data"), re.sub(r"\$\{(\w+)\}", r"$\1", expr), parser=XPath1Parser, variables=variables
    )
    assert isinstance(result, bool), (expr, result)
    return result


def outcomes(pipeline: Pipeline, case: dict[str, Any], day: dt.date) -> dict[str, dict[str, Any]]:
    found = pipeline.assess(case, as_of=day, trace=False)
    return {
        step: {name: (o.value, o.status) for name, o in evaluation.outcomes.items()}
        for step, evaluation in found.steps.items()
    }


def binds(root: ET.Element) -> dict[str, dict[str, str]]:
    return {b.attrib["nodeset"]: b.attrib for b in root.iter(f"{XFORMS}bind")}


def xform(pipeline: Pipeline, tmp_path: Path) -> tuple[ET.Element, list[str], Path]:
    path = write_pipeline_xlsform(pipeline, tmp_path / "form.xlsx")
    warnings: list[str] = []
    result = convert(str(path), warnings=warnings)
    out = tmp_path / "form.xml"
    out.write_text(result.xform, encoding="utf-8")
    return ET.fromstring(result.xform), warnings, out


# -- the sheets and pyxform ------------------------------------------------------------------


@pytest.mark.parametrize("pid", sorted(PIPELINES))
def test_the_pipeline_form_converts_with_pyxform_without_warnings(pid: str, tmp_path: Path) -> None:
    pipeline = PIPELINES[pid]
    root, warnings, _ = xform(pipeline, tmp_path)
    assert warnings == []
    found = binds(root)
    asked = asked_in(pipeline)
    for step, fields in asked.items():
        for name, spec in fields.items():
            bind = found[f"/data/{step}/{name}"]  # in the group of the first step that reads it
            if spec.type in ("int", "number", "date", "text") and spec.accepts:
                assert found[f"/data/{step}/{name}__answer"]["type"] == "string"
            assert (bind.get("{https://carepath.invalid/xforms}sensitive") == "true") == spec.sensitive
    for name in METADATA_QUESTIONS:
        assert f"/data/{name}" in found
    assert found["/data/start"][f"{JAVAROSA}preload"] == "timestamp"
    assert found["/data/deviceid"][f"{JAVAROSA}preload"] == "property"
    assert found[f"/data/{CASE_ID}"]["required"] == "true()"
    assert "/data/meta/instanceID" in found
    (primary,) = [i for i in root.iter(f"{XFORMS}instance") if "id" not in i.attrib]
    (data,) = list(primary)
    assert data.attrib["id"] == pid.replace("/", "_")
    assert data.attrib["version"].startswith(pipeline.version + "+")


@pytest.mark.parametrize("pid", sorted(PIPELINES))
def test_each_field_is_asked_once_in_the_first_step_that_reads_it(pid: str) -> None:
    pipeline = PIPELINES[pid]
    rows = questions(pipeline)
    plain = [n for n in rows if not n.endswith("__answer") and n not in (*METADATA_QUESTIONS, CASE_ID)]
    assert Counter(plain).most_common(1)[0][1] == 1
    assert set(plain) == set(pipeline.inputs)
    steps = [s for s in pipeline.order if s in pipeline.model.steps]
    group_of: dict[str, str] = {}
    current = None
    for row in survey(pipeline):
        if row["type"] == "begin group":
            current = row["name"]
        elif row["type"] == "end group":
            current = None
        elif current is not None:
            group_of[row["name"]] = current
    shared = 0
    for name in plain:
        readers = [
            s
            for s in steps
            if name in pipeline.rulesets[s].inputs and name not in pipeline.model.steps[s].feeds
        ]
        assert group_of[name] == readers[0], name
        shared += len(readers) > 1
    assert shared > 0  # the care path has fields several steps read
    # a field every reading step takes from an earlier outcome is not asked
    fed = {n for s in steps for n in pipeline.model.steps[s].feeds}
    only_fed = {
        n
        for n in fed
        if all(n in pipeline.model.steps[s].feeds for s in steps if n in pipeline.rulesets[s].inputs)
    }
    assert only_fed and not only_fed & set(rows)


def test_a_group_per_step_opens_with_a_note_on_what_it_decides() -> None:
    rows = survey(CARE_PATH)
    begins = [i for i, row in enumerate(rows) if row["type"] == "begin group"]
    assert [rows[i]["name"] for i in begins] == list(asked_in(CARE_PATH))
    for i in begins:
        step = rows[i]["name"]
        note = rows[i + 1]
        assert note["type"] == "note" and note["name"] == f"{step}_about"
        assert CARE_PATH.model.steps[step].description in note["label::English (en)"]
    assert sum(row["type"] == "end group" for row in rows) == len(begins)
    assert [row["name"] for row in rows[:5]] == [*METADATA_QUESTIONS, CASE_ID]


def test_required_only_where_an_unknown_answer_is_offered() -> None:
    rows = questions(CARE_PATH)
    assert rows[CASE_ID]["required"] == "yes"
    choices: dict[str, set[str]] = {}
    for row in pipeline_xlsform_rows(CARE_PATH)["choices"]:
        choices.setdefault(row["list_name"], set()).add(row["name"])
    required = 0
    for name, row in rows.items():
        if name in (*METADATA_QUESTIONS, CASE_ID) or row.get("required") != "yes":
            continue
        required += 1
        kind = row["type"].split(" ")
        if len(kind) == 2:  # a select: "Unknown" or "Does not know" is a choice
            assert "unknown" in choices[kind[1]], name
            assert "choose" in row["required_message::English (en)"]
        else:  # a value asked only once its companion says "answered"
            assert row["relevant"].startswith(f"${{{name}__answer}} = 'answered'"), name
    yes_no = [n for n, r in rows.items() if r["type"] == "select_one yes_no"]
    assert all(rows[n].get("required") is None for n in yes_no)  # required would force a guess
    assert required > 50


# -- skip logic across steps -------------------------------------------------------------------


def test_relevance_only_reads_questions_asked_before() -> None:
    order = list(questions(CARE_PATH))
    for name, expr in pipeline_relevance(CARE_PATH).items():
        for ref in re.findall(r"\$\{(\w+)\}", expr):
            assert order.index(ref) < order.index(name), (name, ref)


def test_nothing_is_skipped_before_anything_is_answered() -> None:
    for pid, pipeline in PIPELINES.items():
        assert all(xpath(expr, {}) for expr in pipeline_relevance(pipeline).values()), pid


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(CARE_PATH))
def test_a_question_the_form_hides_never_changes_an_outcome_of_the_care_path(case: dict[str, Any]) -> None:
    day = dt.date(2026, 11, 23)
    values = form_values(CARE_PATH, case)
    hidden = [n for n, expr in pipeline_relevance(CARE_PATH).items() if n in case and not xpath(expr, values)]
    if not hidden:
        return
    shown = {k: v for k, v in case.items() if k not in hidden}
    assert outcomes(CARE_PATH, shown, day) == outcomes(CARE_PATH, case, day), hidden


# -- command line --------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["intl/care_path", "kh/care_path", "file"])
def test_cli_exports_one_form_for_a_pipeline(source: str, tmp_path: Path) -> None:
    if source == "file":  # a pipeline file of the team's own, not named .pipeline.yaml
        source = str(tmp_path / "our_path.yaml")
        shutil.copy(ROOT / "rulesets" / "intl" / "care_path.pipeline.yaml", source)
    out = tmp_path / "form.xlsx"
    result = CliRunner().invoke(main, ["export", "xlsform", source, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "questions in" in result.output and "steps" in result.output
    book = load_workbook(out)
    assert book.sheetnames == ["survey", "choices", "settings"]
    names = [row[1].value for row in book["survey"].iter_rows(min_row=2)]
    assert CASE_ID in names and "begin group" in [row[0].value for row in book["survey"].iter_rows(min_row=2)]


# -- a real XForm engine -------------------------------------------------------------------


def engine(form: Path, runs: list[tuple[dict[str, Any], list[tuple[str, str]]]]) -> list[dict[str, Any]]:
    """Fill the form in ODK Web Forms' engine (tests/xforms/fill.mjs), as an enumerator would:
    one new instance per run of answers and bad values to try."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        if os.environ.get("CAREPATH_XFORMS_ENGINE") == "required":  # CI sets it: never skipped there
            pytest.fail("CAREPATH_XFORMS_ENGINE=required, but node or npm is not installed")
        pytest.skip("Node and npm are needed for the XForm engine test (CI installs them)")
    if not (ENGINE / "node_modules" / "@getodk" / "xforms-engine").is_dir():
        # the README's one test command installs the engine too (npm ci: the pinned lock file)
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=ENGINE, capture_output=True, text=True, timeout=900
        )
        if done.returncode != 0:
            if os.environ.get("CAREPATH_XFORMS_ENGINE") == "required":
                pytest.fail(f"`npm ci` in tests/xforms failed: {done.stderr[-500:]}")
            pytest.skip("the XForm engine could not be installed (npm ci in tests/xforms failed)")
    job = {
        "form": str(form),
        "runs": [{"answers": {k: str(v) for k, v in a.items()}, "bad": b} for a, b in runs],
    }
    done = subprocess.run(
        ["node", "fill.mjs"], cwd=ENGINE, input=json.dumps(job), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found: list[dict[str, Any]] = json.loads(done.stdout)
    return found


def submission_row(xml: str) -> dict[str, str]:
    """The submission XML as ODK Central's flat export row: ``group/name`` -> text."""
    row: dict[str, str] = {}

    def walk(node: ET.Element, prefix: str) -> None:
        for child in node:
            path = f"{prefix}{child.tag}"
            if len(child):
                walk(child, path + "/")
            else:
                row[path] = child.text or ""

    walk(ET.fromstring(xml), "")
    return row


@pytest.fixture(scope="module")
def care_path_form(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return xform(CARE_PATH, tmp_path_factory.mktemp("form"))[2]


def test_the_engine_fills_a_whole_case_and_its_submission_assesses_as_the_example(
    care_path_form: Path, tmp_path: Path
) -> None:
    case = read_case(EXAMPLE.with_suffix(".yaml"))
    expected = json.loads(EXAMPLE.with_suffix(".json").read_text(encoding="utf-8"))
    answers = dict(case.contacts[0].answers)
    values = form_values(CARE_PATH, answers)
    (filled,) = engine(care_path_form, [({CASE_ID: case.case_id, **values}, [])])

    # every fact once; nothing the case answers is hidden from the enumerator
    names = [q["name"] for q in filled["questions"]]
    assert len(names) == len(set(names))
    assert set(CARE_PATH.inputs) <= set(names)
    assert filled["not_shown"] == []
    # the engine's relevance is the relevance carepath derived, question by question
    shown = {q["name"]: q["relevant"] for q in filled["questions"]}
    for name, expr in pipeline_relevance(CARE_PATH).items():
        status = f"{name}__answer"
        assert shown[status if status in shown else name] is xpath(expr, values), name
    # left open: only required questions the case does not answer, each with its message
    open_ = {v["reference"].rsplit("/", 1)[1]: v for v in filled["violations"]}
    assert all(v["condition"] == "required" and v["message"] for v in open_.values())
    assert not set(open_) & set(values)

    # the submission, exported as ODK Central does, imports back through the command line
    export = tmp_path / "submissions.json"
    row = {**submission_row(filled["submission"]), "KEY": "uuid:1", "SubmissionDate": "2026-11-23T10:00:00Z"}
    export.write_text(json.dumps({"value": [row]}), encoding="utf-8")
    result = CliRunner().invoke(main, ["import-submissions", str(export), "--pipeline", CARE_PATH.id])
    assert result.exit_code == 0, result.output
    (line,) = [x for x in result.stdout.splitlines() if x.strip()]
    imported = carepath.read_case_text(line)
    assert imported.case_id == case.case_id  # the form's case id question joins it back
    day = dt.date.fromisoformat(expected["as_of"])
    want = {
        step: {name: (o["value"], o["status"]) for name, o in found["outcomes"].items()}
        for step, found in expected["steps"].items()
    }
    got = outcomes(CARE_PATH, imported, day)
    assert _plain(got) == _plain(want)


def _plain(found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Outcomes with sets as sorted lists (as the example's JSON has them)."""

    def plain(value: Any) -> Any:
        if isinstance(value, list | tuple | set | frozenset):
            return sorted(map(str, value))
        return value

    return {step: {n: (plain(v), s) for n, (v, s) in outs.items()} for step, outs in found.items()}


def test_the_engine_shows_and_hides_by_the_rules_and_shows_constraint_messages(care_path_form: Path) -> None:
    adult = {"age__answer": "answered", "age": "34", "act": "recruitment", "purpose": "forced_labour"}
    cases_ = {
        "adult, no means": ({**adult, "means": "none"}, False),
        "adult, deceived": ({**adult, "means": "deception"}, True),
        "child, no means": ({**adult, "age": "16", "means": "none"}, True),
        "age unknown": ({**adult, "age__answer": "unknown", "age": "", "means": "none"}, True),
    }
    bad = [("age", "130"), ("age", "120"), ("means", "none deception")]
    runs = engine(care_path_form, [(values, bad) for values, _ in cases_.values()])
    for (label, (values, consent_shown)), filled in zip(cases_.items(), runs, strict=True):
        shown = {q["name"]: q["relevant"] for q in filled["questions"]}
        assert shown["consent"] is consent_shown, label
        assert shown["age"] is (values["age__answer"] == "answered"), label
        if label == "adult, no means":  # a bad value, tried and taken back, shows its message
            too_old, oldest, both = filled["bad"]
            assert too_old == {"name": "age", "valid": False, "message": "A number from 0 to 120."}
            assert oldest == {"name": "age", "valid": True, "message": None}
            assert not both["valid"] and "None of these" in both["message"]
            assert shown["consent"] is False  # taking the bad values back restored the answers


def test_the_engine_loads_the_cambodian_form_and_asks_everything_at_first(tmp_path: Path) -> None:
    pipeline = PIPELINES["kh/care_path"]
    (filled,) = engine(xform(pipeline, tmp_path)[2], [({}, [])])
    shown = {q["name"]: q["relevant"] for q in filled["questions"] if q["type"] in ("input", "select")}
    companions = {n.removesuffix("__answer") for n in shown if n.endswith("__answer")}
    asked = {n for n, relevant in shown.items() if relevant}
    # before any answer only the value questions behind a companion wait (for "answered")
    assert set(shown) - asked == companions
    assert {n for n in shown if not n.endswith("__answer")} == {CASE_ID, *pipeline.inputs}
    ET.fromstring(filled["submission"])  # the engine submits well-formed XML
