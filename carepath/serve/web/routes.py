"""The explainer's routes: ``GET /`` chooses a rule set or pipeline, ``POST /explainer`` answers
one question and shows what follows, ``/explainer/static`` serves the style sheet and script.

Every request carries the whole state in its form (:mod:`carepath.serve.web.state`): nothing is kept
on the server between requests, and answers travel in POST bodies, never in a URL (an address
is kept in browser histories and proxies' logs). Errors name the field, never the value.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from carepath._version import __version__
from carepath.assessments import Assessment, Pipeline
from carepath.cases.replies import parse_answer
from carepath.errors import CarepathError, CaseFormatError
from carepath.rules.model import ANSWER_WORDS, InputSpec
from carepath.rules.result import NOTICE, Evaluation
from carepath.rules.ruleset import RuleSet
from carepath.serve.web import view, whatif
from carepath.serve.web.state import FormState, read_form

__all__ = ["FORM_PATHS", "mount"]

FORM_PATHS = frozenset({"/explainer"})
"""The paths that take a form body (``application/x-www-form-urlencoded``) rather than JSON."""

PIPELINE, RULESET = "pipeline:", "ruleset:"
UPCOMING = 3


class Store(Protocol):
    """The server's rule sets and pipelines (``carepath.serve.api._Store``)."""

    ruleset_ids: set[str]
    pipeline_ids: set[str]

    def ruleset(self, name: str) -> RuleSet: ...

    def pipeline(self, name: str) -> Pipeline: ...


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("carepath.serve.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _environment().get_template(template).render(notice=NOTICE, version=__version__, **context)
    headers = {
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }
    headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'"
    )
    return HTMLResponse(html, status_code=status, headers=headers)


def _subjects(store: Store) -> list[tuple[str, str]]:
    """(form value, shown name) of every pipeline, then every rule set."""
    found = [(PIPELINE + p, f"{p} (care path)") for p in sorted(store.pipeline_ids)]
    return found + [(RULESET + r, r) for r in sorted(store.ruleset_ids)]


def _subject(store: Store, value: str) -> RuleSet | Pipeline:
    if value.startswith(PIPELINE):
        return store.pipeline(value.removeprefix(PIPELINE))
    if value.startswith(RULESET):
        return store.ruleset(value.removeprefix(RULESET))
    raise CaseFormatError("choose a rule set or a pipeline", field="subject")


def reply_text(value: Any) -> str:
    """An answer as the reply a person would type, which :func:`parse_answer` reads back."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(str(v) for v in value)
    return str(value)


def _answers(subject: RuleSet | Pipeline, state: FormState) -> dict[str, Any]:
    inputs = subject.inputs
    answers: dict[str, Any] = {}
    for name, text in state.answers.items():
        spec = inputs.get(name)
        if spec is None:
            raise CaseFormatError("an answer names a question this rule set does not ask")
        try:
            answers[name] = parse_answer(spec, text)
        except ValueError as exc:
            raise CaseFormatError(str(exc), field=name) from None
    return answers


def _check(subject: RuleSet | Pipeline, answers: dict[str, Any], as_of: dt.date) -> None:
    if isinstance(subject, Pipeline):
        subject.assess(answers, as_of=as_of, trace=False, reasons=False)
    else:
        subject.check(answers)


def _apply(
    subject: RuleSet | Pipeline, state: FormState, answers: dict[str, Any], day: dt.date
) -> str | None:
    """Carry out the request's action on ``answers`` (and ``state``); an error to show, if any."""
    if state.action == "back" and state.answers:
        last = next(reversed(state.answers))
        del state.answers[last]
        answers.pop(last, None)
        return None
    if state.action == "restart":
        state.answers.clear()
        answers.clear()
        return None
    name = state.question
    if state.action != "answer" or name is None:
        return None
    spec = subject.inputs.get(name)
    if spec is None:
        return "the question answered is not one this rule set asks"
    if state.word:
        text = state.word
    elif spec.type == "set":
        text = ",".join(r for r in state.reply if r)
    else:
        text = state.reply[0] if state.reply else ""
    if not text and spec.type != "set":
        return f"{name}: give an answer, or choose unknown or declined"
    try:
        value = parse_answer(spec, text)
        _check(subject, {**answers, name: value}, day)
    except ValueError as exc:
        return f"{name}: {exc}"
    except CarepathError as exc:
        return str(exc)
    answers[name] = value
    state.answers[name] = reply_text(value)
    return None


def _question(spec: InputSpec, name: str) -> dict[str, Any]:
    choices = [(c.value, c.label.get("en") or c.value) for c in spec.choices or ()]
    words = [w for w in ANSWER_WORDS if w in spec.accepts]
    text = spec.question.get("en", name)
    return {"name": name, "text": text, "type": spec.type, "choices": choices, "words": words, "spec": spec}


