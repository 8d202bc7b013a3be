"""Translation files and the PO round trip: every bundled text has a Khmer draft; export then
import gives back the same files; a reviewer's change comes back reviewed; what would lose or
break a text is refused with the PO line and msgctxt, and nothing is written."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import polib
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import carepath
from carepath.cli import main
from carepath.cli.interview import Interview
from carepath.exchange.labels import missing_texts, text_count
from carepath.exchange.po import export_po, import_po, layers_of, sources_of
from carepath.report.words import catalogue
from carepath.rules.drafts import draft_count, text_status
from carepath.rules.translations import (
    TranslationError,
    owned_texts,
    placeholders,
    read_translation,
    translation_path,
    using,
)

KHMER = re.compile(r"[\u1780-\u17FF]")
BUNDLED = carepath.bundled_ids()


def _bundled_po(tmp_path: Path, rulesets: list[str] = BUNDLED) -> Path:
    po = export_po(layers_of(rulesets), "km")
    path = tmp_path / "km.po"
    po.save(str(path))
    return path


# -- the bundled drafts ----------------------------------------------------------------------
@pytest.mark.parametrize("rid", BUNDLED)
def test_every_bundled_text_has_a_khmer_draft(rid: str) -> None:
    with using("km"):
        ruleset = carepath.load(rid)
    assert missing_texts(ruleset, "km") == []
    status = text_status(ruleset.merged, "km")
    assert len(status) == text_count(ruleset) and set(status.values()) == {"draft"}
    for spec in ruleset.inputs.values():
        assert KHMER.search(spec.question["km"]), spec.question["km"]  # Khmer script, not a copy
        assert placeholders(spec.question["km"]) == placeholders(spec.question["en"])


def test_without_a_language_a_rule_set_is_its_rule_file() -> None:
    plain = carepath.load("intl/palermo")
    assert all("km" not in spec.question for spec in plain.inputs.values())
    with using("km"):
        khmer = carepath.load("intl/palermo")
    assert khmer.evaluate({"age": 16}).outcomes.keys() == plain.evaluate({"age": 16}).outcomes.keys()
    assert carepath.load("intl/palermo").inputs["age"].question == plain.inputs["age"].question


def test_a_text_comes_from_the_file_of_the_layer_whose_english_is_shown() -> None:
    with using("km"):
        intl, kh = carepath.load("intl/palermo"), carepath.load("kh/palermo")
    intl_file = read_translation(translation_path(intl.merged.layers[0].file, "km"), "intl/palermo", "km")
    kh_file = read_translation(translation_path(kh.merged.layers[1].file, "km"), "kh/palermo", "km")
    # kh/palermo restates `means` (adding the 2008 Law's enticement): its own file translates it
    assert "inputs.means.question" in owned_texts(kh.merged.layers[1].model)
    assert kh.inputs["means"].question["km"] == kh_file.texts["inputs.means.question"].text
    assert intl.inputs["means"].question["km"] == intl_file.texts["inputs.means.question"].text
    assert kh.inputs["age"].question["km"] == intl_file.texts["inputs.age.question"].text  # inherited
    assert text_status(kh.merged, "km")["inputs.removed_from_custody.question"] == "draft"


# -- the round trip --------------------------------------------------------------------------
def test_export_then_import_gives_back_every_bundled_translation_file(tmp_path: Path) -> None:
    sources = sources_of(BUNDLED, carepath.bundled_pipelines())
    po_path = tmp_path / "km.po"
    export_po(sources, "km").save(str(po_path))
    planned = import_po(po_path)
    on_disk = {
        p.resolve() for p in Path(carepath.__file__).parent.parent.glob("rulesets/*/translations/km/*")
    }
    assert {p.path.resolve() for p in planned} == on_disk  # the dictionary's and the pipelines' too
    for item in planned:
        assert item.text == item.path.read_text(encoding="utf-8"), item.path  # byte for byte
    assert sum(p.count for p in planned) == sum(len(s.texts) for s in sources)  # every text translated


def test_a_reviewer_removing_fuzzy_makes_the_text_reviewed(tmp_path: Path) -> None:
    path = _bundled_po(tmp_path, ["intl/palermo", "kh/palermo"])
    po = polib.pofile(str(path))
    entry = po.find("Age", by="msgid", msgctxt="intl/palermo:inputs.age.label")
    assert entry is not None and entry.fuzzy
    entry.flags.remove("fuzzy")
    entry.msgstr = "អាយុ (ឆ្នាំ)"
    entry.tcomment = "checked with the MoSVY form"
    po.save(str(path))
    planned = {p.path.name: p for p in import_po(path) if "intl" in p.path.parts}
    text = planned["palermo.km.yaml"].text
    assert "km: អាយុ (ឆ្នាំ)\n    status: reviewed\n    note: checked with the MoSVY form\n" in text
    assert text.count("status: reviewed") == 1 and "\nstatus: draft\n" in text  # the rest stay draft


@st.composite
def _pair(draw: st.DrawFn) -> tuple[str, str]:
    """An English text and its translation, with the same placeholders, quotes and newlines."""
    words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)
    marks = st.sampled_from(["{name}", "%s", "%(age)d", '"', "'", "\n", "\\", "#", ": ", "{}", "ក"])
    parts = draw(st.lists(st.one_of(words, marks), min_size=1, max_size=8))
    english = "".join(parts).strip() or "x"
    extra = draw(st.text(st.sampled_from("កខគ ឃង\n'\""), min_size=1, max_size=6))
    holders = " ".join(placeholders(english))
    return english, f"{extra} {holders}".strip() or "ក"


_RULES = """
inputs:
  a: {type: bool, question: {en: QUESTION}, label: {en: A}}
