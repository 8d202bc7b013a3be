"""Render an :class:`Evaluation` or a whole :class:`Assessment` as one self-contained HTML page.

The page says, for each outcome, the rules that decided it and, folded in ``<details>``, the
rules that did not and why (their checks: the condition, its truth, the values read), each with
its source document, locator and confidence. One file: inline CSS, no script, font or image.

Everything read from a case or a rule file reaches the page through Jinja2 with autoescaping, so
an answer such as ``<b>x</b>`` is shown as text, never as a tag. With ``redact=True`` the values
of sensitive inputs are masked everywhere (:meth:`Evaluation.redacted`), and so are the dates of
the care plan, which are counted from the case's own dates.

The parts: :mod:`~carepath.report.html.pages` (the two pages put together),
:mod:`~carepath.report.html.sections` (what each rule set concluded, as plain data),
:mod:`~carepath.report.html.glance` (the care path on one screen),
:mod:`~carepath.report.html.picture` (the care plan's inline picture) and
:mod:`~carepath.report.html.jinja` (the templates' environment and filters).
"""

from __future__ import annotations

from carepath.report.html.pages import assessment_html, evaluation_html
from carepath.report.html.picture import _inline_svg

__all__ = ["_inline_svg", "assessment_html", "evaluation_html"]
