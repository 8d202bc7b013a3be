"""Submissions of the XLSForm (:mod:`carepath.exchange.xlsform`) back into carepath cases.

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

:func:`import_submissions` turns a whole export into case files that can be joined back to the
team's records (:func:`submission_meta`):

- the case id is the form's ``case_id`` question when it has one, else the submission's
  instance id (ODK Central's ``KEY`` or ``__id``, ``meta/instanceID``, KoboToolbox's ``_uuid``);
- each submission is a contact of its case, with the instance id as its id and, as its date,
  the day of the interview (``today``, else the date of ``start``, as the device wrote it), else
  the day it was submitted (``SubmissionDate``, ``__system/submissionDate``,
  ``_submission_time``); several submissions of one case are its contacts, in date order;
- a submission its reviewer rejected (ODK Central's review state ``rejected``, KoboToolbox's
  validation status ``validation_status_not_approved``) is skipped and counted;
- a submission that cannot be read is skipped and reported with its row (and field, never the
  value); every other submission is kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import itertools
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from carepath.assessments.pipeline import Pipeline
from carepath.cases.jsonl import strict_json
from carepath.errors import (
    CarepathError,
    CaseError,
    CaseFormatError,
    FieldTypeError,
    InputFileError,
    OutOfRangeError,
    UnknownFieldError,
)
from carepath.exchange.xlsform import ANSWERED, COMPANION_SUFFIX, companion
from carepath.rules.model import ANSWER_WORDS, InputSpec
from carepath.rules.ruleset import RuleSet
from carepath.safeio import open_lines, read_bounded

__all__ = [
    "CASE_ID",
    "MAX_JSON_BYTES",
    "METADATA",
    "REJECTED",
    "Imported",
    "SubmissionMeta",
    "case_from_submission",
    "import_submissions",
    "read_submissions",
    "submission_meta",
]

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
MAX_JSON_BYTES = 64 * 1024 * 1024
"""A JSON export is read whole: larger files are refused (export CSV, which is streamed)."""
MAX_NUMBER_CHARS = 64
CASE_ID = "case_id"
"""The form's case id question (its last path segment), which names the case of a submission."""
REJECTED = frozenset({"rejected", "validation_status_not_approved", "not approved"})
"""Review states of a rejected submission (in lower case): ODK Central's, and KoboToolbox's
validation status (its XML value, or its label in an export with labels)."""
MAX_ID_CHARS = 200

_INSTANCE_IDS = ("key", "__id", "instanceid", "_uuid")
"""Where a submission's instance id is, in order of preference (lower-case last segment)."""
_INTERVIEW_DATES = ("today", "start")
_SUBMISSION_DATES = ("submissiondate", "_submission_time")
_REVIEW = ("reviewstate", "_validation_status")

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


@dataclass(frozen=True)
class SubmissionMeta:
    """What a submission says about itself: its ids, its date and its review."""

    instance_id: str | None
    case_id: str | None
    """The form's case id question, if the form has one and it was answered."""
    date: dt.date | None
    rejected: bool

    @property
    def case(self) -> str | None:
        """The case it belongs to: the case id question wins over the instance id."""
        return self.case_id or self.instance_id


def submission_meta(row: Mapping[str, Any]) -> SubmissionMeta:
    """The ids, date and review state of one submission (see the module docstring). A date or
    id that cannot be read is a :class:`CaseFormatError` naming the column, never its value."""
    found: dict[str, tuple[str, Any]] = {}
    for key, raw in _flatten(row):
        parts = [p for p in _SEGMENTS.split(key) if p]
        if not parts or _empty(raw):
            continue
        last = parts[-1].lower()
        if len(parts) > 1 and parts[-2].lower() == "_validation_status" and last == "uid":
            last = "_validation_status"  # KoboToolbox's JSON: {"uid": ..., "label": ...}
        found.setdefault(last, (key, raw))
    instance = next((_identifier(*found[n]) for n in _INSTANCE_IDS if n in found), None)
    case_id = _identifier(*found[CASE_ID]) if CASE_ID in found else None
    date = next((_day(*found[n]) for n in (*_INTERVIEW_DATES, *_SUBMISSION_DATES) if n in found), None)
    review = [found[n][1] for n in _REVIEW if n in found]
    rejected = any(isinstance(r, str) and r.strip().lower() in REJECTED for r in review)
    return SubmissionMeta(instance, case_id, date, rejected)


def _identifier(column: str, raw: Any) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise CaseFormatError("expected an id (text)", field=column)
    text = str(raw).strip()
    if len(text) > MAX_ID_CHARS:
        raise CaseFormatError(f"an id of more than {MAX_ID_CHARS} characters", field=column)
    return text


def _day(column: str, raw: Any) -> dt.date:
    found = _DATE.fullmatch(raw.strip()) if isinstance(raw, str) else None
    if found is not None:
        try:
            return dt.date.fromisoformat(found[1])
        except ValueError:
            pass
    raise CaseFormatError("expected a date or a timestamp (YYYY-MM-DD...)", field=column)


