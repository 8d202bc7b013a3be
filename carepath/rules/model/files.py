"""The files: a YAML rule file (:class:`RuleFile`, with the dates it is in force) and a shared
dictionary of case fields (:class:`CaseFieldsFile`)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from carepath.rules.conditions import Name
from carepath.rules.model.base import _forward, _Model
from carepath.rules.model.inputs import InputSpec, TargetSpec
from carepath.rules.model.parameters import Parameter
from carepath.rules.model.rules import Rule
from carepath.rules.model.sources import Document


class InForce(_Model):
    """The dates a rule set is in force."""

    valid_from: dt.date | None = Field(default=None, description="First day in force (none: always was).")
    valid_to: dt.date | None = Field(default=None, description="Last day in force (none: still is).")

    @model_validator(mode="after")
    def _forward(self) -> InForce:
        _forward(self.valid_from, self.valid_to)
        return self


class RuleFile(_Model):
    """One YAML rule file: metadata, inputs, parameters, facts, outcomes and rules."""

    schema_version: Literal[1] = Field(description="The rule-file format version.")
    id: str | None = Field(
        default=None, description="Defaults to the path under `rulesets/` (`intl/palermo`)."
    )
    title: str = Field(description="The rule set's title.")
    version: str = Field(description="This rule set's own version, e.g. `1.0.0`.")
    jurisdiction: str = Field(description="`intl`, an ISO country code (`KH`), or an organisation.")
    description: str | None = Field(
        default=None, description="What the rule set decides, what it rests on and what it leaves out."
    )
    in_force: InForce = Field(
        default_factory=InForce,
        description="The dates the rule set is in force; evaluation outside them is refused.",
    )
    extends: str | None = Field(
        default=None, description="A lower layer: a bundled id or a path relative to this file."
    )
    languages: list[str] = Field(
        default_factory=lambda: ["en"],
        description="Language codes of the questions and labels (`en`, `km`, ...).",
    )
    sources: dict[str, Document] = Field(
        default_factory=dict, description="The documents rules cite, by key."
    )
    inputs: dict[Name, InputSpec] = Field(
        default_factory=dict, description="The case fields the rule set reads."
    )
    case_fields: str | None = Field(
        default=None,
        description="A shared dictionary of case fields (a bundled id such as `intl/care_path.fields`, "
        "or a path relative to this file): one question, type, choices and labels per fact, for "
        "every rule set that reads it. An input written `NAME: shared` is taken from it as declared there.",
    )
    renamed_inputs: dict[Name, Name] = Field(
        default_factory=dict,
        description="Old name -> current name of a renamed input: a case that still uses the old "
        "name is read, with a warning (see CHANGELOG.md).",
    )
    parameters: dict[Name, Parameter] = Field(
        default_factory=dict, description="Dated values rules read with `{param: NAME}`."
    )
    facts: dict[Name, TargetSpec] = Field(
        default_factory=dict, description="Derived facts: concluded by rules, read by other rules."
    )
    outcomes: dict[Name, TargetSpec] = Field(
        default_factory=dict, description="What the evaluation reports, concluded by rules."
    )
    rules: list[Rule] = Field(default_factory=list, description="The rules, each with its source.")

    @model_validator(mode="after")
    def _names_are_unique(self) -> RuleFile:
        seen: dict[str, str] = {}
        for section in ("inputs", "facts", "outcomes"):
            for name in getattr(self, section):
                if name in seen:
                    raise ValueError(f"{name!r} is declared in both `{seen[name]}` and `{section}`")
                seen[name] = section
        ids = [r.id for r in self.rules]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"rule ids repeat: {', '.join(dupes)}")
        return self


class CaseFieldsFile(_Model):
    """A shared dictionary of case fields: each fact declared once, for every rule set."""

    schema_version: Literal[1] = Field(description="The file format version.")
    title: str = Field(description="What the dictionary covers.")
    description: str | None = Field(default=None, description="Notes for authors and reviewers.")
    languages: list[str] = Field(default_factory=lambda: ["en"], description="Language codes.")
    fields: dict[Name, InputSpec] = Field(description="The case fields, by name.")