def _next(subject: RuleSet | Pipeline, result: Evaluation | Assessment, answers: dict[str, Any]) -> list[str]:
    """The open questions not yet answered, in the order the interview asks them."""
    if isinstance(result, Assessment):
        inputs = subject.inputs
        return [n for n in result.next_questions if n in inputs and n not in answers]
    assert isinstance(subject, RuleSet)
    found = subject.next_questions(answers, as_of=result.as_of)
    return [q.name for q in found if q.name not in answers]


def explain(store: Store, state: FormState) -> dict[str, Any]:
    """Everything the explainer page shows for one request."""
    subject = _subject(store, state.subject)
    day = state.as_of or dt.date.today()
    state.as_of = day
    answers = _answers(subject, state)
    error = _apply(subject, state, answers, day)
    result = whatif.run(subject, answers, day)
    inputs = subject.inputs
    names = _next(subject, result, answers)
    if isinstance(result, Assessment):
        assert isinstance(subject, Pipeline)
        sections = [
            view.section(result.steps[step], subject.rulesets[step], inputs, step) for step in result.order
        ]
        first = view.first_choice(result, inputs)
        picture = view.path_picture(subject, result.plan)
        plan = result.plan
        moves = view.plan_rows(plan, inputs)
    else:
        assert isinstance(subject, RuleSet)
        sections, first, picture, plan, moves = [view.section(result, subject, inputs)], None, None, None, []
    compared, whatif_error = None, None
    if state.action == "whatif" or state.settings.strip() or state.compare:
        try:
            compared = _what_if(store, subject, state, answers, day, result)
        except CarepathError as exc:
            whatif_error = str(exc)
    answered = [
        (name, str(inputs[name].question.get("en", name)), text, inputs[name].type)
        for name, text in state.answers.items()
    ]
    return {
        "subject": subject,
        "is_pipeline": isinstance(subject, Pipeline),
        "state": state,
        "as_of": day.isoformat(),
        "error": error,
        "question": _question(inputs[names[0]], names[0]) if names else None,
        "upcoming": [str(inputs[n].question.get("en", n)) for n in names[1 : 1 + UPCOMING]],
        "answered": answered,
        "sections": sections,
        "first": first,
        "picture": picture,
        "plan": plan,
        "moves": moves,
        "compared": compared,
        "whatif_error": whatif_error,
        "others": [
            (v, shown)
            for v, shown in _subjects(store)
            if v != state.subject and v.startswith(PIPELINE if isinstance(subject, Pipeline) else RULESET)
        ],
    }


def _what_if(
    store: Store,
    subject: RuleSet | Pipeline,
    state: FormState,
    answers: dict[str, Any],
    day: dt.date,
    result: Evaluation | Assessment,
) -> whatif.Compared:
    other = _subject(store, state.compare) if state.compare else subject
    settings = whatif.parse_settings(state.settings)
    if settings:
        other = whatif.with_settings(other, settings)
    if other is subject:
        raise CaseFormatError("what-if: set a parameter or choose another rule set to compare with")
    known = other.inputs
    dropped = [n for n in answers if n not in known]
    kept = {n: v for n, v in answers.items() if n in known}
    label = state.compare.partition(":")[2] if state.compare else subject.id
    if settings:
        label += " with " + ", ".join(f"{k} = {v}" for k, v in settings.items())
    compared = whatif.compare(result, whatif.run(other, kept, day), (subject.id, label))
    if dropped:
        compared.other += f" (not asked there: {len(dropped)} answers left out)"
    return compared


def mount(app: FastAPI, store: Store) -> None:
    """Add the explainer's routes and static files to ``app`` (left out of the OpenAPI document)."""
    app.mount(
        "/explainer/static", StaticFiles(directory=Path(__file__).parent / "static"), name="explainer-static"
    )

    @app.get("/", include_in_schema=False)
    def choose() -> HTMLResponse:
        return _page("choose.html.j2", subjects=_subjects(store), today=dt.date.today().isoformat())

    @app.post("/explainer", include_in_schema=False)
    async def explainer(request: Request) -> HTMLResponse:
        body = await request.body()

        def run() -> HTMLResponse:
            try:
                state = read_form(body)
                return _page("explainer.html.j2", **explain(store, state))
            except CarepathError as exc:
                return _page(
                    "choose.html.j2",
                    status=422,
                    subjects=_subjects(store),
                    today=dt.date.today().isoformat(),
                    error=str(exc),
                )

        return await run_in_threadpool(run)

    @app.get("/explainer", include_in_schema=False)
    def explainer_get() -> HTMLResponse:
        return choose()
