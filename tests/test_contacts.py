"""A case over several contacts: later answers supersede, refusals stay until answered, the trace
says which contact each answer came from."""

from __future__ import annotations

import datetime as dt

import pytest

import carepath
from carepath.cases import Contact, merge_contacts

DAY = dt.date(2026, 11, 23)
PALERMO = carepath.load("intl/palermo")

CASE = """
case_id: contacts-01
contacts:
  - id: second interview
    date: 2026-02-03
    answers: {means: [deception], age: unknown}
  - id: first interview
    date: 2026-01-10
    answers: {age: 24, act: [recruitment], purpose: [forced_labour], means: declined, consent: declined}
  - id: third interview
    date: 2026-03-01
    answers: {consent: unknown}
"""


def test_merge_rules() -> None:
    contacts = [
        Contact("1", None, {"a": "declined", "b": 3, "c": "unknown", "d": 1}),
        Contact("2", None, {"a": "unknown", "b": "unknown", "c": "declined", "d": None}),
        Contact("3", None, {"e": "unknown"}),
    ]
    answers, origin = merge_contacts(contacts)
    # a refusal stays; a real answer stands against later non-answers; declined beats unknown
    assert answers == {"a": "declined", "b": 3, "c": "declined", "d": 1, "e": "unknown"}
    assert origin == {"a": "1", "b": "1", "c": "2", "d": "1", "e": "3"}


def test_a_later_answer_supersedes_and_the_trace_names_its_contact() -> None:
    case = carepath.read_case_text(CASE)
    assert [c.id for c in case.contacts] == ["first interview", "second interview", "third interview"]
    ev = PALERMO.evaluate(case, as_of=DAY)
    assert ev["identification"].value == "victim"  # the means given at the second interview
    assert ev.trace is not None
    answers = {a.name: a for a in ev.trace.answers}
    assert (answers["means"].value, answers["means"].contact) == (["deception"], "second interview")
    assert (answers["age"].value, answers["age"].contact) == (24, "first interview")
    assert (answers["consent"].kind, answers["consent"].contact) == ("declined", "first interview")
    text = carepath.report.text(ev, PALERMO)
    assert "(means): Deception [contact second interview]" in text  # label, id beside, value in words


def test_before_the_second_interview_the_same_case_was_open() -> None:
    first = """
contacts:
  - id: first interview
    date: 2026-01-10
    answers: {age: 24, act: [recruitment], purpose: [forced_labour], means: declined, consent: declined}
"""
    ev = PALERMO.evaluate(carepath.read_case_text(first), as_of=DAY)
    assert (ev["identification"].value, ev["identification"].missing) == ("possible_victim", ("means",))


def test_every_contact_is_checked_not_only_the_prevailing_answers() -> None:
    bad = CASE.replace("answers: {consent: unknown}", "answers: {consent: unknown, agee: 3}")
    with pytest.raises(carepath.UnknownFieldError) as info:
        PALERMO.evaluate(carepath.read_case_text(bad), as_of=DAY)
    assert info.value.field == "agee" and "(contact 3)" in str(info.value)
    assert "third interview" not in str(info.value)  # a contact's id is the case's own words
    superseded = CASE.replace("means: [deception], age: unknown", "means: [deception], age: 300")
    with pytest.raises(carepath.OutOfRangeError, match=r"\(contact 2\)"):
        PALERMO.evaluate(carepath.read_case_text(superseded), as_of=DAY)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("contacts: []", "`contacts` is a list"),
        ("contacts: [{answers: {}, when: 2026-01-01}]", "takes `answers`"),
        ("contacts: [{date: soon, answers: {}}]", "contacts[0].date: expected a date"),
        ("contacts: [{id: a, answers: {}}, {id: a, answers: {}}]", "contact ids repeat"),
        ("contacts: [{answers: {}}]\nanswers: {}", "takes only case_id, description"),
    ],
)
def test_bad_contacts(text: str, message: str) -> None:
    with pytest.raises(carepath.CaseFormatError, match=message.replace("[", r"\[").replace("`", "`")):
        carepath.read_case_text(text)


def test_a_redacted_trace_names_contacts_by_their_place_never_by_the_case_s_own_id() -> None:
    trace = PALERMO.evaluate(carepath.read_case_text(CASE), as_of=DAY).trace
    assert trace is not None
    ids = {a.contact for a in trace.answers if a.contact}
    assert any("interview" in c for c in ids)  # the case's own ids, unredacted
    shown = {a.contact for a in trace.redacted().answers if a.contact}
    assert shown and all(c.startswith("contact ") and "interview" not in c for c in shown)
    assert len(shown) == len(ids)  # still tells the contacts apart
