"""Running test files: the tests a selection keeps, each against its rule set (with the
parameters or overlay it names) or its pipeline.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carepath.assessments.pipeline import Pipeline, load_pipeline
from carepath.authoring.testing.model import TestFile
from carepath.authoring.testing.pipeline_tests import _run_pipeline_case
from carepath.authoring.testing.reading import _not_for_pipeline, read_test_file, test_files
from carepath.authoring.testing.results import TestResult, TestRun
from carepath.authoring.testing.ruleset_tests import _run_case
from carepath.errors import RuleFileError, RuleSetError
from carepath.rules.loader import Located
from carepath.rules.parsing import field_path, locate
from carepath.rules.reform import SETTINGS_FILE, UnknownParameterError
from carepath.rules.registry import PIPELINE_SUFFIX, TEST_SUFFIX, resolve, resolve_pipeline
from carepath.rules.ruleset import RuleSet, load, with_parameters


@dataclass(frozen=True)
class Selection:
    """Which tests to run: ``keywords`` (a test runs if its name holds any of them, whatever the
    case; none: every test) and ``ruleset`` (a rule set's id or path: only the tests of that rule
    set and of the overlays that extend it; pipelines' tests are left out)."""

    keywords: tuple[str, ...] = ()
    ruleset: str | None = None

    def by_name(self, name: str) -> bool:
        return not self.keywords or any(k.casefold() in name.casefold() for k in self.keywords)

    def by_subject(self, ruleset: RuleSet | None) -> bool:
        if self.ruleset is None:
            return True
        if ruleset is None:
            return False
        wanted = resolve(self.ruleset).resolve()
        return any(
            layer.id == self.ruleset or (layer.file != SETTINGS_FILE and Path(layer.file).resolve() == wanted)
            for layer in ruleset.merged.layers
        )


def run_file(path: str | Path, selection: Selection | None = None) -> list[TestResult]:
    """Run every test of one file (or those ``selection`` keeps)."""
    return _run_file(Path(path), selection or Selection())[0]


def _run_file(path: Path, selection: Selection) -> tuple[list[TestResult], int]:
    spec, located = read_test_file(path)
    # the rule file beside it, named relative to the test file (as resolve reads it)
    stem = path.name[: -len(TEST_SUFFIX)]
    default_ruleset = spec.ruleset or stem + ".yaml"
    beside = path.parent / f"{stem}{PIPELINE_SUFFIX}"
    default_pipeline = spec.pipeline
    if default_pipeline is None and spec.ruleset is None and not (path.parent / default_ruleset).exists():
        default_pipeline = str(beside) if beside.is_file() else None
    loaded: dict[str, RuleSet] = {}
    reformed: dict[tuple[str, str | None, str], RuleSet] = {}  # compiled once per file
    pipelines: dict[str, Pipeline] = {}
    results: list[TestResult] = []
    deselected = 0

    def rules_of(name: str) -> RuleSet:
        if name not in loaded:
            loaded[name] = load(resolve(name, relative_to=path))
        return loaded[name]

    if spec.cannot_fire:
        _check_cannot_fire(spec, located, rules_of(default_ruleset), str(path))
    for i, case in enumerate(spec.tests):
        where: tuple[str | int, ...] = ("tests", i)
        line = located.mark(where)
        at = line[0] if line else None
        if not selection.by_name(case.name):
            deselected += 1
            continue
        pipeline = case.pipeline or (default_pipeline if case.ruleset is None else None)
        if pipeline is not None:
            if case.parameters or spec.parameters:  # a pipeline beside the file, named by neither
                raise _not_for_pipeline(located, where, "parameters", bool(case.parameters), str(path))
            if case.overlay or spec.overlay:
                raise _not_for_pipeline(located, where, "overlay", bool(case.overlay), str(path))
            if not selection.by_subject(None):
                deselected += 1
                continue
            if pipeline not in pipelines:
                pipelines[pipeline] = load_pipeline(resolve_pipeline(pipeline, relative_to=path))
            results.append(_run_pipeline_case(pipelines[pipeline], case, spec.as_of, str(path), at))
            continue
        name = case.ruleset or default_ruleset
        overlay = case.overlay or spec.overlay
        settings = {**spec.parameters, **case.parameters}  # the test's own win, name by name
        key = (name, overlay, repr(sorted(settings.items())))  # repr: 1, 1.0 and true stay apart
        if key not in reformed:
            subject = rules_of(name)
            if overlay is not None:
                block = (*where, "overlay") if case.overlay else ("overlay",)
                subject = _overlaid(subject, overlay, located, block, path)
            try:
                reformed[key] = with_parameters(subject, settings)
            except RuleSetError as exc:
                block = (*where, "parameters") if _named_in(exc, case.parameters) else ("parameters",)
                raise _at(exc, located, block, str(path)) from None
        if not selection.by_subject(reformed[key]):
            deselected += 1
            continue
        notes = spec.cannot_fire if name == default_ruleset and overlay is None else {}
        results.append(_run_case(reformed[key], case, spec.as_of, str(path), at, settings, notes))
    return results, deselected


def _check_cannot_fire(spec: TestFile, located: Located, ruleset: RuleSet, file: str) -> None:
    """Every rule ``cannot_fire`` names is a rule of the file's rule set."""
    for rid in spec.cannot_fire:
        if rid not in ruleset.merged.rules:
            line, column = locate(located, ("cannot_fire", rid))
            close = difflib.get_close_matches(rid, list(ruleset.merged.rules), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise RuleFileError(
                f"{ruleset.id} has no rule of this id{hint}",
                file=file,
                line=line,
                column=column,
                field=field_path(("cannot_fire", rid)),
            )


def _overlaid(
    base: RuleSet, overlay: str, located: Located, block: tuple[str | int, ...], path: Path
) -> RuleSet:
    """The overlay a test names, loaded; it must extend the rule set the test runs."""
    line, column = locate(located, block)
    try:
        ruleset = load(resolve(overlay, relative_to=path))
    except RuleSetError as exc:
        if exc.file == overlay:  # not found: the error belongs to the test file's line
            raise RuleFileError(
                exc.message, file=str(path), line=line, column=column, field=field_path(block)
            ) from None
        raise
    base_file = base.path.resolve() if base.path is not None else None
    if not any(
        layer.file != SETTINGS_FILE and Path(layer.file).resolve() == base_file
        for layer in ruleset.merged.layers[:-1]
    ):
        raise RuleFileError(
            f"the overlay {ruleset.id} does not extend {base.id}, the rule set this test runs",
            file=str(path),
            line=line,
            column=column,
            field=field_path(block),
        )
    return ruleset


def _named_in(exc: RuleSetError, block: dict[str, Any]) -> bool:
    """Whether the setting ``exc`` is about comes from ``block``."""
    field = exc.field or ""
    return field.removeprefix("parameters.") in block


def _at(exc: RuleSetError, located: Located, block: tuple[str | int, ...], file: str) -> RuleSetError:
    """A setting's error (at ``<settings>``) placed at its line in the test file's ``parameters``."""
    if exc.file != SETTINGS_FILE or type(exc).__init__ is not RuleSetError.__init__:
        return exc
    name = (exc.field or "").removeprefix("parameters.")
    path = (*block, name) if name else block
    line, column = locate(located, path)
    placed = type(exc)(exc.message, file=file, line=line, column=column, field=field_path(path))
    if isinstance(exc, UnknownParameterError) and isinstance(placed, UnknownParameterError):
        placed.suggestion = exc.suggestion
    return placed


def run_paths(paths: Iterable[str | Path]) -> list[TestResult]:
    """Run every test file under ``paths``."""
    return run_selected(paths, Selection()).results


def run_selected(paths: Iterable[str | Path], selection: Selection) -> TestRun:
    """Run the tests ``selection`` keeps of every test file under ``paths``."""
    results: list[TestResult] = []
    deselected = 0
    for path in test_files(paths):
        found, left_out = _run_file(path, selection)
        results += found
        deselected += left_out
    return TestRun(results, deselected)
