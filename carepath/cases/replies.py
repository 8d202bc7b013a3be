"""A reply typed at a question (a terminal, a web form) into the answer a rule set checks.

``yes``/``no`` for a yes/no question, a whole number, a number, a date as YYYY-MM-DD, free text,
or choices by number or by name (several, comma-separated, for a set); ``unknown`` and
``declined`` as themselves. Nonsense raises :class:`ValueError` with what to type instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from carepath.rules.model import ANSWER_WORDS, InputSpec

__all__ = ["parse_answer"]


def parse_answer(spec: InputSpec, reply: str) -> Any:
    """A typed reply into the value the rule set checks (raises ValueError on nonsense)."""
    text = reply.strip()
    if text in ANSWER_WORDS:
        return text
    if spec.type == "bool":
        lowered = text.lower()
        if lowered in ("yes", "y"):
            return True
        if lowered in ("no", "n"):
            return False
        raise ValueError("answer yes or no")
    if spec.type == "int":
        try:
            return int(text)
        except ValueError:
            raise ValueError("answer a whole number") from None
    if spec.type == "number":
        try:
            return float(text)
        except ValueError:
            raise ValueError("answer a number") from None
    if spec.type == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError("answer a date as YYYY-MM-DD") from None
    if spec.type == "text":
        return text
    values = list(spec.choice_values)
    picked = [_choice(values, part.strip()) for part in text.split(",") if part.strip()]
    if spec.type == "enum":
        if len(picked) != 1:
            raise ValueError("answer one choice")
        return picked[0]
    return list(dict.fromkeys(picked))


def _choice(values: list[str], part: str) -> str:
    if part.isdigit() and 1 <= int(part) <= len(values):
        return values[int(part) - 1]
    if part in values:
        return part
    raise ValueError(f"choose by number (1-{len(values)}) or by name")
