"""The app's outermost layer: the request-body limit, the JSON-only rule, failures that log
only their class, and uvicorn's access log kept silent."""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY = 1024 * 1024
"""The largest request body accepted, in bytes (a case file is a few kilobytes)."""


log = logging.getLogger("carepath.serve.api")


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
