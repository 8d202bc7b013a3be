"""Bounded reads and atomic writes: the only way carepath reads an input file or writes an output.

:func:`read_bounded` reads regular files only (never a FIFO, a device or a socket, which could
block for ever or never end), counting bytes while reading and stopping at the limit, so a file
whose reported size lies costs no more than the limit. :func:`atomic_write` writes to a
temporary file beside the target, flushes it to disk and renames it over the target only when
complete: a failure (a full disk, a size limit, a missing folder, an error while rendering)
leaves the old file as it was and raises :class:`OutputError`, which names the path and the
reason, never the content.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from carepath.errors import InputFileError, OutputError

__all__ = ["MAX_INPUT_BYTES", "atomic_output", "atomic_write", "read_bounded", "reason"]

MAX_INPUT_BYTES = 2 * 1024 * 1024
"""The default limit on one input file (a rule file or a case file), in bytes."""

_CHUNK = 64 * 1024
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def reason(exc: OSError) -> str:
    """A short, value-free reason for an OS error (its ``strerror``, or its errno name)."""
    if exc.strerror:
        return exc.strerror
    return errno.errorcode.get(exc.errno or 0, "input/output error")


def _open_regular(path: Path, where: str, max_bytes: int | None = None) -> int:
    """A descriptor of ``path``, refused unless it is a regular file (opened without blocking)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputFileError(f"cannot read file ({reason(exc)})", file=where) from None
    try:
        mode = os.fstat(fd).st_mode
    except OSError as exc:
        os.close(fd)
        raise InputFileError(f"cannot read file ({reason(exc)})", file=where) from None
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise InputFileError("not a regular file (a pipe, device or folder is not read)", file=where)
    size = os.fstat(fd).st_size
    if max_bytes is not None and size > max_bytes:
        os.close(fd)
        raise InputFileError(f"file is {size} bytes; the limit is {max_bytes}", file=where)
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return fd


def read_bounded(path: str | Path, max_bytes: int = MAX_INPUT_BYTES, name: str | None = None) -> bytes:
    """The bytes of the regular file ``path``; :class:`InputFileError` if it is not one, cannot
    be read, or holds more than ``max_bytes`` (found while reading, whatever its stat says)."""
    where = name or str(path)
    fd = _open_regular(Path(path), where, max_bytes)  # refused early if its size says so
    parts: list[bytes] = []
    size = 0
    try:
        while True:
            chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - size))
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise InputFileError(f"file grew over the limit of {max_bytes} bytes", file=where)
            parts.append(chunk)
    except OSError as exc:
        raise InputFileError(f"cannot read file ({reason(exc)})", file=where) from None
    finally:
        os.close(fd)
    return b"".join(parts)


def open_lines(path: str | Path, name: str | None = None) -> IO[bytes]:
    """A binary handle on the regular file ``path`` for reading line by line (JSON Lines)."""
    fd = _open_regular(Path(path), name or str(path))
    return os.fdopen(fd, "rb")


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[IO[bytes]]:
    """A binary handle on a temporary file beside ``path``, renamed over ``path`` when the block ends
    without error; on any error the temporary file is removed, ``path`` is untouched, and an
    :class:`OutputError` is raised (an error that is not an OS error is re-raised as it is)."""
    where = str(path)
    given = Path(path)
    if given.is_dir():
        raise OutputError("is a folder", file=where)
    if given.exists() and not given.is_file():  # /dev/stdout, a pipe: written as it is
        yield from _direct(given, where)
        return
    target = Path(os.path.realpath(path))  # through a symlink: the file it names is replaced
    folder = target.parent
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write ({reason(exc)})", file=where) from None
    done = False
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            if target.exists():
                os.chmod(temp, stat.S_IMODE(target.stat().st_mode))
            else:
                os.chmod(temp, 0o666 & ~_UMASK)
        os.replace(temp, target)
        done = True
    except OSError as exc:
        raise OutputError(f"cannot write ({reason(exc)}); nothing was written", file=where) from None
    finally:
        if not done:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def _direct(target: Path, where: str) -> Iterator[IO[bytes]]:
    """Write straight to an existing file that is not a regular one (it cannot be replaced)."""
    try:
        with target.open("wb") as handle:
            yield handle
    except OSError as exc:
        raise OutputError(f"cannot write ({reason(exc)})", file=where) from None


def atomic_write(path: str | Path, data: str | bytes | Callable[[IO[bytes]], None]) -> None:
    """Write ``data`` (text as UTF-8, bytes, or a function that writes to a binary handle) to
    ``path`` atomically; see :func:`atomic_output`."""
    with atomic_output(path) as handle:
        if callable(data):
            data(handle)
        else:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
