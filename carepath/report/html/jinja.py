"""The Jinja environment the templates in ``carepath/report/templates`` render in: its
filters, and the page rendered."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup, escape

from carepath.report.vocab import readable_condition
from carepath.report.words import either, language, phrase, phrase_count, shown_value, truth_word
from carepath.report.words.keys import ANSWER_KEYS, MOVE_KEYS, STATUS_KEYS

# -- Jinja -------------------------------------------------------------------------------------


_STATUS_KEYS = {**STATUS_KEYS, "unknown": "status.open"}  # a page says "open"


def _keyed(keys: dict[str, str], status: str) -> str:
    """A status as the report's words, or as it is when the catalogue has no key for it."""
    return phrase(keys[status]) if status in keys else status


def _marked(key: str, **fields: Any) -> Markup:
    """A phrase whose fields are markup made by the template (a badge, a link): the phrase's
    own text is escaped, the fields are escaped unless they are markup already."""
    return Markup(escape(phrase(key))).format(**fields)


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
    env.filters["status_word"] = lambda status: _keyed(_STATUS_KEYS, status)
    env.filters["move_word"] = lambda status: _keyed(MOVE_KEYS, status)
    env.filters["answer_kind"] = lambda kind: _keyed(ANSWER_KEYS, kind)
    env.globals["t"] = phrase
    env.globals["t_"] = phrase  # where a template names a variable t
    env.globals["tn"] = phrase_count
    env.globals["tm"] = _marked
    env.globals["lang"] = language
    env.filters["pct"] = lambda share: f"{share:.0%}"
    env.filters["cond"] = readable_condition
    return env


def _render(template: str, **context: Any) -> str:
    page = _environment().get_template(template).render(**context)
    return re.sub(r"\n\s*\n", "\n", page)  # the templates' blank lines weigh on a long page
