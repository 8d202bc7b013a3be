"""The explainer's whole state, carried by the page itself (hidden form fields), never kept on
the server: the subject, the date, the answers so far in the order given, and the what-if.

Each answer is kept as the reply a person would type (``yes``, ``16``, ``recruitment,harbouring``)
and read again on every request with :func:`carepath.cli.interview.parse_answer`.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from dataclasses import dataclass, field

from carepath.errors import CaseFormatError
from carepath.rules.answers import LAST_CASE_DATE

__all__ = ["ANSWER", "FormState", "read_form"]

ANSWER = "a:"
"""The prefix of the hidden field that carries one answer: ``a:age`` = ``16``."""

MAX_FIELDS = 2000
MAX_TEXT = 2000


@dataclass
class FormState:
    """What one request of the explainer says."""

    subject: str = ""
    as_of: dt.date | None = None
    answers: dict[str, str] = field(default_factory=dict)
    """Reply text by question, in the order answered."""
    question: str | None = None
    """The question being answered by this request, if any."""
    reply: list[str] = field(default_factory=list)
    word: str = ""
    """``unknown`` or ``declined`` given instead of a reply."""
    action: str = "answer"
    settings: str = ""
    """What-if parameter settings, one ``NAME=VALUE`` a line (``step.NAME=VALUE`` for a pipeline)."""
    compare: str = ""
    """What-if: another rule set or pipeline to run the same answers through."""

    def hidden(self) -> list[tuple[str, str]]:
        """The hidden fields that carry this state into the next request."""
        fields = [("subject", self.subject)]
        if self.as_of is not None:
            fields.append(("as_of", self.as_of.isoformat()))
        fields += [(ANSWER + name, text) for name, text in self.answers.items()]
        return fields


def read_form(body: bytes) -> FormState:
    """An ``application/x-www-form-urlencoded`` body as a state. Errors name the field, never
    the value."""
    try:
        text = body.decode("utf-8")
        pairs = urllib.parse.parse_qsl(
            text, keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_FIELDS
        )
    except (UnicodeDecodeError, ValueError):
        raise CaseFormatError("form: the form could not be read (not UTF-8, or too many fields)") from None
    state = FormState()
    for name, value in pairs:
        if len(value) > MAX_TEXT:
            raise CaseFormatError(f"form: a value is over {MAX_TEXT} characters")
        if name.startswith(ANSWER):
            state.answers[name.removeprefix(ANSWER)] = value
        elif name == "subject":
            state.subject = value
        elif name == "as_of" and value:
            state.as_of = _date(value)
        elif name == "q" and value:
            state.question = value
        elif name == "answer":
            state.reply.append(value)
        elif name == "word":
            state.word = value
        elif name == "do":
            state.action = value
        elif name == "set":
            state.settings = value
        elif name == "compare":
            state.compare = value
    return state


def _date(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise CaseFormatError("not a date (YYYY-MM-DD)", field="as_of") from None
    if day > LAST_CASE_DATE:
        raise CaseFormatError("the date is too far ahead", field="as_of")
    return day
