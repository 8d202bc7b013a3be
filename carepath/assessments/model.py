"""The pipeline file: which rule sets run for a case, in what order, and what feeds what.

A pipeline (``rulesets/<jurisdiction>/<name>.pipeline.yaml``) names its **steps**, each one rule
set, and the **feeds** between them: an input of a later step taken from an outcome of an
earlier one (``family_safety: family_safety.family_safety``). It may declare:

- ``ranking``: how the care options found by one step are ranked (the order of preference of
  the option vocabulary, with its source) into a built-in step ``ranking`` whose outcomes
  (``ranked``, ``top_option``) later steps can be fed;
- ``path``: the stages of a case as a graph, each move allowed by a yes/no outcome of the
  path step, and the dates by which reviews and visits fall due.

The file is data: validated here (the ``ranking`` and ``path`` sections by their models in
:mod:`carepath.plans.model`), checked against the rule sets in ``pipeline.py``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from carepath.plans.model import DueDate, Move, PathSpec, RankingSpec, Stage
from carepath.rules.conditions import Name
from carepath.rules.model import Document

__all__ = ["DueDate", "Move", "PathSpec", "PipelineFile", "RankingSpec", "Stage", "Step"]

FeedRef = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$",
        description="`STEP.OUTCOME`: an outcome of an earlier step.",
    ),
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=False)


class Step(_Model):
    """One rule set in the pipeline, and the inputs it takes from earlier steps."""

    ruleset: str = Field(description="A bundled rule set id, or a path relative to this file.")
    feeds: dict[Name, FeedRef] = Field(
        default_factory=dict,
        description="Input name -> `STEP.OUTCOME`. A determined outcome is the answer; an "
        "undetermined one leaves the input to the case's own answer, or unknown.",
    )
    description: str | None = Field(default=None, description="What this step decides.")


class PipelineFile(_Model):
    """One pipeline file."""

    schema_version: Literal[1] = Field(description="The pipeline-file format version.")
    title: str = Field(description="The pipeline's title.")
    version: str = Field(description="This pipeline's own version, e.g. `1.0.0`.")
    description: str | None = Field(default=None, description="What the pipeline runs and for whom.")
    extends: str | None = Field(
        default=None, description="Another pipeline (bundled id or path) whose steps this one changes."
    )
    only: list[Name] | None = Field(
        default=None,
        description="Keep only these steps of the pipeline this one extends (and the ranking if its "
        "step is kept): a lighter view, such as follow-up only. A feed from a step left out is "
        "dropped, and its input is the case's own answer.",
    )
    sources: dict[str, Document] = Field(
        default_factory=dict, description="The documents the ranking's order of preference cites, by key."
    )
    steps: dict[Name, Step] = Field(
        default_factory=dict,
        description="The steps by name. They run in the order their feeds need, else as declared; "
        "an overlay's step of the same name replaces the rule set and adds feeds.",
    )
    ranking: RankingSpec | None = Field(default=None, description="How the care options are ranked.")
    path: PathSpec | None = Field(default=None, description="The stages of a case, the moves and the dates.")

    @model_validator(mode="after")
    def _steps_or_extends(self) -> PipelineFile:
        if not self.steps and self.extends is None:
            raise ValueError("a pipeline declares `steps` or `extends` another")
        return self
