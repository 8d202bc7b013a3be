"""Evaluate a whole table of cases: leaf truths in columns, each distinct pattern of them once.

Every value the per-case pass computes (each outcome's value, status, candidates, conflict,
missing inputs; each fact; each rule's state) is a function of the truths of the rule set's
leaf tests on inputs: facts are concluded from them, and a leaf on an input is unknown exactly
where its input is, which is all that missing inputs read. So the leaves are computed as
polars columns over the whole table (:mod:`carepath.authoring.columnar.leaves`), the cases are grouped
by their row of leaf truths, and the generated values pass runs once per distinct row, on a
case that has it; every case of the group shares that result. Results are kept across batches
(a small population of patterns is met again and again), so memory holds one batch of cases
and the distinct patterns.

Construction refuses (:class:`NotColumnar`) what the leaves cannot express exactly, before any
case is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import polars as pl

from carepath.authoring.columnar.leaves import LeafColumn, input_leaves, input_subtrees
from carepath.authoring.columnar.table import answers_table
from carepath.rules.answers import Answers
from carepath.rules.result import Evaluation
from carepath.rules.ruleset import RuleSet

__all__ = ["MEMO_MAX", "Patterns", "columnar_leaves", "evaluate_many", "rule_states_many"]

R = TypeVar("R")
MEMO_MAX = 10_000
"""The most pattern results kept across batches (a result may hold a case's answers); past it
they are dropped and found again."""


def columnar_leaves(ruleset: RuleSet, as_of: dt.date, *, coarse: bool = False) -> list[LeafColumn]:
    """The rule set's leaf tests on inputs on ``as_of``; raises :class:`NotColumnar` if any
    cannot be a column, or :class:`~carepath.errors.EvaluationError` if the rule set is not in
    force that day (as evaluation would).

    ``coarse``: the largest input-only parts of each condition instead of its leaves: fewer
    distinct patterns, and the same values, statuses and rule states, but not the same missing
    inputs (what the diff needs, not what an evaluation reports)."""
    params = ruleset.params_on(as_of)
    if coarse:
        return input_subtrees(ruleset.compiled, params)
    return input_leaves(ruleset.compiled, params)


class Patterns(Generic[R]):
    """Cases grouped by their leaf truths under one or more rule sets, each group computed once.

    ``leaves`` are the tests of every side (duplicates counted once); ``compute`` gives the
    result of a group from the position of one of its cases in the batch and the group's truths.
    """

    def __init__(self, inputs: Any, leaves: Sequence[LeafColumn]) -> None:
        unique: dict[tuple[Any, ...], pl.Expr] = {}
        for leaf in leaves:
            unique.setdefault(leaf.key, leaf.expr)
        self.inputs = inputs
        self.position = {key: i for i, key in enumerate(unique)}  # a test's column in a pattern
        self.exprs = [expr.alias(f"l{i}") for i, expr in enumerate(unique.values())]
        self.names = sorted({name for expr in unique.values() for name in expr.meta.root_names()})
        self.memo: dict[tuple[Any, ...], R] = {}

    def groups(self, table: pl.DataFrame) -> pl.DataFrame:
        """One row per distinct leaf pattern of ``table`` (a column per input in ``names``): the
        truths, ``n`` (how many cases) and ``rows`` (their positions, in order)."""
        if not self.exprs:
            return pl.DataFrame({"n": [table.height], "rows": [list(range(table.height))]})
        truths = table.with_row_index("row").select("row", *self.exprs)
        keys = [f"l{i}" for i in range(len(self.exprs))]
        return truths.group_by(keys, maintain_order=True).agg(
            pl.len().alias("n"), pl.col("row").alias("rows")
        )

    def results(
        self, table: pl.DataFrame, compute: Callable[[int, tuple[Any, ...]], R]
    ) -> list[tuple[R, int, list[int]]]:
        """Per group of ``table``: its result, how many cases, their positions."""
        found: list[tuple[R, int, list[int]]] = []
        groups = self.groups(table)
        width = len(groups.columns) - 2
        for row in groups.iter_rows():
            key, n, rows = row[:width], row[width], row[width + 1]
            result = self.memo.get(key)
            if result is None:
                if len(self.memo) >= MEMO_MAX:  # memory bounded where nearly every case is new
                    self.memo.clear()
                result = self.memo[key] = compute(rows[0], key)
            found.append((result, n, rows))
        return found

    def table(self, answers: Sequence[Answers]) -> pl.DataFrame:
        """Checked answers as the columns the patterns read."""
        return answers_table(self.inputs, answers, self.names)


def evaluate_many(ruleset: RuleSet, answers: Sequence[Answers], as_of: dt.date) -> list[Evaluation]:
    """Each case's evaluation without a trace (the same object for cases of one pattern)."""
    patterns: Patterns[Evaluation] = Patterns(ruleset.inputs, columnar_leaves(ruleset, as_of))
    out: list[Evaluation | None] = [None] * len(answers)
    for result, _, rows in patterns.results(
        patterns.table(answers), lambda i, _: ruleset.evaluate(answers[i], as_of, trace=False)
    ):
        for i in rows:
            out[i] = result
    return [e for e in out if e is not None]


def rule_states_many(
    ruleset: RuleSet, answers: Sequence[Answers], as_of: dt.date, *, coarse: bool = False
) -> list[dict[str, Any]]:
    """Each case's rule states (:meth:`RuleSet.rule_states`); ``coarse`` as for
    :func:`columnar_leaves` (rule states do not depend on missing inputs)."""
    patterns: Patterns[dict[str, Any]] = Patterns(
        ruleset.inputs, columnar_leaves(ruleset, as_of, coarse=coarse)
    )
    out: list[dict[str, Any] | None] = [None] * len(answers)
    for result, _, rows in patterns.results(
        patterns.table(answers), lambda i, _: ruleset.rule_states(answers[i], as_of)
    ):
        for i in rows:
            out[i] = result
    return [s for s in out if s is not None]
