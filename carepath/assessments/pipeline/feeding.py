"""Feeding the outcomes of earlier steps into later ones: the built-in ranking step, the questions
asked upstream for an open fed input, and when a case's own answer matches a fed value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from carepath.assessments.result import Fed
from carepath.rules.result import Evaluation

RANKING = "ranking"
"""The built-in step that ranks the options; later steps may be fed ``ranking.top_option``."""


def _expander(
    fed: dict[str, Fed], results: dict[str, Evaluation], ranking: Any
) -> Callable[[tuple[str, ...]], tuple[str, ...]]:
    """Replace each open fed input among missing questions by the questions of the upstream
    outcome that would settle it: the case is asked those, not the outcome itself."""
    open_fed = {name: f.ref for name, f in fed.items() if not f.determined and not f.kept_case_answer}

    def expand(names: tuple[str, ...]) -> tuple[str, ...]:
        if not open_fed:
            return names
        out: list[str] = []
        for name in names:
            ref = open_fed.get(name)
            if ref is None:
                out.append(name)
                continue
            source, outcome = ref.split(".", 1)
            upstream = ranking.outcomes()[outcome] if source == RANKING else results[source][outcome]
            out.extend(upstream.missing)
        return tuple(dict.fromkeys(out))

    return expand


def _ask_upstream(evaluation: Evaluation, expand: Callable[[tuple[str, ...]], tuple[str, ...]]) -> Evaluation:
    outcomes = {
        name: replace(o, missing=expand(o.missing)) if o.missing else o
        for name, o in evaluation.outcomes.items()
    }
    return replace(evaluation, outcomes=outcomes, missing=expand(evaluation.missing))


def _same(answer: Any, value: Any) -> bool:
    if isinstance(value, list | tuple | frozenset | set):
        return isinstance(answer, list | tuple | set | frozenset) and set(answer) == set(value)
    return bool(answer == value)
