"""Stage 6: an Evaluation or a whole Assessment -> what people read (text, Markdown, JSON)."""

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
