"""Pipelines: steps chained by feeds, checked at load, run with unknowns kept unknown."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

import carepath
from carepath import PipelineError, UnknownFieldError
from carepath.assessments import load_pipeline

DAY = dt.date(2026, 11, 23)

FIRST = """
inputs:
  threat: {type: bool, question: {en: "Threat?"}}
  caregiver: {type: bool, question: {en: "Caregiver?"}}
outcomes:
  safety:
    type: enum
    values: [unsafe, safe, incomplete]
    undetermined_value: incomplete
rules:
  - id: unsafe
    title: a threat is unsafe
    when: {is_true: threat}
    then: {safety: unsafe}
    source: {document: doc, locator: s1, confidence: verbatim}
  - id: safe
    title: no threat and a caregiver is safe
    when: {all: [{"==": [threat, false]}, {is_true: caregiver}]}
    then: {safety: safe}
    source: {document: doc, locator: s2, confidence: verbatim}
"""

OPTIONS = """
inputs:
  safety: {type: enum, choices: [unsafe, safe], question: {en: "Safety?"}}
  kin: {type: bool, question: {en: "Kin available?"}}
outcomes:
  options: {type: set, values: [family, kin, shelter]}
  blocked: {type: set, values: [family, kin, shelter]}
rules:
  - id: fits.family
    title: the family fits when safe
    when: {"==": [safety, safe]}
    then: {options: [family]}
    source: {document: doc, locator: o1, confidence: verbatim}
  - id: fits.kin
    title: kin fit when available
    when: {is_true: kin}
    then: {options: [kin]}
    source: {document: doc, locator: o2, confidence: verbatim}
  - id: fits.shelter
    title: a shelter always fits, last
    then: {options: [shelter]}
    source: {document: doc, locator: o3, confidence: verbatim}
  - id: block.family
    title: no return to an unsafe family
    hard: true
    when: {"==": [safety, unsafe]}
    then: {blocked: [family]}
    source: {document: doc, locator: o4, confidence: verbatim}
"""

PIPELINE = """
schema_version: 1
title: Test pipeline
version: 0.0.1
sources:
  doc: {title: A test document, where: tests}
steps:
  safety: {ruleset: t/first}
  care:
    ruleset: t/options
    feeds: {safety: safety.safety}
ranking:
  step: care
  options: options
  blocked: blocked
  order_source: {document: doc, locator: order, confidence: verbatim}
