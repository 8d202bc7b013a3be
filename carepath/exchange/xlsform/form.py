"""One rule set's form: its sheets with their settings (title, id, version, language, namespace),
the draft-translation note, missing labels and relevance, and the workbook."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from carepath.exchange.xlsform.skip_logic import _SkipLogic
from carepath.exchange.xlsform.survey import Sheets, _Builder
from carepath.exchange.xlsform.texts import BUILTIN_TEXT, DRAFT_LANGUAGES, LANGUAGE_NAMES, language_column
from carepath.exchange.xlsform.workbook import write_sheets
from carepath.rules.layers import MergedRuleSet
from carepath.rules.ruleset import RuleSet

NAMESPACE = 'carepath="https://carepath.invalid/xforms"'


def xlsform_rows(ruleset: RuleSet, languages: Sequence[str] | None = None) -> Sheets:
    """The ``survey``, ``choices`` and ``settings`` sheets as lists of rows (column -> value)."""
    return _ruleset_sheets(ruleset.merged, _languages(ruleset, languages))[1]


def missing_labels(ruleset: RuleSet, lang: str) -> list[str]:
    """Every label and hint of the form with no text in ``lang``, as ``survey.NAME.label``,
    ``survey.NAME.hint`` or ``choices.LIST.NAME``."""
    return _ruleset_sheets(ruleset.merged, [lang])[0].missing[lang]


def relevance(ruleset: RuleSet) -> dict[str, str]:
    """The ``relevant`` expression of each input that has one (the others are always asked).

    For an input with a companion question it is the companion's; the value question adds
    ``${<input>__answer} = 'answered'``."""
    skip = _SkipLogic(ruleset.merged)
    found = {name: skip.relevant(name) for name in ruleset.merged.inputs}
    return {name: expr for name, expr in found.items() if expr is not None}


def write_xlsform(ruleset: RuleSet, path: str | Path, languages: Sequence[str] | None = None) -> Path:
    """Write the form as an ``.xlsx`` workbook (needs openpyxl); returns the path. The file is
    written whole or not at all (:func:`carepath.safeio.atomic_write`)."""
    return write_sheets(xlsform_rows(ruleset, languages), path)


def _languages(ruleset: RuleSet, languages: Sequence[str] | None) -> list[str]:
    chosen = list(languages) if languages else list(ruleset.merged.languages)
    return list(dict.fromkeys(chosen)) or ["en"]


def add_draft_note(
    builder: _Builder, merged: Sequence[MergedRuleSet], more: Mapping[str, int] | None = None
) -> None:
    """A first note saying which of the form's languages hold draft translations (texts of the
    rule sets marked draft, ``more`` drafts per language (a pipeline's own texts), or the form's
    own words in :data:`DRAFT_LANGUAGES`), if any."""
    from carepath.rules.drafts import draft_count, draft_note

    label: dict[str, str] = {}
    for lang in builder.languages:
        if lang == "en":
            continue
        count = draft_count(merged, lang) + (len(BUILTIN_TEXT) if lang in DRAFT_LANGUAGES else 0)
        count += (more or {}).get(lang, 0)
        note = draft_note(count, lang)
        if note is not None:
            label[lang] = note
    if label:
        langs = ", ".join(LANGUAGE_NAMES.get(lang, lang) for lang in label)
        label["en"] = f"Draft translations: the {langs} texts of this form are not yet reviewed by a person."
        builder.add_row({"type": "note", "name": "draft_translation"}, {"label": label})


def _ruleset_sheets(merged: MergedRuleSet, languages: list[str]) -> tuple[_Builder, Sheets]:
    builder = _Builder(languages)
    add_draft_note(builder, [merged])
    skip = _SkipLogic(merged)
    for name, spec in merged.inputs.items():
        builder.add_input(name, spec, skip.relevant(name), decides=bool(skip.readers[name]))
    settings = {
        "form_title": merged.title,
        "form_id": merged.id.replace("/", "_"),
        "version": merged.version,
        "default_language": language_column(languages[0]),
        "namespaces": NAMESPACE,
    }
    return builder, builder.sheets(settings)
