"""What a submission says about itself: its instance id, its case id, its date and its review.

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

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from carepath.errors import CaseFormatError
from carepath.exchange.submissions.answers import _DATE, _SEGMENTS, _empty, _flatten

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
