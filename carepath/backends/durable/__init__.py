"""A durable-rules backend: the same rule set run by a second, independent engine.

Its parts: :mod:`~carepath.backends.durable.limits` (durable's limits and the errors the backend
refuses with), :mod:`~carepath.backends.durable.expressions` (durable conditions and their
expansion into conjunctions), :mod:`~carepath.backends.durable.translate` (compiled rules ->
durable rule sets) and :mod:`~carepath.backends.durable.runtime` (the backend: running cases with
the durable engine, imported lazily; its docstring says what it supports and what it refuses).
"""

from __future__ import annotations

from carepath.backends.durable.limits import (
    MAX_ATTRIBUTES,
    MAX_TERMS,
    IncompleteCaseError,
    UnsupportedByBackend,
)
from carepath.backends.durable.runtime import DurableBackend, durable_available

__all__ = [
    "MAX_ATTRIBUTES",
    "MAX_TERMS",
    "DurableBackend",
    "IncompleteCaseError",
    "UnsupportedByBackend",
    "durable_available",
]
