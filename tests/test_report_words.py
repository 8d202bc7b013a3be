"""The program's own words (carepath/report/words/): one catalogue, English the source, Khmer drafts.

A Khmer report or interview shows the catalogue's Khmer headings, phrases and prompts; the
catalogue's keys are exactly those the code uses; English and Khmer have the same placeholders;
English output is what it was (the committed example reports are compared by
``test_care_path_examples.py`` and ``docs/examples/*.py --check``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from carepath.cli import main
from carepath.report.words import catalogue, in_language, languages, phrase, phrase_count, placeholders
from carepath.rules.drafts import draft_count
from carepath.rules.result import NOTICE
from carepath.rules.translations import using

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "examples" / "care_path" / "girl-unsafe-family.yaml"
ARGS = ["assess", str(CASE), "--as-of", "2026-11-23"]
EN = catalogue("en")
KM = catalogue("km")

TEXT_HEADINGS = [
    "summary.heading",
    "options.heading",
    "options.ranked",
    "options.blocked",
    "options.pending",
    "items.heading",
    "plan.heading",
    "questions.heading",
    "trace.heading",
    "sources.heading",
]
HTML_HEADINGS = [
    "glance.heading",
    "glance.found",
    "glance.blocked",
    "glance.next_questions",
    "page.contents",
    "options.heading",
    "page.ranked",
    "page.blocked",
    "plan.heading",
    "page.moves",
    "questions.heading",
    "page.facts",
    "answers.heading",
    "page.sources_options",
]


def _report(fmt: str, lang: str) -> str:
    result = CliRunner().invoke(main, [*ARGS, "--format", fmt, "--lang", lang])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_a_khmer_report_has_the_khmer_headings_and_none_of_the_english(fmt: str) -> None:
    khmer, english = _report(fmt, "km"), _report(fmt, "en")
    for key in TEXT_HEADINGS:
        shown = EN.get(key)
        assert shown in english, key  # the girl's report has each of these parts
        assert KM.get(key) in khmer, key
        assert shown not in khmer, key
    assert KM.get("report.notice") in khmer and NOTICE not in khmer
    assert KM.get("options.first_choice", label="", code="").strip() not in (
        "",
        EN.get("options.first_choice"),
    )


def test_a_khmer_html_page_has_the_khmer_headings_and_none_of_the_english() -> None:
    khmer, english = _report("html", "km"), _report("html", "en")
    for key in HTML_HEADINGS:
        assert f">{EN.get(key)}<" in english, key
        assert f">{KM.get(key)}<" in khmer, key
        assert f">{EN.get(key)}<" not in khmer, key
    assert '<html lang="km">' in khmer and '<html lang="en">' in english
    assert 'class="badge hard"' in khmer  # the classes the page's style needs stay as they are


def test_the_draft_note_counts_the_catalogue_drafts_too() -> None:
    import carepath.assessments as assessments

    with using("km"):
        pipeline = assessments.load_pipeline("intl/care_path")
    rules_only = draft_count([rs.merged for rs in pipeline.rulesets.values()], "km")
    own = pipeline.draft_texts("km")  # the pipeline's own texts: titles, stages, dates
    words = KM.drafts()
    assert words == len(KM.entries) > 100  # every Khmer phrase is a draft until a person reviews it
    first = _report("text", "km").splitlines()[0]
    assert f"draft translation: {rules_only + own + words} km texts" in first


def test_a_language_the_catalogue_lacks_reads_english() -> None:
    assert languages()[0] == "en" and "km" in languages()
    with in_language("th"):
        assert phrase("plan.heading") == "Care plan"
        assert phrase_count("open.ask_more", 2, questions="q") == EN.get(
            "open.ask_more.other", questions="q", n=2
        )
    with in_language("km"):
        assert phrase("plan.heading") == KM.get("plan.heading") != "Care plan"


def test_counts_take_one_or_other_in_english() -> None:
    assert EN.count("open.ask_more", 1, questions="Q?") == "not yet known - ask: Q? (and 1 more question)"
    assert EN.count("open.ask_more", 3, questions="Q?") == "not yet known - ask: Q? (and 3 more questions)"


def test_the_english_notice_is_the_one_every_result_carries() -> None:
    assert EN.get("report.notice") == NOTICE


# -- the catalogue and the code agree ----------------------------------------------------------

_CALL = re.compile(
    r"""\b(?:phrase|phrase_count|t|t_|tm|tn|get|count)\(\s*["']([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)["']"""
)
_LITERAL = re.compile(r"""["']([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)["']""")
_FILE_ENDINGS = {"css", "html", "j2", "py", "yaml"}  # "page.css" is a file, not a key
_USERS = [
    *sorted((ROOT / "carepath" / "report").rglob("*.py")),
    *sorted((ROOT / "carepath" / "report" / "templates").glob("*.j2")),
    ROOT / "carepath" / "cli" / "interview.py",
    ROOT / "carepath" / "cli" / "serve.py",
]


def _keys_in_code() -> tuple[set[str], set[str]]:
    """(keys named in a lookup call, every quoted text of a catalogue namespace): the second
    finds the keys kept in tables (``{"fired": "status.fired"}``) and in conditional lookups."""
    namespaces = {key.split(".", 1)[0] for key in EN.entries}
    called: set[str] = set()
    quoted: set[str] = set()
    for path in _USERS:
        source = path.read_text(encoding="utf-8")
        called.update(_CALL.findall(source))
        quoted.update(
            k
            for k in _LITERAL.findall(source)
            if k.split(".", 1)[0] in namespaces and k.rsplit(".", 1)[1] not in _FILE_ENDINGS
        )
    return called, quoted


def _expand(keys: set[str]) -> set[str]:
    """A count's key stands for its .one and .other."""
    out: set[str] = set()
    for key in keys:
        forms = {f"{key}.one", f"{key}.other"}
        out |= forms if forms <= set(EN.entries) else {key}
    return out


def test_every_key_the_code_uses_is_in_english_and_khmer_and_none_is_unused() -> None:
    called, quoted = _keys_in_code()
    used = _expand(called | quoted)
    assert called, "the scan found no lookups: the pattern is out of date"
    assert sorted(used - set(EN.entries)) == []
    assert sorted(used - set(KM.entries)) == []
    assert sorted(set(EN.entries) - used) == []  # no key the code does not use


def test_khmer_has_every_english_key_and_the_same_placeholders() -> None:
    assert set(KM.entries) == set(EN.entries)
    for key, entry in EN.entries.items():
        km = KM.entries[key]
        assert placeholders(km.text) == placeholders(entry.text), key
        assert km.status == "draft", key
        assert km.text.strip(), key
        km.text.format(**dict.fromkeys(placeholders(entry.text), "x"))  # well-formed braces


# -- the interview -----------------------------------------------------------------------------

INTERVIEW = ["interview", "-r", "intl/palermo", "--as-of", "2026-11-23"]


def test_the_interview_in_khmer_shows_khmer_prompts() -> None:
    khmer = CliRunner().invoke(main, [*INTERVIEW, "--lang", "km"], input="unknown\n16\nback\nquit\n")
    english = CliRunner().invoke(main, INTERVIEW, input="unknown\n16\nback\nquit\n")
    assert khmer.exit_code == 0 and english.exit_code == 0, khmer.output
    out = khmer.output
    assert re.search(r"\[សំណួរទី 1 ក្នុងចំណោមប្រហែល \d+\]", out)
    assert KM.get("interview.recorded", answer=KM.get("answer.unknown")) in out
    assert KM.get("interview.help") in out and KM.get("interview.stopped") in out
    assert "[question 1 of about" not in out and "recorded:" not in out and "interview stopped" not in out
    assert "[question 1 of about" in english.output and "recorded: unknown" in english.output


def test_the_interview_saving_messages_are_in_khmer(tmp_path: Path) -> None:
    saved = tmp_path / "case.yaml"
    result = CliRunner().invoke(
        main, [*INTERVIEW, "--lang", "km", "--save", str(saved)], input="unknown\nquit\n"
    )
    assert result.exit_code == 0, result.output
    assert KM.get("interview.saved", path=saved) in result.output
    assert KM.get("interview.stopped_kept") in result.output
    assert saved.is_file()


def test_the_interview_explanation_is_in_the_interview_language() -> None:
    answers = "unknown\n" * 40
    result = CliRunner().invoke(main, [*INTERVIEW, "--lang", "km"], input=answers)
    assert result.exit_code == 0, result.output
    assert KM.get("outcomes.heading") in result.output
    assert EN.get("why.not_heading") not in result.output