"""


@pytest.fixture
def tree(write_rules: Callable[..., Path]) -> Callable[[str], Path]:
    write_rules(FIRST, name="t/first")
    write_rules(OPTIONS, name="t/options")

    def write(text: str, name: str = "t/care") -> Path:
        path = write_rules(textwrap.dedent(text), name=f"{name}.pipeline", header=False)
        return path

    return write


def test_a_determined_outcome_feeds_the_next_step(tree: Callable[[str], Path]) -> None:
    pipe = load_pipeline(tree(PIPELINE))
    result = pipe.assess({"threat": True}, as_of=DAY)
    assert result["care"]["blocked"].value == ["family"]
    assert result.fed["care"]["safety"].determined
    assert result.fed["care"]["safety"].value == "unsafe"
    assert result.ranking is not None
    assert [b.option for b in result.ranking.blocked] == ["family"]
    assert result.ranking.blocked[0].hard


def test_an_outcome_that_may_end_with_no_value_feeds_nothing_so_the_input_stays_unknown(
    tree: Callable[[str], Path],
) -> None:
    pipe = load_pipeline(tree(PIPELINE))
    result = pipe.assess({"threat": False, "kin": True}, as_of=DAY)  # caregiver unknown
    assert result["safety"]["safety"].status == "undetermined"
    # answered either way, the caregiver question gives "safe" or no value at all: that says no
    # more than unknown, so nothing is fed
    assert not result.fed["care"]["safety"].determined
    assert result.fed["care"]["safety"].candidates == ()
    assert result["care"].trace is not None
    assert result["care"].trace.answers[0].kind == "not_asked"
    ranking = result.ranking
    assert ranking is not None
    # family may fit or be blocked: pending, never ranked; kin surely fits but family may outrank it
    assert [p.option for p in ranking.pending] == ["family"]
    assert [r.option for r in ranking.ranked] == ["kin", "shelter"]
    assert ranking.top is None
    # the fed input `safety` is not a question: the upstream's open question is asked instead
    assert ranking.pending[0].missing == ("caregiver",)
    assert result["care"]["options"].missing == ("caregiver",)
    assert result.missing == ("caregiver",)


def test_the_case_answer_stands_when_the_upstream_is_open_and_yields_when_it_is_determined(
    tree: Callable[[str], Path],
) -> None:
    pipe = load_pipeline(tree(PIPELINE))
    kept = pipe.assess({"threat": False, "safety": "safe"}, as_of=DAY)
    assert kept.fed["care"]["safety"].kept_case_answer
    assert "family" in kept["care"]["options"].value
    overruled = pipe.assess({"threat": True, "safety": "safe"}, as_of=DAY)
    assert overruled["care"]["blocked"].value == ["family"]
    assert any("differs" in note for note in overruled.notes)


def test_ranking_follows_the_order_of_preference_and_says_why(tree: Callable[[str], Path]) -> None:
    pipe = load_pipeline(tree(PIPELINE))
    result = pipe.assess({"threat": False, "caregiver": True, "kin": True}, as_of=DAY)
    ranking = result.ranking
    assert ranking is not None
    assert [r.option for r in ranking.ranked] == ["family", "kin", "shelter"]
    assert ranking.top is not None and ranking.top.option == "family"
    assert ranking.ranked[0].because[0].rule == "fits.family"
    assert ranking.ranked[0].because[0].source is not None
    assert ranking.ranked[1].above == (("family", "ranked"),) or ranking.ranked[1].above == ()
    outcomes = ranking.outcomes()
    assert outcomes["top_option"].value == "family"
    assert outcomes["top_option"].determined


def test_blocked_options_say_what_is_above_the_first_choice(tree: Callable[[str], Path]) -> None:
    pipe = load_pipeline(tree(PIPELINE))
    result = pipe.assess({"threat": True, "kin": False}, as_of=DAY)
    ranking = result.ranking
    assert ranking is not None
    assert [r.option for r in ranking.ranked] == ["shelter"]
    assert ranking.ranked[0].above == (("family", "blocked"), ("kin", "not_found"))


def test_an_unknown_case_field_is_refused_with_a_suggestion(tree: Callable[[str], Path]) -> None:
    pipe = load_pipeline(tree(PIPELINE))
    with pytest.raises(UnknownFieldError) as info:
        pipe.assess({"threta": True}, as_of=DAY)
    assert info.value.field == "threta"
    assert info.value.suggestion == "threat"


BAD = [
    ("    feeds: {safety: safety.safty}", "has no outcome 'safty'", "steps.care.feeds.safety"),
    ("    feeds: {safety: nowhere.safety}", "no step 'nowhere'", "steps.care.feeds.safety"),
    ("    feeds: {kin: safety.safety}", "cannot feed 'kin'", "steps.care.feeds.kin"),
    ("    feeds: {nothing: safety.safety}", "has no input 'nothing'", "steps.care.feeds.nothing"),
]


@pytest.mark.parametrize(("line", "message", "field"), BAD)
def test_bad_feeds_are_refused_with_file_line_and_field(
    tree: Callable[[str], Path], line: str, message: str, field: str
) -> None:
    text = PIPELINE.replace("    feeds: {safety: safety.safety}", line)
    path = tree(text)
    with pytest.raises(PipelineError) as info:
        load_pipeline(path)
    assert message in info.value.message
    assert info.value.field == field
    assert info.value.file == str(path)
    assert info.value.line is not None


def test_enum_values_an_input_does_not_accept_are_refused(
    tree: Callable[[str], Path], write_rules: Callable[..., Path]
) -> None:
    narrow = OPTIONS.replace("choices: [unsafe, safe]", "choices: [unsafe]")
    write_rules(narrow.replace('{"==": [safety, safe]}', '{"!=": [safety, unsafe]}'), name="t/options")
    with pytest.raises(PipelineError, match=r"does not accept \['safe'\]"):
        load_pipeline(tree(PIPELINE))


def test_the_undetermined_placeholder_need_not_be_accepted(tree: Callable[[str], Path]) -> None:
    # `incomplete` is only ever reported while undetermined, and is never fed
    assert load_pipeline(tree(PIPELINE)).order == ["safety", "care", "ranking"]


def test_steps_that_feed_each_other_in_a_circle_are_refused(
    tree: Callable[[str], Path], write_rules: Callable[..., Path]
) -> None:
    write_rules(
        FIRST.replace(
            "  caregiver: {type: bool",
            "  echo: {type: set, choices: [family, kin, shelter], question: {en: E}}\n  caregiver: {type: bool",
        ),
        name="t/first",
    )
    text = PIPELINE.replace(
        "  safety: {ruleset: t/first}", "  safety:\n    ruleset: t/first\n    feeds: {echo: care.options}"
    )
    with pytest.raises(PipelineError, match="in a circle"):
        load_pipeline(tree(text))


def test_a_step_may_not_be_named_ranking(tree: Callable[[str], Path]) -> None:
    with pytest.raises(PipelineError, match="built-in ranking step"):
        load_pipeline(
            tree(PIPELINE.replace("  care:\n", "  ranking:\n").replace("step: care", "step: ranking"))
        )


def test_the_ranking_needs_two_set_outcomes_over_the_same_values(tree: Callable[[str], Path]) -> None:
    with pytest.raises(PipelineError, match="not a set outcome") as info:
        load_pipeline(tree(PIPELINE.replace("  blocked: blocked", "  blocked: nothing")))
    assert info.value.field == "ranking.blocked"


def test_a_misspelt_pipeline_field_is_placed(tree: Callable[[str], Path]) -> None:
    with pytest.raises(PipelineError) as info:
        load_pipeline(tree(PIPELINE.replace("  safety: {ruleset: t/first}", "  safety: {rulset: t/first}")))
    assert info.value.line == 8  # the step with the misspelt key
    assert "steps.safety" in (info.value.field or "")


def test_an_overlay_pipeline_replaces_a_step_and_adds_feeds(
    tree: Callable[[str], Path], write_rules: Callable[..., Path]
) -> None:
    tree(PIPELINE)
    write_rules(FIRST.replace("then: {safety: safe}", "then: {safety: unsafe}"), name="t/stricter")
    overlay = tree(
        """
        schema_version: 1
        title: Stricter
        version: 0.0.1
        extends: t/care
        steps:
          safety: {ruleset: t/stricter}
        """,
        name="t/strict",
    )
    pipe = load_pipeline(overlay)
    assert pipe.id == "t/strict"
    assert pipe.rulesets["safety"].id == "t/stricter"
    assert pipe.model.steps["care"].feeds == {"safety": "safety.safety"}
    result = pipe.assess({"threat": False, "caregiver": True}, as_of=DAY)
    assert result["care"]["blocked"].value == ["family"]


def test_a_pipeline_that_extends_itself_is_refused(tree: Callable[[str], Path]) -> None:
    with pytest.raises(PipelineError, match="circle"):
        load_pipeline(tree(PIPELINE.replace("version: 0.0.1", "version: 0.0.1\nextends: t/care")))


def test_to_json_is_plain_data_with_the_notice(tree: Callable[[str], Path]) -> None:
    import json

    result = load_pipeline(tree(PIPELINE)).assess({"threat": True}, as_of=DAY)
    data = json.loads(result.to_json())
    assert data["notice"] == carepath.rules.result.NOTICE
    assert data["ranking"]["blocked"][0]["blocked_by"][0]["rule"] == "block.family"
    assert data["steps"]["care"]["outcomes"]["blocked"]["value"] == ["family"]


def test_validate_checks_pipeline_files_too(tree: Callable[[str], Path]) -> None:
    from carepath.authoring.validate import validate

    good = tree(PIPELINE)
    bad = tree(
        PIPELINE.replace("    feeds: {safety: safety.safety}", "    feeds: {safety: safety.safty}"), "t/bad"
    )
    report = validate([good.parent])
    assert report[good] == []
    (error,) = report[bad]
    assert error.field == "steps.care.feeds.safety"
