"""Check rule files and pipeline files: load, validate, merge layers and compile each (a
pipeline: check its steps, feeds, ranking and path against its rule sets), and the translation
files of each rule file, collecting every error."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from carepath.errors import RuleSetError
from carepath.rules.registry import PIPELINE_SUFFIX, is_rule_file

__all__ = ["pipeline_files", "rule_files", "validate"]


def rule_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The rule files named, or found under the folders named (tests and cases are skipped)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and is_rule_file(p))
        elif not path.name.endswith(PIPELINE_SUFFIX):
            yield path


def pipeline_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The pipeline files (``*.pipeline.yaml``) named, or found under the folders named."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob(f"*{PIPELINE_SUFFIX}") if p.is_file())
        elif path.name.endswith(PIPELINE_SUFFIX):
            yield path


def validate(paths: Iterable[str | Path]) -> dict[Path, list[RuleSetError]]:
    """Every rule file and pipeline file under ``paths`` with the errors found in it (an empty
    list: valid)."""
    from carepath.assessments.pipeline import load_pipeline
    from carepath.rules.ruleset import load  # here, so that ``import carepath`` stays quick
    from carepath.translations import check_files, orphans

    paths = list(paths)
    report: dict[Path, list[RuleSetError]] = {}
    for path in pipeline_files(paths):
        try:
            load_pipeline(path)
        except RuleSetError as exc:
            report[path] = list(exc.errors)
        else:
            report[path] = []
    for path in rule_files(paths):
        try:
            ruleset = load(path)
        except RuleSetError as exc:
            report[path] = list(exc.errors)
        else:
            report[path] = []
            report.update(check_files(ruleset.merged.layers[-1]))  # its translation files
    for raw in paths:
        if Path(raw).is_dir():
            report.update({Path(e.file or raw): [e] for e in orphans(raw)})
    return report
