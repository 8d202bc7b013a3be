"""The model of an invariants file: properties declared in YAML beside the rule sets, checked
over generated cases.

An invariant file (``rulesets/intl/care_path.invariants.yaml``) names a rule set or a pipeline
and lists properties that must hold for **every** case, each with the source that makes it a
requirement::

    pipeline: intl/care_path          # or: ruleset: intl/family_safety
    answered: [intake, closure, any]  # the kinds of whole case generated (a pipeline's)
    derived:                          # a value read from outcomes: the first case that surely holds
      family_return:
        cases:
          - {value: not_recommended, when: {includes: [ranking.blocked, family_reunification]}}
          - {value: recommended}
    invariants:
      - id: top_never_blocked
        title: Never recommend a blocked option first
        source: {document: un_guidelines, locator: "para 14"}
        check: {not_in: [ranking.top_option, care_options.blocked_options]}
      - id: unsafe_family_never_first
        when: {equals: [family_safety.family_safety, unsafe]}   # only where this surely holds
        check: {excludes: [ranking.ranked, family_reunification]}
      - id: under_3_never_residential
        given: {age: {"<": 3}}
        check: {excludes: [ranking.ranked, residential_care]}
      - id: threat_never_lowers_risk
        monotone:
          inputs: [land_sold, debt]       # each turned from "no" to "yes", all else equal
          outcome: risk.risk_level
          order: [low, moderate, high, very_high]    # ... never moves down this order
      - id: unknown_never_less_protective
        worst_value:
          inputs: {family_involved_in_trafficking: [true], threats: [[person, family]]}
          outcome: derived.family_return
          order: [recommended, not_recommended]      # least protective first; [a, b] ties
      - id: unknown_never_ranks_what_the_worst_blocks
        worst_value:
          inputs: {perpetrator_in_household: [true]}
          sets: [ranking.blocked, ranking.ranked]    # blocked under the worst: not ranked under unknown
      - id: every_recommendation_is_sourced
        sourced: [ranking.ranked, ranking.blocked, plan.allowed]

A reference is ``STEP.OUTCOME`` in a pipeline, ``OUTCOME`` in a rule set, or ``derived.NAME``.
A pipeline also has ``ranking.top_option`` and ``ranking.ranked`` (undetermined while an option
is pending), the lists as they stand ``ranking.blocked``, ``ranking.pending``,
``ranking.not_found``, and the care plan's ``plan.stage``, ``plan.allowed``, ``plan.blocked``,
``plan.pending``. A check reads determined outcomes only; an undetermined value satisfies it (it
is no recommendation). Checks:

- ``equals: [REF, VALUE]``, ``differs: [REF, VALUE]``, ``in: [REF, [VALUES]]``;
- ``includes: [REF, VALUE]`` / ``excludes: [REF, VALUE]``: a set outcome holds / lacks VALUE
  (a list of values: each of them);
- ``not_in: [REF, SET_REF]``: a value is not in a set outcome (the top option not blocked).

``given`` restricts the cases: every listed input has an answer that fits (``VALUE``,
``[VALUES]`` or ``{op: VALUE}`` with ``==, !=, <, <=, >, >=``; ``unknown`` and ``declined`` are
answers, and ``null`` in a list leaves the question out). ``when`` (one check or a list) keeps
the cases where the checks surely hold. ``worst_value`` takes each open answer (left out,
unknown, declined) among its ``inputs`` and puts each worst value in its place: the
recommendation with the open answer must be at least as protective. ``sourced`` asks that each
ranked option, blocked option and allowed move names fired rules, each with its source.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from carepath.authoring.strategies import ANSWERED, Answered
from carepath.rules.conditions import Name

DAY = dt.date(2026, 11, 23)
DERIVED = "derived"
PLAN = "plan"
_RANKING_LISTS = ("blocked", "pending", "not_found")
_PLAN_LISTS = ("allowed", "blocked", "pending")
_VISIT_FIELDS = frozenset(
    {
        "visits_with_contact",
        "last_contact_visit",
        "failed_contact_attempts",
        "escalation_done",
        "measures_fallen",
        "measures_lowest",
        "warning_signs",
        "new_issues_reported",
    }
)
"""Inputs that visits give (carepath.cases.visits.visit_answers): a case with visits has
these from its visits, whatever its answers say."""
_OPEN = ("unknown", "declined")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Reason(_Model):
    """Why the property must hold."""

    document: str
    locator: str = Field(min_length=1)
    note: str | None = None


class Check(_Model):
    """One test on the outcomes of a case: exactly one of the fields."""

    equals: tuple[str, Any] | None = None
    differs: tuple[str, Any] | None = None
    in_: tuple[str, list[Any]] | None = Field(default=None, alias="in")
    includes: tuple[str, Any] | None = None
    excludes: tuple[str, Any] | None = None
    not_in: tuple[str, str] | None = None

    @model_validator(mode="after")
    def _one(self) -> Check:
        if len(self.model_fields_set) != 1:
            raise ValueError("a check has exactly one of equals, differs, in, includes, excludes, not_in")
        return self

    @property
    def kind(self) -> str:
        (name,) = self.model_fields_set
        return "in" if name == "in_" else name

    @property
    def args(self) -> tuple[Any, Any]:
        value = getattr(self, "in_" if self.kind == "in" else self.kind)
        assert value is not None
        return value[0], value[1]


class Monotone(_Model):
    """Turning any of ``inputs`` from no to yes (for a set input: adding any one of its
    choices) never moves ``outcome`` down ``order``."""

    inputs: list[Name] = Field(min_length=1)
    outcome: str
    order: list[bool | str | list[bool | str]] = Field(
        min_length=2, description="Lowest first (values of the outcome); a list is values of one rank."
    )


class WorstValue(_Model):
    """Putting a worst value in place of an open answer never makes the recommendation less
    protective than the open answer did: ``outcome`` never ranks lower on ``order`` (least
    protective first) with the open answer than with the worst, or (``sets``) what the worst
    value puts in the first set the open answer never puts in the second."""

    inputs: dict[Name, list[Any]] = Field(min_length=1, description="Each input's worst values.")
    outcome: str | None = None
    order: list[bool | str | list[bool | str]] | None = None
    sets: tuple[str, str] | None = None
    per_case: int = Field(default=3, ge=1, le=50, description="Open answers tried per generated case.")

    @model_validator(mode="after")
    def _one_form(self) -> WorstValue:
        if (self.sets is None) == (self.outcome is None) or (self.outcome is None) != (self.order is None):
            raise ValueError("worst_value has `outcome` with `order`, or `sets`")
        return self


class DerivedCase(_Model):
    """One value of a derived reference, and the checks that must surely hold for it."""

    value: Any
    when: list[Check] = Field(default_factory=list)

    @field_validator("when", mode="before")
    @classmethod
    def _listed(cls, raw: Any) -> Any:
        return [raw] if isinstance(raw, dict) else raw


class Derived(_Model):
    """A value read from outcomes: the first case whose checks surely hold (undetermined when a
    check before it is open); a case without checks is the value otherwise."""

    title: str | None = None
    cases: list[DerivedCase] = Field(min_length=1)


class Invariant(_Model):
    """One property every case must have."""

    id: Name
    title: str
    source: Reason
    given: dict[Name, Any] = Field(default_factory=dict)
    when: list[Check] = Field(default_factory=list, description="Checked only where these surely hold.")
    check: Check | None = None
    monotone: Monotone | None = None
    worst_value: WorstValue | None = None
    sourced: list[str] | None = Field(default=None, min_length=1)

    @field_validator("when", mode="before")
    @classmethod
    def _listed(cls, raw: Any) -> Any:
        return [raw] if isinstance(raw, dict) else raw

    @model_validator(mode="after")
    def _one_kind(self) -> Invariant:
        kinds = [self.check, self.monotone, self.worst_value, self.sourced]
        if sum(k is not None for k in kinds) != 1:
            raise ValueError(
                "an invariant has exactly one of `check`, `monotone`, `worst_value` or `sourced`"
            )
        return self


class InvariantFile(_Model):
    """A file of invariants for one rule set or pipeline."""

    schema_version: Literal[1] = 1
    ruleset: str | None = None
    pipeline: str | None = None
    as_of: dt.date = DAY
    examples: int = Field(default=150, ge=1, le=100_000, description="Generated cases per invariant.")
    answered: list[Answered] = Field(
        default_factory=lambda: list(ANSWERED),
        min_length=1,
        description="A pipeline's whole cases: as at intake, at closure, or any mix.",
    )
    visits: bool = Field(default=True, description="A pipeline's cases may carry follow-up visits.")
    seeds: list[str] = Field(
        default_factory=list,
        description="Test files (*.test.yaml) or case files, relative to this file: their whole cases, "
        "varied, are generated too.",
    )
    derived: dict[Name, Derived] = Field(default_factory=dict)
    invariants: list[Invariant] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_target(self) -> InvariantFile:
        if (self.ruleset is None) == (self.pipeline is None):
            raise ValueError("an invariant file names exactly one of `ruleset` or `pipeline`")
        return self
