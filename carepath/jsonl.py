"""JSON read strictly, and JSON Lines files read one line at a time (never held whole)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from carepath.errors import CaseFormatError

__all__ = ["chunks", "numbered_lines", "strict_json"]


def strict_json(text: str | bytes, where: str) -> Any:
    """One JSON document, refusing what plain ``json`` lets through: ``NaN`` and ``Infinity``,
    and a key repeated in one object (which would silently drop an answer). Errors are
    :class:`CaseFormatError` prefixed with ``where``; they name a key, never a value."""
    try:
        return json.loads(text, parse_constant=_no_constant, object_pairs_hook=_no_repeats)
    except json.JSONDecodeError as exc:
        raise CaseFormatError(f"{where}: not JSON (line {exc.lineno}, column {exc.colno})") from None
    except _Refused as exc:
        raise CaseFormatError(f"{where}: {exc.args[0]}", field=exc.args[1]) from None
    except (RecursionError, UnicodeDecodeError):
        raise CaseFormatError(f"{where}: not readable JSON (too deep, or not UTF-8)") from None


class _Refused(Exception):
    """Raised inside the decoder; the message and the key it is about."""


def _no_constant(word: str) -> Any:
    raise _Refused(f"{word} is not a number carepath accepts", None)


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise _Refused("a key repeats in one object", key)
        data[key] = value
    return data


def numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Each non-blank line with its 1-based number."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
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
