"""Populations of cases in and out: JSON Lines (one case a line) or Parquet (one column a field).

A Parquet population has a column per field (``case_id`` and the inputs). A field whose values
are all of one type Parquet holds (yes/no, number, text, date, list of text) is stored as that
type, null where not asked. A field that mixes values with the answer words ``unknown`` and
``declined`` is stored as JSON text, and the file's metadata names it (``carepath:json``), so
that reading gives back the very answers written. Either way a case read is a plain mapping,
checked as any case is.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from carepath.authoring.diff import _parse
from carepath.cases.jsonl import MAX_DEPTH, MAX_VALUES, _no_constant, numbered_lines
from carepath.errors import CaseFormatError
from carepath.safeio import atomic_output

__all__ = ["case_format", "count_cases", "read_cases", "write_parquet"]

JSON_KEY = b"carepath:json"


def case_format(path: Path, fmt: str | None = None) -> str:
    """``parquet`` or ``jsonl``: as given, else by the file's extension."""
    if fmt is not None:
        return fmt
    return "parquet" if path.suffix.lower() in (".parquet", ".pq") else "jsonl"


def count_cases(path: Path, fmt: str | None = None) -> int:
    """How many cases the file holds."""
    if case_format(path, fmt) == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    return sum(1 for _ in numbered_lines(path))


def read_cases(
    path: Path, fmt: str | None = None, batch: int = 65_536
) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(reference, case)`` pairs: the case id, else ``line N`` (JSON Lines) or ``row N`` (Parquet)."""
    if case_format(path, fmt) != "parquet":
        for number, line in numbered_lines(path):
            yield _parse_fast(number, line)
        return
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
    except Exception:  # pyarrow's own errors say too little and are not carepath's
        raise CaseFormatError(f"{path}: not a readable Parquet file") from None
    meta = source.schema_arrow.metadata or {}
    encoded = set(json.loads(meta[JSON_KEY])) if JSON_KEY in meta else set()
    number = 0
    for part in source.iter_batches(batch_size=batch):
        for row in part.to_pylist():
            number += 1
            case = {k: (_decoded(v, number) if k in encoded else v) for k, v in row.items()}
            ref = str(case.pop("case_id", None) or f"row {number}")
            case.pop("description", None)
            yield ref, {k: v for k, v in case.items() if v is not None}


def _parse_fast(number: int, line: str) -> tuple[str, dict[str, Any]]:
    """:func:`carepath.authoring.diff._parse`, quicker where the line's text alone shows that the strict
    reader's checks hold: no ``\\u`` escape (the only way to a lone surrogate in a UTF-8 line),
    fewer brackets than the depth bound, fewer characters than the value bound, and as many
    colons as the object has keys (so no key repeats and no object is nested: each key needs
    its own colon). Anything else, and any error, goes the strict way, which raises its own."""
    if "\\u" in line or len(line) > MAX_VALUES or line.count("[") >= MAX_DEPTH - 1:
        return _parse(number, line)
    try:
        data = _PLAIN.decode(line)
    except Exception:  # the strict reader says what is wrong, in its own words
        return _parse(number, line)
    if not isinstance(data, dict) or line.count(":") != len(data):
        return _parse(number, line)
    ref = str(data.get("case_id") or f"line {number}")
    return ref, {k: v for k, v in data.items() if k not in ("case_id", "description")}


_PLAIN = json.JSONDecoder(parse_constant=_no_constant)  # NaN and Infinity raise, as strictly


def _decoded(value: Any, number: int) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        raise CaseFormatError(f"row {number}: a JSON field is not JSON") from None


def write_parquet(cases: Iterable[dict[str, Any]], path: Path) -> int:
    """Write cases (mappings, as JSON Lines would hold them) to a Parquet file, whole or not at
    all; how many were written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = list(cases)
    names = list(dict.fromkeys(k for row in rows for k in row))
    arrays: dict[str, Any] = {}
    encoded: list[str] = []
    for name in names:
        values = [row.get(name) for row in rows]
        kinds = {_kind(v) for v in values if v is not None}
        if len(kinds) <= 1 and kinds != {"other"}:
            arrays[name] = pa.array(values)
        else:
            encoded.append(name)
            arrays[name] = pa.array([None if v is None else json.dumps(v) for v in values], pa.string())
    table = pa.table(arrays) if arrays else pa.table({"case_id": pa.array([None] * len(rows), pa.string())})
    table = table.replace_schema_metadata({JSON_KEY: json.dumps(encoded).encode()})
    with atomic_output(path) as handle:
        pq.write_table(table, handle)
    return len(rows)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return "text"
        return "other"  # a date as text: kept as the text it is, in JSON
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "list"
    return "other"
