"""A whole export as case files (:func:`import_submissions`), with the report of what was imported,
rejected and skipped (:class:`Imported`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carepath.errors import CaseError, CaseFormatError
from carepath.exchange.submissions.answers import Subject, case_from_submission
from carepath.exchange.submissions.files import _rows
from carepath.exchange.submissions.ids import submission_meta


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
