"""Which engine a population diff runs on: columnar where it can be exact, else case by case.

``auto`` tries the columnar path and falls back to the per-case diff when polars is not
installed or the rule sets hold a construct the columnar compiler refuses; ``say`` is told
which engine ran and why (the CLI prints it on stderr). ``columnar`` refuses instead of falling
back; ``per-case`` is :func:`carepath.authoring.diff.diff_file` as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from carepath.authoring.diff import DiffReport, diff_cases, diff_file
from carepath.errors import CarepathError
from carepath.rules.ruleset import load, with_parameters

__all__ = ["ENGINES", "diff_with_engine"]

ENGINES = ("auto", "columnar", "per-case")


def diff_with_engine(
    old_name: str | Path,
    new_name: str | Path,
    cases_path: Path,
    as_of: dt.date,
    *,
    engine: str = "auto",
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    settings: Mapping[str, Any] | None = None,
    say: Callable[[str], None] = lambda _: None,
    drop_undeclared: bool = False,
) -> DiffReport:
    """:func:`carepath.authoring.diff.diff_file` on the engine asked for (see the module's docstring)."""
    settings = dict(settings or {})
    from carepath.authoring.columnar.population import case_format

    parquet = case_format(cases_path) == "parquet"
    if drop_undeclared and engine != "per-case":
        if engine == "columnar":
            raise CarepathError("the columnar engine does not drop undeclared fields: use --engine per-case")
        engine = "per-case"
        say("engine: per-case (the columnar engine does not drop undeclared fields)")
    elif engine == "per-case":
        say("engine: per-case")
    if engine != "per-case":
        try:
            report = _columnar(old_name, new_name, cases_path, as_of, progress, settings)
        except ImportError:
            if engine == "columnar" or parquet:
                raise CarepathError(
                    "the columnar engine needs the extra: pip install 'carepath[columnar]'"
                ) from None
            say("engine: per-case (polars is not installed: pip install 'carepath[columnar]')")
        except _Refusal as exc:
            if engine == "columnar":
                raise exc.error from None
            say(f"engine: per-case ({exc.error})")
        else:
            say("engine: columnar")
            return report
    if parquet:  # read by pyarrow, evaluated case by case
        from carepath.authoring.columnar.population import read_cases

        old, new = load(old_name), with_parameters(load(new_name), settings)
        report = diff_cases(
            old, new, _each(read_cases(cases_path), progress), as_of, drop_undeclared=drop_undeclared
        )
        report.settings = settings
        return report
    return diff_file(
        old_name,
        new_name,
        cases_path,
        as_of,
        workers,
        progress,
        settings=settings,
        drop_undeclared=drop_undeclared,
    )


class _Refusal(Exception):
    """Carries a :class:`NotColumnar` (or an evaluation error of the day) out of the columnar try."""

    def __init__(self, error: CarepathError) -> None:
        self.error = error


def _columnar(
    old_name: str | Path,
    new_name: str | Path,
    cases_path: Path,
    as_of: dt.date,
    progress: Callable[[int], None] | None,
    settings: dict[str, Any],
) -> DiffReport:
    from carepath.authoring.columnar.diff import batched, diff_batches
    from carepath.authoring.columnar.engine import columnar_leaves
    from carepath.authoring.columnar.population import read_cases
    from carepath.authoring.columnar.refusal import NotColumnar

    old, new = load(old_name), with_parameters(load(new_name), settings)
    try:  # refused before any case is read
        columnar_leaves(old, as_of)
        columnar_leaves(new, as_of)
    except CarepathError as exc:
        raise _Refusal(exc) from None
    try:
        report = diff_batches(old, new, _counted(batched(read_cases(cases_path)), progress), as_of)
    except NotColumnar as exc:
        raise _Refusal(exc) from None
    report.settings = settings
    return report


def _counted(
    batches: Iterator[list[tuple[str, dict[str, Any]]]], progress: Callable[[int], None] | None
) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    for batch in batches:
        yield batch
        if progress:
            progress(len(batch))


def _each(
    cases: Iterator[tuple[str, dict[str, Any]]], progress: Callable[[int], None] | None
) -> Iterator[tuple[str, dict[str, Any]]]:
    for item in cases:
        yield item
        if progress:
            progress(1)
