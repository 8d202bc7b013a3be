"""Reports in Khmer: the rule sets' draft texts are shown, and the report says they are drafts.

Every label, question and value the rule files give in Khmer is shown in Khmer (English where a
text has none), and a note at the top says how many of the texts are draft translations not yet
reviewed by a person. The report's own words (headings, phrases) come from its catalogue,
carepath/report/words/, tested in test_report_words.py.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

import carepath
from carepath.cli import main
from carepath.rules.translations import using

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "examples" / "care_path" / "girl-unsafe-family.yaml"
ARGS = ["assess", str(CASE), "--as-of", "2026-11-23"]


def _khmer_label(rid: str, outcome: str) -> str:
    with using("km"):
        label = carepath.load(rid).merged.outcomes[outcome].label
    assert label.get("km") and label["km"] != label["en"]
    return label["km"]


def test_a_khmer_report_shows_the_drafts_and_says_so_first() -> None:
    english = CliRunner().invoke(main, ARGS)
    khmer = CliRunner().invoke(main, [*ARGS, "--lang", "km"])
    assert english.exit_code == 0 and khmer.exit_code == 0, khmer.output
    first = khmer.stdout.splitlines()[0]
    assert "draft translation" in first and "not yet reviewed" in first
    assert "draft translation" not in english.stdout
    label = _khmer_label("intl/palermo", "identification")
    assert label in khmer.stdout and label not in english.stdout
    # the same report otherwise: the English one is as before
    assert CliRunner().invoke(main, [*ARGS, "--lang", "en"]).stdout == english.stdout


def test_a_khmer_html_page_carries_the_note_in_its_body() -> None:
    page = CliRunner().invoke(main, [*ARGS, "--lang", "km", "--format", "html"])
    assert page.exit_code == 0, page.output
    assert page.stdout.lstrip().startswith("<!")
    body = page.stdout.split("<body>", 1)[1]
    assert body.lstrip().startswith('<p class="draft-note">') and "draft translation" in body
    assert _khmer_label("intl/family_safety", "family_safety") in page.stdout


def test_a_language_without_translations_shows_english_and_no_note() -> None:
    english = CliRunner().invoke(main, ARGS)
    other = CliRunner().invoke(main, [*ARGS, "--lang", "th"])
    assert other.exit_code == 0
    assert other.stdout == english.stdout
