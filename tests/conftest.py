"""Shared helpers: write small rule files into a temporary ``rulesets`` tree."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

HEADER = """\
schema_version: 1
title: Test rule set
version: 0.0.1
jurisdiction: test
sources:
  doc: {title: A test document, where: tests}
"""

SRC = "{document: doc, locator: s1, confidence: verbatim}"


@pytest.fixture
def write_rules(tmp_path: Path) -> Callable[..., Path]:
    """Write ``body`` (YAML after the common header) as ``rulesets/<name>.yaml``; return the path."""
    root = tmp_path / "rulesets"

    def write(body: str, name: str = "t", header: bool = True) -> Path:
        path = root / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = textwrap.dedent(body)
        path.write_text((HEADER + text) if header else text, encoding="utf-8")
        return path

    return write
