"""How values read in every report (text, Markdown, HTML): yes/no, lists, open values."""

from __future__ import annotations

from typing import Any

from carepath.report.words.language import phrase
from carepath.rules.model import Source

__all__ = ["cite", "document_line", "either", "opening", "shown_value", "span", "truth_word"]


def span(value: dict[str, Any]) -> str:
    """An interval fed for an open number, ``{"between": [3, 7]}``: ``3 to 7``."""
    low, high = value["between"]
    return phrase("value.interval", low=f"{low:g}", high=f"{high:g}")


def shown_value(value: Any) -> str:
    """A value as people read it: yes / no, a list, "not known", an open score or set spelt out."""
    if value is None:
        return phrase("value.not_known")
    if value is True:
        return phrase("value.yes")
    if value is False:
        return phrase("value.no")
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) if value else phrase("value.none")
    if isinstance(value, dict) and "between" in value:
        low, high = value["between"]
        return phrase("value.between", low=f"{low:g}", high=f"{high:g}")
    if isinstance(value, dict) and "surely" in value:
        return phrase(
            "value.may_also_be", surely=shown_value(value["surely"]), maybe=shown_value(value["maybe"])
        )
    return str(value)


def either(values: Any) -> str:
    """The values an open outcome can still take: ``ready or ready_with_support``, or for a
    number ``{"between": [3, 7]}``: ``3 to 7``."""
    if isinstance(values, str):  # redacted
        return values
    if isinstance(values, dict) and "between" in values:
        return span(values)
    if not values:
        return phrase("value.not_known")
    return phrase("list.or_between").join(shown_value(v) for v in values)


def truth_word(value: bool | None) -> str:
    """A condition's truth: true, false or unknown."""
    if value is None:
        return phrase("truth.unknown")
    return phrase("truth.true") if value else phrase("truth.false")


def cite(source: Source | None, local_setting: bool = False, quote: bool = False) -> str:
    """``document, locator (confidence)``, with ``: "the passage"`` beside it when asked and the
    rule file quotes one; or what stands instead of a source."""
    if source is None:
        return phrase("source.local_setting") if local_setting else phrase("source.none")
    passage = f': "{" ".join(source.quote.split())}"' if quote and source.quote else ""
    return f"{source.document}, {source.locator} ({source.confidence}){passage}"


def document_line(title: str, year: int | None, where: str, publisher: str | None, url: str | None) -> str:
    """How a source document is listed: title, publisher, year, where to find it, its address."""
    text = " ".join(title.split())
    text += f". {publisher}" if publisher else ""
    text += f" ({year})" if year else ""
    text += f". {where}"
    return text + (f" <{url}>" if url else "")


def opening(title: str, markdown: bool) -> list[str]:
    """A report's first lines: its title, then the notice that it recommends, never decides."""
    notice = phrase("report.notice")
    return [f"# {title}" if markdown else title, "", f"_{notice}_" if markdown else notice]
