"""Read a case document (YAML or JSON), safely and bounded, into a :class:`Case`.

A case file holds answers in one of three shapes:

- a flat mapping of input names to answers;
- ``{case_id, description, answers: {...}}``;
- ``{case_id, description, contacts: [{id, date, answers: {...}}, ...]}``: answers gathered over
  several interviews. Victims rarely say everything at the first contact (004:L3012-3016).

Beside ``answers`` or ``contacts`` a case file may hold ``visits`` (dated follow-up visits,
``carepath.cases.visits``) and pseudonymous ``worker`` and ``office`` codes (never names)
that group cases into a caseload.

With several contacts, the answer to each question is settled by three rules. The latest real
answer wins. A refusal (``declined``) stays until a real answer comes; a later ``unknown`` or
a question not asked again does not erase it. Otherwise ``unknown`` if any contact said so.
Each answer remembers the contact it came from, and the trace shows it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Sequence
from pathlib import Path
from typing import Any

from carepath.cases.visits import Visit, read_visits, visit_answers
from carepath.errors import CaseFormatError, YamlError
from carepath.rules.contacts import ByContact, Contact, RenamedFieldWarning, rename_fields
from carepath.rules.loader import load_yaml_file, load_yaml_text
from carepath.rules.model import ANSWER_WORDS

__all__ = [
    "Case",
    "Contact",
    "RenamedFieldWarning",
    "case_from_data",
    "merge_contacts",
    "read_case",
    "read_case_text",
    "rename_fields",
]


class Case(ByContact):
    """The merged answers of a case (a plain mapping), with the contacts they came from."""

    def __init__(
        self,
        contacts: Sequence[Contact],
        case_id: str | None = None,
        description: str | None = None,
        visits: Sequence[Visit] | None = None,
        worker: str | None = None,
        office: str | None = None,
    ) -> None:
        ordered = sorted(contacts, key=lambda c: c.date or dt.date.min)  # stable: list order on ties
        answers, origin = merge_contacts(ordered)
        super().__init__(answers)
        self.contacts: tuple[Contact, ...] = tuple(ordered)
        self.origin: dict[str, str] = origin
        self.case_id = case_id
        self.description = description
        self.visits: tuple[Visit, ...] | None = None if visits is None else tuple(visits)
        """The follow-up visits recorded (an empty list: none yet), or None when the case file
        keeps no visit record."""
        self.worker = worker
        self.office = office

    def on(self, as_of: dt.date, inputs: Container[str] | None = None) -> Case:
        """The case as of a date: with the answers its follow-up visits give on that date
        (``visit_answers``; only those in ``inputs`` if given), which replace any recorded by
        hand. Without a visit record, itself."""
        if self.visits is None:
            return self
        derived = visit_answers(self.visits, as_of)
        if inputs is not None:
            derived = {k: v for k, v in derived.items() if k in inputs}
        contacts = [*self.contacts, Contact("visits", dt.date.max, derived)]
        dated = Case(contacts, self.case_id, self.description, None, self.worker, self.office)
        dated.visits = self.visits
        return dated

    def with_contacts(self, contacts: Sequence[Contact]) -> Case:
        return Case(contacts, self.case_id, self.description, self.visits, self.worker, self.office)


def merge_contacts(contacts: Sequence[Contact]) -> tuple[dict[str, Any], dict[str, str]]:
    """The answer to each question over contacts in date order, and the contact it came from."""
    answers: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for contact in contacts:
        for name, raw in contact.answers.items():
            if raw is None:
                continue
            previous = answers.get(name)
            if _is_word(raw):
                if previous is None or (raw == "declined" and previous == "unknown"):
                    answers[name], origin[name] = raw, contact.id
                continue  # an earlier real answer or refusal stands
            answers[name], origin[name] = raw, contact.id
    return answers, origin


def _is_word(raw: Any) -> bool:
    return isinstance(raw, str) and raw in ANSWER_WORDS


def read_case(path: str | Path) -> Case:
    """A case file (``.yaml``, ``.yml`` or ``.json``)."""
    try:
        located = load_yaml_file(path, private=True)
    except YamlError as exc:
        raise CaseFormatError(f"{exc}") from None
    return _case(located.data, str(path))


def read_case_text(text: str, name: str = "<case>") -> Case:
    """A case given as YAML or JSON text."""
    try:
        located = load_yaml_text(text, name, private=True)
    except YamlError as exc:
        raise CaseFormatError(f"{exc}") from None
    return _case(located.data, name)


def case_from_data(data: Any, name: str = "<case>") -> Case:
    """A case from already parsed data (a JSON document), checked as a case file is."""
    return _case(data, name)


def _case(data: Any, name: str) -> Case:
    if not isinstance(data, dict):
        raise CaseFormatError(f"{name}: a case is a mapping of input names to answers")
    if "answers" not in data and "contacts" not in data:
        return Case([Contact("case", None, _answers(data, name, "the case"))])
    allowed = {
        "case_id",
        "description",
        "visits",
        "worker",
        "office",
        "answers" if "answers" in data else "contacts",
    }
    extra = len(set(data) - allowed)
    if extra:
        # the keys are the case's own: counted, never named
        raise CaseFormatError(
            f"{name}: beside `answers` or `contacts` a case file takes only case_id, description, "
            f"visits, worker and office (found {extra} other {'key' if extra == 1 else 'keys'})"
        )
    case_id = data.get("case_id")
    description = data.get("description")
    visits = read_visits(data["visits"], name) if "visits" in data else None
    worker, office = _code(data, "worker", name), _code(data, "office", name)
    if "answers" in data:
        contact = Contact("case", None, _answers(data["answers"], name, "`answers`"))
        return Case([contact], case_id, description, visits, worker, office)
    raw = data["contacts"]
    if not isinstance(raw, list) or not raw:
        raise CaseFormatError(f"{name}: `contacts` is a list of {{id, date, answers}}")
    contacts = [_contact(item, i, name) for i, item in enumerate(raw)]
    ids = [c.id for c in contacts]
    if len(set(ids)) != len(ids):
        raise CaseFormatError(f"{name}: contact ids repeat")
    return Case(contacts, case_id, description, visits, worker, office)


def _code(data: dict[str, Any], key: str, name: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str | int):
        raise CaseFormatError(f"{name}: `{key}` is a code (text), not a {type(value).__name__}")
    return None if value is None else str(value)


def _contact(item: Any, index: int, name: str) -> Contact:
    where = f"{name}: contacts[{index}]"
    if not isinstance(item, dict) or "answers" not in item or set(item) - {"id", "date", "answers"}:
        raise CaseFormatError(f"{where} takes `answers`, and optionally `id` and `date`")
    date = item.get("date")
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            raise CaseFormatError(f"{where}.date: expected a date (YYYY-MM-DD)") from None
    if date is not None and not isinstance(date, dt.date):
        raise CaseFormatError(f"{where}.date: expected a date (YYYY-MM-DD)")
    if isinstance(date, dt.datetime):
        date = date.date()  # a timestamp counts by its day, so that contacts sort as dates
    # without an id a contact is labelled by its position, never by its date (a case value)
    label = str(item.get("id") or f"contact {index + 1}")
    return Contact(label, date, _answers(item["answers"], where, "`answers`"))


def _answers(data: Any, where: str, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise CaseFormatError(f"{where}: {what} is a mapping of input names to answers")
    return {str(k): v for k, v in data.items()}
