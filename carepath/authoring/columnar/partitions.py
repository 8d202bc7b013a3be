"""The columnar diff over partitions on a Dask cluster (the optional extra ``dask``).

A population is cut into partitions: files (JSON Lines or Parquet, one per partition) or
generated slices (partition ``i`` is ``carepath.authoring.synth.generate(..., seed=seed + i)``, drawn on
the worker, so 10^8 cases need no storage at all). Each partition is one task: the worker loads
both rule sets once (kept per process), diffs its partition on the columnar engine and sends
back only the report's counters and samples; the reports are merged in partition order, so
the samples are the first of each move as if the partitions were read one after the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from carepath.authoring.columnar.diff import batched, diff_batches
from carepath.authoring.columnar.population import read_cases
from carepath.authoring.diff import DiffReport, OutcomeDiff
from carepath.rules.ruleset import RuleSet, load, with_parameters

__all__ = ["diff_files_on", "diff_generated_on", "generated_part", "file_part"]

_LOADED: dict[tuple[str, str], RuleSet] = {}


def _ruleset(name: str, settings: Mapping[str, Any]) -> RuleSet:
    key = (name, repr(sorted(settings.items())))
    if key not in _LOADED:  # once per worker process
        _LOADED[key] = with_parameters(load(name), dict(settings))
    return _LOADED[key]


def file_part(old: str, new: str, path: str, as_of: dt.date, settings: Mapping[str, Any]) -> DiffReport:
    """One partition read from a file."""
    return diff_batches(_ruleset(old, {}), _ruleset(new, settings), batched(read_cases(Path(path))), as_of)


def generated_part(
    old: str,
    new: str,
    population: str | None,
    n: int,
    seed: int,
    as_of: dt.date,
    settings: Mapping[str, Any],
) -> DiffReport:
    """One partition drawn on the worker: ``n`` cases of ``population`` for the old rule set."""
    from carepath.authoring.synth import generate, read_population

    rules = _ruleset(old, {})
    pop = read_population(population) if population else None
    cases = ((str(c.pop("case_id")), c) for c in generate(rules, pop, n, seed))
    return diff_batches(rules, _ruleset(new, settings), batched(cases), as_of)


def _merged(parts: Sequence[DiffReport], old: RuleSet, new: RuleSet, as_of: dt.date) -> DiffReport:
    report = DiffReport(old.id, new.id, as_of)
    for name in (n for n in old.merged.outcomes if n in new.merged.outcomes):
        report.outcomes[name] = OutcomeDiff()
    for part in parts:
        report.merge(part)
    return report


def diff_files_on(
    client: Any,
    old: str,
    new: str,
    paths: Sequence[str | Path],
    as_of: dt.date,
    settings: Mapping[str, Any] | None = None,
) -> DiffReport:
    """The diff of the files ``paths`` (in order) on the Dask ``client``'s cluster."""
    settings = dict(settings or {})
    futures = [client.submit(file_part, old, new, str(p), as_of, settings, pure=False) for p in paths]
    report = _merged(client.gather(futures), load(old), with_parameters(load(new), settings), as_of)
    report.settings = settings
    return report


def diff_generated_on(
    client: Any,
    old: str,
    new: str,
    population: str | Path | None,
    sizes: Sequence[int],
    as_of: dt.date,
    *,
    seed: int = 1,
    settings: Mapping[str, Any] | None = None,
) -> DiffReport:
    """The diff of generated partitions of ``sizes`` cases (partition ``i`` drawn with seed
    ``seed + i``) on the Dask ``client``'s cluster."""
    settings = dict(settings or {})
    pop = str(population) if population else None
    futures = [
        client.submit(generated_part, old, new, pop, n, seed + i, as_of, settings, pure=False)
        for i, n in enumerate(sizes)
    ]
    report = _merged(client.gather(futures), load(old), with_parameters(load(new), settings), as_of)
    report.settings = settings
    return report


def split(total: int, size: int) -> Iterator[int]:
    """Partition sizes of at most ``size`` adding up to ``total``."""
    while total > 0:
        yield min(size, total)
        total -= size
