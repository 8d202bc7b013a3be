"""Stage 6: an Evaluation or a whole Assessment -> what people read (text, Markdown, JSON).

Each renderer is imported when first used: plain text needs neither jinja2 nor the HTML page.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from carepath.report.assessment import assessment_markdown, assessment_text
    from carepath.report.html import assessment_html, evaluation_html
    from carepath.report.render import json_text, markdown, text

__all__ = [
    "assessment_html",
    "assessment_markdown",
    "assessment_text",
    "evaluation_html",
    "json_text",
    "markdown",
    "text",
]

_LAZY = {
    "assessment_markdown": "assessment",
    "assessment_text": "assessment",
    "assessment_html": "html",
    "evaluation_html": "html",
    "json_text": "render",
    "markdown": "render",
    "text": "render",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'carepath.report' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"carepath.report.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
