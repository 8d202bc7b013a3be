"""The HTTP service over a real socket on 127.0.0.1, for the fuzz tests (``fuzzkit.Live``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fuzzkit import Live

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the shared live server


@pytest.fixture(scope="session")
def live() -> Iterator[Live]:
    pytest.importorskip("uvicorn")
    from live_server import serving

    with serving(log_level="warning") as base:
        yield Live(base)
