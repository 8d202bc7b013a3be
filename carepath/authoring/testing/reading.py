"""Finding and reading test files: validated, a bad one an error at its line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import ValidationError

from carepath.authoring.testing.model import TestFile
from carepath.errors import RuleFileError
from carepath.rules.loader import Located, load_yaml_file
from carepath.rules.parsing import field_path, locate, translate
from carepath.rules.registry import TEST_SUFFIX


def test_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The ``*.test.yaml`` files named, or found under the folders named."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob(f"*{TEST_SUFFIX}") if p.is_file())
        else:
            yield path


def read_test_file(path: str | Path) -> tuple[TestFile, Located]:
    """Load and validate a test file; a bad one raises :class:`RuleFileError` at its line (a
    misspelt field: "not a field here (misspelt?)", with the closest field)."""
    located = load_yaml_file(path)
    data = located.data
    bare = isinstance(data, list)  # a bare list of tests
    if bare:
        located = Located(data={"tests": data}, file=located.file, marks=_under_tests(located))
    try:
        spec = TestFile.model_validate(located.data)
    except ValidationError as exc:
        raise translate(exc, located, RuleFileError, model=TestFile) from None
    for i, case in enumerate(spec.tests):
        at: tuple[str | int, ...] = ("tests", i)
        piped = case.pipeline is not None or (spec.pipeline is not None and case.ruleset is None)
        if piped and (case.parameters or spec.parameters):
            raise _not_for_pipeline(located, at, "parameters", bool(case.parameters), str(path))
        if piped and (case.overlay or spec.overlay):
            raise _not_for_pipeline(located, at, "overlay", bool(case.overlay), str(path))
    return spec, located


def _under_tests(located: Located) -> dict[tuple[str | int, ...], tuple[int, int]]:
    """The marks of a bare list of tests, as if it were the file's ``tests``."""
    return {("tests", *k): v for k, v in located.marks.items()}


def _not_for_pipeline(
    located: Located, at: tuple[str | int, ...], key: str, own: bool, file: str
) -> RuleFileError:
    """The error for parameters or an overlay given to a pipeline's test (its own, or the file's)."""
    block = (*at, key) if own else (key,)
    line, column = locate(located, block)
    what = "an overlay applies" if key == "overlay" else "parameters apply"
    message = f"{what} to a rule set's tests, not a pipeline's"
    return RuleFileError(message, file=file, line=line, column=column, field=field_path(block))
