"""Stage 6: an Evaluation or a whole Assessment -> what people read (text, Markdown, JSON)."""

from carepath.report.assessment import assessment_markdown, assessment_text
from carepath.report.render import json_text, markdown, text

__all__ = ["assessment_markdown", "assessment_text", "json_text", "markdown", "text"]
