"""Hypothesis strategies that generate valid cases from a rule set's declared inputs.

Each input is sometimes left out (not asked), sometimes answered ``unknown`` or ``declined``
where the input accepts it, and otherwise given a value of its type within its range or choices.
Property tests of rule sets build on them::

    from hypothesis import given
    from carepath.authoring.strategies import cases

    @given(cases(palermo))
    def test_something(case): ...

Whole cases of a pipeline come in three kinds (:func:`whole_cases`): as at **intake** (most
questions open: left out, unknown or declined), as at **closure** (every question answered, the
dates near the evaluation date) and **any** mix; each may carry follow-up ``visits`` (as a case
file holds them) when a step reads what visits give.

Needs the ``test`` extra (hypothesis).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal

from hypothesis import strategies as st

from carepath.assessments.pipeline import Pipeline
from carepath.cases.visits import MEASURES, WARNING_SIGNS
from carepath.rules.model import ANSWER_WORDS, InputSpec
from carepath.rules.ruleset import RuleSet

__all__ = ["ANSWERED", "Answered", "answer", "cases", "value", "varied", "visits", "whole_cases"]

Answered = Literal["intake", "closure", "any"]
ANSWERED: tuple[Answered, ...] = ("intake", "closure", "any")
VISITS_KEY = "visits"
"""The key of the follow-up visits in a generated whole case (as in a case file)."""


def value(spec: InputSpec, around: dt.date | None = None) -> st.SearchStrategy[Any]:
    """A real answer of the input's type, inside its declared range or choices (a date within
    three years before ``around`` and a month after, if given)."""
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
        if around is not None:
            return st.dates(around - dt.timedelta(days=3 * 365), around + dt.timedelta(days=31))
        return st.dates(dt.date(1950, 1, 1), dt.date(2050, 12, 31))
    if spec.type == "text":
        return st.text(max_size=40)
    if spec.type == "enum":
        return st.sampled_from(spec.choice_values)
    return st.lists(st.sampled_from(spec.choice_values), unique=True)


def answer(spec: InputSpec, around: dt.date | None = None) -> st.SearchStrategy[Any]:
    """A real answer, or one of the answer words the input accepts."""
    words = [w for w in ANSWER_WORDS if w in spec.accepts]
    real = value(spec, around)
    return st.one_of(real, st.sampled_from(words)) if words else real


def cases(ruleset: RuleSet | Pipeline) -> st.SearchStrategy[dict[str, Any]]:
    """Cases for a rule set or a pipeline: any input may be left out, unknown, declined, or
    answered. For a pipeline, the inputs that feeds fill are left to the steps that feed them."""
    return st.fixed_dictionaries({}, optional={name: answer(spec) for name, spec in ruleset.inputs.items()})


def visits(as_of: dt.date, most: int = 14) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Follow-up visits as a case file records them, dated in the 18 months before ``as_of``:
    met or not (with the escalation step tried), measures and warning signs, and now and then a
    person who declined the visit or any further follow-up."""
    measure = st.sampled_from(sorted(MEASURES)).flatmap(
        lambda name: st.tuples(st.just(name), st.sampled_from(MEASURES[name]))
    )
    met = st.fixed_dictionaries(
        {"contact_made": st.just(True)},
        optional={
            "measures": st.lists(measure, max_size=3, unique_by=lambda m: m[0]).map(dict),
            "warning_signs": st.lists(st.sampled_from(WARNING_SIGNS), max_size=2, unique=True),
        },
    )
    declined = st.fixed_dictionaries(
        {"contact_made": st.just(True), "declined": st.sampled_from(["visit", "follow_up"])}
    )
    attempts = ["scheduled", "second_try", "family_visit", "commune_office", "district_office"]
    missed = st.fixed_dictionaries(
        {"contact_made": st.just(False)}, optional={"attempt": st.sampled_from(attempts)}
    )
    day = st.integers(0, 548).map(lambda back: (as_of - dt.timedelta(days=back)).isoformat())
    one = st.tuples(day, st.one_of(met, met, missed, declined)).map(lambda pair: {"date": pair[0], **pair[1]})
    return st.lists(one, max_size=most)


def varied(
    seeds: Sequence[dict[str, Any]], inputs: dict[str, InputSpec], as_of: dt.date, most: int = 6
) -> st.SearchStrategy[dict[str, Any]]:
    """A seed case (a whole case the sources narrate) with up to ``most`` of its inputs changed:
    answered otherwise, made unknown or declined, or left out. Cases near real ones reach the
    outcomes (a safe return, a successful closure) that random answers almost never do."""
    names = sorted(inputs)

    def vary(seed: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        count = st.sampled_from([0, 1, 1, 2, 3, most])  # few changes: most cases stay near a seed
        picks = count.flatmap(lambda n: st.lists(st.sampled_from(names), min_size=n, max_size=n, unique=True))
        changes = picks.flatmap(
            lambda picked: st.fixed_dictionaries(
                {n: st.one_of(st.none(), answer(inputs[n], as_of)) for n in picked}
            )
        )
        return changes.map(
            lambda change: {
                **{k: v for k, v in seed.items() if k not in change},
                **{k: v for k, v in change.items() if v is not None},
            }
        )

    return st.sampled_from(list(seeds)).flatmap(vary)


def whole_cases(
    pipe: Pipeline,
    as_of: dt.date,
    answered: Sequence[Answered] = ANSWERED,
    with_visits: bool = True,
    seeds: Sequence[dict[str, Any]] = (),
) -> st.SearchStrategy[dict[str, Any]]:
    """Whole cases of a pipeline (every step's case inputs), as at intake, at closure or any mix.

    Intake: each question is left out, unknown, declined or (less often) answered. Closure:
    every question has a real answer; optional ones may be left out. Dates fall near ``as_of``.
    With ``with_visits`` (and a step that reads what visits give) a case may carry ``visits``.
    With ``seeds`` (whole cases, their visits under ``visits``), cases varied from them too."""
    inputs = pipe.inputs
    kinds: list[st.SearchStrategy[dict[str, Any]]] = []
    for kind in answered:
        if kind == "closure":
            required = {n: value(s, as_of) for n, s in inputs.items() if not s.optional}
            optional = {n: value(s, as_of) for n, s in inputs.items() if s.optional}
            kinds.append(st.fixed_dictionaries(required, optional=optional))
        elif kind == "intake":
            kinds.append(st.fixed_dictionaries({}, optional={n: _open(s, as_of) for n, s in inputs.items()}))
        else:
            kinds.append(st.fixed_dictionaries({}, optional={n: answer(s, as_of) for n, s in inputs.items()}))
    base = st.one_of(kinds)
    if with_visits and _reads_visits(pipe):
        base = st.tuples(base, st.one_of(st.none(), visits(as_of))).map(
            lambda pair: pair[0] if pair[1] is None else {**pair[0], VISITS_KEY: pair[1]}
        )
    if seeds:
        near = varied(seeds, inputs, as_of)
        return st.one_of(base, near, near)  # most cases near the seeds
    return base


def _open(spec: InputSpec, around: dt.date) -> st.SearchStrategy[Any]:
    """An intake answer: mostly an answer word, sometimes a real answer."""
    words = [w for w in ANSWER_WORDS if w in spec.accepts]
    real = value(spec, around)
    return st.one_of(st.sampled_from(words), st.sampled_from(words), real) if words else real


def _reads_visits(pipe: Pipeline) -> bool:
    names = {n for rs in pipe.rulesets.values() for n in rs.inputs}
    return bool(names & {"visits_with_contact", "last_contact_visit", "failed_contact_attempts"})
