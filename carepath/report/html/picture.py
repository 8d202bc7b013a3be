"""The care plan's picture: inline SVG where Graphviz is installed (checked to be safe), else
its Mermaid text."""

from __future__ import annotations

import re

from markupsafe import Markup

from carepath.assessments.pipeline import Pipeline
from carepath.errors import CarepathError
from carepath.plans.path import CarePlan
from carepath.report import pictures


def _picture(pipeline: Pipeline, plan: CarePlan | None) -> tuple[Markup | None, str | None]:
    """The path as inline SVG where Graphviz is installed, else its Mermaid text."""
    spec = pipeline.model.path
    if spec is None:
        return None, None
    try:
        drawn = _inline_svg(pictures.svg(pictures.path_dot(spec, plan)))
    except CarepathError:
        drawn = None
    if drawn is not None:
        return drawn, None
    return None, pictures.path_mermaid(spec, plan)


def _inline_svg(svg: str) -> Markup | None:
    """Graphviz's SVG without its XML prolog, DOCTYPE and comments; None if it looks unsafe."""
    start = svg.find("<svg")
    if start < 0:
        return None
    body = re.sub(r"<!--.*?-->", "", svg[start:], flags=re.DOTALL).strip()
    # what a browser does not draw: titles (tooltips repeating the labels), ids, indentation
    body = re.sub(r"<title>[^<]*</title>", "", body)
    body = re.sub(r'\s(?:id|class)="[^"]*"', "", body)
    body = re.sub(r">\s+<", "><", body)
    lowered = body.lower()
    if "<script" in lowered or "<foreignobject" in lowered or re.search(r"\bon\w+\s*=", lowered):
        return None
    if re.search(r"""(?:href|src)\s*=\s*["']?\s*(?!#)[a-z]""", lowered):
        return None  # only links inside the page
    return Markup(body)  # the SVG is Graphviz's own markup, with the labels it escaped
