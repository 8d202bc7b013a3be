"""pytest plugin: collect ``*.test.yaml`` and ``*.invariants.yaml`` files so that ``pytest`` runs
the YAML tests and checks the invariants too.

Registered through the ``pytest11`` entry point; each YAML test and each invariant is one
pytest item, and a failure shows the same report as ``carepath test`` or ``carepath check``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from carepath.authoring.testing import TestResult, run_file
from carepath.rules.registry import INVARIANT_SUFFIX, TEST_SUFFIX

__all__ = ["InvariantFileItems", "InvariantItem", "YamlTestFile", "YamlTestItem", "pytest_collect_file"]


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    """Collect ``*.test.yaml`` and ``*.invariants.yaml`` files."""
    if file_path.name.endswith(TEST_SUFFIX):
        collected: YamlTestFile = YamlTestFile.from_parent(parent, path=file_path)
        return collected
    if file_path.name.endswith(INVARIANT_SUFFIX):
        invariants: InvariantFileItems = InvariantFileItems.from_parent(parent, path=file_path)
        return invariants
    return None


class InvariantFileItems(pytest.File):
    """A file of invariants; each invariant becomes an item, checked when it runs."""

    def collect(self) -> Iterator[InvariantItem]:
        from carepath.authoring.invariants import read_invariant_file

        model, _, _ = read_invariant_file(self.path)
        for inv in model.invariants:
            item: InvariantItem = InvariantItem.from_parent(self, name=inv.id)
            yield item


class InvariantItem(pytest.Item):
    """One invariant, checked over generated cases."""

    def runtest(self) -> None:
        from carepath.authoring.invariants import check_file

        (result,) = [r for r in check_file(self.path, only=self.name) if r.id == self.name]
        if not result.passed:
            raise InvariantFailure(result.report())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, InvariantFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, self.name


class InvariantFailure(Exception):
    """An invariant that a generated case breaks."""


class YamlTestFile(pytest.File):
    """A file of YAML tests; the file is run once and each test becomes an item."""

    def collect(self) -> Iterator[YamlTestItem]:
        for result in run_file(self.path):
            item: YamlTestItem = YamlTestItem.from_parent(self, name=result.name, result=result)
            yield item


class YamlTestItem(pytest.Item):
    """One YAML test, already run; it passes or reports what failed."""

    def __init__(self, *, result: TestResult, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.result = result

    def runtest(self) -> None:
        if not self.result.passed:
            raise YamlTestFailure(self.result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, YamlTestFailure):
            return excinfo.value.result.report()
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = self.result.line - 1 if self.result.line else None
        return self.path, line, self.name


class YamlTestFailure(Exception):
    """A YAML test whose expectations did not hold."""

    def __init__(self, result: TestResult) -> None:
        super().__init__(result.name)
        self.result = result
