"""Checked answers as a table: one typed column per input, null where the answer is unknown.

A set input is a bit mask (``1 << i`` for its ``i``-th choice); everything else keeps its type
(yes/no, whole or real number, choice as text, date, text).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from carepath.authoring.columnar.leaves import set_mask
from carepath.errors import CaseError
from carepath.rules.answers import Answers, build_readers
from carepath.rules.model import ANSWER_WORDS, InputSpec

__all__ = ["CheckedColumns", "answers_table"]

_TYPES: dict[str, type[pl.DataType]] = {
    "bool": pl.Boolean,
    "int": pl.Int64,
    "number": pl.Float64,
    "enum": pl.String,
    "text": pl.String,
    "date": pl.Date,
    "set": pl.Int64,
}


def answers_table(
    inputs: Mapping[str, InputSpec], answers: Sequence[Answers], names: Sequence[str]
) -> pl.DataFrame:
    """The inputs in ``names`` of every case in ``answers``, as columns."""
    columns: dict[str, pl.Series] = {}
    for name in names:
        spec = inputs[name]
        values = [a.values[name] for a in answers]
        if spec.type == "set":
            bits = set_mask(spec.choice_values)
            masks = [None if v is None else sum(bits[c] for c in v) for v in values]
            columns[name] = pl.Series(name, masks, dtype=pl.Int64)
        elif spec.type == "number":
            columns[name] = pl.Series(
                name, [None if v is None else float(v) for v in values], dtype=pl.Float64
            )
        else:
            columns[name] = pl.Series(name, values, dtype=_TYPES[spec.type])
    return pl.DataFrame(columns, height=len(answers))


class CheckedColumns:
    """Raw cases (mappings as JSON gives them) checked against one or more rule sets' inputs
    and turned into columns, each distinct raw answer checked once.

    A case passes when every rule set would accept it (:func:`~carepath.rules.answers.read_answers`
    raises for none): every field is an input of each, and each answer is an answer word the
    input accepts or a value its reader takes. The readers are the rule sets' own; an answer's
    result is kept by its type and value (``1``, ``1.0`` and ``true`` apart), so a repeated
    answer costs a lookup.
    """

    def __init__(self, sides: Sequence[Mapping[str, InputSpec]], names: Sequence[str]) -> None:
        self.allowed = frozenset.intersection(*(frozenset(s) for s in sides))
        self.names = list(names)
        self.sides = list(sides)
        self.readers = [build_readers(s) for s in sides]
        self.memo: dict[str, dict[type, dict[Any, tuple[bool, Any]]]] = {
            name: {kind: {} for kind in (list, *_SCALARS)} for name in self.allowed
        }

    def table(self, cases: Sequence[Mapping[str, Any]]) -> tuple[pl.DataFrame, list[bool]]:
        """The columns ``names`` of the cases that pass, and which passed."""
        allowed = self.allowed
        ok = [case.keys() <= allowed for case in cases]
        values: dict[str, list[Any]] = {}
        for name in sorted(allowed):
            column: list[Any] = []
            check = self._check
            memos: dict[type, dict[Any, tuple[bool, Any]]] = self.memo[name]
            for i, case in enumerate(cases):
                raw = case.get(name)
                if raw is None:
                    column.append(None)
                    continue
                kind = raw.__class__
                if kind is list:
                    # only lists of text are kept, and text equals only text: a hit is such a list
                    key: Any = tuple(raw)
                    memo = memos[list]
                elif kind in _SCALARS:
                    key, memo = raw, memos[kind]  # one memo per type: 1, 1.0 and true apart
                else:
                    key, memo = None, {}
                try:
                    found = memo.get(key) if key is not None else None
                except TypeError:  # a list holding a list: checked, not kept
                    found, memo = None, {}
                if found is None:
                    found = check(name, raw)
                    if kind is not list or all(x.__class__ is str for x in raw):
                        memo[key] = found
                if not found[0]:
                    ok[i] = False
                column.append(found[1])
            values[name] = column
        keep = [i for i, good in enumerate(ok) if good]
        columns = {}
        for name in self.names:
            kept = [values[name][i] for i in keep] if name in values else [None] * len(keep)
            spec = next(side[name] for side in self.sides if name in side)
            columns[name] = pl.Series(name, kept, dtype=_TYPES[spec.type])
        return pl.DataFrame(columns, height=len(keep)), ok

    def _check(self, name: str, raw: Any) -> tuple[bool, Any]:
        """Whether every side accepts ``raw`` for ``name``, and its column value (first side's)."""
        if isinstance(raw, str) and raw in ANSWER_WORDS:
            return all(raw in side[name].accepts for side in self.sides), None
        value: Any = None
        for k, readers in enumerate(self.readers):
            try:
                read = readers[name](raw)
            except CaseError:
                return False, None
            if k == 0:
                value = read
        spec = self.sides[0][name]
        if spec.type == "set":
            bits = set_mask(spec.choice_values)
            return True, sum(bits[c] for c in value)
        if spec.type == "number":
            return True, float(value)
        return True, value


_SCALARS = (str, bool, int, float)
