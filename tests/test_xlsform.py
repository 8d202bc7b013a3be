"""The XLSForm export: the sheets, companion questions, pyxform conversion, labels per language,
and the skip logic.

The skip logic is checked on answers: each ``relevant`` expression is evaluated as XPath 1.0
(elementpath) with the form's answers as variables, and wherever it says "skip", no answer to
the skipped question may change an outcome.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import elementpath
import pytest
from click.testing import CliRunner
from elementpath import XPath1Parser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pyxform.xls2xform import convert

import carepath
from carepath.authoring.strategies import answer, cases
from carepath.cli import main
from carepath.exchange import missing_labels, relevance, write_xlsform, xlsform_rows
from carepath.exchange.xlsform import BUILTIN_TEXT
from carepath.rules.ruleset import RuleSet

DAY = dt.date(2026, 11, 23)
RULESETS = {rid: carepath.load(rid) for rid in carepath.bundled_ids()}
PROPERTY_RULESETS = ["intl/palermo", "intl/family_safety", "intl/care_options", "intl/case_path"]
XFORMS = "{http://www.w3.org/2002/xforms}"


# -- helpers -------------------------------------------------------------------------------------


def form_answers(ruleset: RuleSet, case: dict[str, Any]) -> dict[str, Any]:
    """A case as the form holds it: '' where not answered, choice names, numbers as numbers; a
    companion ``<input>__answer`` says answered, unknown or declined ('' where not asked)."""
    names = {row["name"]: row["type"] for row in xlsform_rows(ruleset)["survey"]}
    out: dict[str, Any] = {}
    for name, spec in ruleset.inputs.items():
        raw = case.get(name)
        word = isinstance(raw, str) and raw in ("unknown", "declined")
        if f"{name}__answer" in names:
            out[f"{name}__answer"] = "" if raw is None else raw if word else "answered"
        select = names[name].startswith("select")
        if raw is None or (word and not select):
            out[name] = ""
        elif word:
            out[name] = raw
        elif spec.type == "bool":
            out[name] = "yes" if raw else "no"
        elif spec.type == "set":
            out[name] = " ".join(raw) if raw else ("none" if "none" not in spec.choice_values else "")
        elif spec.type == "date":
            out[name] = raw.isoformat()
        else:
            out[name] = raw  # enum, text: a string; int, number: a number, as the form types it
    return out


def xpath(expr: str, answers: dict[str, Any], context: str | None = None) -> bool:
    """Evaluate an XLSForm expression as XPath 1.0: ``${name}`` -> ``$name``."""
    root = ET.Element("data")
    if context is not None:
        root.text = context
    result = elementpath.select(
        root, re.sub(r"\$\{(\w+)\}", r"$\1", expr), parser=XPath1Parser, variables=answers
    )
    if isinstance(result, list):
        (result,) = result
    assert isinstance(result, bool), (expr, result)
    return result


def outcomes(ruleset: RuleSet, case: dict[str, Any]) -> dict[str, tuple[Any, str]]:
    result = ruleset.evaluate(case, as_of=DAY, trace=False)
    return {name: (o.value, o.status) for name, o in result.outcomes.items()}


def skipped(ruleset: RuleSet, case: dict[str, Any]) -> list[str]:
    """The questions whose ``relevant`` is false on these answers."""
    answers = form_answers(ruleset, case)
    return [name for name, expr in relevance(ruleset).items() if not xpath(expr, answers)]


def xform(ruleset: RuleSet, tmp_path: Path, languages: list[str] | None = None) -> ET.Element:
    path = write_xlsform(ruleset, tmp_path / "form.xlsx", languages)
    warnings: list[str] = []
    result = convert(str(path), warnings=warnings)
    assert result.xform
    return ET.fromstring(result.xform)


def spaced(expr: str) -> str:
    """An expression with single spaces (pyxform may pad the references it replaces)."""
    return " ".join(expr.split())


def binds(root: ET.Element) -> dict[str, dict[str, str]]:
    return {b.attrib["nodeset"].rsplit("/", 1)[1]: b.attrib for b in root.iter(f"{XFORMS}bind")}


# -- the sheets ----------------------------------------------------------------------------------


def test_sheets_follow_the_xlsform_layout() -> None:
    palermo = RULESETS["intl/palermo"]
    sheets = xlsform_rows(palermo)
    assert set(sheets) == {"survey", "choices", "settings"}
    survey = {row["name"]: row for row in sheets["survey"]}
    assert [n for n in survey if not n.endswith("__answer")] == list(palermo.inputs)  # declaration order
    assert survey["age"]["type"] == "integer"
    assert survey["age"]["constraint"] == ". >= 0 and . <= 120"
    assert "answer unknown" in survey["age"]["hint::English (en)"]  # the input's help
    assert survey["age__answer"]["type"] == "select_one answered_unknown_declined"
    assert survey["act"]["type"] == "select_multiple act_choices"
    assert survey["consent"]["type"] == "select_one yes_no_unknown_declined"
    assert survey["consent"]["label::English (en)"] == palermo.inputs["consent"].question["en"]
    assert survey["means"]["bind::carepath:sensitive"] == "true"
    assert survey["act"]["bind::carepath:sensitive"] is None
    # required only where "Unknown" / "Does not know" is at hand: it never forces a guess
    for row in sheets["survey"]:
        name = row["name"].removesuffix("__answer")
        offers_unknown = "unknown" in palermo.inputs[name].accepts
        assert (row.get("required") == "yes") is offers_unknown, row["name"]
    assert survey["age"]["required"] == "yes"  # asked only once the companion says "answered"
    assert survey["age"]["constraint_message::English (en)"] == "A number from 0 to 120."
    assert "Unknown" in survey["act"]["constraint_message::English (en)"]
    assert '"Unknown"' in survey["consent"]["required_message::English (en)"]
    assert '"Does not know"' in survey["age__answer"]["required_message::English (en)"]

    choices: dict[str, list[str]] = {}
    for row in sheets["choices"]:
        choices.setdefault(row["list_name"], []).append(row["name"])
    assert choices["yes_no_unknown_declined"] == ["yes", "no", "unknown", "declined"]
    assert choices["act_choices"][-3:] == ["none", "unknown", "declined"]
    assert len(choices) == len(set(choices))  # the bool list is shared, not repeated
    labels = {(r["list_name"], r["name"]): r["label::English (en)"] for r in sheets["choices"]}
    assert labels[("means_choices", "fraud")] == "Fraud"

    (settings_row,) = sheets["settings"]
    assert settings_row["form_title"] == palermo.title
    assert settings_row["form_id"] == "intl_palermo"
    version, digest = settings_row["version"].split("+")
    assert version == palermo.version and re.fullmatch("[0-9a-f]{8}", digest)  # from the content
    assert xlsform_rows(palermo)["settings"][0]["version"] == settings_row["version"]
    assert xlsform_rows(palermo, ["en", "km"])["settings"][0]["version"] != settings_row["version"]
    assert settings_row["default_language"] == "English (en)"


def test_enum_and_decimal_questions() -> None:
    survey = {row["name"]: row for row in xlsform_rows(RULESETS["intl/case_path"])["survey"]}
    assert survey["stage"]["type"] == "select_one stage_choices"
    assert any(row["type"] == "date" for row in survey.values())


def test_a_set_answer_picks_unknown_declined_or_none_only_on_its_own() -> None:
    survey = {row["name"]: row for row in xlsform_rows(RULESETS["intl/palermo"])["survey"]}
    constraint = survey["means"]["constraint"]
    assert xpath(constraint, {}, "fraud deception")
    assert xpath(constraint, {}, "none")
    assert xpath(constraint, {}, "unknown")
    assert not xpath(constraint, {}, "fraud none")
    assert not xpath(constraint, {}, "unknown fraud")
    assert not xpath(constraint, {}, "declined unknown")
    age = survey["age"]["constraint"]
    assert xpath(age, {}, "30") and not xpath(age, {}, "130")


# -- companion questions: unknown and declined for numbers, dates and text -----------------------


def choice_lists(sheets: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, str]]:
    """list_name -> {choice name: English label}."""
    found: dict[str, dict[str, str]] = {}
    for row in sheets["choices"]:
        found.setdefault(row["list_name"], {})[row["name"]] = row["label::English (en)"]
    return found


def test_an_int_that_accepts_unknown_has_a_companion_just_before_it() -> None:
    palermo = RULESETS["intl/palermo"]
    assert palermo.inputs["age"].accepts == ["unknown", "declined"]
    sheets = xlsform_rows(palermo)
    names = [row["name"] for row in sheets["survey"]]
    assert names.index("age__answer") == names.index("age") - 1
    survey = {row["name"]: row for row in sheets["survey"]}
    status, age = survey["age__answer"], survey["age"]
    assert status["type"] == "select_one answered_unknown_declined"
    # its own label, not the question's: an enumerator sees the question once, as the hint
    assert status["label::English (en)"] == "Is the answer known?"
    assert status["hint::English (en)"].startswith(palermo.inputs["age"].question["en"])
    assert age["label::English (en)"] == palermo.inputs["age"].question["en"]
    assert status["bind::carepath:sensitive"] == "true"  # "declined to give the age" is sensitive too
    assert status["relevant"] is None  # the companion carries the skip logic (none for age)
    assert age["relevant"] == "${age__answer} = 'answered'"
    assert choice_lists(sheets)["answered_unknown_declined"] == {
        "answered": "Answered",
        "unknown": "Does not know",
        "declined": "Declined to answer",
    }
    for said, asked in (("answered", True), ("unknown", False), ("declined", False), ("", False)):
        assert xpath(age["relevant"], {"age__answer": said, "age": ""}) is asked


def test_skip_logic_reads_an_unknown_or_declined_age_from_the_companion() -> None:
    # consent matters for a child; an age that is unknown or declined is never taken as adult,
    # even where the value question still holds a number left over from before
    consent = relevance(RULESETS["intl/palermo"])["consent"]
    adult_no_means = {"means": "none", "age": 30}
    assert not xpath(consent, {**adult_no_means, "age__answer": "answered"})
    for said in ("unknown", "declined", ""):
        assert xpath(consent, {**adult_no_means, "age__answer": said}), said
    assert xpath(consent, {"means": "none", "age": "", "age__answer": "answered"})  # not asked
    assert xpath(consent, {"means": "none", "age": 16, "age__answer": "answered"})


COMPANIONS = """\
inputs:
  n: {type: int, min: 0, max: 120, question: {en: "N?"}, accepts: [unknown]}
  x: {type: number, question: {en: "X?"}, help: {en: "In metres."}, accepts: [unknown]}
  d: {type: date, question: {en: "Since when?"}, accepts: [declined]}
  t: {type: text, sensitive: true, question: {en: "Note?"}}
  m: {type: int, question: {en: "M?"}, accepts: []}
  b: {type: bool, question: {en: "B?"}}
  c: {type: bool, question: {en: "C?"}}
