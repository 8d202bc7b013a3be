"""The population diff (:mod:`carepath.diff`) on the columnar path: the same report, by patterns.

A case's row of truths of the input-only parts of every condition, under both rule sets, decides
both sides' outcomes and rule states (:func:`~carepath.columnar.leaves.input_subtrees`), so each
distinct row is evaluated once on each side (:class:`~carepath.columnar.engine.Patterns`)
and counted as many times as cases share it. Samples are the first cases of each move in file
order, as the per-case diff keeps them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from carepath.columnar.engine import Patterns, columnar_leaves
from carepath.columnar.refusal import NotColumnar
from carepath.columnar.table import CheckedColumns
from carepath.diff import SAMPLES, DiffReport, OutcomeDiff, _explaining, _key
from carepath.rules.ruleset import RuleSet

__all__ = ["BATCH", "diff_batches"]

BATCH = 25_000


class _Moves(NamedTuple):
    """One pattern's keys on both sides, and the rules that explain its moves (if any)."""

    keys: tuple[tuple[str, str], ...]
    explaining: frozenset[str]


def diff_batches(
    old: RuleSet, new: RuleSet, batches: Iterable[list[tuple[str, dict[str, Any]]]], as_of: dt.date
) -> DiffReport:
    """Compare two rule sets over batches of ``(reference, case)``; raises
    :class:`~carepath.columnar.NotColumnar` before reading a case if either side is not columnar."""
    leaves = [*columnar_leaves(old, as_of, coarse=True), *columnar_leaves(new, as_of, coarse=True)]
    patterns: Patterns[_Moves] = Patterns({**new.inputs, **old.inputs}, leaves)
    both = old.inputs.keys() & new.inputs.keys()
    if any(old.inputs[name] != new.inputs[name] for name in both):
        raise NotColumnar("an input the two rule sets declare differently")
    checked = CheckedColumns([old.inputs, new.inputs], patterns.names)
    names = [n for n in old.merged.outcomes if n in new.merged.outcomes]
    report = DiffReport(old.id, new.id, as_of)
    for name in names:
        report.outcomes[name] = OutcomeDiff()
    for batch in batches:
        _add_batch(report, names, patterns, checked, (old, new), batch, as_of)
    return report


def _add_batch(
    report: DiffReport,
    names: list[str],
    patterns: Patterns[_Moves],
    checked: CheckedColumns,
    sides: tuple[RuleSet, RuleSet],
    batch: list[tuple[str, dict[str, Any]]],
    as_of: dt.date,
) -> None:
    old, new = sides
    report.cases += len(batch)
    table, ok = checked.table([case for _, case in batch])
    kept = [item for item, good in zip(batch, ok, strict=True) if good]
    report.errors += len(batch) - len(kept)  # what the per-case diff cannot evaluate
    refs = [ref for ref, _ in kept]

    def compute(i: int) -> _Moves:
        case = kept[i][1]
        before, after = old.check(case), new.check(case)
        a = old.evaluate(before, as_of=as_of, trace=False)
        b = new.evaluate(after, as_of=as_of, trace=False)
        keys = tuple((_key(a[n]), _key(b[n])) for n in names)
        if all(k0 == k1 for k0, k1 in keys):
            return _Moves(keys, frozenset())
        explaining = _explaining(old.rule_states(before, as_of), new.rule_states(after, as_of))
        return _Moves(keys, frozenset(explaining))

    firsts: dict[tuple[str, tuple[str, str]], list[int]] = {}  # the first cases of each move
    for moves, n, rows in patterns.results(table, compute):
        moved = [(name, key) for name, key in zip(names, moves.keys, strict=True) if key[0] != key[1]]
        for name, key in zip(names, moves.keys, strict=True):
            report.outcomes[name].matrix[key] += n
        if not moved:
            continue
        report.changed += n
        for name, key in moved:
            part = report.outcomes[name]
            part.changed += n
            counts = part.rules.setdefault(key, Counter())
            for rid in moves.explaining:
                counts[rid] += n
            firsts.setdefault((name, key), []).extend(rows[:SAMPLES])
    for (name, key), positions in firsts.items():  # in file order, as the per-case diff keeps them
        samples = report.outcomes[name].samples.setdefault(key, [])
        samples.extend(refs[i] for i in sorted(positions)[: SAMPLES - len(samples)])


def batched(
    cases: Iterator[tuple[str, dict[str, Any]]], size: int | None = None
) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """``cases`` in lists of ``size`` (default :data:`BATCH`)."""
    size = size or BATCH
    batch: list[tuple[str, dict[str, Any]]] = []
    for item in cases:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
