"""One fact, one question: the care path's steps share a dictionary of case fields, and a
renamed field is still read under its old name, with a warning.

- a shared field is declared once and every step that reads it reads the same declaration;
- a rule file that declares a dictionary field again, or names one the dictionary lacks, is
  refused at its line;
- an old name gives the same result as the new one, warns with both names (never the answer),
  and a case giving both is refused.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import pytest

import carepath
from carepath.cases import RenamedFieldWarning
from carepath.errors import CaseError, LayerError, RuleFileError
from carepath.rules.parsing import read_case_fields
from carepath.rules.registry import bundled_root

DAY = dt.date(2026, 11, 23)
FIELDS = bundled_root() / "intl" / "care_path.fields.yaml"


def test_each_shared_fact_is_declared_once_and_read_the_same_by_every_step() -> None:
    dictionary = read_case_fields(FIELDS)
    pipe = carepath.load_pipeline("intl/care_path")
    readers: dict[str, list[str]] = {}
    for step, ruleset in pipe.rulesets.items():
        for name in ruleset.inputs:
            if name in dictionary.fields:
                assert ruleset.inputs[name] == dictionary.fields[name], (step, name)
                readers.setdefault(name, []).append(step)
    assert set(readers["perpetrator_in_community"]) == {"family_safety", "community_safety"}
    assert set(readers["border_area"]) == {"community_safety", "risk"}
    asked = pipe.inputs
    assert "perpetrator_in_community" in asked
    assert not {"recruiter_in_community", "lives_near_border"} & set(asked)


def test_one_answer_reaches_both_steps() -> None:
    """The trafficker lives in the village: the family assessment and the community assessment
    both read it, from one answer."""
    pipe = carepath.load_pipeline("intl/care_path")
    a = pipe.assess({"age": 14, "perpetrator_in_community": True}, as_of=DAY)
    for step, rule in (
        ("family_safety", "family_safety.recruiter_in_community"),
        ("community_safety", None),
    ):
        trace = a[step].trace
        assert trace is not None
        read = [x for x in trace.answers if x.name == "perpetrator_in_community"]
        assert read and read[0].value is True, step
        if rule is not None:
            assert trace.rule(rule).status == "fired"


def test_an_old_name_is_read_under_the_new_one_with_a_warning() -> None:
    family = carepath.load("intl/family_safety")
    with pytest.warns(
        RenamedFieldWarning, match="'recruiter_in_community' is now 'perpetrator_in_community'"
    ):
        old = family.evaluate({"age": 14, "recruiter_in_community": True}, as_of=DAY, trace=False)
    new = family.evaluate({"age": 14, "perpetrator_in_community": True}, as_of=DAY, trace=False)
    assert old.outcomes == new.outcomes
    pipe = carepath.load_pipeline("intl/care_path")
    with pytest.warns(RenamedFieldWarning) as caught:
        old_a = pipe.assess({"age": 14, "lives_near_border": True}, as_of=DAY, trace=False)
    assert all("True" not in str(w.message) for w in caught)  # names, never the answer
    new_a = pipe.assess({"age": 14, "border_area": True}, as_of=DAY, trace=False)
    assert old_a.to_dict()["steps"] == new_a.to_dict()["steps"]


def test_a_case_giving_both_names_is_refused() -> None:
    family = carepath.load("intl/family_safety")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RenamedFieldWarning)
        with pytest.raises(CaseError) as info:
            family.evaluate({"recruiter_in_community": True, "perpetrator_in_community": False}, as_of=DAY)
    assert info.value.field == "perpetrator_in_community"


def _rule_file(tmp_path: Path, inputs: str, extra: str = "") -> Path:
    (tmp_path / "shared.fields.yaml").write_text(
        "schema_version: 1\ntitle: t\nfields:\n  seen:\n    type: bool\n    question: {en: Seen}\n",
        encoding="utf-8",
    )
    path = tmp_path / "r.yaml"
    path.write_text(
        "schema_version: 1\ntitle: t\nversion: 1.0.0\njurisdiction: intl\n"
        f"case_fields: shared.fields.yaml\n{extra}inputs:\n{inputs}"
        "outcomes:\n  out: {type: bool}\nrules:\n"
        "  - id: r1\n    title: Seen\n    when: {is_true: seen}\n    then: {out: true}\n"
        "    source: {document: d, locator: L1, confidence: inferred}\n"
        "sources:\n  d: {title: D, where: here}\n",
        encoding="utf-8",
    )
    return path


def test_a_shared_input_is_taken_from_the_dictionary(tmp_path: Path) -> None:
    ruleset = carepath.load(_rule_file(tmp_path, "  seen: shared\n"))
    assert ruleset.inputs["seen"].question == {"en": "Seen"}
    assert ruleset.evaluate({"seen": True}, as_of=DAY)["out"].value is True


def test_a_field_the_dictionary_lacks_is_refused_at_its_line(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError) as info:
        carepath.load(_rule_file(tmp_path, "  seen: shared\n  other: shared\n"))
    assert info.value.line == 8 and "not a field of the case-fields dictionary" in str(info.value)


def test_a_dictionary_field_declared_again_is_refused(tmp_path: Path) -> None:
    again = "  seen:\n    type: bool\n    question: {en: Seen again}\n"
    with pytest.raises(RuleFileError, match="declared in the case-fields dictionary"):
        carepath.load(_rule_file(tmp_path, again))


def test_a_rename_to_a_name_that_is_not_an_input_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LayerError, match="new name must be an input"):
        carepath.load(_rule_file(tmp_path, "  seen: shared\n", "renamed_inputs: {old: nothing}\n"))


def test_a_bad_dictionary_is_refused_in_its_own_file(tmp_path: Path) -> None:
    path = _rule_file(tmp_path, "  seen: shared\n")
    (tmp_path / "shared.fields.yaml").write_text(
        "schema_version: 1\ntitle: t\nfields:\n  seen:\n    type: boolean\n    question: {en: Seen}\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleFileError) as info:
        carepath.load(path)
    assert info.value.file.endswith("shared.fields.yaml") and info.value.line == 5


def test_the_case_schema_still_accepts_an_old_name_marked_deprecated() -> None:
    import jsonschema

    from carepath.exchange.schema import case_schema

    for subject in (carepath.load("intl/reintegration_risk"), carepath.load_pipeline("intl/care_path")):
        schema = case_schema(subject)
        old = schema["$defs"]["Answers"]["properties"]["lives_near_border"]
        assert old["deprecated"] is True and "border_area" in old["description"]
        jsonschema.validate({"lives_near_border": True}, schema)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"lives_near_borders": True}, schema)


def test_validate_checks_a_dictionary_of_case_fields_as_its_own_kind(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from carepath.cli import main

    ok = CliRunner().invoke(main, ["validate", str(FIELDS)])
    assert ok.exit_code == 0 and "2 valid, 0 invalid" in ok.output  # with its Khmer translation file
    assert "translations/km/care_path.fields.km.yaml" in ok.output
    bad = tmp_path / "x.fields.yaml"
    bad.write_text("schema_version: 1\ntitle: t\nfeilds: {}\n", encoding="utf-8")
    refused = CliRunner().invoke(main, ["validate", str(bad)])
    assert refused.exit_code != 0
    assert "x.fields.yaml:3:" in refused.output and "did you mean 'fields'" in refused.output
