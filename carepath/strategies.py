"""Hypothesis strategies that generate valid cases from a rule set's declared inputs.

Each input is sometimes left out (not asked), sometimes answered ``unknown`` or ``declined``
where the input accepts it, and otherwise given a value of its type within its range or choices.
Property tests of rule sets build on them::

    from hypothesis import given
    from carepath.strategies import cases

    @given(cases(palermo))
    def test_something(case): ...

Needs the ``test`` extra (hypothesis).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from carepath.assessments.pipeline import Pipeline
from carepath.rules.model import ANSWER_WORDS, InputSpec
from carepath.rules.ruleset import RuleSet

__all__ = ["answer", "cases", "value"]


def value(spec: InputSpec) -> st.SearchStrategy[Any]:
    """A real answer of the input's type, inside its declared range or choices."""
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "int":
        low = int(spec.min) if spec.min is not None else -1000
        high = int(spec.max) if spec.max is not None else 1000
        return st.integers(low, high)
    if spec.type == "number":
        return st.floats(
            spec.min if spec.min is not None else -1e6,
            spec.max if spec.max is not None else 1e6,
            allow_nan=False,
        )
    if spec.type == "date":
        return st.dates(dt.date(1950, 1, 1), dt.date(2050, 12, 31))
    if spec.type == "text":
        return st.text(max_size=40)
    if spec.type == "enum":
        return st.sampled_from(spec.choice_values)
    return st.lists(st.sampled_from(spec.choice_values), unique=True)


def answer(spec: InputSpec) -> st.SearchStrategy[Any]:
    """A real answer, or one of the answer words the input accepts."""
    words = [w for w in ANSWER_WORDS if w in spec.accepts]
    return st.one_of(value(spec), st.sampled_from(words)) if words else value(spec)


def cases(ruleset: RuleSet | Pipeline) -> st.SearchStrategy[dict[str, Any]]:
    """Cases for a rule set or a pipeline: any input may be left out, unknown, declined, or
    answered. For a pipeline, the inputs that feeds fill are left to the steps that feed them."""
    return st.fixed_dictionaries({}, optional={name: answer(spec) for name, spec in ruleset.inputs.items()})
