"""Translation files: one language's texts for one rule file, each with its review status.

A rule file ``rulesets/intl/palermo.yaml`` has its Khmer texts in
``rulesets/intl/translations/km/palermo.km.yaml``::

    translation: intl/palermo      # the rule file translated (its id)
    lang: km
    status: draft                  # the status of every text below that names none
    texts:
      inputs.age.question:
        en: How old is the person?  # the English translated: a changed English is refused
        km: ...
        status: reviewed           # optional: draft (not reviewed by a person) or reviewed
        note: ...                  # optional: a reviewer's note

A file translates only the texts whose English its own rule file gives (a layer's texts live
in that layer's file). Texts written in the rule file itself (``{en: ..., km: ...}``) count as
reviewed. Translations are applied only when a language is asked for (:func:`using`), so a
rule set loaded without one is exactly the rule file.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from carepath.errors import RuleSetError
from carepath.rules.model import InputSpec, RuleFile, TargetSpec
from carepath.rules.parsing import Layer, field_path, locate

__all__ = [
    "STATUSES",
    "Status",
    "TranslatedText",
    "Translation",
    "TranslationError",
    "apply",
    "check_files",
    "check_translation",
    "fitting_translation",
    "dump_translation",
    "is_language",
    "layer_texts",
    "orphans",
    "owned_texts",
    "placeholders",
    "read_translation",
    "text_owners",
    "translation_files",
    "unfit",
    "translation_path",
    "translations_of",
    "using",
]

Status = Literal["draft", "reviewed"]
STATUSES: tuple[Status, ...] = ("draft", "reviewed")
MAX_NOTE = 2000
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_PLACEHOLDER = re.compile(r"\{[^{}\s]*\}|%(?:\([^)\s]*\))?[sdifr%]")
_ENTRY_KEYS = frozenset({"en", "status", "note"})
_in_use: ContextVar[tuple[str, ...]] = ContextVar("carepath_translation_languages", default=())


class TranslationError(RuleSetError):
    """A translation file (or a PO file brought back) that cannot be used."""


@dataclass(frozen=True)
class TranslatedText:
    """One text in a language, with the English it translates and its review status."""

    english: str
    text: str
    status: Status
    note: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Translation:
    """A translation file read: the texts of one rule file in one language, by place."""

    file: str
    ruleset: str
    lang: str
    texts: dict[str, TranslatedText]


def layer_texts(
    inputs: Mapping[str, InputSpec], outcomes: Mapping[str, TargetSpec]
) -> list[tuple[str, dict[str, str]]]:
    """Every translatable text of these inputs and outcomes, with its place
    (``inputs.NAME.question``, ``inputs.NAME.choices.VALUE``, ``outcomes.NAME.values.VALUE``...)."""
    found: list[tuple[str, dict[str, str]]] = []
    for name, spec in inputs.items():
        found.append((f"inputs.{name}.question", dict(spec.question)))
        found.append((f"inputs.{name}.label", dict(spec.label)))
        if spec.help:
            found.append((f"inputs.{name}.help", dict(spec.help)))
        for choice in spec.choices or []:
            found.append((f"inputs.{name}.choices.{choice.value}", dict(choice.label)))
    for name, target in outcomes.items():
        if target.label:
            found.append((f"outcomes.{name}.label", dict(target.label)))
        for value, label in target.value_labels.items():
            found.append((f"outcomes.{name}.values.{value}", dict(label)))
    return found


def owned_texts(model: RuleFile) -> dict[str, str]:
    """The English texts a rule file gives itself, by place (what its translation file covers)."""
    return {place: text["en"] for place, text in layer_texts(model.inputs, model.outcomes) if text.get("en")}


def placeholders(text: str) -> list[str]:
    """The placeholders of a text (``{name}``, ``%s``, ``%(name)s``), sorted: a translation keeps them."""
    return sorted(_PLACEHOLDER.findall(text))


def is_language(lang: str) -> bool:
    """Whether ``lang`` is a language code (``km``, ``pt-BR``), so that it can name a folder."""
    return bool(_LANG.match(lang))


def translation_path(rule_file: str | Path, lang: str) -> Path:
    """Where the ``lang`` texts of a rule file live: ``translations/<lang>/<name>.<lang>.yaml``
    beside it."""
    path = Path(rule_file)
    stem = path.name.rsplit(".", 1)[0]
    return path.parent / "translations" / lang / f"{stem}.{lang}.yaml"


# -- reading and checking ---------------------------------------------------------------------
def read_translation(path: str | Path, ruleset: str, lang: str) -> Translation:
    """Read and check the shape of a translation file (bounded, safe YAML); raise a located
    :class:`TranslationError`, every problem in ``.errors``."""
    from carepath.rules.cache import read_cached  # read once, and a change reloads its rule set

    located = read_cached(path)
    errors: list[TranslationError] = []

    def error(message: str, where: Sequence[str | int]) -> None:
        line, column = locate(located, where)
        errors.append(
            TranslationError(
                message, file=located.file, line=line, column=column, field=field_path(where) or None
            )
        )

    data = located.data
    texts: dict[str, TranslatedText] = {}
    if not isinstance(data, dict):
        error("a translation file is a mapping (translation, lang, status, texts)", ())
        raise _all(errors)
    for key in data:
        if key not in ("translation", "lang", "status", "texts"):
            error(f"unknown key {str(key)[:40]!r} (translation, lang, status, texts)", (key,))
    if data.get("translation") != ruleset:
        error(f"`translation` must name the rule file it sits beside: {ruleset}", ("translation",))
    if data.get("lang") != lang:
        error(f"`lang` must be {lang!r}, the language of its folder and name", ("lang",))
    default = data.get("status", "draft")
    if default not in STATUSES:
        error("`status` is draft or reviewed", ("status",))
        default = "draft"
    raw = data.get("texts")
    if not isinstance(raw, dict):
        error("`texts` is a mapping of places to {en, " + lang + ", status, note}", ("texts",))
        raise _all(errors)
    for place, entry in raw.items():
        where: tuple[str | int, ...] = ("texts", place)
        if not isinstance(place, str) or not isinstance(entry, dict):
            error(f"each text is a mapping with `en` and `{lang}`", where)
            continue
        unknown = [k for k in entry if k not in _ENTRY_KEYS and k != lang]
        if unknown:
            error(f"unknown key {str(unknown[0])[:40]!r} (en, {lang}, status, note)", (*where, unknown[0]))
        english, text = entry.get("en"), entry.get(lang)
        status, note = entry.get("status", default), entry.get("note")
        if not isinstance(english, str) or not english.strip():
            error("`en` (the English translated) is required", (*where, "en"))
        elif not isinstance(text, str) or not text.strip():
            error(f"`{lang}` (the translation) is required and not empty", (*where, lang))
        elif status not in STATUSES:
            error("`status` is draft or reviewed", (*where, "status"))
        elif note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
            error(f"`note` is a text of at most {MAX_NOTE} characters", (*where, "note"))
        elif placeholders(text) != placeholders(english):
            error("the translation does not keep the placeholders of the English", (*where, lang))
        else:
            texts[place] = TranslatedText(english, text, status, note, locate(located, where)[0])
    if errors:
        raise _all(errors)
    return Translation(located.file, ruleset, lang, texts)


def check_translation(translation: Translation, model: RuleFile) -> list[TranslationError]:
    """What in a translation no longer fits its rule file: a place it does not give in English,
    or an English that has changed since it was translated."""
    own = owned_texts(model)
    errors: list[TranslationError] = []
    for place, entry in translation.texts.items():
        if place not in own:
            message = f"{translation.ruleset} gives no English text at {place}"
        elif own[place] != entry.english:
            message = f"the English at {place} has changed since it was translated: translate it again"
        else:
            continue
        errors.append(
            TranslationError(message, file=translation.file, line=entry.line, field=f"texts.{place}")
        )
    return errors


def _all(errors: Sequence[TranslationError]) -> TranslationError:
    first = errors[0]
    first.errors = list(errors)
    return first


def _read_for(layer: Layer, lang: str) -> Translation | None:
    path = translation_path(layer.file, lang)
    if not path.is_file():
        return None
    return read_translation(path, layer.id, lang)


def translations_of(layer: Layer, lang: str) -> Translation | None:
    """The checked translation of a layer in ``lang`` (None if it has no file); raises a located
    :class:`TranslationError` for a file that does not fit its rule file."""
    found = _read_for(layer, lang)
    if found is not None:
        errors = check_translation(found, layer.model)
        if errors:
            raise _all(errors)
    return found


def fitting_translation(layer: Layer, lang: str) -> tuple[Translation | None, Translation | None]:
    """A layer's translation in ``lang`` split in two: the texts that fit its rule file, and
    those whose English has changed since (None where there is no file). A text for a place the
    rule file no longer has is in neither; ``carepath validate`` reports both kinds."""
    found = _read_for(layer, lang)
    if found is None:
        return None, None
    own = owned_texts(layer.model)
    fit = {p: t for p, t in found.texts.items() if own.get(p) == t.english}
    stale = {p: t for p, t in found.texts.items() if p in own and own[p] != t.english}
    return replace(found, texts=fit), replace(found, texts=stale)


def unfit(layers: Iterable[Layer], lang: str) -> list[TranslationError]:
    """What in the ``lang`` translation files of these layers no longer fits its rule file."""
    found: list[TranslationError] = []
    for layer in layers:
        translation = _read_for(layer, lang)
        if translation is not None:
            found.extend(check_translation(translation, layer.model))
    return found


# -- applying --------------------------------------------------------------------------------
@contextlib.contextmanager
def using(*langs: str) -> Iterator[None]:
    """Within the block, rule sets are loaded with their translation files in ``langs`` (English
    needs none; what is not a language code, such as ``../x``, has none)."""
    token = _in_use.set(tuple(lang for lang in langs if lang != "en" and _LANG.match(lang)))
    try:
        yield
    finally:
        _in_use.reset(token)


def in_use() -> tuple[str, ...]:
    """The languages whose translation files rule sets are loaded with now (see :func:`using`)."""
    return _in_use.get()


def apply(stack: list[Layer]) -> list[Layer]:
    """The layers (lowest first) with the texts of their translation files in the languages in
    use added; unchanged when none is in use. A text is taken from the layer whose English the
    rule set shows (the highest that gives one)."""
    langs = _in_use.get()
    if not langs:
        return stack
    owner = text_owners(stack)
    result = []
    for layer in stack:
        added: dict[str, dict[str, str]] = {}
        for lang in langs:
            found, _ = fitting_translation(layer, lang)  # a stale text is not shown: English is
            for place, entry in (found.texts if found else {}).items():
                if owner.get(place) == layer.id:
                    added.setdefault(place, {})[lang] = entry.text
        result.append(_with_texts(layer, added) if added else layer)
    return result


def text_owners(stack: Sequence[Layer]) -> dict[str, str]:
    """The layer that owns each text place (the highest layer that writes the text)."""
    owner: dict[str, str] = {}
    for layer in stack:
        for place in owned_texts(layer.model):
            owner[place] = layer.id
    return owner


def _with_texts(layer: Layer, added: Mapping[str, Mapping[str, str]]) -> Layer:
    model = layer.model

    def more(place: str, text: Mapping[str, str]) -> dict[str, str]:
        extra = {k: v for k, v in added.get(place, {}).items() if not (text.get(k) or "").strip()}
        return {**text, **extra}

    inputs = {}
    for name, spec in model.inputs.items():
        at = f"inputs.{name}"
        choices = None
        if spec.choices is not None:
            choices = [
                c.model_copy(update={"label": more(f"{at}.choices.{c.value}", c.label)}) for c in spec.choices
            ]
        inputs[name] = spec.model_copy(
            update={
                "question": more(f"{at}.question", spec.question),
                "label": more(f"{at}.label", spec.label),
                "help": more(f"{at}.help", spec.help) if spec.help else spec.help,
                "choices": choices,
            }
        )
    outcomes = {
        name: spec.model_copy(
            update={
                "label": more(f"outcomes.{name}.label", spec.label) if spec.label else spec.label,
                "value_labels": {
                    v: more(f"outcomes.{name}.values.{v}", t) for v, t in spec.value_labels.items()
                },
            }
        )
        for name, spec in model.outcomes.items()
    }
    parsed = replace(layer.parsed, model=model.model_copy(update={"inputs": inputs, "outcomes": outcomes}))
    return replace(layer, parsed=parsed)


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


def check_files(layer: Layer) -> dict[Path, list[RuleSetError]]:
    """Every translation file of a layer with the errors found in it (an empty list: valid)."""
    report: dict[Path, list[RuleSetError]] = {}
    for lang, path in translation_files(layer.file).items():
        errors: list[RuleSetError] = []
        if not _LANG.match(lang) or lang == "en":
            errors.append(
                TranslationError(f"{lang[:20]!r} is not a language code other than en", file=str(path))
            )
        else:
            try:
                translations_of(layer, lang)
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
