"""pytest plugin: collect ``*.test.yaml`` files so that ``pytest`` runs the YAML tests too.

Registered through the ``pytest11`` entry point; each YAML test is one pytest item, and a
failure shows the same report as ``carepath test``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from carepath.rules.registry import TEST_SUFFIX
from carepath.testing import TestResult, run_file

__all__ = ["YamlTestFile", "YamlTestItem", "pytest_collect_file"]


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    """Collect ``*.test.yaml`` files."""
    if file_path.name.endswith(TEST_SUFFIX):
        collected: YamlTestFile = YamlTestFile.from_parent(parent, path=file_path)
        return collected
    return None


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
