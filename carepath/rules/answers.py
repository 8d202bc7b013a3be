"""Stage 4: a case's answers, checked against the inputs a rule set declares.

An answer is a value of the declared type, or one of the words ``unknown`` and ``declined``
(where the input accepts them). A field left out is *not asked*. All three give unknown
truth, and the trace keeps which it was; none is ever read as "no". Errors name the field,
never the value: case data is about survivors.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from carepath.errors import CaseFormatError, FieldTypeError, OutOfRangeError, UnknownFieldError
from carepath.rules.model import ANSWER_WORDS, MAX_MAGNITUDE, TEXT_MAX, InputSpec
from carepath.rules.trace import AnswerKind

__all__ = ["LAST_CASE_DATE", "Answers", "Reader", "build_readers", "read_answers"]

LAST_CASE_DATE = dt.date(9000, 12, 31)
"""The latest date a case may give. Rule durations are bounded so that a date up to it moved by
the longest duration stays within the calendar (9999-12-31): date arithmetic cannot overflow."""

Reader = Callable[[Any], Any]


@dataclass(slots=True)
class Answers:
    """Checked answers: values (``None`` where not given) and the kind of every non-answer."""

    values: dict[str, Any]
    kinds: dict[str, AnswerKind]
    contacts: dict[str, str]

    def kind(self, name: str) -> AnswerKind:
        return self.kinds.get(name, "given")


def build_readers(inputs: Mapping[str, InputSpec]) -> dict[str, Reader]:
    """One checking function per input, built once per rule set."""
    return {name: _reader(name, spec) for name, spec in inputs.items()}


def read_answers(
    inputs: Mapping[str, InputSpec],
    readers: Mapping[str, Reader],
    case: Mapping[str, Any],
    contacts: Mapping[str, str] | None = None,
) -> Answers:
    """Check every answer in ``case``; unknown fields and bad values raise :class:`CaseError`."""
    if not isinstance(case, dict) and not isinstance(case, Mapping):
        raise CaseFormatError("a case is a mapping of input names to answers")
    values: dict[str, Any] = dict.fromkeys(inputs)
    kinds: dict[str, AnswerKind] = {}
    given = 0
    for name, raw in case.items():
        reader = readers.get(name)
        if reader is None:
            close = difflib.get_close_matches(str(name), list(inputs), n=1)
            raise UnknownFieldError(
                "not an input of this rule set", field=str(name), suggestion=close[0] if close else None
            )
        if raw is None:
            continue
        if isinstance(raw, str) and raw in ANSWER_WORDS:
            if raw not in inputs[name].accepts:
                raise OutOfRangeError(
                    f"this input accepts only {' or '.join(inputs[name].accepts) or 'real answers'}",
                    field=name,
                )
            kinds[name] = "unknown" if raw == "unknown" else "declined"
            continue
        values[name] = reader(raw)
        given += 1
    if given + len(kinds) < len(values):
        for name, value in values.items():
            if value is None and name not in kinds:
                kinds[name] = "not_asked"
    return Answers(values, kinds, dict(contacts) if contacts else {})


def _reader(name: str, spec: InputSpec) -> Reader:
    kind = spec.type
    if kind == "bool":

        def read_bool(raw: Any) -> bool:
            if raw is True or raw is False:
                return bool(raw)
            if raw in ("yes", "no"):
                return bool(raw == "yes")
            raise FieldTypeError("expected true/false (or yes/no, unknown, declined)", field=name)

        return read_bool
    if kind in ("int", "number"):
        low, high = spec.min, spec.max
        whole = kind == "int"

        def read_number(raw: Any) -> int | float:
            if (
                raw.__class__ is int
                and -MAX_MAGNITUDE <= raw <= MAX_MAGNITUDE
                and (low is None or raw >= low)
                and (high is None or raw <= high)
            ):
                whole_number: int = raw
                return whole_number
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise FieldTypeError("expected a whole number" if whole else "expected a number", field=name)
            if isinstance(raw, float) and not math.isfinite(raw):
                raise FieldTypeError("expected a finite number", field=name)
            if abs(raw) > MAX_MAGNITUDE:
                raise OutOfRangeError(
                    f"a number of magnitude over {MAX_MAGNITUDE:.0e} is not accepted", field=name
                )
            if whole and isinstance(raw, float):
                if not raw.is_integer():
                    raise FieldTypeError("expected a whole number", field=name)
                raw = int(raw)
            if (low is not None and raw < low) or (high is not None and raw > high):
                raise OutOfRangeError(
                    f"outside the allowed range {low:g} to {high:g}"
                    if low is not None and high is not None
                    else "outside the allowed range",
                    field=name,
                )
            number: int | float = raw
            return number

        return read_number
    if kind == "text":

        def read_text(raw: Any) -> str:
            if not isinstance(raw, str):
                raise FieldTypeError("expected text", field=name)
            if len(raw) > TEXT_MAX:
                raise OutOfRangeError(f"text longer than {TEXT_MAX} characters", field=name)
            return raw

        return read_text
    if kind == "date":

        def read_date(raw: Any) -> dt.date:
            day: dt.date | None = None
            if isinstance(raw, dt.date):
                day = raw.date() if isinstance(raw, dt.datetime) else raw
            elif isinstance(raw, str):
                with contextlib.suppress(ValueError):
                    day = dt.date.fromisoformat(raw)
            if day is None:
                raise FieldTypeError("expected a date (YYYY-MM-DD)", field=name)
            if day > LAST_CASE_DATE:
                raise OutOfRangeError(f"a date after {LAST_CASE_DATE} is not accepted (a typo?)", field=name)
            return day

        return read_date
    choices = frozenset(spec.choice_values)
    listed = sorted(choices)
    if kind == "enum":

        def read_enum(raw: Any) -> str:
            if not isinstance(raw, str):
                raise FieldTypeError(f"expected one of {listed}", field=name)
            if raw not in choices:
                close = difflib.get_close_matches(raw, listed, n=1)
                raise OutOfRangeError(
                    f"not one of the choices {listed}", field=name, suggestion=close[0] if close else None
                )
            return raw

        return read_enum

    def read_set(raw: Any) -> frozenset[str]:
        if raw.__class__ is list:  # the common case, checked first: a list of choices
            try:
                items = frozenset(raw)
            except TypeError:  # an unhashable item; the full check below says what is wrong
                pass
            else:
                if items <= choices:  # the choices are text, so every item is
                    return items
        if isinstance(raw, str) or not isinstance(raw, list | tuple | set | frozenset):
            raise FieldTypeError(f"expected a list of choices from {listed}", field=name)
        try:
            items = frozenset(raw)
        except TypeError:  # an unhashable item: not a choice
            raise FieldTypeError(f"expected a list of choices from {listed}", field=name) from None
        if items <= choices:  # the choices are text, so every item is
            return items
        if not all(isinstance(x, str) for x in items):
            raise FieldTypeError(f"expected a list of choices from {listed}", field=name)
        raise OutOfRangeError(f"has values that are not among the choices {listed}", field=name)

    return read_set