outcomes:
  p: {type: bool, default: false}
rules:
  - {id: r, title: r, when: {is_true: a}, then: {p: true}, source: {document: doc, locator: s, confidence: verbatim}}
"""


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pair=_pair())
def test_round_trip_keeps_any_text(
    write_rules: Callable[..., Path], tmp_path: Path, pair: tuple[str, str]
) -> None:
    english, khmer = pair
    rule_file = write_rules(_RULES.replace("QUESTION", json.dumps(english)), name="xx/t")
    layers = layers_of([rule_file])
    assert owned_texts(layers[0].model)["inputs.a.question"] == english
    po = export_po(layers, "km")
    po.find(english, msgctxt=f"{layers[0].id}:inputs.a.question").msgstr = khmer
    po_path = tmp_path / "t.po"
    po.save(str(po_path))
    (planned,) = import_po(po_path, [rule_file])
    target = tmp_path / "t.km.yaml"
    target.write_text(planned.text, encoding="utf-8")
    back = read_translation(target, layers[0].id, "km")
    assert back.texts["inputs.a.question"].english == english
    assert back.texts["inputs.a.question"].text == khmer
    assert back.texts["inputs.a.question"].status == "reviewed"  # no fuzzy flag was set


# -- refused ---------------------------------------------------------------------------------
def _refusal(tmp_path: Path, change: Callable[[polib.POFile], None]) -> TranslationError:
    path = _bundled_po(tmp_path, ["intl/palermo"])
    po = polib.pofile(str(path))
    change(po)
    po.save(str(path))
    before = {
        p: p.read_bytes() for p in Path(carepath.__file__).parent.parent.glob("rulesets/*/translations/km/*")
    }
    with pytest.raises(TranslationError) as info:
        import_po(path)
    after = {p: p.read_bytes() for p in before}
    assert after == before  # nothing written
    return info.value


def _entry(po: polib.POFile, context: str) -> polib.POEntry:
    return next(e for e in po if e.msgctxt == context)


AGE = "intl/palermo:inputs.age.question"


def test_a_lost_entry_is_refused(tmp_path: Path) -> None:
    error = _refusal(tmp_path, lambda po: po.remove(_entry(po, AGE)))
    assert f"msgctxt '{AGE}'" in error.message and "missing" in error.message


def test_an_unknown_place_is_refused_with_its_line(tmp_path: Path) -> None:
    def change(po: polib.POFile) -> None:
        _entry(po, AGE).msgctxt = "intl/palermo:inputs.no_such_input.question"

    error = _refusal(tmp_path, change)
    messages = [e.message for e in error.errors]
    assert any("no such text" in m and "inputs.no_such_input.question" in m for m in messages)
    assert all(e.line is not None for e in error.errors)


def test_a_lost_placeholder_is_refused_without_quoting_the_text(tmp_path: Path) -> None:
    def change(po: polib.POFile) -> None:
        entry = _entry(po, AGE)
        entry.msgid = "How old is {name}?"  # as if the English had a placeholder
        entry.msgstr = "អាយុ?"

    error = _refusal(tmp_path, change)
    assert error.line is not None and AGE in error.message
    assert "How old" not in str(error) and "អាយុ" not in str(error)


def test_a_changed_english_is_refused(tmp_path: Path) -> None:
    def change(po: polib.POFile) -> None:
        _entry(po, AGE).msgid = "How old?"

    error = _refusal(tmp_path, change)
    assert "differs from the rule file" in error.message and AGE in error.message


def test_emptying_a_translation_is_refused(tmp_path: Path) -> None:
    def change(po: polib.POFile) -> None:
        _entry(po, AGE).msgstr = ""

    error = _refusal(tmp_path, change)
    assert "translation is empty" in error.message


def test_a_po_syntax_error_is_located(tmp_path: Path) -> None:
    path = tmp_path / "bad.po"
    path.write_text(
        'msgid ""\nmsgstr ""\n"Language: km\\n"\n\nmsgid "a"\nmsgstr "b"\nmsgstr "c"\n', encoding="utf-8"
    )
    with pytest.raises(TranslationError) as info:
        import_po(path)
    assert info.value.line is not None


def test_validate_reports_a_stale_translation(write_rules: Callable[..., Path]) -> None:
    rule_file = write_rules(_RULES.replace("QUESTION", '"Is it so?"'), name="xx/t")
    target = translation_path(rule_file, "km")
    target.parent.mkdir(parents=True)
    target.write_text(
        "translation: xx/t\nlang: km\nstatus: draft\ntexts:\n"
        "  inputs.a.question: {en: 'Was it so?', km: 'មែនទេ?'}\n"
        "  inputs.a.nothing: {en: A, km: ក}\n",
        encoding="utf-8",
    )
    report = carepath.validate([rule_file.parent])
    errors = report[target]
    assert len(errors) == 2 and all(e.line == n for e, n in zip(errors, (5, 6), strict=True))
    assert "has changed since it was translated" in errors[0].message
    assert report[rule_file] == []


# -- where the texts are shown -----------------------------------------------------------------
def test_the_interview_in_khmer_asks_in_khmer_and_says_once_that_they_are_drafts() -> None:
    args = ["interview", "-r", "intl/palermo", "--lang", "km", "--as-of", "2026-11-23"]
    out = CliRunner().invoke(main, args, input="quit\n").output
    assert out.count("draft translation") == 1 and "ការបកប្រែព្រាង" in out
    with using("km"):
        purpose = carepath.load("intl/palermo").inputs["purpose"].question["km"]
    assert purpose in out and "[no km text yet" not in out


def test_a_pipeline_interview_counts_each_draft_once() -> None:
    with using("km"):
        pipeline = carepath.load_pipeline("intl/care_path")
    merged = [r.merged for r in pipeline.rulesets.values()]
    count = draft_count(merged, "km")
    assert 0 < count < sum(len(text_status(m, "km")) for m in merged)  # a shared field's text once
    own = pipeline.draft_texts("km")  # the pipeline's own texts: titles, stages, dates
    assert own == len(pipeline.translations["km"]) > 0
    note = Interview(pipeline, dt.date(2026, 11, 23), "km").draft_note()
    words = catalogue("km").drafts()  # and the program's own draft words, each once
    assert note is not None and f" {count + own + words} km texts" in note


def test_the_xlsform_khmer_column_uses_the_drafts(tmp_path: Path) -> None:
    out = tmp_path / "form.xlsx"
    done = CliRunner().invoke(
        main, ["export", "xlsform", "intl/palermo", "--lang", "en", "--lang", "km", "-o", str(out)]
    )
    assert done.exit_code == 0, done.output
    assert "draft translation" in done.output
    import openpyxl

    rows = list(openpyxl.load_workbook(out)["survey"].iter_rows(values_only=True))
    column = rows[0].index("label::Khmer (km)")
    age = next(r for r in rows if r[1] == "age")
    assert KHMER.search(str(age[column])) and not str(age[column]).startswith("[en]")


# -- the command line --------------------------------------------------------------------------
def test_the_labels_command_counts_drafts_and_reviewed() -> None:
    done = CliRunner().invoke(main, ["labels", "intl/palermo", "--lang", "km"])
    assert done.exit_code == 0, done.output
    total = text_count(carepath.load("intl/palermo"))
    assert done.output.strip() == f"intl/palermo: {total} of {total} texts in km ({total} draft, 0 reviewed)"


def test_export_and_import_end_to_end(tmp_path: Path) -> None:
    po_path = tmp_path / "km.po"
    done = CliRunner().invoke(main, ["labels", "export", "--lang", "km", "-o", str(po_path)])
    assert done.exit_code == 0, done.output
    po = polib.pofile(str(po_path))
    assert po.metadata["Language"] == "km" and all(e.fuzzy for e in po)
    pipelines = {f"{p}.pipeline" for p in carepath.bundled_pipelines()}
    files = {e.msgctxt.split(":")[0] for e in po}
    assert (
        pipelines | {"intl/care_path.fields"} <= files <= set(BUNDLED) | pipelines | {"intl/care_path.fields"}
    )
    before = {
        p: p.read_bytes() for p in Path(carepath.__file__).parent.parent.glob("rulesets/*/translations/km/*")
    }
    done = CliRunner().invoke(main, ["labels", "import", str(po_path)])
    assert done.exit_code == 0, done.output
    assert {p: p.read_bytes() for p in before} == before  # the same files, rewritten identically
    po.remove(po[0])
    po.save(str(po_path))
    done = CliRunner().invoke(main, ["labels", "import", str(po_path)])
    assert (
        done.exit_code == 1
        and "missing from the PO file" in done.output
        and "nothing was written" in done.output
    )
    assert "Traceback" not in done.output


def test_a_stale_translation_is_not_shown_and_comes_back_to_redo(
    write_rules: Callable[..., Path], tmp_path: Path
) -> None:
    rule_file = write_rules(_RULES.replace("QUESTION", '"Is it so now?"'), name="xx/t")
    target = translation_path(rule_file, "km")
    target.parent.mkdir(parents=True)
    target.write_text(
        "translation: xx/t\nlang: km\nstatus: draft\ntexts:\n"
        "  inputs.a.question: {en: 'Is it so?', km: 'មែនទេ?'}\n"
        "  inputs.a.label: {en: A, km: ក}\n",
        encoding="utf-8",
    )
    with using("km"):
        ruleset = carepath.load(rule_file)
    assert "km" not in ruleset.inputs["a"].question and ruleset.inputs["a"].label["km"] == "ក"
    done = CliRunner().invoke(main, ["labels", str(rule_file), "--lang", "km"])
    assert "1 translated texts no longer fit" in done.output, done.output
    po = export_po(layers_of([rule_file]), "km")
    entry = _entry(po, "xx/t:inputs.a.question")
    assert entry.msgid == "Is it so now?" and entry.msgstr == "មែនទេ?" and entry.fuzzy
    assert "English changed" in entry.tcomment
    entry.msgstr, entry.tcomment = "ឥឡូវមែនទេ?", ""
    entry.flags.remove("fuzzy")
    po_path = tmp_path / "t.po"
    po.save(str(po_path))
    (planned,) = import_po(po_path, [rule_file])
    target.write_text(planned.text, encoding="utf-8")
    assert carepath.validate([rule_file.parent])[target] == []
    with using("km"):
        again = carepath.load(rule_file)
    assert again.inputs["a"].question["km"] == "ឥឡូវមែនទេ?"
    assert text_status(again.merged, "km") == {"inputs.a.question": "reviewed", "inputs.a.label": "draft"}


def test_an_orphan_translation_file_is_reported(
    write_rules: Callable[..., Path],
) -> None:
    rule_file = write_rules(_RULES.replace("QUESTION", '"Is it so?"'), name="xx/t")
    orphan = rule_file.parent / "translations" / "km" / "gone.km.yaml"
    orphan.parent.mkdir(parents=True)
    orphan.write_text("translation: xx/gone\nlang: km\ntexts: {}\n", encoding="utf-8")
    report = carepath.validate([rule_file.parent])
    assert [e.message for e in report[orphan]] and "no rule file" in report[orphan][0].message
