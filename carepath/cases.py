"""Read a case document (YAML or JSON) into a mapping of answers, safely and bounded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from carepath.errors import CaseFormatError, YamlError
from carepath.rules.loader import load_yaml_file, load_yaml_text

__all__ = ["read_case", "read_case_text"]


def read_case(path: str | Path) -> dict[str, Any]:
    """A case file (``.yaml``, ``.yml`` or ``.json``) as a mapping of input names to answers."""
    try:
        located = load_yaml_file(path)
    except YamlError as exc:
        raise CaseFormatError(f"{exc}") from None
    return _mapping(located.data, str(path))


def read_case_text(text: str, name: str = "<case>") -> dict[str, Any]:
    """A case given as YAML or JSON text."""
    try:
        located = load_yaml_text(text, name)
    except YamlError as exc:
        raise CaseFormatError(f"{exc}") from None
    return _mapping(located.data, name)


def _mapping(data: Any, name: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise CaseFormatError(f"{name}: a case is a mapping of input names to answers")
    if "answers" not in data:
        return {str(k): v for k, v in data.items()}
    extra = sorted(set(data) - {"answers", "case_id", "description"})
    if extra:
        raise CaseFormatError(
            f"{name}: beside `answers` a case file takes only case_id and description (found {extra})"
        )
    case = data["answers"]
    if not isinstance(case, dict):
        raise CaseFormatError(f"{name}: `answers` is a mapping of input names to answers")
    return {str(k): v for k, v in case.items()}
