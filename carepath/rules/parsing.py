"""Stage 2: located YAML data -> a validated :class:`RuleFile`, errors placed at their line.

pydantic's errors are translated into :class:`RuleFileError` with file, line, column and a
field path in the file's own vocabulary (``rules[3].when.all[1]``). Every error found is kept
(``RuleFileError.errors``), the first one is the message.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from carepath.errors import RuleFileError, RuleSetError, UnsourcedRuleError
from carepath.rules.loader import Limits, Located
from carepath.rules.model import CaseFieldsFile, RuleFile

M = TypeVar("M", bound=BaseModel)

__all__ = [
    "Layer",
    "ParsedFile",
    "data_path",
    "field_path",
    "locate",
    "parse_rule_file",
    "read_rule_file",
    "translate",
    "validated",
]


@dataclass(frozen=True)
class ParsedFile:
    """A validated rule file with the marks to place later errors in it."""

    model: RuleFile
    located: Located
    reads: tuple[str, ...] = ()
    """Other files it reads: the shared dictionary of case fields, if any."""
    shared: tuple[str, ...] = ()
    """The inputs taken from that dictionary (``NAME: shared``): their texts are the dictionary's."""

    @property
    def file(self) -> str:
        return self.located.file


def read_rule_file(path: str | Path, limits: Limits | None = None) -> ParsedFile:
    """Load (from the cache of read files where it has them), validate and source-check one
    rule file."""
    from carepath.rules.cache import read_cached

    located = read_cached(path, limits)
    reads: tuple[str, ...] = ()
    shared: tuple[str, ...] = ()
    if isinstance(located.data, dict) and located.data.get("case_fields") is not None:
        raw = located.data.get("inputs")
        shared = tuple(k for k, v in raw.items() if v == "shared") if isinstance(raw, dict) else ()
        located, reads = _with_case_fields(located, Path(path), limits)
    parsed = parse_rule_file(located)
    return ParsedFile(parsed.model, parsed.located, reads, shared) if reads else parsed


def read_case_fields(path: str | Path, limits: Limits | None = None) -> CaseFieldsFile:
    """Load and validate a shared dictionary of case fields (``*.fields.yaml``)."""
    from carepath.rules.cache import read_cached

    located = read_cached(path, limits)
    return validated(located, CaseFieldsFile, "case-fields file is a mapping (schema_version, title, fields)")


def validated(located: Located, model: type[M], shape: str, *, suggest: bool = True) -> M:
    """``located``'s data as ``model``, else a located :class:`RuleFileError`: at line 1 when the
    file is not a mapping (``shape`` says what it holds), else at each field at fault (with the
    closest field of its place unless ``suggest`` is off)."""
    if not isinstance(located.data, dict):
        raise RuleFileError(f"a {shape}", file=located.file, line=1, column=1)
    try:
        return model.model_validate(located.data)
    except ValidationError as exc:
        raise translate(exc, located, RuleFileError, model=model if suggest else None) from None


def _with_case_fields(located: Located, path: Path, limits: Limits | None) -> tuple[Located, tuple[str, ...]]:
    """The rule file's data with each ``NAME: shared`` input replaced by the dictionary's
    declaration (validated there, in its own file), and the dictionary's path."""
    from carepath.errors import RuleSetNotFoundError
    from carepath.rules.registry import resolve

    def fail(message: str, where: tuple[str | int, ...]) -> RuleFileError:
        line, column = locate(located, where)
        return RuleFileError(message, file=located.file, line=line, column=column, field=field_path(where))

    name = located.data["case_fields"]
    if not isinstance(name, str):
        raise fail("`case_fields` is the id or path of a case-fields file", ("case_fields",))
    try:
        dictionary_path = resolve(name, relative_to=path)
    except RuleSetNotFoundError as exc:
        raise fail(f"cannot find the case-fields dictionary: {exc}", ("case_fields",)) from None
    dictionary = read_case_fields(dictionary_path, limits)
    inputs = located.data.get("inputs")
    if not isinstance(inputs, dict):
        return located, (str(dictionary_path),)
    taken: dict[str, Any] = {}
    for key, spec in inputs.items():
        if spec != "shared":
            if key in dictionary.fields:
                raise fail(
                    "declared in the case-fields dictionary: write `shared` to take it as declared there",
                    ("inputs", key),
                )
            taken[key] = spec
        elif key not in dictionary.fields:
            raise fail("`shared`, but not a field of the case-fields dictionary", ("inputs", key))
        else:
            taken[key] = dictionary.fields[key].model_dump(mode="json", exclude_defaults=True)
    data = {**located.data, "inputs": taken}
    return Located(data=data, file=located.file, marks=located.marks), (str(dictionary_path),)


def parse_rule_file(located: Located) -> ParsedFile:
    """Validate located data into a :class:`RuleFile`; raise :class:`RuleFileError` on failure."""
    # rule files keep their exact messages (no closest-field suggestion): tests assert them
    model = validated(
        located, RuleFile, "rule file is a mapping (schema_version, title, inputs, rules, ...)", suggest=False
    )
    _check_sources(model, located)
    return ParsedFile(model=model, located=located)


