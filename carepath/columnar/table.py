"""Checked answers as a table: one typed column per input, null where the answer is unknown.

A set input is a bit mask (``1 << i`` for its ``i``-th choice); everything else keeps its type
(yes/no, whole or real number, choice as text, date, text).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from carepath.columnar.leaves import set_mask
from carepath.rules.answers import Answers
from carepath.rules.model import InputSpec

__all__ = ["answers_table"]

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
