"""JSON Lines files read one line at a time, so a large file is never held whole."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

__all__ = ["chunks", "numbered_lines"]


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