def data_path(loc: Sequence[str | int], data: Any) -> tuple[str | int, ...]:
    """Follow pydantic's ``loc`` through ``data``, dropping union tags that are not keys."""
    path: list[str | int] = []
    node: Any = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[int(part)]
        else:  # a tag such as 'compare' or 'then', or a field that is missing here
            continue
        path.append(part)
    return tuple(path)


def field_path(path: Sequence[str | int]) -> str:
    """``('rules', 3, 'when')`` -> ``rules[3].when``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def locate(located: Located, path: Sequence[str | int]) -> tuple[int | None, int | None]:
    """Line and column of ``path`` (or its nearest ancestor) in the file."""
    mark = located.mark(tuple(path))
    return (mark[0], mark[1]) if mark else (None, None)


def translate(
    exc: ValidationError,
    located: Located,
    kind: type[RuleFileError] | type[RuleSetError] = RuleFileError,
    model: type[BaseModel] | None = None,
) -> RuleSetError:
    """pydantic's errors as one located error of ``kind`` (all of them in ``.errors``); given the
    ``model`` validated, a misspelt field's message names the closest field of its place."""
    errors: list[RuleSetError] = []
    for err in exc.errors(include_url=False):
        path = data_path(err["loc"], located.data)
        missing = [p for p in err["loc"][len(path) :] if isinstance(p, str)]
        shown = field_path(path)
        if err["type"] == "missing" and missing:
            shown = field_path((*path, missing[-1]))
        line, column = locate(located, path)
        message = _message(err)
        if model is not None and err["type"] == "extra_forbidden" and err["loc"]:
            close = difflib.get_close_matches(str(err["loc"][-1]), fields_at(model, err["loc"][:-1]), n=1)
            if close:
                message = f"not a field here (misspelt? did you mean {close[0]!r}?)"
        errors.append(kind(message, file=located.file, line=line, column=column, field=shown))
    first = errors[0]
    first.errors = [e for e in errors]
    return first


def _message(err: Any) -> str:
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if err["type"] == "extra_forbidden":
        msg = "not a field here (misspelt?)"
    return msg


def fields_at(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The field names (as a file spells them) of the models that ``loc`` reaches from ``model``."""
    nodes: list[Any] = [model]
    for part in loc:
        following = [n for node in nodes for n in _step(node, part)]
        nodes = following or nodes  # a union's tag, not a key: stay
    names: list[str] = []
    for node in nodes:
        for m in _models(node):
            names += [f.alias or name for name, f in m.model_fields.items()]
    return list(dict.fromkeys(names))


def _models(annotation: Any) -> list[type[BaseModel]]:
    """The models an annotation names (through Optional and unions)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, typing.Annotated):
        return [m for arg in typing.get_args(annotation) for m in _models(arg)]
    return []


def _step(annotation: Any, part: str | int) -> list[Any]:
    """What a field name or a list index reaches from an annotation."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return [n for arg in typing.get_args(annotation) for n in _step(arg, part)]
    if origin is typing.Annotated:
        return _step(typing.get_args(annotation)[0], part)
    if isinstance(part, int) and origin in (list, tuple):
        return list(typing.get_args(annotation)[:1])
    if isinstance(part, str) and origin is dict:
        return list(typing.get_args(annotation)[1:2])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, f in annotation.model_fields.items():
            if part in (name, f.alias):
                return [f.annotation]
    return []


def _check_sources(model: RuleFile, located: Located) -> None:
    """A rule without a source does not load unless it is marked as a local setting."""
    problems: list[RuleFileError] = []
    for i, rule in enumerate(model.rules):
        if rule.source is None and not rule.local_setting:
            line, column = locate(located, ("rules", i))
            problems.append(
                UnsourcedRuleError(
                    f"rule {rule.id!r} has no `source`; cite the document, locator and confidence, "
                    "or mark it `local_setting: true`",
                    file=located.file,
                    line=line,
                    column=column,
                    field=f"rules[{i}].source",
                    rule_id=rule.id,
                )
            )
    for name, param in model.parameters.items():
        for j, value in enumerate(param.values):
            if value.source is None and not (value.local_setting or param.local_setting):
                line, column = locate(located, ("parameters", name, "values", j))
                problems.append(
                    UnsourcedRuleError(
                        f"parameter {name!r} value from {value.valid_from} has no `source`; "
                        "cite it or mark it `local_setting: true`",
                        file=located.file,
                        line=line,
                        column=column,
                        field=f"parameters.{name}.values[{j}].source",
                    )
                )
    if problems:
        first = problems[0]
        first.errors = list(problems)
        raise first


@dataclass(frozen=True)
class Layer:
    """One rule file in a stack of layers."""

    id: str
    parsed: ParsedFile

    @property
    def model(self) -> RuleFile:
        return self.parsed.model

    @property
    def file(self) -> str:
        return self.parsed.file
