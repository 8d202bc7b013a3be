"""Stage 1: a YAML file -> plain data, with the line and column of every value.

Loading is safe (only YAML's plain types, never Python objects) and bounded: file size,
nesting depth and the number of values after alias expansion all have limits, so a hostile
file is refused with a clear error instead of hanging. Booleans follow YAML 1.2 (only
``true`` / ``false``): an answer choice written ``no`` stays the string ``"no"``.
Duplicate keys are an error, not a silent overwrite.

Where PyYAML has libyaml, its C scanner and parser read the text (about 6x faster) under
PyYAML's own composer, so the limits, marks and refusals are the same code on both paths; text
the C path refuses is read again by the pure-Python loader, which decides and words the error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
import yaml.cyaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from carepath.errors import YamlError
from carepath.safeio import read_bounded

__all__ = ["PARSER", "Limits", "Located", "load_yaml_bytes", "load_yaml_file", "load_yaml_text"]

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Limits:
    """Bounds on what the loader accepts."""

    max_bytes: int = 2 * 1024 * 1024
    max_depth: int = 64
    max_values: int = 200_000


@dataclass
class Located:
    """Plain data plus the 1-based (line, column) of each value, keyed by its path."""

    data: Any
    file: str
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def mark(self, path: Path_) -> tuple[int, int] | None:
        """The position of ``path``, or of its nearest located ancestor."""
        probe = tuple(path)
        while True:
            found = self.marks.get(probe)
            if found is not None:
                return found
            if not probe:
                return None
            probe = probe[:-1]


_BOOL_1_2 = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


class _Bounds:
    """A depth and value limit while composing, for either parser below."""

    max_depth = 64
    max_values = 200_000
    _depth = 0
    _composed = 0

    def compose_node(self, parent: Node | None, index: object) -> Node | None:
        self._depth += 1
        self._composed += 1
        if self._depth > self.max_depth or self._composed > self.max_values:
            mark = self.peek_event().start_mark  # type: ignore[attr-defined]
            what = (
                f"nesting deeper than {self.max_depth} levels"
                if self._depth > self.max_depth
                else f"more than {self.max_values} values"
            )
            raise _Refused(what, mark.line + 1, mark.column + 1)
        try:
            node: Node | None = super().compose_node(parent, index)  # type: ignore[misc]
            return node
        finally:
            self._depth -= 1


class _SafeBoundedLoader(_Bounds, yaml.SafeLoader):
    """SafeLoader (pure Python) with YAML 1.2 booleans and the limits while composing."""


_C_PARSER: Any = getattr(yaml.cyaml, "CParser", None) if yaml.__with_libyaml__ else None

if _C_PARSER is not None:

    class _CBoundedLoader(_Bounds, Composer, _C_PARSER, SafeConstructor, Resolver):  # type: ignore[misc]
        """libyaml's scanner and parser (about 6x faster), with PyYAML's own composer above
        it, so the limits, the marks and the checks below are the pure-Python loader's."""

        def __init__(self, stream: str) -> None:
            if yaml.reader.Reader.NON_PRINTABLE.search(stream):  # refused as the pure-Python reader does
                raise yaml.reader.ReaderError("<text>", 0, 0, "unicode", "special characters")
            _C_PARSER.__init__(self, stream)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            Composer.__init__(self)

    _LOADERS: tuple[type[Any], ...] = (_SafeBoundedLoader, _CBoundedLoader)
else:  # pragma: no cover - PyYAML built without libyaml
    _LOADERS = (_SafeBoundedLoader,)

for _loader in _LOADERS:
    _loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _loader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL_1_2, list("tTfF"))

PARSER = "libyaml" if len(_LOADERS) > 1 else "python"
"""Which scanner and parser read YAML here (``libyaml`` where PyYAML was built with it)."""


