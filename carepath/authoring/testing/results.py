"""What running YAML tests gives: each expectation that did not hold, the result of one test,
and the results of a run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from carepath.authoring.coverage import Covered
from carepath.rules.reform import settings_text


@dataclass(frozen=True)
class Failure:
    """One expectation that did not hold."""

    what: str
    expected: Any
    actual: Any


@dataclass(frozen=True)
class TestResult:
    """The outcome of one YAML test: where it is, and what failed (nothing: it passed)."""

    __test__ = False

    file: str
    line: int | None
    name: str
    failures: list[Failure] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    covered: list[Covered] = field(default_factory=list, compare=False)

    @property
    def passed(self) -> bool:
        return not self.failures

    def report(self) -> str:
        """Expected and actual, then the trace of the rules that decided the failing outcomes."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        lines = [f"FAILED {where}: {self.name}"]
        if self.parameters:
            lines.append(f"  with parameters: {settings_text(self.parameters)}")
        for f in self.failures:
            lines.append(f"  {f.what}: expected {f.expected!r}, got {f.actual!r}")
        lines += [f"  {line}" for line in self.explanation]
        return "\n".join(lines)


@dataclass(frozen=True)
class TestRun:
    """The results of the tests selected, and how many were left out."""

    __test__ = False

    results: list[TestResult]
    deselected: int
