"""The population diff (:mod:`carepath.authoring.diff`) on the columnar path: the same report, by patterns.

A case's row of truths of the input-only parts of every condition, under both rule sets, decides
both sides' outcomes and rule states (:func:`~carepath.authoring.columnar.leaves.input_subtrees`), so each
distinct row is evaluated once on each side (:class:`~carepath.authoring.columnar.engine.Patterns`)
and counted as many times as cases share it. Samples are the first cases of each move in file
order, as the per-case diff keeps them.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from carepath.authoring.columnar.engine import MEMO_MAX, Patterns, columnar_leaves
from carepath.authoring.columnar.refusal import NotColumnar
from carepath.authoring.columnar.table import CheckedColumns
from carepath.authoring.diff import SAMPLES, DiffReport, OutcomeDiff, _explaining, _key, _Sides, diff_one
from carepath.rules.answers import Answers
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
    :class:`~carepath.authoring.columnar.NotColumnar` before reading a case if either side is not columnar."""
    old_leaves, new_leaves = (
        columnar_leaves(old, as_of, coarse=True),
        columnar_leaves(new, as_of, coarse=True),
    )
    patterns: Patterns[_Moves] = Patterns({**new.inputs, **old.inputs}, [*old_leaves, *new_leaves])
    both = old.inputs.keys() & new.inputs.keys()
    if any(old.inputs[name] != new.inputs[name] for name in both):
        raise NotColumnar("an input the two rule sets declare differently")
    checked = CheckedColumns([old.inputs, new.inputs], patterns.names)
    names = [n for n in old.merged.outcomes if n in new.merged.outcomes]
    sides = (
        _Side(old, [patterns.position[c.key] for c in old_leaves], names, as_of),
        _Side(new, [patterns.position[c.key] for c in new_leaves], names, as_of),
    )
    report = DiffReport(old.id, new.id, as_of)
    whole = _Sides.of(old, new)  # the per-case diff's view: what can reach each outcome
    for name in names:
        report.outcomes[name] = OutcomeDiff()
    paused = gc.isenabled()
    gc.disable()  # a batch is many small containers and no cycles: full collections only cost time
    try:
        for batch in batches:
            _add_batch(report, names, patterns, checked, sides, batch, whole)
    finally:
        if paused:
            gc.enable()
    return report


class _Evaluated:
    """One side's outcome keys for a pattern of its own columns, and its rule states when asked."""

    __slots__ = ("_states", "answers", "keys", "side")

    def __init__(self, side: _Side, answers: Answers) -> None:
        self.side = side
        self.answers = answers
        done = side.ruleset.evaluate(answers, as_of=side.as_of, trace=False)
        self.keys = tuple(_key(done[n]) for n in side.names)
        self._states: dict[str, Any] | None = None

    def states(self) -> dict[str, Any]:
        if self._states is None:
            self._states = self.side.ruleset.rule_states(self.answers, self.side.as_of)
        return self._states


class _Side:
    """One rule set of the diff: its results by the truths of its own columns (a reform shares
    most of its columns with its base: each side's patterns are fewer than both sides')."""

    def __init__(self, ruleset: RuleSet, columns: list[int], names: list[str], as_of: dt.date) -> None:
        self.ruleset = ruleset
        self.columns = sorted(set(columns))
        self.names = names
        self.as_of = as_of
        self.memo: dict[tuple[Any, ...], _Evaluated] = {}

    def side(self, key: tuple[Any, ...], case: dict[str, Any]) -> _Evaluated:
        own = tuple(key[i] for i in self.columns)
        found = self.memo.get(own)
        if found is None:
            if len(self.memo) >= MEMO_MAX:
                self.memo.clear()
            found = self.memo[own] = _Evaluated(self, self.ruleset.check(case))
        return found


def _add_batch(
    report: DiffReport,
    names: list[str],
    patterns: Patterns[_Moves],
    checked: CheckedColumns,
    sides_: tuple[_Side, _Side],
    batch: list[tuple[str, dict[str, Any]]],
    whole: _Sides,
) -> None:
    table, ok = checked.table([case for _, case in batch])
    kept = [item for item, good in zip(batch, ok, strict=True) if good]
    report.cases += len(kept)
    for (ref, case), good in zip(batch, ok, strict=True):
        if not good:  # what the checks refuse, the per-case diff counts, with its reason
            diff_one(report, whole, ref, case)
    refs = [ref for ref, _ in kept]

    def compute(i: int, key: tuple[Any, ...]) -> _Moves:
        a, b = sides_[0].side(key, kept[i][1]), sides_[1].side(key, kept[i][1])
        keys = tuple(zip(a.keys, b.keys, strict=True))
        if a.keys == b.keys:
            return _Moves(keys, frozenset())
        return _Moves(keys, frozenset(_explaining(a.states(), b.states())))

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
            for rid in moves.explaining & whole.upstream[name]:
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
