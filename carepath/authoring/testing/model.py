"""The model of a YAML test file: tests beside the rule sets they test
(``rulesets/intl/palermo.test.yaml``).

A test file names its rule set (by default the rule file of the same name beside it), an
optional ``as_of``, and a list of tests. Each test gives an input, the expected outputs, and the
``source`` that justifies the expectation::

    ruleset: intl/palermo          # optional
    as_of: 2026-11-23              # optional; each test may set its own
    tests:
      - name: A child recruited for sexual exploitation meets the test; no means are needed
        source: {document: palermo, locator: "Art. 3(c)"}
        input: {age: 15, act: [recruitment], purpose: [prostitution_of_others], means: unknown}
        output:
          identification: victim                       # the value alone, or
          child: {value: true, status: determined}     # value, status, missing, decided_by
          means_required: false                        # a fact: its value
        fired: [palermo.child_no_means]                # rules that must have fired
        missing: [consent]                             # every open question, in order

A test may also give ``visits`` (follow-up visits, as in a case file); the answers they give
on the test's date are added to its input.

``parameters:`` (at the file level, or per test, which wins name by name) sets parameters for the
run without an overlay file: the test runs against
``with_parameters(ruleset, settings)`` (:mod:`carepath.rules.reform`), so a hard parameter still
moves only its ``may`` way. A bad setting is an error of the test file, at its line::

    parameters: {ilo_child_rule: act_suffices}

``overlay:`` (at the file level, or per test, which wins) names an overlay to apply, as
OpenFisca's ``reforms:``: a rule file that extends the rule set tested (a path relative to the
test file, or a bundled id). The test runs against the overlay (its rules, parameters and hard
limits), then against its ``parameters`` if any::

    ruleset: intl/case_path
    overlay: ../../examples/overlays/ngo_follow_up_24.yaml

``cannot_fire:`` (file level) names, with the reason, rules of the file's rule set that no case
can fire under the base settings: ``carepath test --coverage`` lists them apart instead of as
untested (:mod:`carepath.authoring.coverage`).

A test file may instead name a **pipeline** (``pipeline: intl/care_path``): each test then gives
a whole case (``input``, or ``contacts`` as in a case file, optionally ``visits``) and runs it
through every step. Outputs are ``STEP.OUTCOME`` (``care_options.blocked_options``,
``case_path.closure``, a fact as ``STEP.FACT``), the ranking (``ranking.top_option``,
``ranking.ranked``, ``ranking.blocked``, ``ranking.pending``, ``ranking.not_found``) and the care
plan (``plan.stage``, ``plan.allowed``, ``plan.blocked``, ``plan.pending``, ``plan.overdue``);
``fired``/``not_fired`` name ``STEP.RULE_ID`` (``case_path.path.placement``), or a rule id that
exactly one step has; ``missing`` is the whole case's open questions. Without ``ruleset`` or
``pipeline``, a test file runs the rule file beside it, or else the pipeline file beside it::

    pipeline: intl/care_path
    tests:
      - name: A girl sold by her family is not sent home
        source: {document: seed_004, locator: "004:L2716-2722"}
        input: {age: 16, family_involved_in_trafficking: true, stage: assessment}
        output:
          care_options.blocked_options: {includes: [family_reunification]}
          ranking.top_option: {value: kinship_care, status: determined}
          plan.allowed: {excludes: [reintegration]}
        fired: [care_options.no_return_to_unsafe_family]

An expected output may also give ``includes`` / ``excludes`` (values a set or list must hold or
lack, whatever else it holds) and ``one_of`` (the values it may take).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Justification(_Model):
    """Why the expectation holds: a document of the rule set's sources and a locator."""

    document: str = Field(description="A key of the `sources` of the rule set (or pipeline) tested.")
    locator: str = Field(min_length=1, description="Where in it: `Art. 3(c)`, `004:L3319`.")
    note: str | None = Field(default=None, description="What the test assumes or reads into the source.")


