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
in that layer's file); the texts of an input taken from the shared case-field dictionary
(``NAME: shared``) live once in the dictionary's translation file
(``translations/km/care_path.fields.km.yaml``, places ``fields.NAME.question``...), and a
pipeline file's in its own (``care_path.pipeline.km.yaml``, see
:mod:`carepath.assessments.pipeline.texts`). Texts written in the rule file itself
(``{en: ..., km: ...}``) count as reviewed. Translations are applied only when a language is
asked for (:func:`using`), so a rule set loaded without one is exactly the rule file.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from carepath.errors import RuleSetError
from carepath.rules.model import InputSpec, RuleFile, TargetSpec
from carepath.rules.parsing import Layer, field_path, locate

__all__ = [
    "FIELDS",
    "STATUSES",
    "Status",
    "TextSource",
    "TranslatedText",
    "Translation",
    "TranslationError",
    "apply",
    "check_translation",
    "dictionary_of",
    "dictionary_source",
    "fitting_translation",
    "in_use",
    "is_language",
    "layer_texts",
    "owned_texts",
    "placeholders",
    "read_translation",
    "shown_translations",
    "source_of",
    "text_owners",
    "translation_path",
    "translations_of",
    "unfit",
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


@dataclass(frozen=True)
class TextSource:
    """A file whose texts a translation file translates: a rule file (:func:`source_of` a layer),
    the shared case-field dictionary (:func:`dictionary_source`) or a pipeline file; its id
    (its path under ``rulesets/`` without ``.yaml``), its path and its English texts by place."""

    id: str
    file: str
    texts: dict[str, str]


FIELDS = "fields."
"""The places of the shared dictionary's texts start so (``fields.NAME.question``), as in its file."""


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


def _shared_input(layer: Layer, place: str) -> bool:
    """Whether ``place`` is a text of an input the layer takes from the shared dictionary."""
    name = place.split(".", 2)[1] if place.startswith("inputs.") else None
    return name is not None and name in layer.parsed.shared


def source_of(item: Layer | TextSource) -> TextSource:
    """A layer as a file with texts: the texts its rule file gives itself, without those of the
    inputs it takes from the shared dictionary (the dictionary's translation file has those)."""
    if isinstance(item, TextSource):
        return item
    own = {p: t for p, t in owned_texts(item.model).items() if not _shared_input(item, p)}
    return TextSource(item.id, item.file, own)


def dictionary_source(path: str | Path) -> TextSource:
    """A shared case-field dictionary as a file with texts (places ``fields.NAME.question``...)."""
    from carepath.rules.parsing import read_case_fields
    from carepath.rules.registry import ruleset_id

    fields = read_case_fields(path).fields
    texts = {FIELDS + p.removeprefix("inputs."): t["en"] for p, t in layer_texts(fields, {}) if t.get("en")}
    return TextSource(ruleset_id(Path(path)), str(path), texts)


def dictionary_of(layer: Layer) -> TextSource | None:
    """The shared dictionary a layer takes inputs from (None if it takes none)."""
    if not layer.parsed.shared or not layer.parsed.reads:
        return None
    return dictionary_source(layer.parsed.reads[0])


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


def check_translation(translation: Translation, own: RuleFile | Mapping[str, str]) -> list[TranslationError]:
    """What in a translation no longer fits its rule file (or the English texts of another file,
    by place): a place it does not give in English, or an English that has changed since."""
    own = owned_texts(own) if isinstance(own, RuleFile) else own
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


def _read_for(item: Layer | TextSource, lang: str) -> Translation | None:
    source = source_of(item)
    path = translation_path(source.file, lang)
    if not path.is_file():
        return None
    return read_translation(path, source.id, lang)


def translations_of(item: Layer | TextSource, lang: str) -> Translation | None:
    """The checked translation of a layer (or another file with texts) in ``lang`` (None if it
    has no file); raises a located :class:`TranslationError` for a file that does not fit."""
    found = _read_for(item, lang)
    if found is not None:
        errors = check_translation(found, source_of(item).texts)
        if errors:
            raise _all(errors)
    return found


def fitting_translation(item: Layer | TextSource, lang: str) -> tuple[Translation | None, Translation | None]:
    """A layer's (or another file's) translation in ``lang`` split in two: the texts that fit its
    file, and those whose English has changed since (None where there is no file). A text for a
    place the file no longer has is in neither; ``carepath validate`` reports both kinds."""
    found = _read_for(item, lang)
    if found is None:
        return None, None
    own = source_of(item).texts
    fit = {p: t for p, t in found.texts.items() if own.get(p) == t.english}
    stale = {p: t for p, t in found.texts.items() if p in own and own[p] != t.english}
    return replace(found, texts=fit), replace(found, texts=stale)


def unfit(layers: Iterable[Layer], lang: str) -> list[TranslationError]:
    """What in the ``lang`` translation files of these layers (and of the shared dictionary they
    read) no longer fits its file."""
    found: list[TranslationError] = []
    seen: set[str] = set()
    for layer in layers:
        for source in (source_of(layer), dictionary_of(layer)):
            if source is None or source.id in seen:
                continue
            seen.add(source.id)
            translation = _read_for(source, lang)
            if translation is not None:
                found.extend(check_translation(translation, source.texts))
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
    use added; unchanged when none is in use. A text is taken from the file whose English the
    rule set shows (the highest layer that gives one, or the shared dictionary)."""
    langs = _in_use.get()
    if not langs:
        return stack
    owner = text_owners(stack)
    shown = {lang: shown_translations(stack, lang) for lang in langs}
    result = []
    for layer in stack:
        added: dict[str, dict[str, str]] = {}
        for lang in langs:
            for place, entry in shown[lang].items():
                if owner[place] == (_dictionary_id(layer) if _shared_input(layer, place) else layer.id):
                    added.setdefault(place, {})[lang] = entry.text
        result.append(_with_texts(layer, added) if added else layer)
    return result


def text_owners(stack: Sequence[Layer]) -> dict[str, str]:
    """The file that owns each text place: the highest layer that writes the text, or the shared
    dictionary (its id) where that layer takes the input from it."""
    owner: dict[str, str] = {}
    for layer in stack:
        for place in owned_texts(layer.model):
            owner[place] = _dictionary_id(layer) if _shared_input(layer, place) else layer.id
    return owner


def _dictionary_id(layer: Layer) -> str:
    from carepath.rules.registry import ruleset_id

    return ruleset_id(Path(layer.parsed.reads[0])) if layer.parsed.reads else layer.id


def shown_translations(stack: Sequence[Layer], lang: str) -> dict[str, TranslatedText]:
    """The ``lang`` text of each place of a stack that its owner's translation file has (and that
    still fits its English): the texts a rule set loaded in ``lang`` shows."""
    owner = text_owners(stack)
    files: dict[str, dict[str, TranslatedText]] = {}
    for layer in stack:
        found, _ = fitting_translation(layer, lang)  # a stale text is not shown: English is
        files[layer.id] = found.texts if found else {}
        dictionary = dictionary_of(layer)
        if dictionary is not None and dictionary.id not in files:
            found, _ = fitting_translation(dictionary, lang)
            texts = found.texts.items() if found else ()
            files[dictionary.id] = {"inputs." + p.removeprefix(FIELDS): t for p, t in texts}
    return {place: files[o][place] for place, o in owner.items() if place in files.get(o, {})}


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
