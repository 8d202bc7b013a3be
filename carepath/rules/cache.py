"""A cache of read rule files, so that a second start (and a second load) is quick.

What is kept is DATA only: the plain values and line marks of each rule or pipeline file as
the YAML loader produced them, never code and never a pickle. Two levels:

- in this process, each file's data by its content, and each loaded rule set by the content of
  every file it read (:func:`remembered`): loading twice, or a pipeline's steps loading a rule
  set already loaded, costs a read and a hash of those files (a file changed while it was being
  loaded is seen as changed: its digest is of the bytes read);
- on disk, one JSON file per rule file in the user's cache folder (``~/.cache/carepath`` on
  Linux, or ``$XDG_CACHE_HOME``, ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on Windows;
  ``CAREPATH_CACHE_DIR`` overrides it, ``CAREPATH_NO_CACHE=1`` turns both levels off).

An entry is keyed by the SHA-256 of the file's bytes, carepath's version, this module's and the
loader's source, and the limits: a changed file, a new version or a changed loader is a miss.
A cache file is read as untrusted data: bounded in size, decoded by a strict schema (anything
else is a miss, never an error), and the data then goes through the same validation as data
read from YAML. A folder that others can write to, or that another user owns, is not used;
past ``MAX_DISK_ENTRIES`` files, the least recently written are removed.
Case files are never cached: only rule, pipeline and population files come through here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import stat
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

from carepath.rules.loader import PARSER, Limits, Located, load_yaml_bytes
from carepath.safeio import atomic_write, read_bounded

__all__ = ["cache_dir", "clear_memory", "read_cached", "remembered"]

FORMAT = 1
_MEMORY_ENTRIES = 256
MAX_DISK_ENTRIES = 2000
_NO_CACHE = "CAREPATH_NO_CACHE"
_CACHE_DIR = "CAREPATH_CACHE_DIR"

T = TypeVar("T")
_lock = threading.Lock()
_files: OrderedDict[tuple[str, str], Located] = OrderedDict()
_loaded: OrderedDict[tuple[object, ...], tuple[tuple[tuple[str, str], ...], object]] = OrderedDict()
_salt: list[bytes] = []
_recorders: ContextVar[tuple[dict[str, str], ...]] = ContextVar("carepath_cache_recorders", default=())


def enabled() -> bool:
    """Whether caching is on (``CAREPATH_NO_CACHE=1`` turns it off)."""
    return os.environ.get(_NO_CACHE, "").strip() not in ("1", "true", "yes")


def cache_dir() -> Path | None:
    """The folder of the disk cache, or ``None`` when caching is off."""
    if not enabled():
        return None
    given = os.environ.get(_CACHE_DIR)
    if given:
        return Path(given)
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
        return base / "carepath" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "carepath"
    return Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "carepath"


def clear_memory() -> None:
    """Forget what this process remembers (the disk cache stays)."""
    with _lock:
        _files.clear()
        _loaded.clear()


def read_cached(path: str | Path, limits: Limits | None = None) -> Located:
    """The located data of one rule, pipeline or population file: from this process's memory,
    from the disk cache, or read from its YAML (and then cached), whichever comes first."""
    limits = limits or Limits()
    name = str(path)
    raw = read_bounded(Path(path), limits.max_bytes, name)
    if not enabled():
        return load_yaml_bytes(raw, name, limits)
    _record(name, raw)
    key = _key(raw, limits)
    with _lock:
        found = _files.get((key, name))
        if found is not None:
            _files.move_to_end((key, name))
            return found
    located = _from_disk(key, name, limits)
    if located is None:
        located = load_yaml_bytes(raw, name, limits)
        _to_disk(key, located)
    with _lock:
        _files[(key, name)] = located
        while len(_files) > _MEMORY_ENTRIES:
            _files.popitem(last=False)
    return located


def remembered(key: tuple[object, ...], build: Callable[[], T]) -> T:
    """``build()``'s value, kept in this process under ``key`` and the content of every file it
    read through :func:`read_cached` (the bytes it read, hashed as they were read); a later
    call with the same key, while none of those files has changed, returns it again."""
    if not enabled():
        return build()
    with _lock:
        entry = _loaded.get(key)
    if entry is not None:
        files, value = entry
        if all(_digest_of(file) == digest for file, digest in files):
            return value  # type: ignore[return-value]
    read: dict[str, str] = {}
    token = _recorders.set((*_recorders.get(), read))
    try:
        value = build()
    finally:
        _recorders.reset(token)
    if not read:  # it read nothing through the cache: nothing would tell when it goes stale
        return value
    with _lock:
        _loaded[key] = (tuple(read.items()), value)
        while len(_loaded) > _MEMORY_ENTRIES:
            _loaded.popitem(last=False)
    return value


def _record(name: str, raw: bytes) -> None:
    """Note, for every :func:`remembered` build under way, that ``name`` was read as ``raw``."""
    recorders = _recorders.get()
    if recorders:
        digest = hashlib.sha256(raw).hexdigest()
        for read in recorders:
            read[os.path.abspath(name)] = digest


def _digest_of(file: str) -> str:
    try:
        return hashlib.sha256(Path(file).read_bytes()).hexdigest()
    except OSError:
        return ""  # gone or unreadable: never equal to a digest, so the value is built again


def _key(raw: bytes, limits: Limits) -> str:
    digest = hashlib.sha256(_code_salt())
    digest.update(repr((FORMAT, limits.max_bytes, limits.max_depth, limits.max_values)).encode())
    digest.update(raw)
    return digest.hexdigest()


def _code_salt() -> bytes:
    """carepath's version, the parser and the source of the modules that shape a cached entry."""
    if not _salt:
        from carepath._version import __version__
        from carepath.rules import loader

        parts = [__version__.encode(), PARSER.encode()]
        for module_file in (loader.__file__, __file__):
            try:
                parts.append(hashlib.sha256(Path(str(module_file)).read_bytes()).digest())
            except OSError:
                parts.append(b"?")
        _salt.append(b"\0".join(parts))
    return _salt[0]


