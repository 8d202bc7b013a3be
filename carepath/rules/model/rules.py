"""The rules: conclusion rules, decision tables and weighted scores with their bands, and the
:data:`Rule` union that tells them apart."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from carepath.rules.conditions import Condition, Name, ParamRef, Scalar
from carepath.rules.model.base import RuleId, _forward, _Model, bounded_number
from carepath.rules.model.sources import Source


class _RuleBase(_Model):
    id: RuleId
    title: str = Field(min_length=1, description="What the rule says, in one line.")
    description: str | None = Field(
        default=None, description="More about the rule: its reading of the source, its limits."
    )
    source: Source | None = Field(default=None, description="Required unless `local_setting`.")
    local_setting: bool = Field(
        default=False, description="A configurable setting of this organisation, not sourced fact."
    )
    hard: bool = Field(default=False, description="A layer above may not replace or relax it.")
    valid_from: dt.date | None = Field(
        default=None, description="First day the rule applies (none: always did)."
    )
    valid_to: dt.date | None = Field(
        default=None, description="Last day the rule applies (none: still does)."
    )

    @model_validator(mode="after")
    def _dates_run_forward(self) -> _RuleBase:
        _forward(self.valid_from, self.valid_to)
        return self


class ConclusionRule(_RuleBase):
    """When the condition holds, conclude values for facts or outcomes.

    With `exception_to`, the rule is an exception (Catala-style): where it applies, the rules it
    names do not.
    """

    when: Condition | None = Field(default=None, description="Omitted: always applies.")
    then: dict[Name, Scalar | list[Scalar]] = Field(
        min_length=1, description="Target name -> value (a set takes a list; a number an amount)."
    )
    exception_to: list[RuleId] = Field(
        default_factory=list,
        description="Rules this one overrides where it applies (Catala-style exception).",
    )


Cell = Literal["-"] | Scalar | list[Scalar] | dict[str, Any]


class TableRow(_Model):
    """One row of a decision table: a cell per column, and the output."""

    id: Name | None = Field(
        default=None, description="A name for the row, shown in the trace (default: row1, row2, ...)."
    )
    when: list[Cell] = Field(
        description="Per column: `-` (any), a value (equal), a list (one of), or `{op: value}`."
    )
    then: Scalar | list[Scalar] = Field(description="The output when the row matches.")
    source: Source | None = Field(
        default=None, description="The row's own source, where it differs from the table's."
    )


class TableSpec(_Model):
    """A DMN-style decision table with a hit policy."""

    hit_policy: Literal["UNIQUE", "FIRST", "PRIORITY", "COLLECT"] = Field(
        description="UNIQUE (one row matches), FIRST (the first match), PRIORITY (the match whose "
        "output comes first in the output's values), COLLECT (all matches)."
    )
    inputs: list[Name] = Field(
        min_length=1, description="The columns: inputs or facts, one cell per row each."
    )
    output: Name = Field(description="The fact or outcome the table concludes.")
    aggregate: Literal["sum", "count"] | None = Field(
        default=None, description="COLLECT only: add up the outputs (`sum`) or the matches (`count`)."
    )
    rows: list[TableRow] = Field(min_length=1, description="The rows, in order.")

    @model_validator(mode="after")
    def _rows_fit(self) -> TableSpec:
        for i, row in enumerate(self.rows):
            if len(row.when) != len(self.inputs):
                raise ValueError(f"row {i} has {len(row.when)} cells for {len(self.inputs)} inputs")
        if self.aggregate is not None and self.hit_policy != "COLLECT":
            raise ValueError("`aggregate` applies to the COLLECT hit policy only")
        return self


class DecisionTable(_RuleBase):
    """A decision table concluding one output."""

    table: TableSpec = Field(description="The decision table.")


class ScoreItem(_Model):
    """One weighted indicator."""

    id: Name = Field(description="A name for the indicator, shown in the trace.")
    when: Condition = Field(description="When the indicator is present.")
    weight: float | ParamRef = Field(description="What it adds to the score: a number or a parameter.")
    source: Source | None = Field(
        default=None, description="The indicator's own source, where it differs from the rule's."
    )

    @model_validator(mode="after")
    def _bounded(self) -> ScoreItem:
        bounded_number(self.weight)
        return self


class Band(_Model):
    """A band from a threshold up."""

    at_least: float | ParamRef = Field(
        description="The score from which this band applies: a number or a parameter."
    )
    value: Name = Field(description="The band.")

    @model_validator(mode="after")
    def _bounded(self) -> Band:
        bounded_number(self.at_least)
        return self


class Bands(_Model):
    """Thresholds that turn a score into a band (e.g. low / moderate / high)."""

    target: Name = Field(description="The enum fact or outcome that holds the band.")
    below: Name = Field(description="The band below the lowest threshold.")
    thresholds: list[Band] = Field(min_length=1, description="In rising order.")


class ScoreSpec(_Model):
    """Weighted indicators summed into a number fact, with optional bands."""

    target: Name = Field(description="The number fact or outcome the items add to.")
    items: list[ScoreItem] = Field(min_length=1, description="The weighted indicators.")
    bands: Bands | None = Field(default=None, description="Thresholds turning the score into a band.")


class ScoreRule(_RuleBase):
    """Weighted indicator scoring."""

    score: ScoreSpec = Field(description="The weighted score.")


def _rule_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("table", "score", "then"):
            if key in value:
                return f"<{key}>"
        return None
    kinds: dict[type, str] = {ConclusionRule: "<then>", DecisionTable: "<table>", ScoreRule: "<score>"}
    return kinds.get(type(value))


Rule = Annotated[
    Annotated[ConclusionRule, Tag("<then>")]
    | Annotated[DecisionTable, Tag("<table>")]
    | Annotated[ScoreRule, Tag("<score>")],
    Discriminator(
        _rule_tag,
        custom_error_type="rule_kind",
        custom_error_message="a rule needs one of `then` (a conclusion), `table` or `score`",
    ),
]
