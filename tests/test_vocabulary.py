"""Vocabulary mappings: every carepath value, read live from the rule sets, is mapped or explicitly
unmapped in every bundled mapping; no mapping names a value carepath does not have."""

from __future__ import annotations

from pathlib import Path

import pytest

import carepath
from carepath.errors import RuleFileError, RuleSetNotFoundError, YamlError
from carepath.exchange.vocabulary import (
    Mapping,
    UnmappedValueError,
    VocabularyError,
    bundled_mappings,
    carepath_values,
    load_mapping,
)

# The vocabularies every bundled mapping covers: (rule sets it may read them from, kind, name).
# exploitation_types may come from kh/palermo, whose values include every value of intl/palermo.
REQUIRED: dict[str, tuple[frozenset[str], str, str]] = {
    "care_options": (frozenset({"intl/care_options"}), "outcome", "options"),
    "protection_concerns": (frozenset({"intl/palermo", "kh/palermo"}), "input", "harms"),
    "exploitation_types": (frozenset({"intl/palermo", "kh/palermo"}), "outcome", "exploitation_types"),
    "risk_levels": (frozenset({"intl/reintegration_risk"}), "outcome", "risk_level"),
    "case_stages": (frozenset({"intl/case_path"}), "input", "stage"),
    "closures": (frozenset({"intl/case_path"}), "outcome", "closure"),
}

MAPPINGS = bundled_mappings()


def live_values(ruleset: str, kind: str, name: str) -> set[str]:
    """The values straight from the rule set, without going through carepath.exchange.vocabulary."""
    loaded = carepath.load(ruleset)
    if kind == "outcome":
        return set(loaded.merged.outcomes[name].values or ())
    return set(loaded.inputs[name].choice_values)


def test_the_bundled_mappings() -> None:
    assert MAPPINGS == ["mosvy", "primero"]


@pytest.mark.parametrize("vocabulary", sorted(REQUIRED))
@pytest.mark.parametrize("name", MAPPINGS)
def test_every_carepath_value_is_mapped_or_explicitly_unmapped(name: str, vocabulary: str) -> None:
    mapping = load_mapping(name)
    allowed, kind, field = REQUIRED[vocabulary]
    assert vocabulary in mapping.vocabularies, f"{name} does not map {vocabulary}"
    vocab = mapping.vocabularies[vocabulary]
    assert vocab.carepath.ruleset in allowed
    assert (vocab.carepath.outcome if kind == "outcome" else vocab.carepath.input) == field
    values = live_values(vocab.carepath.ruleset, kind, field)
    if vocab.carepath.ruleset.startswith("kh/"):  # an overlay's values include its baseline's
        assert live_values(vocab.carepath.ruleset.replace("kh/", "intl/", 1), kind, field) <= values
    assert sorted(values - set(vocab.map)) == [], "neither mapped nor marked unmapped"
    assert sorted(set(vocab.map) - values) == [], "not a carepath value (misspelt or stale)"
    for value, entry in vocab.map.items():
        assert (entry.to is None) != (entry.unmapped is None), value
        assert entry.source is not None, f"{vocabulary}.{value} cites no source"


@pytest.mark.parametrize("name", MAPPINGS)
def test_check_finds_nothing_in_the_bundled_mappings(name: str) -> None:
    assert load_mapping(name).check() == []


@pytest.mark.parametrize("name", MAPPINGS)
def test_every_mapped_value_translates_and_every_unmapped_one_refuses(name: str) -> None:
    mapping = load_mapping(name)
    for vocabulary, vocab in mapping.vocabularies.items():
        for value, entry in vocab.map.items():
            if entry.to is not None:
                assert mapping.translate(vocabulary, value) == [t.code or t.label for t in entry.to]
            else:
                with pytest.raises(UnmappedValueError) as caught:
                    mapping.translate(vocabulary, value)
                assert caught.value.reason == entry.unmapped
                assert entry.unmapped in str(caught.value)


def test_mosvy_translates_to_the_forms_wording_and_codes() -> None:
    mosvy = load_mapping("mosvy")
    assert mosvy.translate("care_options", "kinship_care") == ["relatives (kinship)"]
    assert mosvy.translate("care_options", "foster_care_emergency") == [
        'unrelated family ("dharma family" = foster)'
    ]
    assert mosvy.translate("risk_levels", "moderate") == ["medium"]
    assert mosvy.translate("risk_levels", "very_high") == ["high"]
    (term,) = mosvy.terms("risk_levels", "very_high")
    assert (term.code, term.relation) == ("high", "broader")
    assert mosvy.translate("case_stages", "follow_up") == [
        "Form 5: Follow up the Child in Alternative Care Form"
    ]
    assert mosvy.translate("closures", "unsuccessful_lost_contact") == [
        "closed because child moved or cannot be found",
    ]
    # each unsuccessful reason has its own kind, and its own Form 6 option
    assert mosvy.translate("closures", "unsuccessful_died") == ["closed because child died"]
    assert mosvy.translate("closures", "unsuccessful_absent") == ["child and family absent"]
    (sexual,) = mosvy.terms("protection_concerns", "sexual_exploitation")
    assert sexual.field == "Form 1: child type"


def test_primero_translates_to_the_instance_codes() -> None:
    primero = load_mapping("primero")
    assert primero.translate("care_options", "kinship_care") == ["kinship_care_88675"]
    assert primero.translate("risk_levels", "very_high") == ["high"]
    (term,) = primero.terms("protection_concerns", "physical_violence")
    assert (term.code, term.label) == (
        "working_or_living_in_the_street_91509",
        "Experiencing physical violence",
    )
    assert primero.translate("closures", "transferred") == ["transferred"]


