"""Reading an export file: CSV (streamed) or JSON (read whole, up to :data:`MAX_JSON_BYTES`),
each row with its number."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from carepath.cases.jsonl import strict_json
from carepath.errors import CarepathError, CaseError, CaseFormatError, InputFileError
from carepath.safeio import open_lines, read_bounded

MAX_JSON_BYTES = 64 * 1024 * 1024
"""A JSON export is read whole: larger files are refused (export CSV, which is streamed)."""


def read_submissions(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The submissions of a CSV or JSON export, each with its row number.

    CSV (``,``, ``;`` or tab, UTF-8 with or without a byte-order mark) is streamed; its row
    number is the spreadsheet's (the header is row 1). JSON is a list of objects or ODK
    Central's ``{"value": [...]}``, up to :data:`MAX_JSON_BYTES`; its row number is the
    position in the list, from 1.
    """
    for number, row in _rows(Path(path)):
        if isinstance(row, CaseError):
            raise row
        yield number, row


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | CaseError]]:
    """Each row, or the error of a row that is not one (the rows after it are still read)."""
    yield from _json_rows(path) if _is_json(path) else _csv_rows(path)


def _is_json(path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix in (".json", ".csv"):
        return suffix == ".json"
    try:
        with open_lines(path) as handle:
            start = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    except CarepathError as exc:
        raise CaseFormatError(str(exc)) from None
    except OSError as exc:
        raise CaseFormatError(f"{path}: cannot read file ({exc.strerror})") from None
    return start[:1] in (b"[", b"{")


def _json_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | CaseError]]:
    try:
        raw = read_bounded(path, MAX_JSON_BYTES)
    except InputFileError as exc:
        extra = " (a JSON export is read whole: export CSV instead, which is read row by row)"
        raise CaseFormatError(str(exc) + (extra if "limit" in exc.message else "")) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CaseFormatError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    data = strict_json(text, str(path), max_values=None)  # bounded by MAX_JSON_BYTES
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        data = data["value"]
    if not isinstance(data, list):
        raise CaseFormatError(f'{path}: expected a list of submissions, or {{"value": [...]}}')
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            yield number, CaseFormatError(f"{path}:{number}: a submission is a JSON object")
            continue
        yield number, item


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | CaseError]]:
    number = 1
    try:
        binary = open_lines(path)
    except CarepathError as exc:
        raise CaseFormatError(str(exc)) from None
    try:
        with io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
            delimiter = max(",;\t", key=first.count)  # KoboToolbox may use ";"
            # strict: an unterminated quote is an error, not one cell holding the rest of the file
            reader = csv.reader(itertools.chain([first], handle), delimiter=delimiter, strict=True)
            header = next(reader, None)
            if header is None:
                return
            repeated = sorted({h for h in header if header.count(h) > 1})
            if repeated:
                raise CaseFormatError(f"{path}:1: the columns {repeated} repeat")
            for cells in reader:
                number += 1
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) > len(header):
                    yield number, CaseFormatError(f"{path}:{number}: more cells than columns")
                    continue
                yield number, dict(itertools.zip_longest(header, cells, fillvalue=""))
    except OSError as exc:
        raise CaseFormatError(f"{path}: cannot read file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise CaseFormatError(f"{path}:{number + 1}: not UTF-8 text") from None
    except csv.Error as exc:
        raise CaseFormatError(f"{path}:{number + 1}: not readable CSV ({exc})") from None