@dataclass
class Imported:
    """A whole export as case files: each ``{case_id, contacts: [{id, date, answers}]}``."""

    cases: list[dict[str, Any]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    """The row of each case's first submission in the export (a CSV's row, a JSON list's place)."""
    submissions: int = 0
    """Every submission read, imported or not."""
    rejected: int = 0
    skipped: list[str] = field(default_factory=list)
    """One message per submission that could not be read: ``FILE:ROW: field: message``."""

    @property
    def imported(self) -> int:
        return self.submissions - self.rejected - len(self.skipped)

    def summary(self) -> str:
        """One line of counts (no case data)."""
        cases = len(self.cases)
        return (
            f"{self.submissions} submissions: {self.imported} imported as {cases} "
            f"{'case' if cases == 1 else 'cases'}, {self.rejected} rejected by review (skipped), "
            f"{len(self.skipped)} unreadable (skipped)"
        )


def import_submissions(
    subject: Subject,
    path: str | Path,
    *,
    strict: bool = True,
    on_skip: Callable[[str], None] | None = None,
) -> Imported:
    """Every submission of an export as the contacts of its case, in the order the cases first
    appear; rejected submissions and unreadable ones skipped and counted (``on_skip`` is told
    each unreadable one as it is met). An export that cannot be read at all raises
    :class:`CaseFormatError`."""
    done = Imported()
    contacts: dict[str, list[dict[str, Any]]] = {}
    for number, row in _rows(Path(path)):
        done.submissions += 1
        where = f"{path}:{number}"
        try:
            if isinstance(row, CaseError):
                raise row
            meta = submission_meta(row)
            if meta.rejected:
                done.rejected += 1
                continue
            answers = case_from_submission(subject, row, strict=strict)
            contact_id = meta.instance_id or f"row {number}"
            contact = {"id": contact_id, "date": meta.date, "answers": answers}
            key = meta.case
            if key is None:
                done.cases.append({"case_id": None, "contacts": [contact]})
                done.rows.append(number)
            elif key not in contacts:
                contacts[key] = [contact]
                done.cases.append({"case_id": key, "contacts": contacts[key]})
                done.rows.append(number)
            elif any(c["id"] == contact_id for c in contacts[key]):
                raise CaseFormatError("the same submission (instance id) a second time")
            else:
                contacts[key].append(contact)
        except CaseError as exc:
            message = str(exc) if str(exc).startswith(where) else f"{where}: {exc}"
            done.skipped.append(message)
            if on_skip is not None:
                on_skip(message)
    for case in done.cases:
        case["contacts"].sort(key=lambda c: c["date"] or dt.date.min)  # stable: export order on ties
        for contact in case["contacts"]:
            contact["date"] = contact["date"].isoformat() if contact["date"] else None
    return done


def read_submissions(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The submissions of a CSV or JSON export, each with its row number.

    CSV (``,``, ``;`` or tab, UTF-8 with or without a byte-order mark) is streamed; its row
    number is the spreadsheet's (the header is row 1). JSON is a list of objects or ODK
    Central's ``{"value": [...]}``, up to :data:`MAX_JSON_BYTES`; its row number is the
    position in the list, from 1.
    """
    for number, row in _rows(Path(path)):
        if isinstance(row, CaseError):
            raise row
        yield number, row


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | CaseError]]:
    """Each row, or the error of a row that is not one (the rows after it are still read)."""
    yield from _json_rows(path) if _is_json(path) else _csv_rows(path)


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


# -- files ----------------------------------------------------------------------------------------


def _is_json(path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix in (".json", ".csv"):
        return suffix == ".json"
    try:
        with open_lines(path) as handle:
            start = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    except CarepathError as exc:
        raise CaseFormatError(str(exc)) from None
    except OSError as exc:
        raise CaseFormatError(f"{path}: cannot read file ({exc.strerror})") from None
    return start[:1] in (b"[", b"{")


def _json_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | CaseError]]:
    try:
        raw = read_bounded(path, MAX_JSON_BYTES)
    except InputFileError as exc:
        extra = " (a JSON export is read whole: export CSV instead, which is read row by row)"
        raise CaseFormatError(str(exc) + (extra if "limit" in exc.message else "")) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CaseFormatError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    data = strict_json(text, str(path), max_values=None)  # bounded by MAX_JSON_BYTES
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        data = data["value"]
    if not isinstance(data, list):
        raise CaseFormatError(f'{path}: expected a list of submissions, or {{"value": [...]}}')
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            yield number, CaseFormatError(f"{path}:{number}: a submission is a JSON object")
            continue
        yield number, item


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | CaseError]]:
    number = 1
    try:
        binary = open_lines(path)
    except CarepathError as exc:
        raise CaseFormatError(str(exc)) from None
    try:
        with io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
            delimiter = max(",;\t", key=first.count)  # KoboToolbox may use ";"
            # strict: an unterminated quote is an error, not one cell holding the rest of the file
            reader = csv.reader(itertools.chain([first], handle), delimiter=delimiter, strict=True)
            header = next(reader, None)
            if header is None:
                return
            repeated = sorted({h for h in header if header.count(h) > 1})
            if repeated:
                raise CaseFormatError(f"{path}:1: the columns {repeated} repeat")
            for cells in reader:
                number += 1
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) > len(header):
                    yield number, CaseFormatError(f"{path}:{number}: more cells than columns")
                    continue
                yield number, dict(itertools.zip_longest(header, cells, fillvalue=""))
    except OSError as exc:
        raise CaseFormatError(f"{path}: cannot read file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise CaseFormatError(f"{path}:{number + 1}: not UTF-8 text") from None
    except csv.Error as exc:
        raise CaseFormatError(f"{path}:{number + 1}: not readable CSV ({exc})") from None
