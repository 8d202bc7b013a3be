"""The texts of the pipelines and of the shared case-field dictionary in Khmer: their translation
files, where they are shown (report, form, interview, labels), the PO round trip and validation."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import carepath
from carepath.assessments.pipeline.texts import pipeline_texts
from carepath.cli import main
from carepath.exchange.pipeline_form import pipeline_xlsform_rows
from carepath.exchange.po import export_po, sources_of
from carepath.report.words import catalogue
from carepath.rules.drafts import draft_count, text_status
from carepath.rules.registry import bundled_root
from carepath.rules.translations import read_translation, translation_path, using

KHMER = re.compile(r"[\u1780-\u17FF]")
GIRL = Path(__file__).parent.parent / "examples" / "care_path" / "girl-unsafe-family.yaml"
PIPELINE = bundled_root() / "intl" / "care_path.pipeline.yaml"
FIELDS = bundled_root() / "intl" / "care_path.fields.yaml"


def _khmer(path: Path, file_id: str) -> dict[str, str]:
    """The Khmer texts of a translation file, by place."""
    found = read_translation(translation_path(path, "km"), file_id, "km")
    return {place: entry.text for place, entry in found.texts.items()}


def _report(*args: str) -> str:
    done = CliRunner().invoke(main, ["assess", str(GIRL), *args])
    assert done.exit_code == 0, done.output
    return done.output


# -- the report --------------------------------------------------------------------------------
def test_the_khmer_report_shows_the_option_stage_and_date_labels_in_khmer() -> None:
    english, khmer = _report(), _report("--lang", "km")
    pipe = carepath.load_pipeline("intl/care_path")
    assessment = pipe.assess(carepath.read_case(GIRL))
    assert assessment.ranking is not None and assessment.plan is not None
    with using("km"):
        options = carepath.load("intl/care_options").merged.outcomes["options"].value_labels
    own = _khmer(PIPELINE, "intl/care_path.pipeline")
    shown: dict[str, str] = {}  # English label -> its Khmer draft
    for option in (*assessment.ranking.ranked, *assessment.ranking.blocked, *assessment.ranking.pending):
        assert option.label == options[option.option]["en"]  # English data without a language
        shown[option.label] = options[option.option]["km"]
    stage = assessment.plan.stage
    assert stage is not None and assessment.plan.stage_label is not None
    shown[assessment.plan.stage_label] = own[f"path.stages.{stage}.label"]
    for move in assessment.plan.moves:
        shown[move.label] = own[f"path.stages.{move.to}.label"]
    for due in assessment.plan.due:
        shown[due.label] = own[f"path.due.{due.name}.label"]
    assert len(shown) >= 6
    km_words = catalogue("km")  # the program's own headings are in Khmer too
    plan = khmer.split(f"\n{km_words.get('options.heading')}\n", 1)[1]
    plan = plan.split(f"\n{km_words.get('questions.heading')}", 1)[0]
    sections = "\n".join(line for line in plan.splitlines() if not line.lstrip().startswith("- fits:"))
    for text, km in shown.items():
        assert text in english  # the English report shows it ...
        assert km in khmer and KHMER.search(km)  # ... the Khmer one its draft
        words = re.compile(r"(?<![A-Za-z])" + re.escape(text) + r"(?![A-Za-z])")
        assert not words.search(sections), text  # nor its English (rule titles aside)


def test_the_draft_note_counts_the_pipeline_texts_and_each_shared_text_once() -> None:
    with using("km"):
        pipe = carepath.load_pipeline("intl/care_path")
    merged = [rs.merged for rs in pipe.rulesets.values()]
    every = sum(len(text_status(m, "km")) for m in merged)
    shared = draft_count(merged, "km")
    assert shared < every  # the shared fields read by several rule sets count once
    own = pipe.draft_texts("km")
    assert own == len(pipeline_texts(pipe.model))  # every pipeline text has a draft
    words = catalogue("km").drafts()  # and the program's own draft words
    assert f"draft translation: {shared + own + words} km texts" in _report("--lang", "km")


# -- the shared dictionary -----------------------------------------------------------------------
def test_a_shared_field_shows_the_dictionary_translation_in_every_rule_set() -> None:
    dictionary = _khmer(FIELDS, "intl/care_path.fields")
    with using("km"):
        family, services = carepath.load("intl/family_safety"), carepath.load("intl/services")
    for rules in (family, services):
        assert rules.inputs["poverty"].question["km"] == dictionary["fields.poverty.question"]
        assert text_status(rules.merged, "km")["inputs.poverty.question"] == "draft"
    own = read_translation(translation_path(family.merged.layers[-1].file, "km"), "intl/family_safety", "km")
    assert not [p for p in own.texts if p.startswith("inputs.poverty.")]  # not copied per rule file


def test_a_rule_file_translating_a_shared_field_itself_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "rulesets"
    shutil.copytree(bundled_root() / "intl", root / "intl")
    target = root / "intl" / "translations" / "km" / "family_safety.km.yaml"
    target.write_text(
        target.read_text(encoding="utf-8")
        + "  inputs.poverty.label:\n    en: Family poverty\n    km: ភាពក្រីក្រ\n",
        encoding="utf-8",
    )
    report = carepath.validate([root / "intl" / "family_safety.yaml"])
    (error,) = report[target]
    assert "gives no English text at inputs.poverty.label" in error.message and error.line is not None


def test_a_changed_english_in_the_dictionary_hides_its_stale_khmer(tmp_path: Path) -> None:
    root = tmp_path / "rulesets"
    shutil.copytree(bundled_root() / "intl", root / "intl")
    fields = root / "intl" / "care_path.fields.yaml"
    text = fields.read_text(encoding="utf-8")
    fields.write_text(text.replace("label: {en: Family poverty}", "label: {en: Poverty of the family}"))
    with using("km"):
        rules = carepath.load(root / "intl" / "family_safety.yaml")
    assert rules.inputs["poverty"].label == {"en": "Poverty of the family"}  # English, not the old Khmer
    assert "km" in rules.inputs["poverty"].question  # the texts that still fit are shown
    report = carepath.validate([fields])
    stale = report[translation_path(fields, "km")]
    assert len(stale) == 1 and "fields.poverty.label has changed" in stale[0].message and stale[0].line


# -- the form ---------------------------------------------------------------------------------
def test_the_pipeline_form_has_khmer_group_titles_and_step_notes(tmp_path: Path) -> None:
    out = tmp_path / "form.xlsx"
    args = ["export", "xlsform", "intl/care_path", "--lang", "en", "--lang", "km", "-o", str(out)]
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 0, done.output
    rows = list(openpyxl.load_workbook(out)["survey"].iter_rows(values_only=True))
    head = rows[0]
    name, km, en = head.index("name"), head.index("label::Khmer (km)"), head.index("label::English (en)")
    own = _khmer(PIPELINE, "intl/care_path.pipeline")
    groups = [r for r in rows if r[0] == "begin group"]
    notes = [r for r in rows if r[0] == "note" and str(r[name]).endswith("_about")]
    assert groups and notes
    for row in groups:
        assert row[km] == own[f"steps.{row[name]}.title"] and not str(row[km]).startswith("[en]")
    for row in notes:
        step = str(row[name]).removesuffix("_about")
        assert own[f"steps.{step}.description"] in row[km] and KHMER.search(row[km])
        assert str(row[en]).startswith("This part decides: ")


# -- labels, the PO round trip, validation ---------------------------------------------------------
def test_the_labels_command_counts_the_pipeline_texts() -> None:
    done = CliRunner().invoke(main, ["labels", "kh/care_path", "--lang", "km"])
    assert done.exit_code == 0, done.output
    with using("km"):
        total = len(pipeline_texts(carepath.load_pipeline("kh/care_path").model))
    line = f"kh/care_path.pipeline (pipeline kh/care_path): {total} of {total} texts in km ({total} draft, 0 reviewed)"
    assert done.output.strip() == line  # the texts it inherits from intl/care_path are counted too


def test_the_po_round_trip_carries_the_pipeline_and_dictionary_texts(tmp_path: Path) -> None:
    root = tmp_path / "rulesets"
    shutil.copytree(bundled_root() / "intl", root / "intl")
    pipeline, rules = root / "intl" / "care_path.pipeline.yaml", root / "intl" / "family_safety.yaml"
    po = export_po(sources_of([rules], [pipeline]), "km")
    stage = po.find("Placement", by="msgid", msgctxt="intl/care_path.pipeline:path.stages.placement.label")
    poverty = po.find("Family poverty", by="msgid", msgctxt="intl/care_path.fields:fields.poverty.label")
    assert stage is not None and poverty is not None and stage.fuzzy and poverty.msgstr
    stage.flags.remove("fuzzy")
    stage.msgstr = "ការដាក់ឱ្យស្នាក់នៅ"
    poverty.msgstr = "ភាពក្រីក្ររបស់គ្រួសារ"
    path = tmp_path / "km.po"
    po.save(str(path))
    args = ["labels", "import", str(path), "-r", str(rules), "-r", str(pipeline)]
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 0, done.output
    with using("km"):
        pipe, family = carepath.load_pipeline(pipeline), carepath.load(rules)
    assert pipe.model.path is not None and pipe.model.path.stages["placement"].label["km"] == "ការដាក់ឱ្យស្នាក់នៅ"
    assert pipe.translations["km"]["path.stages.placement.label"].status == "reviewed"
    assert family.inputs["poverty"].label["km"] == "ភាពក្រីក្ររបស់គ្រួសារ"
    assert text_status(family.merged, "km")["inputs.poverty.label"] == "draft"  # still fuzzy
    # atomic: one refused entry, and neither file is written
    before = {p: p.read_bytes() for p in (root / "intl" / "translations" / "km").iterdir()}
    stage.msgstr, poverty.msgstr = "ផ្សេង", "ផ្សេងទៀត"
    po.find("Next placement review", by="msgid").msgid = "Next review"  # type: ignore[union-attr]
    po.save(str(path))
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 1 and "nothing was written" in done.output
    assert "intl/care_path.pipeline:path.due.placement_review.label" in done.output
    assert {p: p.read_bytes() for p in before} == before


_PIPELINE = """\
schema_version: 1
title: A small pipeline
version: 1.0.0
steps:
  identification:
    ruleset: intl/palermo
    description: Is this person a victim of trafficking?
