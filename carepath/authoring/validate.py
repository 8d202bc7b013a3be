"""Check every kind of carepath file: rule files (load, validate, merge layers and compile),
pipeline files (steps, feeds, ranking and path against their rule sets), and test, invariants,
population and mapping files (their format, then what their own loader checks), and the
translation files of each rule file, collecting the errors of each file. A misspelt field is
"not a field here (misspelt?)" with the closest field of its place, at its file, line and column."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from carepath.errors import RuleFileError, RuleSetError
from carepath.exchange.schema import FILE_KINDS, file_model
from carepath.rules.loader import load_yaml_file
from carepath.rules.parsing import translate
from carepath.rules.registry import PIPELINE_SUFFIX, is_rule_file

__all__ = ["check_file", "file_kind", "other_files", "pipeline_files", "rule_files", "validate"]


def rule_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The rule files named, or found under the folders named (tests and cases are skipped)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and is_rule_file(p))
        elif not path.name.endswith(PIPELINE_SUFFIX) and file_kind(path) is None:
            yield path


def pipeline_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The pipeline files (``*.pipeline.yaml``) named, or found under the folders named."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob(f"*{PIPELINE_SUFFIX}") if p.is_file())
        elif path.name.endswith(PIPELINE_SUFFIX):
            yield path


def file_kind(path: Path) -> str | None:
    """``test``, ``invariants``, ``population``, ``mapping`` or ``fields`` (a dictionary of case
    fields) by the file's name ending, or None."""
    for kind, (_, _, suffix) in FILE_KINDS.items():
        if kind != "pipeline" and path.name.endswith(suffix):
            return kind
    return None


def other_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The test, invariants, population and mapping files named, or found under the folders named."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.yaml") if p.is_file() and file_kind(p) is not None)
        elif file_kind(path) is not None:
            yield path


def check_file(path: Path, kind: str) -> None:
    """Check one test, invariants, population or mapping file; raise its located errors."""
    located = load_yaml_file(path)
    data = located.data
    if kind == "test" and isinstance(data, list):
        data = {"tests": data}
    model = file_model(kind)
    if isinstance(data, dict):
        try:
            model.model_validate(data)
        except ValidationError as exc:
            if data is located.data:
                raise translate(exc, located, RuleFileError, model=model) from None
    _loaders()[kind](path)


def _loaders() -> dict[str, Callable[[Path], Any]]:
    """The loader that checks each kind of file beyond its format."""
    from carepath.authoring.synth import read_population
    from carepath.authoring.testing import read_test_file
    from carepath.exchange.vocabulary import load_mapping

    def invariants(path: Path) -> Any:
        from carepath.authoring.invariants import read_invariant_file

        return read_invariant_file(path)

    from carepath.rules.parsing import read_case_fields

    return {
        "test": read_test_file,
        "invariants": invariants,
        "population": read_population,
        "mapping": load_mapping,
        "fields": read_case_fields,
    }


def validate(paths: Iterable[str | Path]) -> dict[Path, list[RuleSetError]]:
    """Every carepath file under ``paths`` with the errors found in it (an empty list: valid)."""
    from carepath.assessments.pipeline import load_pipeline
    from carepath.rules.ruleset import load  # here, so that ``import carepath`` stays quick
    from carepath.rules.translation_files import check_files, orphans
    from carepath.rules.translations import dictionary_source

    paths = list(paths)
    report: dict[Path, list[RuleSetError]] = {}
    for path in pipeline_files(paths):
        try:
            pipe = load_pipeline(path)
        except RuleSetError as exc:
            report[path] = list(exc.errors)
        else:
            report[path] = []
            report.update(check_files(pipe.text_files[-1]))  # its translation files
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
    for path in other_files(paths):
        kind = file_kind(path)
        assert kind is not None
        try:
            check_file(path, kind)
        except RuleSetError as exc:
            report[path] = list(exc.errors)
        else:
            report[path] = []
            if kind == "fields":
                report.update(check_files(dictionary_source(path)))  # its translation files
    return report
