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

The parts: :mod:`~carepath.serve.api.app` (the app factory and its routes),
:mod:`~carepath.serve.api.guard` (the body limit, the JSON-only rule, failures and logs),
:mod:`~carepath.serve.api.models` (the answers as described in the OpenAPI document),
:mod:`~carepath.serve.api.store` (the rule sets served, a request body as a case) and
:mod:`~carepath.serve.api.run` (running it with uvicorn).
"""

from __future__ import annotations

from carepath.serve.api.app import create_app
from carepath.serve.api.guard import MAX_BODY
from carepath.serve.api.models import DEFAULT_PIPELINE, pipeline_questions_of
from carepath.serve.api.run import config, serve
from carepath.serve.api.store import _case, _Store

__all__ = [
    "DEFAULT_PIPELINE",
    "MAX_BODY",
    "_Store",
    "_case",
    "config",
    "create_app",
    "pipeline_questions_of",
    "serve",
]