"""


def _small_pipeline(tmp_path: Path, translation: str) -> Path:
    path = tmp_path / "rulesets" / "xx" / "small.pipeline.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(_PIPELINE, encoding="utf-8")
    target = translation_path(path, "km")
    target.parent.mkdir(parents=True)
    target.write_text(translation, encoding="utf-8")
    return path


def test_a_changed_english_in_a_pipeline_hides_its_stale_khmer(tmp_path: Path) -> None:
    path = _small_pipeline(
        tmp_path,
        "translation: xx/small.pipeline\nlang: km\nstatus: draft\ntexts:\n"
        "  title: {en: A small pipeline, km: បំពង់ដំណើរការតូចមួយ}\n"
        "  steps.identification.description: {en: Is this person a victim?, km: តើគាត់ជាជនរងគ្រោះដែរឬទេ?}\n",
    )
    with using("km"):
        pipe = carepath.load_pipeline(path)
    assert pipe.text("title", "km") == "បំពង់ដំណើរការតូចមួយ"
    assert pipe.text("steps.identification.description", "km") is None  # its English changed
    rows = pipeline_xlsform_rows(pipe, ["en", "km"])["survey"]
    note = next(r for r in rows if r["name"] == "identification_about")
    assert not KHMER.search(str(note["label::Khmer (km)"]))  # English, marked, not the stale text
    done = CliRunner().invoke(main, ["labels", str(path), "--lang", "km"])
    assert "1 translated texts no longer fit" in done.output, done.output
    report = carepath.validate([path.parent])
    (stale,) = report[translation_path(path, "km")]
    assert "has changed since it was translated" in stale.message and stale.line == 6


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("  title: {en: A small pipeline}\n", 5, "`km` (the translation) is required"),
        ("  title: {en: A small pipeline, km: ក, statu: draft}\n", 5, "unknown key 'statu'"),
        ("  path.stages.x.label: {en: X, km: ក}\n", 5, "gives no English text at path.stages.x.label"),
    ],
)
def test_validate_refuses_a_malformed_pipeline_translation_at_its_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = _small_pipeline(
        tmp_path, "translation: xx/small.pipeline\nlang: km\nstatus: draft\ntexts:\n" + text
    )
    done = CliRunner().invoke(main, ["validate", str(path.parent)])
    assert done.exit_code != 0
    assert f"small.pipeline.km.yaml:{line}:" in done.output and words in done.output, done.output


def test_english_shows_no_khmer_and_no_draft_note() -> None:
    english = _report()
    assert not KHMER.search(english) and "draft translation" not in english
    pipe = carepath.load_pipeline("intl/care_path")
    assert pipe.translations == {} and pipe.text("steps.risk.title", "km") is None


def test_the_pipeline_interview_in_khmer_has_khmer_title_and_step_headings() -> None:
    args = ["interview", "-p", "intl/care_path", "--lang", "km", "--as-of", "2026-11-23"]
    out = CliRunner().invoke(main, args, input="quit\n").output
    own = _khmer(PIPELINE, "intl/care_path.pipeline")
    title = catalogue("km").get("interview.title", title=own["title"], date="2026-11-23")
    assert out.startswith(title) and own["title"] in title
    assert f"== {own['steps.identification.title']} (identification) ==" in out
    english = CliRunner().invoke(main, [*args[:3], "--as-of", "2026-11-23"], input="quit\n").output
    assert not KHMER.search(english) and english.startswith("Care path from identification to closure")
