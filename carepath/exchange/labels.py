"""Labels and questions per language: which texts a language still lacks.

Every question, label, help text, choice and outcome value carries its text per language code
(``{en: ..., km: ...}``). A translation comes from the rule file's translation files (see
:mod:`carepath.rules.translations`, applied when a language is asked for), or from an overlay that
``extends`` a rule set and adds its texts (layers merge them per language). Where a text is
missing, carepath falls back to English and says so (``[no km text yet; in English]`` in the
interview), never showing a blank; :func:`missing_texts` lists what a translator still has to
do, with the English text. A pipeline's own texts (titles, stages, dates:
:mod:`carepath.assessments.pipeline.texts`) are counted apart (:func:`pipeline_status`,
:func:`pipeline_missing`).
"""

from __future__ import annotations

from dataclasses import dataclass

from carepath.assessments import Pipeline
from carepath.assessments.pipeline.texts import pipeline_texts
from carepath.rules.ruleset import RuleSet
from carepath.rules.translations import Status, TranslationError, layer_texts, translations_of

__all__ = [
    "MissingText",
    "missing_texts",
    "pipeline_missing",
    "pipeline_status",
    "pipeline_unfit",
    "text_count",
]


@dataclass(frozen=True)
class MissingText:
    """A text with no translation in the language asked for."""

    where: str
    """``inputs.NAME.question``, ``inputs.NAME.choices.VALUE``, ``outcomes.NAME.values.VALUE``..."""
    english: str


def _texts(ruleset: RuleSet) -> list[tuple[str, dict[str, str]]]:
    """Every translatable text of a rule set, with its place."""
    return layer_texts(ruleset.merged.inputs, ruleset.merged.outcomes)


def text_count(ruleset: RuleSet) -> int:
    """How many translatable texts the rule set has (those with an English text)."""
    return sum(1 for _, text in _texts(ruleset) if text.get("en"))


def missing_texts(ruleset: RuleSet, lang: str) -> list[MissingText]:
    """The texts with an English version and none (or an empty one) in ``lang``."""
    return [
        MissingText(where, text["en"])
        for where, text in _texts(ruleset)
        if text.get("en") and not (text.get(lang) or "").strip()
    ]


def pipeline_status(pipeline: Pipeline, lang: str) -> dict[str, Status]:
    """The review status of each of a pipeline's own texts (titles, stages, dates) that has a
    ``lang`` version, by place (load the pipeline with ``using(lang)``)."""
    return {place: entry.status for place, entry in pipeline.translations.get(lang, {}).items()}


def pipeline_missing(pipeline: Pipeline, lang: str) -> list[MissingText]:
    """A pipeline's own texts with no ``lang`` version (they show in English)."""
    have = pipeline.translations.get(lang, {})
    return [MissingText(p, en) for p, en in pipeline_texts(pipeline.model).items() if p not in have]


def pipeline_unfit(pipeline: Pipeline, lang: str) -> list[TranslationError]:
    """What in the ``lang`` translation files of a pipeline's files no longer fits its file."""
    found: list[TranslationError] = []
    for source in pipeline.text_files:
        try:
            translations_of(source, lang)  # checked against its file
        except TranslationError as exc:
            found.extend(e for e in exc.errors if isinstance(e, TranslationError))
    return found
