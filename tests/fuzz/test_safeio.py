"""The one bounded reader and the one atomic writer (carepath.safeio)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from carepath.errors import InputFileError, OutputError
from carepath.safeio import atomic_output, atomic_write, read_bounded


def test_a_failure_while_writing_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")

    def half(handle: object) -> None:
        handle.write(b"new, half")  # type: ignore[attr-defined]
        raise ValueError("rendering failed")

    with pytest.raises(ValueError):
        atomic_write(target, half)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    atomic_write(target, "new")
    assert target.read_text(encoding="utf-8") == "new"


def test_a_symlink_keeps_pointing_at_the_file_it_names(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    atomic_write(link, "new")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"


def test_a_device_is_written_as_it_is_never_replaced() -> None:
    atomic_write("/dev/null", "x")
    assert Path("/dev/null").is_char_device()
    with pytest.raises(OutputError, match="No space left"), atomic_output("/dev/full") as handle:
        handle.write(b"x" * 100_000)
        handle.flush()


def test_a_missing_folder_is_an_output_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as info:
        atomic_write(tmp_path / "no" / "x", "x")
    assert str(info.value).startswith(str(tmp_path / "no" / "x")) and "No such file" in str(info.value)


def test_the_reader_takes_regular_files_only_and_counts_bytes(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert read_bounded(path, 100) == b"x" * 100
    with pytest.raises(InputFileError, match="file is 100 bytes; the limit is 99"):
        read_bounded(path, 99)
    os.mkfifo(tmp_path / "fifo")
    for other in (tmp_path / "fifo", Path("/dev/zero"), tmp_path):
        with pytest.raises(InputFileError, match=r"not a regular file|cannot read"):
            read_bounded(other)
