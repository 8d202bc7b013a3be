"""Check rule files: load, validate, merge layers and compile each, collecting every error."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from carepath.errors import RuleSetError
from carepath.rules.registry import is_rule_file
from carepath.rules.ruleset import load

__all__ = ["rule_files", "validate"]


def rule_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The rule files named, or found under the folders named (tests and cases are skipped)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and is_rule_file(p))
        else:
            yield path


def validate(paths: Iterable[str | Path]) -> dict[Path, list[RuleSetError]]:
    """Every rule file under ``paths`` with the errors found in it (an empty list: valid)."""
    report: dict[Path, list[RuleSetError]] = {}
    for path in rule_files(paths):
        try:
            load(path)
        except RuleSetError as exc:
            report[path] = list(exc.errors)
        else:
            report[path] = []
    return report
