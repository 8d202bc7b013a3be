"""What the service answers, as described in its OpenAPI document: the response models, the
error answers, the case body, and the open questions shaped for an answer."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel

from carepath.assessments import Assessment, Pipeline
from carepath.rules.answers import LAST_CASE_DATE
from carepath.rules.model import InputSpec

DEFAULT_PIPELINE = "intl/care_path"


AsOf = Annotated[dt.date | None, Query(description="Evaluation date (default: today).", le=LAST_CASE_DATE)]


_CASE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": (
                        "A case: answers by input name; or {case_id, description, answers}; or "
                        "{case_id, description, contacts: [{id, date, answers}]} for answers from "
                        "several dated contacts. GET /rulesets/{id}/schema gives the answers' schema."
                    ),
                },
                "example": {"age": 16, "act": ["recruitment"], "purpose": ["forced_labour"]},
            }
        },
    }
}


# -- response models (for the OpenAPI description) -----------------------------------------------


class Entry(BaseModel):
    """A rule set or pipeline that can be asked for."""

    id: str
    title: str
    version: str


class Catalogue(BaseModel):
    rulesets: list[Entry]
    pipelines: list[Entry]


class Explanation(BaseModel):
    text: str
    markdown: str


class Health(BaseModel):
    status: str
    version: str


class QuestionOut(BaseModel):
    """An open question: its input's name, text, type and choices, and what waits on it."""

    name: str
    text: str
    type: str
    choices: list[str]
    accepts: list[str]
    settles: float | None = None
    """The share of the open outcomes its answer settles (rule sets; None for a pipeline)."""
    outcomes: list[str]
    """The open outcomes that wait on it (``step.outcome`` for a pipeline)."""


class NextQuestions(BaseModel):
    """The open questions, in the order to ask them."""

    questions: list[QuestionOut]


class ErrorBody(BaseModel):
    """Every error: the class of the error, its message (which names fields, never values)."""

    error: str
    message: str
    field: str | None = None


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "A rule set or pipeline that cannot be used"},
    404: {"model": ErrorBody, "description": "No such rule set or pipeline"},
    413: {"model": ErrorBody, "description": "The request body is over the limit"},
    415: {"model": ErrorBody, "description": "The request body is not declared as application/json"},
    422: {"model": ErrorBody, "description": "The case cannot be evaluated (names the field)"},
}


def _question(spec: InputSpec, name: str, outcomes: list[str], settles: float | None) -> QuestionOut:
    return QuestionOut(
        name=name,
        text=spec.question.get("en", name),
        type=spec.type,
        choices=list(spec.choice_values),
        accepts=list(spec.accepts),
        settles=settles,
        outcomes=outcomes,
    )


def pipeline_questions_of(pipe: Pipeline, assessment: Assessment) -> list[QuestionOut]:
    """The open questions of a pipeline's assessment, in :attr:`Assessment.next_questions`
    order, each with the step outcomes that wait on it."""
    waiting: dict[str, list[str]] = {}
    for step, evaluation in assessment.steps.items():
        for outcome in evaluation.outcomes.values():
            for name in outcome.missing:
                waiting.setdefault(name, []).append(f"{step}.{outcome.name}")
    inputs = pipe.inputs
    return [
        _question(inputs[n], n, waiting.get(n, []), None) for n in assessment.next_questions if n in inputs
    ]
