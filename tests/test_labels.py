"""Texts per language: English complete; a translation overlay adds a language; what is
missing is reported, and falls back to English marked as such, never blank."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import carepath
from carepath.cli import main
from carepath.exchange.labels import missing_texts, text_count

KM_OVERLAY = """
extends: intl/palermo
languages: [en, km]
inputs:
  age:
    type: int
    min: 0
    max: 120
    sensitive: true
    question: {km: "តើបុគ្គលនោះមានអាយុប៉ុន្មានឆ្នាំ?"}
    label: {km: "អាយុ"}
"""


@pytest.mark.parametrize("rid", carepath.bundled_ids())
def test_english_is_complete_in_every_bundled_rule_set(rid: str) -> None:
    ruleset = carepath.load(rid)
    assert text_count(ruleset) > 0
    assert missing_texts(ruleset, "en") == []


def test_a_translation_overlay_fills_texts_and_the_rest_is_reported(write_rules: Callable[..., Path]) -> None:
    base = carepath.load("intl/palermo")
    overlay = carepath.load(write_rules(KM_OVERLAY, name="kh/palermo_km"))
    assert len(missing_texts(base, "km")) == text_count(base)
    gaps = {g.where for g in missing_texts(overlay, "km")}
    assert "inputs.age.question" not in gaps and "inputs.age.label" not in gaps
    assert len(gaps) == text_count(base) - 2
    assert overlay.inputs["age"].question["en"] == base.inputs["age"].question["en"]  # English kept


def test_the_interview_shows_the_translation_or_says_it_falls_back(write_rules: Callable[..., Path]) -> None:
    path = write_rules(KM_OVERLAY.replace("km", "xx"), name="kh/palermo_xx")  # no translation files
    args = ["interview", "-r", str(path), "--lang", "xx", "--as-of", "2026-11-23"]
    out = CliRunner().invoke(main, args, input="prostitution_of_others\nquit\n").output
    first, second = out.split("> ")[:2]
    assert "For what purpose" in first and "[no xx text yet; in English]" in first  # purpose: English
    assert "តើបុគ្គលនោះមានអាយុប៉ុន្មានឆ្នាំ?" in second  # age: the overlay's own text
    assert "[no xx text yet" not in second
    assert "draft translation" not in out  # the overlay's texts are its own, not drafts


def test_a_question_needs_english_somewhere_in_its_layers(write_rules: Callable[..., Path]) -> None:
    body = """
inputs:
  a: {type: bool, question: {km: "?"}}
outcomes:
  p: {type: bool, default: false}
rules:
  - {id: r, title: r, when: {is_true: a}, then: {p: true}, source: {document: doc, locator: s, confidence: verbatim}}
"""
    with pytest.raises(carepath.RuleFileError) as info:
        carepath.load(write_rules(body))
    assert "needs at least English" in info.value.message
    assert info.value.field == "inputs.a.question"
    assert info.value.line is not None


def test_the_labels_command_reports_coverage(write_rules: Callable[..., Path]) -> None:
    path = write_rules(KM_OVERLAY.replace("km", "xx"), name="kh/palermo_xx")
    done = CliRunner().invoke(main, ["labels", str(path), "--lang", "xx", "--list"])
    assert done.exit_code == 0, done.output
    first, *rest = done.output.splitlines()
    total = text_count(carepath.load("intl/palermo"))
    assert first.endswith(f": 2 of {total} texts in xx (0 draft, 2 reviewed)")
    assert any(line.startswith("  inputs.act.question: ") for line in rest)