outcomes:
  adult_b: {type: bool, default: false}
  refused_c: {type: bool, default: false}
  big: {type: bool, default: false}
rules:
  - {id: r.adult_b, title: A, when: {all: [{">=": [n, 18]}, {is_true: b}]}, then: {adult_b: true}, local_setting: true}
  - {id: r.refused_c, title: R, when: {all: [{is_declined: d}, {is_true: c}]}, then: {refused_c: true}, local_setting: true}
  - {id: r.big, title: B, when: {all: [{">": [x, 2.5]}, {">": [m, 3]}, {is_known: t}]}, then: {big: true}, local_setting: true}
"""


def test_one_companion_list_per_combination_of_accepted_words(
    write_rules: Callable[..., Path], tmp_path: Path
) -> None:
    ruleset = carepath.load(write_rules(COMPANIONS))
    sheets = xlsform_rows(ruleset)
    survey = {row["name"]: row for row in sheets["survey"]}
    assert list(survey) == [
        "n__answer",
        "n",
        "x__answer",
        "x",
        "d__answer",
        "d",
        "t__answer",
        "t",
        "m",
        "b",
        "c",
    ]
    assert survey["n__answer"]["type"] == survey["x__answer"]["type"] == "select_one answered_unknown"
    assert survey["d__answer"]["type"] == "select_one answered_declined"
    assert survey["t__answer"]["type"] == "select_one answered_unknown_declined"
    assert survey["x__answer"]["label::English (en)"] == "Is the answer known?"
    assert survey["x__answer"]["hint::English (en)"] == "X? In metres."  # the question and its help
    assert survey["x"]["label::English (en)"] == "X?" and survey["x"]["hint::English (en)"] == "In metres."
    assert (
        survey["m"]["type"] == "integer" and survey["m"]["hint::English (en)"] is None
    )  # no words: as before
    lists = choice_lists(sheets)
    assert lists["answered_unknown"] == {"answered": "Answered", "unknown": "Does not know"}
    assert lists["answered_declined"] == {"answered": "Answered", "declined": "Declined to answer"}
    assert [row["list_name"] for row in sheets["choices"]].count("answered_unknown") == 2  # shared

    rel = relevance(ruleset)
    assert rel["b"] == "${n__answer} != 'answered' or string-length(${n}) = 0 or ${n} >= 18"
    assert not xpath(rel["b"], {"n__answer": "answered", "n": 12})
    assert xpath(rel["b"], {"n__answer": "unknown", "n": 12})  # unknown is never "no"
    # is_declined on d: may hold while d is not asked or declined, not once it is answered
    assert xpath(rel["c"], {"d__answer": "declined", "d": ""})
    assert xpath(rel["c"], {"d__answer": "", "d": ""})
    assert xpath(rel["c"], {"d__answer": "answered", "d": ""})  # answered, but no date given
    assert not xpath(rel["c"], {"d__answer": "answered", "d": "2020-01-02"})
    assert survey["c"]["relevant"] == rel["c"]
    reads_x = "${x__answer} != 'answered' or string-length(${x}) = 0 or ${x} > 2.5"
    assert survey["m"]["relevant"] == rel["m"] == reads_x
    assert survey["t__answer"]["relevant"] == rel["t"] == reads_x  # the companion carries it
    assert survey["t"]["relevant"] == f"${{t__answer}} = 'answered' and ({reads_x})"
    assert survey["d__answer"]["relevant"] is None and survey["d"]["relevant"] == "${d__answer} = 'answered'"

    found = binds(xform(ruleset, tmp_path))  # pyxform still converts the form
    assert "/data/n__answer" in found["b"]["relevant"]
    assert spaced(found["n"]["relevant"]) == "/data/n__answer = 'answered'"
    assert spaced(found["t"]["relevant"]).startswith("/data/t__answer = 'answered' and (")


# -- pyxform ---------------------------------------------------------------------------------


@pytest.mark.parametrize("rid", sorted(RULESETS))
def test_every_bundled_rule_set_converts_with_pyxform(rid: str, tmp_path: Path) -> None:
    ruleset = RULESETS[rid]
    root = xform(ruleset, tmp_path)
    found = binds(root)
    for name, spec in ruleset.inputs.items():
        assert name in found
        assert (found[name].get("{https://carepath.invalid/xforms}sensitive") == "true") == spec.sensitive
    for name in relevance(ruleset):
        assert "relevant" in found[name], name
    for name, spec in ruleset.inputs.items():
        if spec.type in ("int", "number", "date", "text") and spec.accepts:
            assert f"/data/{name}__answer = 'answered'" in spaced(found[name]["relevant"]), name
            assert found[f"{name}__answer"]["type"] == "string", name  # a select_one


def test_palermo_asks_about_consent_only_where_it_can_matter(tmp_path: Path) -> None:
    # consent only adds a note: "consent is irrelevant" where means were used or for a child.
    palermo = RULESETS["intl/palermo"]
    rel = relevance(palermo)
    assert set(rel) == {"consent"}
    assert rel["consent"] == (
        "${means} != 'none' or ${age__answer} != 'answered' or string-length(${age}) = 0 or ${age} < 18"
    )
    consent = binds(xform(palermo, tmp_path))["consent"]
    assert "/data/means" in consent["relevant"] and "/data/age" in consent["relevant"]
    assert "/data/age__answer" in consent["relevant"]


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs Java")
def test_odk_validate_accepts_the_palermo_form(tmp_path: Path) -> None:
    path = write_xlsform(RULESETS["intl/palermo"], tmp_path / "form.xlsx")
    convert(str(path), validate=True)  # raises on an invalid XForm (JavaRosa parses it)


# -- languages ---------------------------------------------------------------------------------


def test_english_labels_are_complete_for_every_bundled_rule_set() -> None:
    for rid, ruleset in RULESETS.items():
        assert missing_labels(ruleset, "en") == [], rid


def test_missing_khmer_lists_every_question_and_choice(tmp_path: Path) -> None:
    palermo = RULESETS["intl/palermo"]
    missing = missing_labels(palermo, "km")
    sheets = xlsform_rows(palermo, ["km"])
    questions = [f"survey.{row['name']}.label" for row in sheets["survey"] if row["name"] in palermo.inputs]
    choices = [
        f"choices.{row['list_name']}.{row['name']}"
        for row in sheets["choices"]
        if row["list_name"] in palermo.inputs and row["name"] not in BUILTIN_TEXT
    ]
    assert set(questions) | set(choices) <= set(missing)
    assert "survey.age.hint" in missing
    # the form's own words have Khmer drafts, and the form says so in its first note
    assert "choices.answered_unknown_declined.unknown" not in missing
    note = sheets["survey"][0]
    assert note["name"] == "draft_translation" and "draft" in note["label::Khmer (km)"]
    # never blank: the English text stands in, marked [en], and the gap is reported above
    assert all(
        str(row["label::Khmer (km)"]).startswith("[en] ")
        for row in sheets["choices"]
        if row["name"] not in BUILTIN_TEXT
    )


def test_a_khmer_overlay_fills_its_columns(tmp_path: Path) -> None:
    overlay = tmp_path / "palermo_km.yaml"
    overlay.write_text(
        textwrap.dedent(
            """\
            schema_version: 1
            title: Palermo test, with Khmer
            version: 1.0.0
            jurisdiction: test
            extends: intl/palermo
            languages: [en, km]
            inputs:
              consent:
                type: bool
                question: {en: "Did the person agree at first to go, or to the work?", km: "តើបុគ្គលនោះបានយល់ព្រមដំបូងឬទេ?"}
              act:
                type: set
                question: {en: "Was the person recruited, transported, transferred, harboured or received?"}
                choices:
                  - {value: recruitment, label: {km: ការជ្រើសរើស}}
            """
        ),
        encoding="utf-8",
    )
    ruleset = carepath.load(overlay)
    sheets = xlsform_rows(ruleset)
    survey = {row["name"]: row for row in sheets["survey"]}
    assert survey["consent"]["label::Khmer (km)"] == "តើបុគ្គលនោះបានយល់ព្រមដំបូងឬទេ?"
    assert survey["age"]["label::Khmer (km)"] == "[en] How old is the person, in completed years?"
    missing = missing_labels(ruleset, "km")
    assert "survey.consent.label" not in missing and "survey.age.label" in missing
    assert "choices.act_choices.recruitment" not in missing
    assert "choices.act_choices.transfer" in missing
    root = xform(ruleset, tmp_path)
    langs = {t.attrib["lang"] for t in root.iter(f"{XFORMS}translation")}
    assert langs == {"English (en)", "Khmer (km)"}


# -- skip logic on answers -------------------------------------------------------------------


@pytest.mark.parametrize("rid", sorted(RULESETS))
def test_nothing_is_skipped_before_anything_is_answered(rid: str) -> None:
    # an unanswered question counts as unknown, which keeps the questions that depend on it
    ruleset = RULESETS[rid]
    never = {name for name, expr in relevance(ruleset).items() if expr == "false()"}
    assert set(skipped(ruleset, {})) == never
    if rid == "intl/ilo_indicators":  # read only under the other reading of the child rule
        assert never == {"act_present"}
    else:
        assert never == set()


@pytest.mark.parametrize("rid", PROPERTY_RULESETS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_skipped_question_never_changes_an_outcome(rid: str, data: Any) -> None:
    ruleset = RULESETS[rid]
    case = data.draw(cases(ruleset))
    for name in skipped(ruleset, case):
        without = {k: v for k, v in case.items() if k != name}
        before = outcomes(ruleset, without)
        spec = ruleset.inputs[name]
        tried = [*(w for w in ("unknown", "declined") if w in spec.accepts)]
        tried += data.draw(st.lists(answer(spec), min_size=1, max_size=3), label=name)
        for value in tried:
            assert outcomes(ruleset, {**without, name: value}) == before, (name, value)


def test_palermo_skips_consent_for_an_adult_with_no_means() -> None:
    palermo = RULESETS["intl/palermo"]
    adult = {"age": 30, "act": ["recruitment"], "means": [], "purpose": ["forced_labour"]}
    assert skipped(palermo, adult) == ["consent"]
    assert outcomes(palermo, {**adult, "consent": True}) == outcomes(palermo, adult)
    # for a child, or where means were used, consent is asked: it adds a note
    for case in ({**adult, "age": 16}, {**adult, "means": ["deception"]}):
        assert skipped(palermo, case) == []
        assert outcomes(palermo, {**case, "consent": True}) != outcomes(palermo, case)
    # an unknown age is never taken as adult: consent is still asked
    assert skipped(palermo, {**adult, "age": "unknown"}) == []


# -- command line --------------------------------------------------------------------------


def test_cli_writes_the_workbook(tmp_path: Path) -> None:
    out = tmp_path / "form.xlsx"
    result = CliRunner().invoke(
        main, ["export", "xlsform", "intl/palermo", "-o", str(out), "--lang", "en", "--lang", "km"]
    )
    assert result.exit_code == 0, result.output
    assert "1 with skip logic" in result.output
    assert "no text in 'km'" not in result.output  # every text has a Khmer draft
    assert "draft translation" in result.output
    book = load_workbook(out)
    assert book.sheetnames == ["survey", "choices", "settings"]
    header = [cell.value for cell in book["survey"][1]]
    assert header[:2] == ["type", "name"]
    assert "label::English (en)" in header and "label::Khmer (km)" in header
    assert "relevant" in header


def test_cli_unknown_rule_set(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", "xlsform", "intl/nope", "-o", str(tmp_path / "f.xlsx")])
    assert result.exit_code == 1
