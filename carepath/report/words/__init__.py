"""The program's own words: how values read in every report (yes/no, lists, open values), and
the catalogue of its headings, phrases and prompts in each language (``en.yaml`` the source,
``km.yaml`` drafts)."""

from __future__ import annotations

from carepath.report.words.catalogue import Phrases, catalogue, languages, placeholders
from carepath.report.words.language import in_language, language, phrase, phrase_count, phrases
from carepath.report.words.values import cite, document_line, either, opening, shown_value, truth_word

__all__ = [
    "Phrases",
    "catalogue",
    "cite",
    "document_line",
    "either",
    "in_language",
    "language",
    "languages",
    "opening",
    "phrase",
    "phrase_count",
    "phrases",
    "placeholders",
    "shown_value",
    "truth_word",
]
