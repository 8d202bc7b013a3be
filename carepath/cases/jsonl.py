"""JSON read strictly, and JSON Lines files read one line at a time (never held whole)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from carepath.errors import CarepathError, CaseFormatError
from carepath.safeio import open_lines

__all__ = [
    "MAX_DEPTH",
    "MAX_LINE",
    "MAX_VALUES",
    "LineFault",
    "chunks",
    "lines_or_faults",
    "numbered_lines",
    "strict_json",
]

MAX_DEPTH = 64
"""The deepest nesting of a JSON document accepted (as for YAML files)."""
MAX_VALUES = 200_000
"""The most values (scalars, lists and objects) in one JSON document (as for YAML files)."""
MAX_LINE = 1024 * 1024
"""The longest line of a JSON Lines file, in bytes (as a request body)."""


def strict_json(text: str | bytes, where: str, *, max_values: int | None = MAX_VALUES) -> Any:
    """One JSON document, refusing what plain ``json`` lets through: ``NaN`` and ``Infinity``,
    a key repeated in one object (which would silently drop an answer), a lone UTF-16 surrogate
    escape, and documents over :data:`MAX_DEPTH` levels or :data:`MAX_VALUES` values (the
    bounds of the YAML reader; ``max_values=None`` for a file already bounded by size, such
    as a submissions export). Errors are :class:`CaseFormatError` prefixed with ``where``;
    they never name a key or a value of the document."""
    try:
        data = json.loads(text, parse_constant=_no_constant, object_pairs_hook=_no_repeats)
    except json.JSONDecodeError as exc:
        raise CaseFormatError(f"{where}: not JSON (line {exc.lineno}, column {exc.colno})") from None
    except _Refused as exc:
        raise CaseFormatError(f"{where}: {exc.args[0]}") from None
    except (RecursionError, UnicodeDecodeError):
        raise CaseFormatError(f"{where}: not readable JSON (too deep, or not UTF-8)") from None
    _check_bounds(data, where, max_values)
    return data


def _check_bounds(data: Any, where: str, max_values: int | None) -> None:
    """Depth, value count and lone surrogates, walked without recursion."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    count = 0
    while stack:
        value, depth = stack.pop()
        count += 1
        if max_values is not None and count > max_values:
            raise CaseFormatError(f"{where}: more than {max_values} values")
        if depth > MAX_DEPTH:
            raise CaseFormatError(f"{where}: nesting deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            for key, item in value.items():
                _text(key, where)
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            _text(value, where)


def _text(value: str, where: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise CaseFormatError(f"{where}: a lone UTF-16 surrogate escape is not a character") from None


class _Refused(Exception):
    """Raised inside the decoder; the message and the key it is about."""


def _no_constant(word: str) -> Any:
    raise _Refused(f"{word} is not a number carepath accepts")


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise _Refused(f"a key repeats in one object (a key of {len(key)} characters)")
        data[key] = value
    return data


def numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Each non-blank line with its 1-based number, from a regular file only; a line that is not
    UTF-8 or is over :data:`MAX_LINE` bytes is a :class:`CaseFormatError` naming its number."""
    for number, line in lines_or_faults(path):
        if isinstance(line, LineFault):
            raise CaseFormatError(f"{path}: line {number} is {line.reason}") from None
        yield number, line


class LineFault(NamedTuple):
    """Why one line cannot be read: ``over N bytes`` or ``not UTF-8 (byte K)``."""

    reason: str


def lines_or_faults(path: Path) -> Iterator[tuple[int, str | LineFault]]:
    """Each non-blank line with its 1-based number, or why it cannot be read (the lines after a
    faulty one are still read), from a regular file only."""
    try:
        handle = open_lines(path)
    except CarepathError as exc:
        raise CaseFormatError(str(exc)) from None
    with handle:
        number = 0
        while raw := handle.readline(MAX_LINE + 1):
            number += 1
            if len(raw) > MAX_LINE:
                while raw and not raw.endswith(b"\n"):  # the rest of the long line
                    raw = handle.readline(MAX_LINE + 1)
                yield number, LineFault(f"over {MAX_LINE} bytes")
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield number, LineFault(f"not UTF-8 (byte {exc.start + 1})")
                continue
            if line.strip():
                yield number, line


def chunks(path: Path, size: int) -> Iterator[list[tuple[int, str]]]:
    """The non-blank numbered lines in lists of ``size``, for worker processes."""
    chunk: list[tuple[int, str]] = []
    for item in numbered_lines(path):
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
