"""Labels and questions per language: which texts a language still lacks.

Every question, label, help text, choice and outcome value carries its text per language code
(``{en: ..., km: ...}``). A translation comes from the rule file's translation files (see
:mod:`carepath.rules.translations`, applied when a language is asked for), or from an overlay that
``extends`` a rule set and adds its texts (layers merge them per language). Where a text is
missing, carepath falls back to English and says so (``[no km text yet; in English]`` in the
interview), never showing a blank; :func:`missing_texts` lists what a translator still has to
do, with the English text.
"""

from __future__ import annotations

from dataclasses import dataclass

from carepath.rules.ruleset import RuleSet
from carepath.rules.translations import layer_texts

__all__ = ["MissingText", "missing_texts", "text_count"]


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
