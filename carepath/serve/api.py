"""An optional HTTP service: the same API over JSON (``pip install 'carepath[server]'``).

``carepath serve`` runs it with uvicorn, on localhost by default. The service has no
authentication of its own: put it behind one that has, if it listens beyond this machine.

Case data is about survivors, so the service keeps none and logs none. It writes no access
log, never logs a request body or a query string, and an error answer names the field, never
the value (carepath's own messages are written that way). An unexpected failure becomes a
plain 500 with only the class of the exception logged, never its message or traceback, which
could quote a value. Request bodies over :data:`MAX_BODY` bytes are refused with 413.

Only bundled rule sets and pipelines, and those named in ``preload``, can be asked for: a
request never makes the service read a file by path. Each is loaded once per app and kept;
evaluation only reads them, so requests run in parallel threads.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypeVar

import uvicorn
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from carepath import report
from carepath._version import __version__
from carepath.assessments import Assessment, Pipeline, load_pipeline
from carepath.cases import Case, case_from_data
from carepath.cases.jsonl import strict_json
from carepath.errors import (
    CarepathError,
    CaseError,
    CaseFormatError,
    EvaluationError,
    RuleSetNotFoundError,
    UnknownFieldError,
)
from carepath.exchange.schema import assessment_schema, case_schema, result_schema
from carepath.rules.answers import LAST_CASE_DATE
from carepath.rules.model import InputSpec
from carepath.rules.registry import PIPELINE_SUFFIX, bundled_ids, bundled_pipelines
from carepath.rules.ruleset import RuleSet, load
from carepath.serve.schemas import CASE_SCHEMA, add_result_schemas

__all__ = ["MAX_BODY", "config", "create_app", "serve"]

MAX_BODY = 1024 * 1024
"""The largest request body accepted, in bytes (a case file is a few kilobytes)."""

DEFAULT_PIPELINE = "intl/care_path"

AsOf = Annotated[dt.date | None, Query(description="Evaluation date (default: today).", le=LAST_CASE_DATE)]

log = logging.getLogger("carepath.serve.api")

T = TypeVar("T")

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


# -- loaded once per app ------------------------------------------------------------------------


class _Store:
    """The rule sets and pipelines this app serves, each loaded once on first use."""

    def __init__(self, preload: Iterable[str]) -> None:
        self._lock = threading.Lock()
        self._rulesets: dict[str, RuleSet] = {}
        self._pipelines: dict[str, Pipeline] = {}
        self.ruleset_ids = set(bundled_ids())
        self.pipeline_ids = set(bundled_pipelines())
        for name in preload:
            if name in self.pipeline_ids or name.endswith(PIPELINE_SUFFIX):
                pipe = load_pipeline(name)
                for key in (name, pipe.id):
                    self._pipelines[key] = pipe
                    self.pipeline_ids.add(key)
            else:
                rules = load(name)
                for key in (name, rules.id):
                    self._rulesets[key] = rules
                    self.ruleset_ids.add(key)

    def ruleset(self, name: str) -> RuleSet:
        return self._get(name, self._rulesets, self.ruleset_ids, load, "rule set")

    def pipeline(self, name: str) -> Pipeline:
        return self._get(name, self._pipelines, self.pipeline_ids, load_pipeline, "pipeline")

    def _get(
        self, name: str, cache: dict[str, T], known: set[str], loader: Callable[[str], T], kind: str
    ) -> T:
        found = cache.get(name)
        if found is not None:
            return found
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise RuleSetNotFoundError(f"no {kind} {name!r} is served here{hint}")
        with self._lock:
            found = cache.get(name)
            if found is None:
                found = cache[name] = loader(name)
        return found


# -- request bodies -----------------------------------------------------------------------------


def _case(body: bytes) -> Case:
    """The request body as a case: parsed as JSON (strictly, :func:`carepath.cases.jsonl.strict_json`,
    with the depth and size bounds of a case file), then checked as a case file is."""
    data = strict_json(body, "request body")
    if not isinstance(data, dict):
        raise CaseFormatError("request body: a case is a JSON object")
    return case_from_data(data, "request body")


# -- the app ------------------------------------------------------------------------------------


def _status(exc: CarepathError) -> int:
    if isinstance(exc, RuleSetNotFoundError):
        return 404
    if isinstance(exc, CaseError | EvaluationError):
        return 422
    return 400


def _error(status: int, error: str, message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse(ErrorBody(error=error, message=message, field=field).model_dump(), status_code=status)


def create_app(preload: list[str] | None = None) -> FastAPI:
    """The carepath HTTP service. ``preload`` names rule sets and pipelines (bundled ids or
    paths) to load now rather than on first use; paths named here are served too."""
    store = _Store(preload or [])
    _silence_access_log()
    app = FastAPI(
        title="carepath",
        version=__version__,
        description=(
            "Anti-trafficking case-work standards as tested, explainable rules. Outputs are "
            "recommendations with reasons, never determinations: the competent authority decides."
        ),
    )
    app.add_middleware(_Guard)
    _describe_results(app)

    @app.exception_handler(CarepathError)
    async def carepath_error(_request: Request, exc: CarepathError) -> JSONResponse:
        # an unknown field is the case's own key: named in no answer (only its length is told)
        field = None if isinstance(exc, UnknownFieldError) else getattr(exc, "field", None)
        return _error(_status(exc), type(exc).__name__, str(exc), field)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own answer quotes the input; this one names the parameter only.
        first = exc.errors()[0] if exc.errors() else {}
        where = [str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body")]
        field = ".".join(where) or None
        message = f"{field}: {first.get('msg', 'invalid')}" if field else "invalid request"
        return _error(422, "InvalidRequest", message, field)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        answer = _error(exc.status_code, "HTTPError", str(exc.detail))
        for name, value in (exc.headers or {}).items():  # e.g. the `Allow` of a 405
            answer.headers[name] = value
        return answer

    @app.get("/health", tags=["service"])
    def health() -> Health:
        """The service is up."""
        return Health(status="ok", version=__version__)

    @app.get("/rulesets", tags=["rule sets"], responses=_ERRORS)
    def catalogue() -> Catalogue:
        """The rule sets and pipelines served, each with its title and version."""
        rulesets = {i: store.ruleset(i) for i in sorted(store.ruleset_ids)}
        pipes = {i: store.pipeline(i) for i in sorted(store.pipeline_ids)}
        return Catalogue(
            rulesets=[Entry(id=i, title=r.title, version=r.version) for i, r in rulesets.items()],
            pipelines=[Entry(id=i, title=p.title, version=p.version) for i, p in pipes.items()],
        )

    @app.get("/rulesets/{id:path}/schema", tags=["rule sets"], responses=_ERRORS)
    def schema(id: str) -> dict[str, Any]:
        """The JSON Schema of a case for this rule set: one property per declared input."""
        return case_schema(store.ruleset(id))

    @app.post("/rulesets/{id:path}/evaluate", tags=["rule sets"], responses=_ERRORS, openapi_extra=_CASE_BODY)
    async def evaluate(
        id: str,
        request: Request,
        as_of: Annotated[
            dt.date | None, Query(description="Evaluation date (default: today).", le=LAST_CASE_DATE)
        ] = None,
        trace: Annotated[bool, Query(description="Explain each rule: why and why not.")] = True,
        redact: Annotated[bool, Query(description="Mask sensitive inputs in the trace.")] = False,
    ) -> JSONResponse:
        """Evaluate one case: outcomes, facts, the questions still open, and the trace."""
        body = await request.body()

        def run() -> dict[str, Any]:
            rules = store.ruleset(id)
            result = rules.evaluate(_case(body), as_of=as_of, trace=trace, redact=redact)
            return result.to_dict(redact=redact)

        return JSONResponse(await run_in_threadpool(run))

    @app.post("/rulesets/{id:path}/explain", tags=["rule sets"], responses=_ERRORS, openapi_extra=_CASE_BODY)
    async def explain(
        id: str,
        request: Request,
        as_of: Annotated[
            dt.date | None, Query(description="Evaluation date (default: today).", le=LAST_CASE_DATE)
        ] = None,
        redact: Annotated[bool, Query(description="Mask sensitive inputs.")] = False,
    ) -> Explanation:
        """The report people read, as plain text and as Markdown, with the open questions best
        first."""
        body = await request.body()

        def run() -> Explanation:
            rules = store.ruleset(id)
            answers = rules.check(_case(body))
            result = rules.evaluate(answers, as_of=as_of)
            questions = rules.next_questions(answers, as_of=result.as_of) if result.missing else None
            return Explanation(
                text=report.text(result, rules, redact=redact, questions=questions),
                markdown=report.markdown(result, rules, redact=redact, questions=questions),
            )

        return await run_in_threadpool(run)

    @app.post(
        "/rulesets/{id:path}/next-questions", tags=["rule sets"], responses=_ERRORS, openapi_extra=_CASE_BODY
    )
    async def ruleset_questions(request: Request, id: str, as_of: AsOf = None) -> NextQuestions:
        """The open questions of one case, best first: the share of the open outcomes each
        answer settles, and the outcomes that wait on it."""
        body = await request.body()

        def run() -> NextQuestions:
            rules = store.ruleset(id)
            found = rules.next_questions(rules.check(_case(body)), as_of=as_of)
            return NextQuestions(
                questions=[
                    _question(rules.inputs[q.name], q.name, list(q.outcomes), q.settles) for q in found
                ]
            )

        return await run_in_threadpool(run)

    @app.post("/next-questions", tags=["care path"], responses=_ERRORS, openapi_extra=_CASE_BODY)
    async def pipeline_questions(
        request: Request,
        pipeline: Annotated[str, Query(description="A pipeline id.")] = DEFAULT_PIPELINE,
        as_of: AsOf = None,
    ) -> NextQuestions:
        """The open questions of the whole care path for one case, in the order the interview
        asks them: what the current stage waits on first, then what settles the first choice."""
        body = await request.body()

        def run() -> NextQuestions:
            pipe = store.pipeline(pipeline)
            found = pipe.assess(_case(body), as_of=as_of, trace=False, reasons=False)
            return NextQuestions(questions=pipeline_questions_of(pipe, found))

        return await run_in_threadpool(run)

    @app.post("/assess", tags=["care path"], responses=_ERRORS, openapi_extra=_CASE_BODY)
    async def assess(
        request: Request,
        pipeline: Annotated[str, Query(description="A pipeline id.")] = DEFAULT_PIPELINE,
        as_of: Annotated[
            dt.date | None, Query(description="Evaluation date (default: today).", le=LAST_CASE_DATE)
        ] = None,
        trace: Annotated[bool, Query(description="Keep each step's trace.")] = False,
        redact: Annotated[bool, Query(description="Mask sensitive inputs in the traces.")] = False,
    ) -> JSONResponse:
        """The whole care path for one case: each step's outcomes, the ranked care options with
        the blocked ones, and the care plan with its dates."""
        body = await request.body()

        def run() -> dict[str, Any]:
            pipe = store.pipeline(pipeline)
            return pipe.assess(_case(body), as_of=as_of, trace=trace, redact=redact).to_dict(redact=redact)

        return JSONResponse(await run_in_threadpool(run))

    from carepath.serve.web import mount

    mount(app, store)
    return app


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


_RESULTS: dict[tuple[str, str], tuple[str, Callable[[], dict[str, Any]]]] = {
    ("/rulesets/{id}/evaluate", "post"): ("Evaluation", result_schema),
    ("/assess", "post"): ("Assessment", assessment_schema),
    ("/rulesets/{id}/schema", "get"): ("CaseSchema", lambda: CASE_SCHEMA),
}
"""The routes that answer with a JSON result carepath describes in :mod:`carepath.exchange.schema`."""


def _describe_results(app: FastAPI) -> None:
    """Make the OpenAPI document describe each JSON result by its own schema, not ``{}``."""
    plain = app.openapi

    def described() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_result_schemas(plain(), _RESULTS)
        return app.openapi_schema

    app.openapi = described  # type: ignore[method-assign]


class _Guard:
    """Outermost of the app's own layers: refuses bodies over :data:`MAX_BODY` with 413, and
    turns an unexpected failure into a plain 500 that logs only the exception's class."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope.get("method", ""), scope.get("path", "")
        log.debug("%s %s", method, path)  # never the query string or the body
        try:
            body = await self._read(scope, receive)
        except _Disconnected:
            return
        if body is None:
            await _send_json(send, 413, _too_large(self.max_body))
            return
        if method in ("POST", "PUT", "PATCH") and not _is_json(scope) and not _is_form(scope, path):
            await _send_json(send, 415, _not_json())
            return
        given = False

        async def replay() -> Message:
            nonlocal given
            if not given:
                given = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, replay, watch)
        except Exception as exc:
            log.error("%s %s failed: %s", method, path, type(exc).__name__)
            if not started:
                await _send_json(send, 500, {"error": "InternalError", "message": "internal error"})

    async def _read(self, scope: Scope, receive: Receive) -> bytes | None:
        """The whole body, or None if it is over the limit. The rest of a body over the limit
        is read and dropped, up to a bound, so that the client sees the 413 and not a reset."""
        drain = 8 * self.max_body
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > drain):
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                raise _Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size <= self.max_body:
                chunks.append(chunk)
            elif size > drain:
                return None
            if not message.get("more_body", False):
                break
        return b"".join(chunks) if size <= self.max_body else None


