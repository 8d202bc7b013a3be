"""The Jinja environment the templates in ``carepath/report/templates`` render in: its
filters, and the page rendered."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jinja2

from carepath.report.vocab import readable_condition
from carepath.report.words import either, shown_value, truth_word

# -- Jinja -------------------------------------------------------------------------------------


_STATUS_WORDS = {
    "fired": "applies",
    "not_fired": "does not apply",
    "unknown": "open",
    "overridden": "overridden",
    "not_in_force": "not in force",
}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("carepath.report", "templates"),
        autoescape=True,
        extensions=["jinja2.ext.do"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["show"] = shown_value
    env.filters["either"] = either
    env.filters["truth"] = truth_word
    env.filters["slug"] = _slug
    env.filters["status_word"] = lambda status: _STATUS_WORDS.get(status, status)
    env.filters["pct"] = lambda share: f"{share:.0%}"
    env.filters["cond"] = readable_condition
    return env


def _render(template: str, **context: Any) -> str:
    page = _environment().get_template(template).render(**context)
    return re.sub(r"\n\s*\n", "\n", page)  # the templates' blank lines weigh on a long page
