"""The pipeline interview asks first what the current stage waits on, and groups the rest by step.

Replaying an example case question by question: the first question is the assessment's first
next question (what the current stage waits on), the same questions are asked as without
grouping, and the interview moves between steps less than half as often.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import carepath
from carepath.cases import read_case
from carepath.cli.interview import Interview

DAY = dt.date(2026, 11, 23)
CASE = Path(__file__).resolve().parents[1] / "examples" / "care_path" / "girl-unsafe-family.yaml"


def _replay(grouped: bool) -> tuple[list[str], list[str | None]]:
    pipe = carepath.load_pipeline("intl/care_path")
    case: dict[str, Any] = dict(read_case(CASE))
    interview = Interview(pipe, DAY)
    asked: list[str] = []
    steps: list[str | None] = []
    while len(asked) < 200:
        names, step_of = interview.open_questions()
        if not names:
            break
        asked.append(names[0])
        steps.append(step_of.get(names[0]))
        interview.answer(names[0], case.get(names[0], "unknown"))
        if not grouped:
            interview.asked_in.clear()  # as if each question were the first: no step to keep
    return asked, steps


def _changes(steps: list[str | None]) -> int:
    return sum(1 for a, b in itertools.pairwise(steps) if a != b)


def test_the_interview_groups_questions_by_step_after_what_the_stage_waits_on() -> None:
    grouped, grouped_steps = _replay(True)
    plain, plain_steps = _replay(False)
    first = carepath.load_pipeline("intl/care_path").assess({}, as_of=DAY).next_questions[0]
    assert grouped[0] == plain[0] == first
    assert sorted(grouped) == sorted(plain)
    assert _changes(grouped_steps) * 2 < _changes(plain_steps)
