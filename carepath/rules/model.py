"""Stage 2: the rule-file model. A YAML rule file validates into a :class:`RuleFile`.

The pydantic models are the single source of the format: the JSON Schema editors use, the
reference docs and an error's field path (``rules[3].when.all[1]``) all come from them.
Every rule carries a :class:`Source` (document, locator, confidence) unless it is marked as a
``local_setting``; every dated parameter value does too.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from carepath.rules.conditions import Condition, Name, ParamRef, Scalar

__all__ = [
    "ANSWER_WORDS",
    "SCHEMA_VERSION",
    "MAX_MAGNITUDE",
    "TEXT_MAX",
    "Band",
    "Bands",
    "CaseFieldsFile",
    "Choice",
    "Confidence",
    "ConclusionRule",
    "DecisionTable",
    "Document",
    "InForce",
    "InputSpec",
    "InputType",
    "ParamValue",
    "Parameter",
    "Rule",
    "RuleFile",
    "RuleId",
    "ScoreItem",
    "ScoreRule",
    "ScoreSpec",
    "Source",
    "TableRow",
    "TableSpec",
    "TargetSpec",
    "Text",
]

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


class Document(_Model):
    """A source document a rule set draws on."""

    title: str = Field(description="Full title of the document.")
    year: int | None = Field(default=None, description="Year of the document.")
    where: str = Field(description="Where to find it (publisher, treaty series, file, URL).")
    publisher: str | None = Field(default=None, description="Who published or wrote it.")
    url: str | None = Field(
        default=None,
        description="A public address (http or https) where a reader can find it; left out when no "
        "source gives one.",
    )

    @field_validator("url")
    @classmethod
    def _an_address(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://\S+", value):
            raise ValueError("`url` is an http or https address")
        return value

    note: str | None = Field(default=None, description="Caveats about the copy used.")


class Source(_Model):
    """Where a rule or value comes from, and how sure we are of it."""

    document: str = Field(description="Key of a document in `sources` (this file or a lower layer).")
    locator: str = Field(
        min_length=1,
        description="Article, paragraph, page or seed line (`004:L3319`, `Art. 3(c)`).",
    )
    confidence: Confidence = Field(
        description="`verbatim`: the text says it; `secondary`: a reliable source reports it; "
        "`inferred`: our reading of the sources."
    )
    quote: str | None = Field(default=None, description="The words relied on, if short.")
    note: str | None = Field(default=None, description="Why this reading, or what is uncertain.")


def _forward(valid_from: dt.date | None, valid_to: dt.date | None) -> None:
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        raise ValueError(f"`valid_to` {valid_to} comes before `valid_from` {valid_from}")


class InForce(_Model):
    """The dates a rule set is in force."""

    valid_from: dt.date | None = Field(default=None, description="First day in force (none: always was).")
    valid_to: dt.date | None = Field(default=None, description="Last day in force (none: still is).")

    @model_validator(mode="after")
    def _forward(self) -> InForce:
        _forward(self.valid_from, self.valid_to)
        return self


class Choice(_Model):
    """One allowed value of an enum or set input, with its label per language."""

    value: Name
    label: Text = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"value": data}
        return data

    @field_validator("value")
    @classmethod
    def _not_an_answer_word(cls, value: str) -> str:
        if value in ANSWER_WORDS:
            raise ValueError(f"{value!r} is an answer every input may take, not a choice")
        return value


class InputSpec(_Model):
    """A case field the rule set reads: its type, question, label and accepted answers."""

    type: InputType = Field(
        description="bool, int, number, enum, set (several choices), date, or text (free, sensitive)."
    )
    question: Text = Field(description="The question as asked, per language.")
    label: Text = Field(default_factory=dict, description="A short label per language.")
    help: Text = Field(default_factory=dict, description="Guidance for the interviewer.")
    choices: list[Choice] | None = Field(default=None, description="For `enum` and `set`.")
    min: float | None = Field(default=None, description="Smallest value, for `int` and `number`.")
    max: float | None = Field(default=None, description="Largest value, for `int` and `number`.")
    sensitive: bool = Field(default=False, description="Personal data: masked in redacted traces.")
    optional: bool = Field(
        default=False,
        description="An annotation rather than a question (e.g. a caseworker's override): left out, "
        "it means none, so it is never listed as missing nor asked. Rules test it with is_known.",
    )
    accepts: list[Literal["unknown", "declined"]] = Field(
        default_factory=lambda: ["unknown", "declined"],  # type: ignore[arg-type]
        description="Which of `unknown` / `declined` may be answered. Both give unknown truth.",
    )
    description: str | None = Field(
        default=None, description="What the input means, for authors and reviewers."
    )
    asks_if_done: bool = Field(
        default=False,
        description="The question asks whether something was already done (a referral made, a "
        "meeting held; for a set, which steps were tried). While it is open, an action that waits "
        "only on such questions is listed to confirm (`plan.to_confirm`), never dropped. "
        "Only for `bool` (no = not done) and `set` (empty = none done) inputs.",
    )

    @model_validator(mode="after")
    def _fits_type(self) -> InputSpec:
        if self.type in ("enum", "set"):
            if not self.choices:
                raise ValueError(f"an input of type {self.type} needs `choices`")
            values = [c.value for c in self.choices]
            if len(set(values)) != len(values):
                raise ValueError("`choices` repeat a value")
        elif self.choices is not None:
            raise ValueError(f"`choices` only apply to enum and set inputs, not {self.type}")
        if self.type == "text" and not self.sensitive:
            raise ValueError("free text may hold personal data: mark a text input `sensitive: true`")
        if (self.min is not None or self.max is not None) and self.type not in ("int", "number"):
            raise ValueError("`min` / `max` only apply to int and number inputs")
        if self.asks_if_done and self.type not in ("bool", "set"):
            raise ValueError("`asks_if_done` only applies to bool and set inputs")
        bounded_number(self.min)
        bounded_number(self.max)
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("`min` is greater than `max`")
        return self

    @property
    def choice_values(self) -> tuple[str, ...]:
        """The allowed values, in order."""
        return tuple(c.value for c in self.choices or ())


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


class TargetSpec(_Model):
    """A derived fact or an outcome: what rules conclude.

    `bool`, `enum`: one value; rules that disagree conflict. `set`: rules add items (flags,
    actions). `number`: rules add amounts (scores). `values` order an enum's values, highest
    priority first, for the PRIORITY hit policy.
    """

    type: Literal["bool", "enum", "set", "number"] = Field(
        description="bool or enum (one value), set (rules add items), number (rules add amounts)."
    )
    description: str | None = Field(default=None, description="What the fact or outcome means.")
    label: Text = Field(default_factory=dict)
    values: list[Name] | None = Field(default=None, description="For `enum` and `set`.")
    value_labels: dict[str, Text] = Field(default_factory=dict, description="A label per value and language.")
    default: Scalar | None = Field(
        default=None,
        description="The value when every rule is known not to apply. None: no value.",
    )
    undetermined_value: Name | None = Field(
        default=None,
        description="For an enum: the value reported while unknown answers keep it open "
        "(e.g. `possible_victim`). The status stays `undetermined`.",
    )

    @model_validator(mode="after")
    def _fits_type(self) -> TargetSpec:
        if self.undetermined_value is not None and (
            self.type != "enum" or self.undetermined_value not in (self.values or [])
        ):
            raise ValueError("`undetermined_value` must be one of the `values` of an enum")
        if self.type in ("enum", "set") and not self.values:
            raise ValueError(f"a {self.type} needs `values`")
        if self.type in ("bool", "number") and self.values is not None:
            raise ValueError(f"`values` only apply to enum and set, not {self.type}")
        if self.default is not None:
            if self.type == "set":
                raise ValueError("a set starts empty; it takes no `default`")
            if self.type == "bool" and not isinstance(self.default, bool):
                raise ValueError("the default of a bool must be true or false")
            if self.type == "enum" and self.default not in (self.values or []):
                raise ValueError(f"default {self.default!r} is not one of `values`")
            if self.type == "number" and (
                isinstance(self.default, bool) or not isinstance(self.default, int | float)
            ):
                raise ValueError("the default of a number must be a number")
            bounded_number(self.default)
        return self


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