class _Disconnected(Exception):
    """The client went away before the body was read."""


def _is_json(scope: Scope) -> bool:
    """Does the request declare a JSON body (``application/json``, parameters allowed)?"""
    declared: bytes = dict(scope.get("headers", [])).get(b"content-type", b"")
    kind = declared.split(b";", 1)[0].strip().lower()
    return kind == b"application/json" or (kind.startswith(b"application/") and kind.endswith(b"+json"))


def _is_form(scope: Scope, path: str) -> bool:
    """Is this a form post to one of the web explainer's pages (the only ones that take forms)?"""
    from carepath.serve.web import FORM_PATHS

    declared: bytes = dict(scope.get("headers", [])).get(b"content-type", b"")
    kind = declared.split(b";", 1)[0].strip().lower()
    return path in FORM_PATHS and kind == b"application/x-www-form-urlencoded"


def _not_json() -> dict[str, Any]:
    return {
        "error": "UnsupportedMediaType",
        "message": "the request body must be application/json",
        "field": None,
    }


def _too_large(limit: int) -> dict[str, Any]:
    return {"error": "RequestTooLarge", "message": f"the request body is over {limit} bytes", "field": None}


async def _send_json(send: Send, status: int, data: dict[str, Any]) -> None:
    body = json.dumps(data).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _DropAll(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


def _silence_access_log() -> None:
    """Drop uvicorn's access records at the source. ``access_log=False`` alone only detaches
    the logger's handlers: a handler added on the root later would still receive the lines."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _DropAll) for f in access.filters):
        access.addFilter(_DropAll())


def config(app: FastAPI, host: str = "127.0.0.1", port: int = 8000, **overrides: Any) -> uvicorn.Config:
    """The uvicorn settings of ``carepath serve``: no access log, no server header."""
    settings: dict[str, Any] = {"access_log": False, "log_level": "info", "server_header": False}
    settings.update(overrides)
    made = uvicorn.Config(app, host=host, port=port, **settings)
    _silence_access_log()
    return made


def serve(host: str = "127.0.0.1", port: int = 8000, preload: list[str] | None = None) -> None:
    """Run the service until interrupted."""
    uvicorn.Server(config(create_app(preload), host, port)).run()
