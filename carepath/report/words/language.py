"""The language reports are shown in now, and the program's words in it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from carepath.report.words.catalogue import Phrases, catalogue

__all__ = ["in_language", "language", "phrase", "phrase_count", "phrases"]

_language: ContextVar[str] = ContextVar("carepath_report_language", default="en")


@contextlib.contextmanager
def in_language(lang: str) -> Iterator[None]:
    """Within the block, reports show the rule sets' texts in ``lang`` where they have one
    (load the rule sets with :func:`carepath.rules.translations.using` for their translations), and
    English where they do not; the program's own words too (:func:`phrase`)."""
    token = _language.set(lang)
    try:
        yield
    finally:
        _language.reset(token)


def language() -> str:
    """The language reports show texts in now."""
    return _language.get()


def phrases() -> Phrases:
    """The program's words in the language reports are shown in now."""
    return catalogue(_language.get())


def phrase(key: str, **fields: Any) -> str:
    """One of the program's phrases in the report's language, its placeholders filled in."""
    text = catalogue(_language.get()).texts[key]
    return text.format_map(fields) if fields else text


def phrase_count(key: str, n: int, **fields: Any) -> str:
    """The phrase for ``n`` things (``<key>.one`` or ``<key>.other``) in the report's language."""
    return catalogue(_language.get()).count(key, n, **fields)