class Expected(_Model):
    """The detailed form of an expected outcome."""

    value: Any = None
    status: str | None = Field(default=None, pattern="^(determined|undetermined)$")
    missing: list[str] | None = None
    decided_by: list[str] | None = None
    includes: list[Any] | None = Field(default=None, description="Values a set or list must hold.")
    excludes: list[Any] | None = Field(default=None, description="Values a set or list must lack.")
    one_of: list[Any] | None = Field(default=None, description="The value is one of these.")


class TestCase(_Model):
    """One YAML test."""

    __test__ = False  # not a pytest class

    name: str = Field(min_length=1, description="What the test shows, in a sentence (`-k` selects by it).")
    source: Justification = Field(description="Why the expected outputs hold.")
    input: dict[str, Any] = Field(
        default_factory=dict, description="The answers, as in a case file (a missing one: not asked)."
    )
    visits: list[dict[str, Any]] | None = Field(
        default=None,
        description="Follow-up visits, as in a case file: the answers they give on the test's date "
        "are added to the input (carepath.cases.visits).",
    )
    contacts: list[dict[str, Any]] | None = Field(
        default=None,
        description="Dated contacts, as in a case file ({id, date, answers}), instead of `input`.",
    )
    as_of: dt.date | None = Field(
        default=None, description="The evaluation date (over the file's; default: today)."
    )
    ruleset: str | None = Field(default=None, description="Another rule set for this test (an id or a path).")
    pipeline: str | None = Field(default=None, description="A pipeline for this test (an id or a path).")
    parameters: dict[str, Any] = Field(
        default_factory=dict,
        description="Parameter settings for this test (over the file's, name by name).",
    )
    overlay: str | None = Field(
        default=None,
        description="An overlay to apply for this test (over the file's): a rule file extending the "
        "rule set tested, a path relative to the test file or a bundled id.",
    )
    output: dict[str, Any] = Field(
        default_factory=dict,
        description="Expected outcomes or facts (`STEP.OUTCOME`, `ranking.*`, `plan.*` for a pipeline): "
        "a value, or {value, status, missing, decided_by, includes, excludes, one_of}.",
    )
    fired: list[str] = Field(
        default_factory=list, description="Rules that must fire (`STEP.RULE_ID` in a pipeline)."
    )
    not_fired: list[str] = Field(default_factory=list, description="Rules that must not fire.")
    missing: list[str] | None = Field(default=None, description="Every open question, in order.")

    @model_validator(mode="after")
    def _one_subject(self) -> TestCase:
        if self.ruleset is not None and self.pipeline is not None:
            raise ValueError("a test names a `ruleset` or a `pipeline`, not both")
        if self.contacts is not None and self.input:
            raise ValueError("a test gives its answers as `input` or as `contacts`, not both")
        return self


class TestFile(_Model):
    """A file of YAML tests."""

    __test__ = False

    ruleset: str | None = Field(
        default=None, description="The rule set tested (an id or a path; default: the rule file beside it)."
    )
    pipeline: str | None = Field(default=None, description="A pipeline whose whole cases the tests run.")
    as_of: dt.date | None = Field(
        default=None, description="The evaluation date of every test (default: today)."
    )
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="Parameter settings for every test of the file."
    )
    overlay: str | None = Field(
        default=None,
        description="An overlay to apply for every test of the file (OpenFisca's `reforms:`): a rule "
        "file extending the rule set tested, a path relative to the test file or a bundled id.",
    )
    cannot_fire: dict[str, str] = Field(
        default_factory=dict,
        description="Rules of the file's rule set that no case can fire under the base settings, "
        "each with the reason; `carepath test --coverage` lists them apart, not as untested.",
    )
    tests: list[TestCase] = Field(min_length=1, description="The tests, at least one.")

    @model_validator(mode="after")
    def _one_subject(self) -> TestFile:
        if self.ruleset is not None and self.pipeline is not None:
            raise ValueError("a test file names a `ruleset` or a `pipeline`, not both")
        return self
