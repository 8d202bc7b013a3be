"""The words people use for a rule set's ids: labels of inputs, facts, outcomes and their values.

A report shows a label where the rule files give one, and the id only as a small code beside
it; where they give none, the id is spelt as words (``family_safety`` -> "family safety"). An
open value reads "not yet known - ask ..." with the questions that would settle it, never
"none" or "no value", which would read as "nothing needed".
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from typing import Any

from carepath.report.words import span
from carepath.rules.model import InputSpec, TargetSpec

__all__ = ["Vocab", "humanise", "in_language", "language", "readable_condition", "words"]

_language: ContextVar[str] = ContextVar("carepath_report_language", default="en")


@contextlib.contextmanager
def in_language(lang: str) -> Iterator[None]:
    """Within the block, reports show the rule sets' texts in ``lang`` where they have one
    (load the rule sets with :func:`carepath.rules.translations.using` for their translations), and
    English where they do not."""
    token = _language.set(lang)
    try:
        yield
    finally:
        _language.reset(token)


def language() -> str:
    """The language reports show texts in now."""
    return _language.get()


def words(text: Mapping[str, str], fallback: str | None = None) -> str | None:
    """A text in the report's language, else in English, else ``fallback``."""
    found = text.get(_language.get()) or text.get("en")
    return found if found else fallback


_LIST = re.compile(r"\[((?:'[^'\[\]]*'(?:, )?)*)\]")


def humanise(name: str) -> str:
    """An id as words: ``consent_irrelevant_child`` -> "consent irrelevant child"."""
    return name.replace("_", " ").strip() or name


def _words(items: Sequence[str], last: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def readable_condition(text: str) -> str:
    """A condition as a person writes it: ``x in ['a', 'b']`` -> "x in a or b"; no Python
    lists, no ``True`` / ``False``."""

    def join(match: re.Match[str]) -> str:
        items = re.findall(r"'([^']*)'", match.group(1))
        return _words(items, "or") if items else "nothing"

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
            return "yes"
        if value is False:
            return "no"
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
            return "not yet known"
        shown = "; ".join(self.ask(q) for q in asks[:limit])
        more = len(asks) - limit
        more_text = f" (and {more} more question{'s' if more != 1 else ''})" if more > 0 else ""
        return f"not yet known - ask: {shown}{more_text}"

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
            return f"between {low:g} and {high:g}"
        if isinstance(value, dict) and "surely" in value:
            surely = self.value(name, value["surely"])
            return f"{surely} (may also be: {self.value(name, value['maybe'])})"
        if isinstance(value, list | tuple):
            items = [self.value_label(name, v) for v in value]
            if determined:
                return _words(items) if items else "none"
            if not items:
                return self.open_value(missing)
            return f"{_words(items)}, and perhaps more: {self.open_value(missing)}"
        if value is None or not determined:
            if value is not None:
                return f"{self.value_label(name, value)} (not final: {self.open_value(missing)})"
            return self.open_value(missing) if not determined else "not known"
        return self.value_label(name, value)

    def short(self, name: str | None, value: Any, limit: int = 4) -> str:
        """A value read by a condition, short: ids as words, at most ``limit`` items of a set."""
        if value is None:
            return "not known"
        if isinstance(value, list | tuple):
            items = [humanise(str(v)) if isinstance(v, str) else self.value_label(name, v) for v in value]
            more = [f"{len(items) - limit} more"] if len(items) > limit else []
            return _words(items[:limit] + more) if items else "none"
        if isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_]*", value):
            return humanise(value)
        return self.value(name, value)

    def either(self, name: str | None, values: Any) -> str:
        """The values an open outcome can still take: "ready or ready with support" (a number's
        interval: "3 to 7")."""
        if isinstance(values, str):  # redacted
            return values
        if isinstance(values, dict) and "between" in values:
            return span(values)
        return _words([self.value_label(name, v) for v in values], "or") if values else "not known"
