"""The names a rule set declares: the case fields it reads (:class:`InputSpec`, with their
choices) and the facts and outcomes its rules conclude (:class:`TargetSpec`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from carepath.rules.conditions import Name, Scalar
from carepath.rules.model.base import ANSWER_WORDS, InputType, Text, _Model, bounded_number


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
