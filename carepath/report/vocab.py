"""The words people use for a rule set's ids: labels of inputs, facts, outcomes and their values.

A report shows a label where the rule files give one, and the id only as a small code beside
it; where they give none, the id is spelt as words (``family_safety`` -> "family safety"). An
open value reads "not yet known - ask ..." with the questions that would settle it, never
"none" or "no value", which would read as "nothing needed".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from carepath.report.words.language import in_language, language, phrase, phrase_count
from carepath.report.words.values import either
from carepath.rules.model import InputSpec, TargetSpec

__all__ = ["Vocab", "humanise", "in_language", "language", "readable_condition", "words"]


def words(text: Mapping[str, str], fallback: str | None = None) -> str | None:
    """A text in the report's language, else in English, else ``fallback``."""
    found = text.get(language()) or text.get("en")
    return found if found else fallback


_LIST = re.compile(r"\[((?:'[^'\[\]]*'(?:, )?)*)\]")


def humanise(name: str) -> str:
    """An id as words: ``consent_irrelevant_child`` -> "consent irrelevant child"."""
    return name.replace("_", " ").strip() or name


def _words(items: Sequence[str], last: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    first = ", ".join(items[:-1])
    if last == "or":
        return phrase("list.or", first=first, last=items[-1])
    return phrase("list.and", first=first, last=items[-1])


def readable_condition(text: str) -> str:
    """A condition as a person writes it: ``x in ['a', 'b']`` -> "x in a or b"; no Python
    lists, no ``True`` / ``False``."""

    def join(match: re.Match[str]) -> str:
        items = re.findall(r"'([^']*)'", match.group(1))  # a condition is shown as code: ids, English
        if len(items) > 1:
            return f"{', '.join(items[:-1])} or {items[-1]}"
        return items[0] if items else "nothing"

    text = _LIST.sub(join, text)
    return re.sub(r"\bTrue\b", "yes", re.sub(r"\bFalse\b", "no", text))


class Vocab:
    """Labels for the ids of one rule set or pipeline, in the report's language (:func:`in_language`)."""

    def __init__(self, inputs: Mapping[str, InputSpec], targets: Mapping[str, TargetSpec]) -> None:
        self.inputs = inputs
        self.targets = targets

    def name(self, name: str) -> str:
        """The label of an input, fact or outcome; its id as words when it has none."""
        target = self.targets.get(name)
        if target is not None and (label := words(target.label)):
            return label
        spec = self.inputs.get(name)
        if spec is not None and (label := words(spec.label)):
            return label
        return humanise(name)

    def ask(self, name: str) -> str:
        """The question that asks for an input (its label when it has no question)."""
        spec = self.inputs.get(name)
        if spec is not None and (question := words(spec.question)):
            return " ".join(question.split())
        return self.name(name)

    def value_label(self, name: str | None, value: Any) -> str:
        """One value of ``name`` as words: its label in the rule file, else the id as words."""
        if value is True:
            return phrase("value.yes")
        if value is False:
            return phrase("value.no")
        if isinstance(value, float):
            return f"{value:g}"
        text = str(value)
        if name is not None:
            target = self.targets.get(name)
            if target is not None and text in target.value_labels:
                label = words(target.value_labels[text])
                if label:
                    return label
            spec = self.inputs.get(name)
            for choice in (spec.choices or []) if spec is not None else []:
                if choice.value == text and (label := words(choice.label)):
                    return label
        return humanise(text) if re.fullmatch(r"[a-z][a-z0-9_]*", text) else text

    def open_value(self, missing: Iterable[str], limit: int = 1) -> str:
        """What stands for a value still open: "not yet known - ask ..." (the first questions)."""
        asks = list(dict.fromkeys(missing))
        if not asks:
            return phrase("open.not_yet_known")
        shown = "; ".join(self.ask(q) for q in asks[:limit])
        more = len(asks) - limit
        if more > 0:
            return phrase_count("open.ask_more", more, questions=shown)
        return phrase("open.ask", questions=shown)

    def value(
        self,
        name: str | None,
        value: Any,
        *,
        determined: bool = True,
        missing: Iterable[str] = (),
    ) -> str:
        """A value as a person writes it. An undetermined value, or an undetermined set with
        nothing in it yet, reads "not yet known - ask ..."; a determined empty set "none"."""
        if isinstance(value, str) and value == "[redacted]":
            return value
        if isinstance(value, dict) and "between" in value:
            low, high = value["between"]
            return phrase("value.between", low=f"{low:g}", high=f"{high:g}")
        if isinstance(value, dict) and "surely" in value:
            surely = self.value(name, value["surely"])
            return phrase("value.may_also_be", surely=surely, maybe=self.value(name, value["maybe"]))
        if isinstance(value, list | tuple):
            items = [self.value_label(name, v) for v in value]
            if determined:
                return _words(items) if items else phrase("value.none")
            if not items:
                return self.open_value(missing)
            return phrase("open.perhaps_more", items=_words(items), open=self.open_value(missing))
        if value is None or not determined:
            if value is not None:
                return phrase(
                    "open.not_final", value=self.value_label(name, value), open=self.open_value(missing)
                )
            return self.open_value(missing) if not determined else phrase("value.not_known")
        return self.value_label(name, value)

    def short(self, name: str | None, value: Any, limit: int = 4) -> str:
        """A value read by a condition, short: ids as words, at most ``limit`` items of a set."""
        if value is None:
            return phrase("value.not_known")
        if isinstance(value, list | tuple):
            items = [humanise(str(v)) if isinstance(v, str) else self.value_label(name, v) for v in value]
            more = [phrase("list.more", n=len(items) - limit)] if len(items) > limit else []
            return _words(items[:limit] + more) if items else phrase("value.none")
        if isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_]*", value):
            return humanise(value)
        return self.value(name, value)

    def either(self, name: str | None, values: Any) -> str:
        """The values an open outcome can still take: "ready or ready with support" (a number's
        interval: "3 to 7")."""
        if isinstance(values, str | dict) or not values:  # redacted, an interval, nothing
            return either(values)
        return _words([self.value_label(name, v) for v in values], "or")
