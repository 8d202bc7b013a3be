"""How values read in every report (text, Markdown, HTML): yes/no, lists, open values."""

from __future__ import annotations

from typing import Any

from carepath.rules.model import Source
from carepath.rules.result import NOTICE

__all__ = ["cite", "either", "opening", "shown_value", "truth_word"]


def shown_value(value: Any) -> str:
    """A value as people read it: yes / no, a list, "no value", an open score or set spelt out."""
    if value is None:
        return "no value"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) if value else "none"
    if isinstance(value, dict) and "between" in value:
        low, high = value["between"]
        return f"between {low:g} and {high:g}"
    if isinstance(value, dict) and "surely" in value:
        return f"{shown_value(value['surely'])} (may also be: {shown_value(value['maybe'])})"
    return str(value)


def either(values: Any) -> str:
    """The values an open outcome can still take: ``ready or ready_with_support``."""
    if isinstance(values, str):  # redacted
        return values
    return " or ".join(shown_value(v) for v in values) if values else "no value"


def truth_word(value: bool | None) -> str:
    """A condition's truth: true, false or unknown."""
    return {True: "true", False: "false", None: "unknown"}[value]


def cite(source: Source | None, local_setting: bool = False) -> str:
    """``document, locator (confidence)``, or what stands instead of a source."""
    if source is None:
        return "local setting (not from the sources)" if local_setting else "no source"
    return f"{source.document}, {source.locator} ({source.confidence})"


def opening(title: str, markdown: bool) -> list[str]:
    """A report's first lines: its title, then the notice that it recommends, never decides."""
    return [f"# {title}" if markdown else title, "", f"_{NOTICE}_" if markdown else NOTICE]
