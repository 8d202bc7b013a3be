"""The app factory: the error answers, the routes by resource, and the OpenAPI document that
describes each JSON result by its own schema."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from carepath import report
from carepath._version import __version__
from carepath.errors import (
    CarepathError,
    CaseError,
    EvaluationError,
    RuleSetNotFoundError,
    UnknownFieldError,
)
from carepath.exchange.schema import assessment_schema, case_schema, result_schema
from carepath.rules.answers import LAST_CASE_DATE
from carepath.serve.api.guard import _Guard, _silence_access_log
from carepath.serve.api.models import (
    _CASE_BODY,
    _ERRORS,
    DEFAULT_PIPELINE,
    AsOf,
    Catalogue,
    Entry,
    ErrorBody,
    Explanation,
    Health,
    NextQuestions,
    _question,
    pipeline_questions_of,
)
from carepath.serve.api.store import _case, _Store
from carepath.serve.schemas import CASE_SCHEMA, add_result_schemas

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