def test_an_unmapped_value_is_refused_with_its_reason() -> None:
    with pytest.raises(
        UnmappedValueError, match="no Primero term: not in the sources: the recommended"
    ) as caught:
        load_mapping("primero").translate("care_options", "pagoda_care")
    assert (caught.value.vocabulary, caught.value.value) == ("care_options", "pagoda_care")
    with pytest.raises(UnmappedValueError, match="no independent-living option"):
        load_mapping("mosvy").translate("care_options", "supervised_independent_living")


def test_an_unknown_vocabulary_or_value_is_refused_with_a_suggestion() -> None:
    mosvy = load_mapping("mosvy")
    with pytest.raises(VocabularyError, match="did you mean 'care_options'"):
        mosvy.translate("care_option", "kinship_care")
    with pytest.raises(VocabularyError, match="did you mean 'kinship_care'") as caught:
        mosvy.translate("care_options", "kinship")
    assert not isinstance(caught.value, UnmappedValueError)
    assert isinstance(caught.value, carepath.CarepathError)


def test_carepath_values_reads_the_rule_sets() -> None:
    vocab = load_mapping("mosvy").vocabularies["case_stages"]
    assert carepath_values(vocab.carepath) == carepath.load("intl/case_path").inputs["stage"].choice_values


# -- files that are wrong ----------------------------------------------------------------------

HEADER = """\
schema_version: 1
target: {name: Test, where: here}
sources:
  standards: {title: standards digest, where: shared/domain/standards.md}
vocabularies:
  risk_levels:
    carepath: {ruleset: intl/reintegration_risk, outcome: risk_level}
    map:
"""
WHOLE = """\
      low: {to: [{label: low, relation: close}], source: {document: standards, locator: L1, confidence: inferred}}
      moderate: {unmapped: not in the sources}
      high: {unmapped: not in the sources}
      very_high: {unmapped: not in the sources}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "test.mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_well_formed_mapping_file_loads_by_path(tmp_path: Path) -> None:
    mapping = load_mapping(write(tmp_path, HEADER + WHOLE))
    assert isinstance(mapping, Mapping)
    assert mapping.name == "test"
    assert mapping.check() == []


def test_a_value_both_mapped_and_unmapped_is_an_error_at_its_line(tmp_path: Path) -> None:
    body = WHOLE.replace(
        "moderate: {unmapped: not in the sources}",
        "moderate: {unmapped: x, to: [{label: m, relation: close}]}",
    )
    path = write(tmp_path, HEADER + body)
    with pytest.raises(RuleFileError) as caught:
        load_mapping(path)
    err = caught.value
    assert (err.file, err.line) == (str(path), 10)
    assert err.field == "vocabularies.risk_levels.map.moderate"
    assert "exactly one of `to`" in str(err)
    assert str(err).startswith(f"{path}:10:")


def test_a_misspelt_field_and_a_wrong_confidence_are_errors_at_their_line(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + WHOLE.replace("relation: close", "relaton: close"))
    with pytest.raises(RuleFileError) as caught:
        load_mapping(path)
    assert caught.value.line == 9
    assert "misspelt" in str(caught.value)
    path = write(tmp_path, HEADER + WHOLE.replace("confidence: inferred", "confidence: sure"))
    with pytest.raises(RuleFileError, match=r"test\.mapping\.yaml:9:.*confidence"):
        load_mapping(path)


def test_a_mapped_value_without_a_source_is_refused(tmp_path: Path) -> None:
    body = WHOLE.replace(", source: {document: standards, locator: L1, confidence: inferred}", "")
    with pytest.raises(RuleFileError, match="needs a `source`"):
        load_mapping(write(tmp_path, HEADER + body))


def test_an_undeclared_source_document_is_refused_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + WHOLE.replace("document: standards", "document: standard"))
    with pytest.raises(RuleFileError, match="did you mean 'standards'") as caught:
        load_mapping(path)
    assert caught.value.line == 9


def test_check_names_missing_values_and_values_carepath_lacks(tmp_path: Path) -> None:
    body = WHOLE.replace(
        "      very_high: {unmapped: not in the sources}\n", "      medium: {unmapped: OSCaR's word}\n"
    )
    mapping = load_mapping(write(tmp_path, HEADER + body))
    problems = mapping.check()
    assert [(p.line, p.field) for p in problems] == [
        (9, "vocabularies.risk_levels.map"),
        (12, "vocabularies.risk_levels.map.medium"),
    ]
    assert "very_high" in problems[0].message
    assert "not a value of intl/reintegration_risk outcome risk_level" in problems[1].message


def test_check_names_an_outcome_the_rule_set_lacks(tmp_path: Path) -> None:
    mapping = load_mapping(write(tmp_path, HEADER.replace("outcome: risk_level", "outcome: risk") + WHOLE))
    (problem,) = mapping.check()
    assert problem.line == 7
    assert "no enum or set outcome 'risk'" in problem.message


def test_unsafe_yaml_and_a_missing_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(YamlError):
        load_mapping(write(tmp_path, HEADER + "      low: !!python/object:os.system {}\n"))
    with pytest.raises(RuleSetNotFoundError, match="did you mean 'mosvy'"):
        load_mapping("mosvi")
