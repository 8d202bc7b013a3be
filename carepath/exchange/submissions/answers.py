"""One submission (a row of the export) read into a carepath case's answers.

ODK Central and KoboToolbox export submissions as CSV or JSON: one flat row per submission
(ODK Central's OData JSON nests groups as objects; they are flattened to ``group/name``). A
column is matched to an input or a companion question (``<input>__answer``) by the last
segment of its name, so group prefixes (``group_x/age``, ``group_x-age``) do not matter.
Metadata (``start``, ``end``, ``today``, ``deviceid``, ``meta/instanceID``, ``__version__``,
``KEY``, ``SubmissionDate``, anything under ``meta``, ``formhub`` or ``__system``, and every
name starting with ``_``, KoboToolbox's system fields) is ignored, and so are the one-column-
per-choice copies of a ``select_multiple`` (``act/recruitment``: 1 or 0), which are read only
when the question's own column is missing. Export with XML names for headers and values, not
labels.

Each answer is read as the form records it:

- ``select_one`` of yes / no: a bool; an enum: the choice name; ``select_multiple``: the
  space-separated names, where ``none`` alone is the empty list;
- ``unknown`` / ``declined``: from the choice, or from the companion ``<input>__answer``; when the
  companion says ``unknown`` or ``declined``, the value column is not read;
- numbers: parsed (an ``int`` input takes whole numbers only); dates: ``YYYY-MM-DD`` (of a
  datetime, the date as written); text: as is;
- an empty (or blank) cell, or a companion ``answered`` with no value: *not asked*, left out.

Errors are carepath's :class:`CaseError` types; they name the field, never the value (case data
is about survivors).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from carepath.assessments.pipeline import Pipeline
from carepath.errors import CaseError, CaseFormatError, FieldTypeError, OutOfRangeError, UnknownFieldError
from carepath.exchange.xlsform import ANSWERED, COMPANION_SUFFIX, companion
from carepath.rules.model import ANSWER_WORDS, InputSpec
from carepath.rules.ruleset import RuleSet

Subject = RuleSet | Pipeline

METADATA = frozenset(
    name.lower()
    for name in (
        # XLSForm metadata questions
        "start",
        "end",
        "today",
        "deviceid",
        "subscriberid",
        "simserial",
        "phonenumber",
        "username",
        "email",
        "audit",
        "start-geopoint",
        "instanceID",
        "instanceName",
        "deprecatedID",
        "version",
        "__version__",
        # ODK Central (CSV and OData)
        "KEY",
        "SubmissionDate",
        "SubmitterID",
        "SubmitterName",
        "AttachmentsPresent",
        "AttachmentsExpected",
        "Status",
        "ReviewState",
        "DeviceID",
        "Edits",
        "FormVersion",
        "__id",
        # KoboToolbox (besides every name starting with "_")
        "uuid",
        # the form's case id question
        "case_id",
    )
)
"""Column names (compared in lower case, last path segment) that are metadata, not answers."""
METADATA_GROUPS = frozenset({"meta", "formhub", "__system"})
"""Groups whose every column is metadata."""
MAX_NUMBER_CHARS = 64

_SEGMENTS = re.compile(r"[/-]")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_WHOLE = re.compile(r"[+-]?\d+")
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ].*)?")
_CHOSEN = {"1": True, "true": True, "0": False, "false": False}


def case_from_submission(
    ruleset: Subject, row: Mapping[str, Any], *, origin: str | None = None, strict: bool = True
) -> dict[str, Any]:
    """One submission (a flat CSV or JSON row) as a carepath case: input name -> answer.

    ``ruleset`` is the rule set or pipeline whose form collected it. ``origin`` (e.g.
    ``export.csv:12``) prefixes the message of any error raised. With ``strict=False`` a column
    that is neither a question nor known metadata is ignored instead of raising
    :class:`UnknownFieldError`. The case is checked against the inputs it answers.
    """
    try:
        answers = _Reader(ruleset, strict).read(row)
        _check(ruleset, answers)
    except CaseError as exc:
        if origin:
            exc.args = (f"{origin}: {exc}",)
        raise
    return answers


def _check(subject: Subject, answers: dict[str, Any]) -> None:
    if isinstance(subject, RuleSet):
        subject.check(answers)
        return
    for rules in subject.rulesets.values():  # each answer by the steps that read it
        rules.check({name: value for name, value in answers.items() if name in rules.inputs})


# -- one submission -------------------------------------------------------------------------------


class _Reader:
    """Reads one row against a rule set's inputs (see the module docstring)."""

    def __init__(self, ruleset: Subject, strict: bool) -> None:
        self.inputs = ruleset.inputs
        self.strict = strict
        self.companions = {
            status: name for name, spec in self.inputs.items() if (status := companion(name, spec))
        }
        self.values: dict[str, Any] = {}
        self.status: dict[str, Any] = {}
        self.split: dict[str, dict[str, Any]] = {}

    def read(self, row: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(row, Mapping):
            raise CaseFormatError("a submission is a mapping of column names to values")
        for key, raw in _flatten(row):
            self._place(key, raw)
        answers: dict[str, Any] = {}
        for name, spec in self.inputs.items():
            found = self._answer(name, spec)
            if found is not None:
                answers[name] = found
        return answers

    def _place(self, key: str, raw: Any) -> None:
        """Put a column's value where it belongs: a value, a companion, a split choice, or nowhere."""
        parts = [p for p in _SEGMENTS.split(key) if p]
        if not parts or parts[0] in METADATA_GROUPS or parts[0].startswith("_"):
            return  # also KoboToolbox's system fields, e.g. _validation_status/uid
        last = parts[-1]
        parent = self.inputs.get(parts[-2]) if len(parts) > 1 else None
        choices = (*parent.choice_values, "none", *ANSWER_WORDS) if parent and parent.type == "set" else ()
        if last in choices:  # a one-column-per-choice copy of a select_multiple
            self._put(self.split.setdefault(parts[-2], {}), last, raw, key)
            return
        if last in self.inputs:
            self._put(self.values, last, raw, last)
        elif last in self.companions:
            self._put(self.status, self.companions[last], raw, last)
        elif last.startswith("_") or last.lower() in METADATA or key.lower() in METADATA:
            return
        elif raw is None or raw == "":
            return  # an empty column answers nothing: a form's notes are exported so
        elif self.strict:
            known = [*self.inputs, *self.companions]
            close = difflib.get_close_matches(last, known, n=1)
            raise UnknownFieldError(
                "neither a question of this rule set's form nor known metadata",
                field=key,
                suggestion=close[0] if close else None,
            )

    @staticmethod
    def _put(into: dict[str, Any], name: str, raw: Any, field: str) -> None:
        if name in into:
            raise CaseFormatError("given in more than one column", field=field)
        into[name] = raw

    def _answer(self, name: str, spec: InputSpec) -> Any:
        status_name = name + COMPANION_SUFFIX
        status = _choice_name(self.status.get(name), status_name)
        if status is not None:
            allowed = [ANSWERED, *(w for w in ANSWER_WORDS if w in spec.accepts)]
            if status not in allowed:
                raise OutOfRangeError(f"not one of the choices {allowed}", field=status_name)
            if status != ANSWERED:
                return status  # the value question was not asked
        raw = self.values.get(name)
        if _empty(raw):
            if name in self.split and spec.type == "set":
                return self._from_split(name, spec)
            return None
        return _value(name, spec, raw)

    def _from_split(self, name: str, spec: InputSpec) -> Any:
        chosen = []
        for choice, raw in self.split[name].items():
            flag = _chosen(raw)
            if flag is None and not _empty(raw):
                raise FieldTypeError("expected 1 or 0 (chosen or not)", field=f"{name}/{choice}")
            if flag:
                chosen.append(choice)
        return _set_answer(name, spec, chosen) if chosen else None


def _chosen(raw: Any) -> bool | None:
    """A one-column-per-choice cell: chosen (1), not chosen (0), or None if neither."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float):
        return True if raw == 1 else False if raw == 0 else None
    if isinstance(raw, str):
        return _CHOSEN.get(raw.strip().lower())
    return None


# -- values ---------------------------------------------------------------------------------------


def _value(name: str, spec: InputSpec, raw: Any) -> Any:
    """A non-empty cell as carepath's answer for the input (checked again by ``ruleset.check``)."""
    if isinstance(raw, str) and spec.type != "text":
        raw = raw.strip()
    if isinstance(raw, str) and raw in ANSWER_WORDS:
        return raw
    if spec.type == "bool":
        if isinstance(raw, bool):
            return raw
        if raw in ("yes", "no"):
            return raw == "yes"
        raise FieldTypeError("expected yes or no (or unknown, declined)", field=name)
    if spec.type == "set":
        if isinstance(raw, str):
            return _set_answer(name, spec, raw.split())
        if isinstance(raw, list) and all(isinstance(x, str) for x in raw):
            return _set_answer(name, spec, raw)
        raise FieldTypeError("expected space-separated choice names", field=name)
    if spec.type in ("int", "number"):
        return _number(name, raw, whole=spec.type == "int")
    if spec.type == "date":
        found = _DATE.fullmatch(raw) if isinstance(raw, str) else None
        if found is not None:
            try:
                return dt.date.fromisoformat(found[1]).isoformat()
            except ValueError:
                pass
        raise FieldTypeError("expected a date (YYYY-MM-DD)", field=name)
    return raw  # enum, text: as is


def _set_answer(name: str, spec: InputSpec, items: list[str]) -> Any:
    chosen = list(dict.fromkeys(items))
    alone = [x for x in chosen if x in ANSWER_WORDS or (x == "none" and x not in spec.choice_values)]
    if alone and len(chosen) > 1:
        raise OutOfRangeError("none, unknown and declined are each picked only on their own", field=name)
    if chosen == ["none"] and "none" not in spec.choice_values:
        return []
    return chosen[0] if alone else chosen


def _number(name: str, raw: Any, *, whole: bool) -> int | float:
    expected = "expected a whole number" if whole else "expected a number"
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise FieldTypeError(expected, field=name)
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise FieldTypeError("expected a finite number", field=name)
        if whole and not raw.is_integer():
            raise FieldTypeError(expected, field=name)
        return int(raw) if whole else raw
    if len(raw) > MAX_NUMBER_CHARS or not _NUMBER.fullmatch(raw):
        raise FieldTypeError(expected, field=name)
    if _WHOLE.fullmatch(raw):
        return int(raw)
    try:
        number = Decimal(raw)
    except InvalidOperation:  # the pattern above lets through only what Decimal reads
        raise FieldTypeError(expected, field=name) from None
    if not whole:
        value = float(number)
        if not math.isfinite(value):
            raise FieldTypeError("expected a finite number", field=name)
        return value
    if number != number.to_integral_value():
        raise FieldTypeError(expected, field=name)
    if number.adjusted() > MAX_NUMBER_CHARS:
        raise OutOfRangeError("outside the allowed range", field=name)
    return int(number)


def _choice_name(raw: Any, field: str) -> str | None:
    """A companion's choice name, or None if empty."""
    if _empty(raw):
        return None
    if not isinstance(raw, str):
        raise FieldTypeError("expected a choice name", field=field)
    return raw.strip()


def _empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _flatten(row: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``{"group": {"age": 3}}`` -> ``("group/age", 3)``, as ODK Central's OData nests groups."""
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _flatten(value, name + "/")
        else:
            yield name, value
