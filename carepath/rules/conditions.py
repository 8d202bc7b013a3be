"""Stage 2: the condition language, a small tree of YAML mappings validated into nodes.

Each node is a mapping with exactly one key, the operator::

    {all: [COND, ...]}            every one holds          {any: [COND, ...]}  at least one holds
    {not: COND}                   the opposite             {is_true: NAME}     a yes/no input or fact is yes
    {"==": [NAME, OPERAND]}       also "!=", "<", "<=", ">", ">="; NAME may be {param: NAME}
    {in: [NAME, [VALUE, ...]]}    the answer is one of the values
    {intersects: [NAME, [VALUE, ...]]}   a set answer shares a value with the list
    {contains: [NAME, VALUE]}     a set answer includes the value
    {is_known: NAME}              an input is answered (not unknown, declined or not asked), or a
                                  fact or outcome is settled; never unknown itself
    {is_declined: NAME}           the person declined to answer; never unknown itself
    {count_at_least: {n: N, of: [COND, ...]}}    at least N of the conditions hold
    {elapsed: {since: NAME, at_least: {months: N}}}  at least N months (days, weeks, years) have
                                  passed from a date input to the evaluation date; also
                                  ``more_than``, ``less_than``; N may be ``{param: NAME}``

NAME is an input, a fact or an outcome. OPERAND is a literal, ``{param: NAME}`` (a dated
parameter) or ``{ref: NAME}`` (another input or fact). Nothing here is ever evaluated as
Python text: the compiler turns these nodes into closures.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

__all__ = [
    "All",
    "Any_",
    "COMPARISON_OPS",
    "Compare",
    "Condition",
    "Contains",
    "CountAtLeast",
    "Duration",
    "Elapsed",
    "In",
    "Intersects",
    "IsDeclined",
    "IsKnown",
    "IsTrue",
    "Name",
    "Not",
    "Operand",
    "ParamRef",
    "Ref",
    "Scalar",
]

Name = Annotated[
    str,
    Field(pattern=r"^[a-z][a-z0-9_]*$", description="An input, fact or outcome name (snake_case)."),
]
Scalar = bool | int | float | dt.date | str


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=False)


class ParamRef(_Node):
    """The value of a dated parameter on the evaluation date."""

    param: Name


class Ref(_Node):
    """The value of another input or fact."""

    ref: Name


Operand = ParamRef | Ref | Scalar | list[Scalar]


class All(_Node):
    """Holds when every condition holds (Kleene AND: false wins, then unknown)."""

    all: list[Condition] = Field(min_length=1, description="The conditions that must all hold.")


class Any_(_Node):
    """Holds when at least one condition holds (Kleene OR: true wins, then unknown)."""

    any: list[Condition] = Field(min_length=1, description="The conditions of which one must hold.")


class Not(_Node):
    """The opposite of a condition; not unknown is unknown."""

    not_: Condition = Field(alias="not", description="The condition that must not hold.")


class IsTrue(_Node):
    """A yes/no input or fact is yes."""

    is_true: Name


class IsKnown(_Node):
    """The answer is known: not unknown, declined or missing. Never unknown itself."""

    is_known: Name


class IsDeclined(_Node):
    """The person declined to answer. Never unknown itself."""

    is_declined: Name


class In(_Node):
    """The answer is one of the listed values."""

    in_: tuple[Name, list[Scalar]] = Field(alias="in", description="[NAME, [VALUE, ...]]")


class Intersects(_Node):
    """A set answer shares at least one value with the list."""

    intersects: tuple[Name, list[Scalar]] = Field(description="[NAME, [VALUE, ...]]")


class Contains(_Node):
    """A set answer includes the value."""

    contains: tuple[Name, Operand] = Field(description="[NAME, VALUE]")


class CountSpec(_Node):
    """``n`` and the conditions to count."""

    n: int | ParamRef = Field(description="How many must hold (a number or a parameter).")
    of: list[Condition] = Field(min_length=1, description="The conditions to count.")


class CountAtLeast(_Node):
    """At least ``n`` of the conditions hold (unknown while the unknowns could decide it)."""

    count_at_least: CountSpec = Field(description="{n, of}")


class Duration(_Node):
    """A span of time: exactly one of days, weeks, months or years (calendar months and years)."""

    days: int | ParamRef | None = Field(default=None, description="A number of days.")
    weeks: int | ParamRef | None = Field(default=None, description="A number of weeks.")
    months: int | ParamRef | None = Field(default=None, description="A number of calendar months.")
    years: int | ParamRef | None = Field(default=None, description="A number of calendar years.")

    @model_validator(mode="after")
    def _one_unit(self) -> Duration:
        if len(self._units()) != 1:
            raise ValueError("a duration names exactly one of days, weeks, months, years")
        return self

    def _units(self) -> list[str]:
        return [u for u in ("days", "weeks", "months", "years") if getattr(self, u) is not None]

    @property
    def unit(self) -> str:
        """The one unit given."""
        return self._units()[0]

    @property
    def amount(self) -> int | ParamRef:
        """How many units: a number or a parameter."""
        value = getattr(self, self.unit)
        assert value is not None
        return value  # type: ignore[no-any-return]


class ElapsedSpec(_Node):
    """``since`` a date input, ``at_least``, ``more_than`` or ``less_than`` a duration up to the
    evaluation date. With ``D`` the date plus the duration: ``as_of >= D``, ``as_of > D``,
    ``as_of < D``."""

    since: Name = Field(description="A date input.")
    at_least: Duration | None = Field(default=None, description="At least this long has passed.")
    more_than: Duration | None = Field(default=None, description="More than this long has passed.")
    less_than: Duration | None = Field(default=None, description="Less than this long has passed.")

    @model_validator(mode="after")
    def _one_bound(self) -> ElapsedSpec:
        if len(self.bounds()) != 1:
            raise ValueError("elapsed takes exactly one of at_least, more_than, less_than")
        return self

    def bounds(self) -> list[tuple[str, Duration]]:
        """The bounds given, as ``(name, duration)``."""
        given = (("at_least", self.at_least), ("more_than", self.more_than), ("less_than", self.less_than))
        return [(name, d) for name, d in given if d is not None]


class Elapsed(_Node):
    """Time passed from a date input to the evaluation date (``as_of``); unknown if the date is."""

    elapsed: ElapsedSpec = Field(description="{since, at_least | more_than | less_than}")


COMPARISON_OPS: dict[str, str] = {
    "==": "eq",
    "!=": "ne",
    "<": "lt",
    "<=": "le",
    ">": "gt",
    ">=": "ge",
}


class Compare(_Node):
    """A comparison ``NAME op OPERAND``; unknown when either side is unknown.

    The left side may also be a parameter, so that a policy setting can choose between two
    readings of a rule: ``{"==": [{param: child_rule}, act_or_recruitment]}``.
    """

    eq: tuple[Name | ParamRef, Operand] | None = Field(
        default=None, alias="==", description="[NAME, OPERAND]: equal."
    )
    ne: tuple[Name | ParamRef, Operand] | None = Field(
        default=None, alias="!=", description="[NAME, OPERAND]: not equal."
    )
    lt: tuple[Name | ParamRef, Operand] | None = Field(
        default=None, alias="<", description="[NAME, OPERAND]: less than."
    )
    le: tuple[Name | ParamRef, Operand] | None = Field(
        default=None, alias="<=", description="[NAME, OPERAND]: at most."
    )
    gt: tuple[Name | ParamRef, Operand] | None = Field(
        default=None, alias=">", description="[NAME, OPERAND]: more than."
    )
    ge: tuple[Name | ParamRef, Operand] | None = Field(
        default=None, alias=">=", description="[NAME, OPERAND]: at least."
    )

    @property
    def op(self) -> str:
        """The operator symbol."""
        for symbol, attr in COMPARISON_OPS.items():
            if getattr(self, attr) is not None:
                return symbol
        raise AssertionError("a comparison with no operator")  # the discriminator prevents it

    @property
    def args(self) -> tuple[str | ParamRef, Any]:
        """The name (or parameter) and the operand."""
        value = getattr(self, COMPARISON_OPS[self.op])
        assert value is not None
        return (value[0], value[1])


_TAGS = {
    "all": "all",
    "any": "any",
    "not": "not",
    "is_true": "is_true",
    "is_known": "is_known",
    "is_declined": "is_declined",
    "in": "in",
    "intersects": "intersects",
    "contains": "contains",
    "count_at_least": "count_at_least",
    "elapsed": "elapsed",
    **{op: "compare" for op in COMPARISON_OPS},
}


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        if len(value) != 1:
            return None
        tag = _TAGS.get(str(next(iter(value))))
        return f"<{tag}>" if tag else None
    if isinstance(value, Compare):
        return "<compare>"
    for tag, cls in _MODEL_TAGS.items():
        if isinstance(value, cls):
            return f"<{tag}>"
    return None


Condition = Annotated[
    Annotated[All, Tag("<all>")]
    | Annotated[Any_, Tag("<any>")]
    | Annotated[Not, Tag("<not>")]
    | Annotated[IsTrue, Tag("<is_true>")]
    | Annotated[IsKnown, Tag("<is_known>")]
    | Annotated[IsDeclined, Tag("<is_declined>")]
    | Annotated[In, Tag("<in>")]
    | Annotated[Intersects, Tag("<intersects>")]
    | Annotated[Contains, Tag("<contains>")]
    | Annotated[CountAtLeast, Tag("<count_at_least>")]
    | Annotated[Elapsed, Tag("<elapsed>")]
    | Annotated[Compare, Tag("<compare>")],
    Discriminator(
        _condition_tag,
        custom_error_type="condition",
        custom_error_message=(
            "a condition is a mapping with exactly one operator: all, any, not, is_true, is_known, "
            "is_declined, in, intersects, contains, count_at_least, elapsed, ==, !=, <, <=, >, >="
        ),
    ),
]

_MODEL_TAGS: dict[str, type[_Node]] = {
    "all": All,
    "any": Any_,
    "not": Not,
    "is_true": IsTrue,
    "is_known": IsKnown,
    "is_declined": IsDeclined,
    "in": In,
    "intersects": Intersects,
    "contains": Contains,
    "count_at_least": CountAtLeast,
    "elapsed": Elapsed,
}

for _model in (All, Any_, Not, CountSpec, CountAtLeast):
    _model.model_rebuild()
