"""Which texts a merged rule set shows in a language are drafts, and the one note that says so.

A form, a report or an interview in a language other than English counts the draft texts it
shows (:func:`draft_count`) and says so once (:func:`draft_note`); :func:`text_status` gives the
review status of each text by place.
"""

from __future__ import annotations

from collections.abc import Iterable

from carepath.rules.layers import MergedRuleSet
from carepath.rules.translations import Status, layer_texts, shown_translations, text_owners

__all__ = ["DRAFT_WORDS", "draft_count", "draft_note", "text_status"]


def text_status(merged: MergedRuleSet, lang: str) -> dict[str, Status]:
    """The review status of every text of a merged rule set that has a ``lang`` version, by
    place: that of its translation file (the owner's: a layer's, or the shared dictionary's) where
    the text shown is the file's, else reviewed (a text written in a rule file itself). A text
    with no ``lang`` version is absent."""
    owner = text_owners(merged.layers)
    files = shown_translations(merged.layers, lang)
    status: dict[str, Status] = {}
    for place, text in layer_texts(merged.inputs, merged.outcomes):
        if place not in owner:
            continue
        entry = files.get(place)
        shown = (text.get(lang) or "").strip()
        if shown:
            status[place] = entry.status if entry and entry.text.strip() == shown else "reviewed"
        elif entry is not None:  # loaded without the language: the file's text would be shown
            status[place] = entry.status
    return status


DRAFT_WORDS = {"km": "ការបកប្រែព្រាង មិនទាន់បានត្រួតពិនិត្យ"}
""""Draft translation, not yet reviewed" in the language itself, where carepath has it."""


def draft_count(rulesets: Iterable[MergedRuleSet], lang: str) -> int:
    """How many of the texts these rule sets show in ``lang`` are drafts (each text once: a
    shared field's text read by several rule sets counts once)."""
    drafts: set[tuple[str, str]] = set()
    for merged in rulesets:
        owner = text_owners(merged.layers)
        for place, status in text_status(merged, lang).items():
            if status == "draft":
                drafts.add((owner[place], place))
    return len(drafts)


def draft_note(count: int, lang: str) -> str | None:
    """The one note a form or interview shows when some of its ``lang`` texts are drafts."""
    if not count:
        return None
    own = DRAFT_WORDS.get(lang)
    return (
        f"[{own + ' - ' if own else ''}draft translation: {count} {lang} texts are not yet reviewed "
        "by a person; where the meaning is unclear, check the English]"
    )
