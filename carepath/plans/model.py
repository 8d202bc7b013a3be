"""The ``ranking`` and ``path`` sections of a pipeline file: how care options are ranked, and the
stages of a case with the moves between them and the dates that fall due.

Validated here as data; :mod:`carepath.plans.ranking` and :mod:`carepath.plans.path` run them, and
:mod:`carepath.assessments.model` holds the rest of the pipeline file.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from carepath.rules.conditions import Duration, Name
from carepath.rules.model import Source
from carepath.rules.translations import in_use

__all__ = ["DueDate", "Move", "PathSpec", "RankingSpec", "Stage", "shown"]

Label = dict[str, str]


def shown(label: Mapping[str, str], fallback: str) -> str:
    """A label in the first language in use that has it (the translations loaded with
    :func:`carepath.rules.translations.using`), else in English, else ``fallback``."""
    for lang in in_use():
        if (label.get(lang) or "").strip():
            return label[lang]
    return label.get("en", fallback)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=False)


class RankingSpec(_Model):
    """How the options of one step are ranked: eligible, not blocked, in order of preference."""

    step: Name = Field(description="The step whose outcomes hold the options.")
    options: Name = Field(description="A set outcome: the options that fit, each with its reason.")
    blocked: Name = Field(description="A set outcome (same values): the options that must not be used.")
    order_source: Source = Field(
        description="The source of the order of preference: the order of the option values."
    )


class Stage(_Model):
    """One stage of a case."""

    label: Label = Field(description="Per language.")
    description: str | None = Field(default=None, description="What happens in this stage.")


class Move(_Model):
    """A move between stages, allowed when a yes/no outcome of the path step is yes."""

    from_: Name = Field(alias="from", description="The stage the move leaves.")
    to: Name = Field(description="The stage the move enters.")
    allowed_by: Name = Field(description="A yes/no outcome of the path step.")


class DueDate(_Model):
    """A date by which something falls due: the latest known date of ``after``, plus ``every``."""

    label: Label = Field(description="Per language.")
    after: list[Name] = Field(
        min_length=1, description="Date inputs of the path step; the latest known counts."
    )
    every: Duration = Field(description="The interval, a number or a parameter of the path step.")
    stages: list[Name] = Field(min_length=1, description="The stages in which this date is kept.")
    overdue_when: Name | None = Field(
        default=None,
        description="A yes/no outcome of the path step that flags this date as passed; the "
        "pipeline checks that it agrees with the computed date.",
    )


class PathSpec(_Model):
    """The stages of a case as a graph whose edges carry the rules that allow each move."""

    step: Name = Field(description="The step whose outcomes allow the moves.")
    stage: Name = Field(description="The enum input of that step holding the current stage.")
    stages: dict[Name, Stage] = Field(min_length=1, description="In order, first to last.")
    moves: list[Move] = Field(min_length=1)
    due: dict[Name, DueDate] = Field(default_factory=dict, description="Dates that fall due.")
