"""A real uvicorn server on a free localhost port, with the settings of ``carepath serve``
(except that logging is left to the test), for the tests that talk to it over a socket."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn

from carepath.serve import api as server


@contextmanager
def serving(log_level: str = "debug") -> Iterator[str]:
    """The base address of a freshly started service, stopped on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = server.config(server.create_app(), "127.0.0.1", port, log_config=None, log_level=log_level)
    assert config.access_log is False
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
        sock.close()


def capture_every_log(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every logger, at every level, into ``caplog``: a test then sees all the service logs."""
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        if isinstance(logger, logging.Logger):
            monkeypatch.setattr(logger, "propagate", True)
            monkeypatch.setattr(logger, "disabled", False)
    caplog.set_level(logging.DEBUG)
    for name in logging.Logger.manager.loggerDict:
        caplog.set_level(logging.DEBUG, logger=name)
