"""Parameters: dated values (thresholds, durations, settings) that rules read with
`{param: NAME}`."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Literal

from pydantic import Field, model_validator

from carepath.rules.conditions import Scalar
from carepath.rules.model.base import _Model, bounded_number
from carepath.rules.model.sources import Source


class ParamValue(_Model):
    """A parameter's value from a date, with its source."""

    valid_from: dt.date = Field(description="First day this value holds.")
    valid_to: dt.date | None = Field(
        default=None, description="Last day this value holds (none: until a later value)."
    )
    value: Scalar | list[Scalar] = Field(description="The value: a number, date, yes/no, text or a list.")
    source: Source | None = Field(
        default=None, description="Where the value comes from (required unless a local setting)."
    )
    local_setting: bool = Field(
        default=False, description="A configurable setting, not a fact of the sources."
    )

    @model_validator(mode="after")
    def _bounded(self) -> ParamValue:
        for item in self.value if isinstance(self.value, list) else [self.value]:
            bounded_number(item)
        return self


class Parameter(_Model):
    """A dated value (threshold, duration) that rules read with `{param: NAME}`."""

    description: str = Field(description="What the parameter is.")
    unit: str | None = Field(default=None, description="Unit of the value (years, months, points).")
    values: list[ParamValue] = Field(
        min_length=1,
        description="Dated values, not overlapping; the one in force on the evaluation date is used.",
    )
    hard: bool = Field(default=False, description="An overlay may not relax it.")
    may: Literal["increase", "decrease"] | None = Field(
        default=None,
        description="For a hard parameter: the only direction in which an overlay may change it.",
    )
    local_setting: bool = Field(default=False, description="The whole parameter is a configurable setting.")
    choices: list[str] | None = Field(
        default=None,
        min_length=1,
        description="For a parameter of words (a setting that chooses between readings): the words "
        "it may take. Every value, here and in any overlay, must be one of them, and rules may "
        "compare it only with them, so a misspelt setting is refused instead of read as another.",
    )

    @model_validator(mode="after")
    def _values_are_choices(self) -> Parameter:
        if self.choices is None:
            return self
        for item in self.values:
            words = item.value if isinstance(item.value, list) else [item.value]
            for word in words:
                if word not in self.choices:
                    raise ValueError(
                        f"value {word!r} from {item.valid_from} is not one of the choices {self.choices}"
                    )
        return self

    @model_validator(mode="after")
    def _dates_do_not_overlap(self) -> Parameter:
        spans = sorted(self.values, key=lambda v: v.valid_from)
        for before, after in itertools.pairwise(spans):
            if before.valid_to is None or before.valid_to >= after.valid_from:
                raise ValueError(
                    f"values from {before.valid_from} and {after.valid_from} overlap: "
                    "close the earlier one with `valid_to` before the later starts"
                )
        for item in self.values:
            if item.valid_to is not None and item.valid_to < item.valid_from:
                raise ValueError(f"value from {item.valid_from} ends before it starts")
        return self