class _Refused(Exception):
    def __init__(self, message: str, line: int | None, column: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def load_yaml_file(path: str | Path, limits: Limits | None = None, *, private: bool = False) -> Located:
    """Read and load one YAML file, refusing anything unsafe or over the limits. ``private``
    (case data): error messages quote nothing of the document, not even a key or a tag."""
    limits = limits or Limits()
    name = str(path)
    return load_yaml_bytes(read_bounded(Path(path), limits.max_bytes, name), name, limits, private=private)


def load_yaml_bytes(raw: bytes, name: str, limits: Limits | None = None, *, private: bool = False) -> Located:
    """Load the bytes of one YAML file read already (``name`` places the errors)."""
    limits = limits or Limits()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(f"not UTF-8 text (byte {exc.start})", file=name) from None
    return load_yaml_text(text, name, limits, private=private)


def load_yaml_text(
    text: str, name: str = "<string>", limits: Limits | None = None, *, private: bool = False
) -> Located:
    """Load YAML text (one document) into plain data with marks (``private``: as for
    :func:`load_yaml_file`)."""
    limits = limits or Limits()
    if len(text.encode("utf-8", "surrogatepass")) > limits.max_bytes:
        raise YamlError(f"text is over the limit of {limits.max_bytes} bytes", file=name)
    if len(_LOADERS) > 1:
        try:
            return _load(text, name, limits, private, _LOADERS[1])
        except YamlError:
            pass  # the pure-Python loader decides what is refused, and says why in its words
    return _load(text, name, limits, private, _SafeBoundedLoader)


def _load(text: str, name: str, limits: Limits, private: bool, kind: type[Any]) -> Located:
    """Load ``text`` with the loader ``kind``, every refusal a located :class:`YamlError`."""
    loader: Any = None
    try:
        loader = kind(text)  # the reader checks the characters: inside the try
        loader.max_depth = limits.max_depth
        loader.max_values = limits.max_values
        root = loader.get_single_node()
    except _Refused as exc:
        raise YamlError(exc.message, file=name, line=exc.line, column=exc.column) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if private and ("'" in problem or '"' in problem):
            problem = "invalid YAML"  # PyYAML quotes what it found: a piece of the case
        raise YamlError(
            problem,
            file=name,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.reader.ReaderError as exc:
        line, column = _line_column(text, exc.position)
        raise YamlError(
            "a character YAML does not allow (a control character?)", file=name, line=line, column=column
        ) from None
    except yaml.YAMLError:
        raise YamlError("invalid YAML", file=name) from None
    except RecursionError:
        raise YamlError(f"nesting deeper than {limits.max_depth} levels", file=name) from None
    finally:
        if loader is not None:
            loader.dispose()
    located = Located(data=None, file=name)
    if root is None:
        return located
    _check_expanded_size(root, limits, name)
    builder = _Builder(loader, located, private)
    try:
        located.data = builder.build(root, ())
    except _Refused as exc:
        raise YamlError(exc.message, file=name, line=exc.line, column=exc.column) from None
    return located


def _line_column(text: str, position: int) -> tuple[int, int]:
    """The 1-based line and column of a character position."""
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def _check_expanded_size(root: Node, limits: Limits, name: str) -> None:
    """Refuse a document whose aliases would expand past ``limits.max_values`` values."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    # Iterative post-order walk; shared (aliased) nodes are sized once but counted each use.
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in sizes and not done:
            continue
        children = _children(node)
        if not done:
            if key in open_nodes:
                mark = node.start_mark
                raise YamlError(
                    "a recursive alias (a value that contains itself)",
                    file=name,
                    line=mark.line + 1,
                    column=mark.column + 1,
                )
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        total = 1 + sum(sizes.get(id(child), 1) for child in children)
        if total > limits.max_values:
            mark = node.start_mark
            raise YamlError(
                f"document expands to more than {limits.max_values} values (alias expansion?)",
                file=name,
                line=mark.line + 1,
                column=mark.column + 1,
            )
        sizes[key] = total
        open_nodes.discard(key)


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


_PLAIN_TAGS = frozenset(("tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"))


class _Builder:
    """Turn composed nodes into plain data, recording marks and refusing duplicate keys."""

    def __init__(self, loader: Any, located: Located, private: bool = False) -> None:
        self.loader = loader
        self.located = located
        self.private = private

    def build(self, node: Node, path: Path_) -> Any:
        self.located.marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if len(path) > self.loader.max_depth:
            raise _Refused(
                f"nesting deeper than {self.loader.max_depth} levels (through aliases)",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        if node.tag not in _PLAIN_TAGS:
            raise _Refused(
                f"the tag {'' if self.private else repr(node.tag) + ' '}is not allowed: "
                "carepath files hold plain data only",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
        if isinstance(node, SequenceNode):
            return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
        if isinstance(node, MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise _Refused(
                        "merge keys ('<<') are not supported in carepath files",
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                    )
                if not isinstance(key_node, ScalarNode):
                    raise _Refused(
                        "mapping keys must be plain values",
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                    )
                key = self._scalar(key_node)
                if key in result:
                    raise _Refused(
                        f"duplicate key (a key of {len(str(key))} characters)"
                        if self.private
                        else f"duplicate key {key!r}",
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                    )
                result[key] = self.build(value_node, (*path, key))
            return result
        raise _Refused("unsupported YAML node", node.start_mark.line + 1, node.start_mark.column + 1)

    def _scalar(self, node: ScalarNode) -> Any:
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        plain = not node.style  # None from the pure-Python parser, "" from libyaml
        implied = self.loader.resolve(ScalarNode, node.value, (plain, not plain))
        if node.tag != implied:
            raise _Refused("explicit tags are not allowed: carepath files hold plain data only", line, column)
        try:
            value = self.loader.construct_object(node, deep=True)
        except Exception:
            raise _Refused("this value cannot be read as its type", line, column) from None
        if isinstance(value, str) and _SURROGATE.search(value):
            value = _join_surrogates(value, line, column)
        return value


_SURROGATE = re.compile("[\ud800-\udfff]")


def _join_surrogates(value: str, line: int, column: int) -> str:
    """A string whose escapes wrote a character as a UTF-16 surrogate pair (``"\\ud83d\\ude42"``),
    with each pair joined into its character; a lone surrogate is refused (it is no character)."""
    try:
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError:
        raise _Refused("a lone UTF-16 surrogate escape is not a character", line, column) from None
