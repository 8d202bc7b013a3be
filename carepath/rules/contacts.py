"""Answers gathered over several contacts, and fields read under their new names.

A case file may hold answers given at several contacts (``carepath.cases`` reads them into a
:class:`~carepath.cases.Case`, a :class:`ByContact`). A rule set checks every contact's answers,
and a field a case gives under its old name (``renamed_inputs`` of the shared case fields) is read
under its current one.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from carepath.errors import CaseError

__all__ = ["ByContact", "Contact", "RenamedFieldWarning", "rename_fields"]


class RenamedFieldWarning(UserWarning):
    """A case used a field's old name: it was read under its current name (see CHANGELOG.md)."""


@dataclass(frozen=True)
class Contact:
    """One interview or contact: when, and the answers given then."""

    id: str
    date: dt.date | None
    answers: dict[str, Any]


class ByContact(dict[str, Any]):
    """The merged answers of a case (a plain mapping), with the contacts they came from and the
    contact each answer came from (``origin``)."""

    contacts: tuple[Contact, ...]
    origin: dict[str, str]

    def with_contacts(self, contacts: Sequence[Contact]) -> ByContact:
        """The same case with these contacts instead (their answers merged again)."""
        raise NotImplementedError


def rename_fields(case: Mapping[str, Any], renamed: Mapping[str, str]) -> Mapping[str, Any]:
    """``case`` with fields under an old name (``renamed``: old -> current) read under the
    current one, with a :class:`RenamedFieldWarning` naming both (names, never answers).
    A field given under both names is refused: which answer holds is not for carepath to guess."""
    if not renamed:
        return case
    by_contact = isinstance(case, ByContact)
    if not by_contact and renamed.keys().isdisjoint(case):
        return case  # the usual case, on every evaluation: nothing renamed
    contacts = case.contacts if isinstance(case, ByContact) else None
    keys = {k for c in contacts for k in c.answers} if contacts is not None else set(case)
    old = sorted(k for k in keys if k in renamed)
    if not old:
        return case
    for name in old:
        warnings.warn(
            RenamedFieldWarning(
                f"case field {name!r} is now {renamed[name]!r}: read under its new name (CHANGELOG.md)"
            ),
            stacklevel=3,
        )

    def moved(answers: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in answers.items():
            new = renamed.get(key, key)
            if new in out or (new != key and new in answers):
                raise CaseError("given under its old name and its new name", field=new)
            out[new] = value
        return out

    if contacts is None:
        return moved(case)
    assert isinstance(case, ByContact)
    return case.with_contacts([Contact(c.id, c.date, moved(c.answers)) for c in contacts])