# -- the disk cache ---------------------------------------------------------------------------
def _folder(create: bool) -> Path | None:
    """The entries' folder if it is safe to use (ours, and writable by nobody else)."""
    root = cache_dir()
    if root is None:
        return None
    folder = root / f"files-v{FORMAT}"
    try:
        if create:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for place in (root, folder):
            info = place.stat()
            if not stat.S_ISDIR(info.st_mode):
                return None
            if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o022):
                return None
    except OSError:
        return None
    return folder


def _from_disk(key: str, name: str, limits: Limits) -> Located | None:
    folder = _folder(create=False)
    if folder is None:
        return None
    try:
        raw = read_bounded(folder / f"{key}.json", _max_entry_bytes(limits), "cache")
        entry = json.loads(raw)
        return _decode_entry(entry, key, name, limits)
    except Exception:  # an unreadable, foreign or damaged entry is a miss: read the YAML again
        return None


def _to_disk(key: str, located: Located) -> None:
    folder = _folder(create=True)
    if folder is None:
        return
    try:
        paths = _paths(located.data)
        if len(paths) != len(located.marks) or any(p not in located.marks for p in paths):
            return  # marks that do not follow the data one for one: not kept
        entry = {
            "format": FORMAT,
            "key": key,
            "data": _encode(located.data),
            "marks": [n for path in paths for n in located.marks[path]],
        }
        text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"), allow_nan=True)
    except _Unencodable:
        return
    with contextlib.suppress(Exception):  # a cache that cannot be written is no cache, not an error
        atomic_write(folder / f"{key}.json", text)
        _prune(folder)


def _prune(folder: Path) -> None:
    """Keep the folder bounded: past ``MAX_DISK_ENTRIES``, the entries least recently written go."""
    entries = [e for e in os.scandir(folder) if e.name.endswith(".json")]
    if len(entries) <= MAX_DISK_ENTRIES:
        return
    entries.sort(key=lambda e: e.stat().st_mtime)
    for entry in entries[: len(entries) - MAX_DISK_ENTRIES * 4 // 5]:
        with contextlib.suppress(OSError):
            os.unlink(entry.path)


def _paths(data: Any) -> list[tuple[Any, ...]]:
    """The path of every value in ``data``, in the loader's order (each value before its parts)."""
    found: list[tuple[Any, ...]] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        found.append(path)
        if isinstance(value, dict):
            stack.extend(((*path, k), v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in reversed(list(enumerate(value))))
    return found


def _max_entry_bytes(limits: Limits) -> int:
    return 16 * limits.max_bytes + 64 * limits.max_values


class _Unencodable(Exception):
    pass


class _Invalid(Exception):
    pass


_SCALARS = (str, int, float, type(None))


def _encode(value: Any) -> Any:
    """Plain data as JSON: a mapping as ``{"o": {...}}``, or ``{"m": [[key, value], ...]}`` where
    a key is not text,
    a date as ``{"d": "..."}``, a date and time as ``{"t": "..."}``."""
    if isinstance(value, _SCALARS):  # bool is an int
        return value
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if all(type(k) is str for k in value):
            return {"o": {k: _encode(v) for k, v in value.items()}}
        return {"m": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    raise _Unencodable


class _Decoder:
    """Decode an entry strictly, counting values and depth against the limits."""

    def __init__(self, limits: Limits) -> None:
        self.budget = 2 * limits.max_values + 16
        self.max_depth = limits.max_depth + 2

    def value(self, found: Any, depth: int = 0) -> Any:
        self.budget -= 1
        if self.budget < 0 or depth > self.max_depth:
            raise _Invalid
        if isinstance(found, _SCALARS):
            return found
        if isinstance(found, list):
            return [self.value(v, depth + 1) for v in found]
        if isinstance(found, dict) and len(found) == 1:
            ((tag, inner),) = found.items()
            if tag == "m" and isinstance(inner, list):
                result: dict[Any, Any] = {}
                for pair in inner:
                    if not (isinstance(pair, list) and len(pair) == 2):
                        raise _Invalid
                    key = self.key(pair[0])
                    if key in result:
                        raise _Invalid
                    result[key] = self.value(pair[1], depth + 1)
                return result
            if tag == "o" and isinstance(inner, dict):
                return {k: self.value(v, depth + 1) for k, v in inner.items()}
            if tag == "d" and isinstance(inner, str):
                return dt.date.fromisoformat(inner)
            if tag == "t" and isinstance(inner, str):
                return dt.datetime.fromisoformat(inner)
        raise _Invalid

    def key(self, found: Any) -> Any:
        key = self.value(found, self.max_depth)
        if isinstance(key, (list, dict)):
            raise _Invalid
        return key


def _decode_entry(entry: Any, key: str, name: str, limits: Limits) -> Located:
    if not (isinstance(entry, dict) and entry.get("format") == FORMAT and entry.get("key") == key):
        raise _Invalid
    data = _Decoder(limits).value(entry.get("data"))
    numbers = entry.get("marks")
    paths = _paths(data)
    if not (isinstance(numbers, list) and len(numbers) == 2 * len(paths)):
        raise _Invalid
    if not all(type(n) is int and n > 0 for n in numbers):
        raise _Invalid
    pairs = iter(numbers)
    return Located(data=data, file=name, marks={path: (next(pairs), next(pairs)) for path in paths})
