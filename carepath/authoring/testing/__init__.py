"""YAML tests beside the rule sets they test (``rulesets/intl/palermo.test.yaml``).

The parts: :mod:`~carepath.authoring.testing.model` (the test file, its format described
there), :mod:`~carepath.authoring.testing.reading` (finding and reading test files),
:mod:`~carepath.authoring.testing.running` (running files, the tests a selection keeps),
:mod:`~carepath.authoring.testing.ruleset_tests` and
:mod:`~carepath.authoring.testing.pipeline_tests` (one test against a rule set or a pipeline)
and :mod:`~carepath.authoring.testing.results` (what a test gives).

``carepath test`` and the pytest plugin (``carepath.pytest_plugin``) both run them through
:func:`run_file`. For property tests, ``carepath.authoring.testing.cases`` gives hypothesis strategies of
valid cases, and ``carepath.authoring.testing.check_paths`` checks the invariants declared in YAML.
A failing test is a report (expected, actual, and the trace of the rules
that decided it), not an exception.
"""

from __future__ import annotations

from typing import Any

from carepath.authoring.testing.model import Expected, Justification, TestCase, TestFile
from carepath.authoring.testing.reading import read_test_file, test_files
from carepath.authoring.testing.results import Failure, TestResult, TestRun
from carepath.authoring.testing.running import Selection, run_file, run_paths, run_selected

__all__ = [
    "Expected",
    "Failure",
    "Justification",
    "Selection",
    "TestCase",
    "TestFile",
    "TestResult",
    "TestRun",
    "read_test_file",
    "run_file",
    "run_paths",
    "run_selected",
    "test_files",
]

_LAZY = {"cases": "carepath.authoring.strategies", "check_paths": "carepath.authoring.invariants"}


def __getattr__(name: str) -> Any:
    """``cases`` (hypothesis strategies of a rule set's or pipeline's cases) and ``check_paths``
    (the YAML invariants), loaded on first use: they need the test extra (hypothesis)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
