"""Translation files on disk: their canonical text, which files a rule file (or another file
with texts: the shared case-field dictionary, a pipeline) has, and their checks.

:func:`dump_translation` writes a translation file in one canonical form (what the PO import
writes); :func:`check_files` checks every translation file of a file with texts, and
:func:`orphans` finds translation files whose file is gone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from carepath.errors import RuleSetError
from carepath.rules.parsing import Layer
from carepath.rules.translations import (
    Status,
    TextSource,
    Translation,
    TranslationError,
    is_language,
    translation_path,
    translations_of,
)

__all__ = ["check_files", "dump_translation", "orphans", "translation_files"]


# -- writing ---------------------------------------------------------------------------------
def dump_translation(translation: Translation, order: Sequence[str]) -> str:
    """The text of a translation file, in a canonical form (texts in the rule file's order; a
    status written per text only where it differs from the file's)."""
    lang = translation.lang
    statuses = {t.status for t in translation.texts.values()}
    default: Status = "draft" if "draft" in statuses else "reviewed"
    texts: dict[str, dict[str, Any]] = {}
    for place in sorted(translation.texts, key=lambda p: (order.index(p) if p in order else len(order), p)):
        entry = translation.texts[place]
        item: dict[str, Any] = {"en": entry.english, lang: entry.text}
        if entry.status != default:
            item["status"] = entry.status
        if entry.note:
            item["note"] = entry.note
        texts[place] = item
    body = {"translation": translation.ruleset, "lang": lang, "status": default, "texts": texts}
    head = (
        f"# The {lang} texts of {translation.ruleset} (see docs/reference/translation-files.md).\n"
        "# draft: not yet reviewed by a person; reviewed: checked by a reviewer.\n"
    )
    return head + yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=10_000)  # a text per line


# -- checking files on disk ------------------------------------------------------------------
def translation_files(rule_file: str | Path) -> dict[str, Path]:
    """The translation files of a rule file on disk, by language."""
    path = Path(rule_file)
    folder = path.parent / "translations"
    if not folder.is_dir():
        return {}
    found = {}
    for lang_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        candidate = translation_path(path, lang_dir.name)
        if candidate.is_file():
            found[lang_dir.name] = candidate
    return found


def check_files(item: Layer | TextSource) -> dict[Path, list[RuleSetError]]:
    """Every translation file of a layer (or of another file with texts) with the errors found
    in it (an empty list: valid)."""
    report: dict[Path, list[RuleSetError]] = {}
    for lang, path in translation_files(item.file).items():
        errors: list[RuleSetError] = []
        if not is_language(lang) or lang == "en":
            errors.append(
                TranslationError(f"{lang[:20]!r} is not a language code other than en", file=str(path))
            )
        else:
            try:
                translations_of(item, lang)
            except RuleSetError as exc:
                errors.extend(exc.errors)
        report[path] = errors
    return report


def orphans(folder: str | Path) -> list[TranslationError]:
    """Translation files under ``folder`` whose rule file does not exist beside their folder."""
    found = []
    for path in sorted(Path(folder).rglob("translations/*/*.yaml")):
        lang = path.parent.name
        stem = path.name.removesuffix(f".{lang}.yaml")
        rule_file = path.parent.parent.parent / f"{stem}.yaml"
        has_rules = rule_file.is_file() or rule_file.with_suffix(".yml").is_file()
        if not path.name.endswith(f".{lang}.yaml") or not has_rules:
            found.append(
                TranslationError(
                    f"no rule file for this translation (expected {rule_file.name} two folders up, "
                    f"and a name <rule file>.{lang[:20]}.yaml)",
                    file=str(path),
                )
            )
    return found
