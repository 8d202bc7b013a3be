"""The one strict JSON reader shared by the server, the submissions import and the caseload."""

from __future__ import annotations

import pytest

from carepath.cases.jsonl import strict_json
from carepath.errors import CaseFormatError


def test_plain_json_is_read() -> None:
    assert strict_json('{"age": 16, "act": ["recruitment"]}', "x") == {"age": 16, "act": ["recruitment"]}


@pytest.mark.parametrize(
    ("text", "message", "field"),
    [
        ('{"age": NaN}', "x: NaN is not a number carepath accepts", None),
        ('{"age": -Infinity}', "x: -Infinity is not a number carepath accepts", None),
        ('{"age": 16, "age": 17}', "x: a key repeats in one object (a key of 3 characters)", None),
        ('{"age": 16', "x: not JSON (line 1, column 11)", None),
        ("[" * 100_000, "x: not readable JSON (too deep, or not UTF-8)", None),
    ],
)
def test_what_plain_json_lets_through_is_refused(text: str, message: str, field: str | None) -> None:
    with pytest.raises(CaseFormatError) as info:
        strict_json(text, "x")
    assert info.value.message == message and info.value.field == field
    assert "16" not in str(info.value) and "17" not in str(info.value)  # values are never echoed
