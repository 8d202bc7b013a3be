"""Writing the sheets as an ``.xlsx`` workbook (needs openpyxl), whole or not at all."""

from __future__ import annotations

import gc
import io
import sys
from pathlib import Path

from carepath.errors import OutputError
from carepath.exchange.xlsform.survey import Sheets


def write_sheets(sheets: Sheets, path: str | Path) -> Path:
    """Write the sheets as an ``.xlsx`` workbook (needs openpyxl), whole or not at all."""
    from openpyxl import Workbook

    from carepath.safeio import atomic_write, reason

    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        header = list(dict.fromkeys(key for row in rows for key in row))
        sheet.append(header)
        for row in rows:
            sheet.append([row.get(key) for key in header])
    target = Path(path)
    data = io.BytesIO()
    failed: str | None = None
    try:
        book.save(data)  # rendered whole first: openpyxl's own temporary files may fail too
    except OSError as exc:
        failed = reason(exc)
    if failed is not None:  # outside the handler: its traceback no longer holds the writers
        _release_half_written()
        raise OutputError(f"cannot write ({failed}); nothing was written", file=str(target))
    atomic_write(target, data.getvalue())
    return target


def _release_half_written() -> None:
    """Collect openpyxl's half-closed writers now, without the "Exception ignored" noise their
    finalizers print when the file under them failed."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook
