"""Stage 6: an Evaluation -> what people read (text, Markdown, JSON)."""

from carepath.report.render import json_text, markdown, text

__all__ = ["json_text", "markdown", "text"]
