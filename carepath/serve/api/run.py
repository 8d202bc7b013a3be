"""Running the service with uvicorn (``carepath serve``)."""

from __future__ import annotations

from typing import Any

import uvicorn
from fastapi import FastAPI

from carepath.serve.api.app import create_app
from carepath.serve.api.guard import _silence_access_log


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
