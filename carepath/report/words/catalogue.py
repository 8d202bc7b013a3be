"""The program's own words (headings, fixed phrases, interview prompts) in each language.

``en.yaml`` beside this module is the source: each key a whole phrase, with ``{placeholders}``
for the numbers, names and values put into it, so that a language can order a sentence its own
way. ``<lang>.yaml`` holds the same keys, each ``{text: ..., status: draft|reviewed}``. A key a
language lacks is shown in English. Both are read once, through the bounded YAML reader.

A count has two keys, ``<key>.one`` and ``<key>.other`` (:meth:`Phrases.count`).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from carepath.errors import YamlError
from carepath.rules.loader import load_yaml_file

__all__ = ["Phrases", "catalogue", "languages", "placeholders"]

_HERE = Path(str(resources.files("carepath.report.words")))
STATUSES = ("draft", "reviewed")


@dataclass(frozen=True)
class Entry:
    """One phrase in one language, and its review status (English is the source: reviewed)."""

    text: str
    status: str = "reviewed"


@dataclass(frozen=True)
class Phrases:
    """The program's words in one language, English where that language has no text yet."""

    lang: str
    entries: Mapping[str, Entry]
    english: Mapping[str, Entry]
    texts: Mapping[str, str]
    """The text shown for each key: this language's, else the English."""

    def get(self, key: str, **fields: Any) -> str:
        """The phrase ``key`` with its ``{placeholders}`` filled in from ``fields``."""
        text = self.texts[key]
        return text.format_map(fields) if fields else text

    def count(self, key: str, n: int, **fields: Any) -> str:
        """The phrase for ``n`` things: ``<key>.one`` for one, ``<key>.other`` else; ``{n}``
        is filled in too."""
        return self.get(f"{key}.{'one' if n == 1 else 'other'}", n=n, **fields)

    def drafts(self) -> int:
        """How many of this language's phrases are drafts not yet reviewed by a person."""
        return sum(1 for e in self.entries.values() if e.status == "draft") if self.lang != "en" else 0


def placeholders(text: str) -> frozenset[str]:
    """The names of the ``{placeholders}`` of a phrase."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def languages() -> tuple[str, ...]:
    """The languages the catalogue has, English first."""
    found = sorted(p.stem for p in _HERE.glob("*.yaml") if p.stem != "en")
    return ("en", *found)


def _is_entry(value: dict[str, Any]) -> bool:
    return isinstance(value.get("text"), str) and value.get("status") in STATUSES


@cache
def _read(lang: str) -> dict[str, Entry]:
    path = _HERE / f"{lang}.yaml"
    if not path.is_file():
        return {}
    data = load_yaml_file(path).data
    if not isinstance(data, dict):
        raise YamlError("the phrase catalogue must be a mapping of keys", file=str(path))
    entries: dict[str, Entry] = {}
    for key, value in data.items():
        if lang == "en" and isinstance(value, str):
            entries[key] = Entry(value)
        elif isinstance(value, dict) and _is_entry(value):
            entries[key] = Entry(value["text"], value["status"])
        else:
            raise YamlError(f"phrase {key!r}: expected text and status (draft or reviewed)", file=str(path))
    return entries


@cache
def catalogue(lang: str) -> Phrases:
    """The program's words in ``lang`` (English for a language the catalogue does not have)."""
    english = _read("en")
    entries = english if lang == "en" else _read(lang)
    texts = {key: entries[key].text if key in entries else e.text for key, e in english.items()}
    return Phrases(lang, entries, english, texts)
