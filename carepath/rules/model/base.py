"""What every part of the rule-file model shares: the format version, the answer words, the
annotated types, the bound on numbers and the frozen base model."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1
ANSWER_WORDS: tuple[Literal["unknown"], Literal["declined"]] = ("unknown", "declined")

RuleId = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$",
        description="A stable, dotted rule id such as `palermo.child_no_means`.",
    ),
]
Text = Annotated[
    dict[str, str],
    Field(description="Text per language code, e.g. `{en: ..., km: ...}`."),
]
Confidence = Literal["verbatim", "secondary", "inferred"]
InputType = Literal["bool", "int", "number", "enum", "set", "date", "text"]
TEXT_MAX = 2000
MAX_MAGNITUDE = 1e15
"""The largest magnitude of a number in a rule file (a threshold, weight, bound or parameter
value); NaN and infinities are refused too. Beyond it a float no longer holds whole numbers."""


def bounded_number(value: Any) -> None:
    """Raise ValueError if ``value`` is a number that is not finite or over :data:`MAX_MAGNITUDE`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    if isinstance(value, float) and value != value:
        raise ValueError("NaN is not a number a rule file may use")
    if abs(value) > MAX_MAGNITUDE:
        raise ValueError(f"a number of magnitude over {MAX_MAGNITUDE:.0e} (or infinite) is not accepted")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _forward(valid_from: dt.date | None, valid_to: dt.date | None) -> None:
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        raise ValueError(f"`valid_to` {valid_to} comes before `valid_from` {valid_from}")
