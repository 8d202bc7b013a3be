"""The HTTP service over a real socket on 127.0.0.1, for the fuzz tests (``fuzzkit.Live``)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from fuzzkit import Live


@pytest.fixture(scope="session")
def live() -> Iterator[Live]:
    uvicorn = pytest.importorskip("uvicorn")
    from carepath import server

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = server.config(server.create_app(), "127.0.0.1", port, log_config=None, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield Live(f"http://127.0.0.1:{port}")
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
        sock.close()
