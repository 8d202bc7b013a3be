"""Synthetic populations of cases, reproducible from a seed, for diffs and benchmarks.

A population file beside a rule set (``rulesets/intl/palermo.population.yaml``), or beside the
nearest layer it extends that has one (an overlay uses its base's), gives the distribution of
each input. Each distribution has a ``source`` where the seeds give the figure
(``002:L645``), or an ``assumption`` saying why it is what it is. An input the file does not
name is answered uniformly within its type, and the generated population lists it under
``assumed``. Some answers are left open (``unknown``, ``declined``, not asked) in the
proportions the file gives, because real cases are incomplete. No eval, no randomness beyond
``random.Random(seed)``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from carepath.errors import RuleFileError
from carepath.rules.cache import read_cached
from carepath.rules.model import InputSpec
from carepath.rules.parsing import translate
from carepath.rules.ruleset import RuleSet

__all__ = ["Distribution", "Population", "assumed_inputs", "generate", "population_file", "read_population"]

POPULATION_SUFFIX = ".population.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Range(_Model):
    """Whole numbers from ``min`` to ``max``, drawn with a relative ``weight``."""

    min: int
    max: int
    weight: float = Field(default=1.0, gt=0)


class Distribution(_Model):
    """How one input is drawn; with the figure's ``source`` or an ``assumption``."""

    p_true: float | None = Field(default=None, ge=0, le=1, description="bool: share answered yes.")
    choices: dict[str, float] | None = Field(
        default=None, description="enum: relative weights; set: each choice's chance to be ticked."
    )
    ranges: list[Range] | None = Field(default=None, description="int: weighted ranges.")
    source: str | None = Field(default=None, description="Where the seeds give the figure (`002:L645`).")
    assumption: str | None = Field(default=None, description="Why the figure is what it is, if no source.")

    @model_validator(mode="after")
    def _justified(self) -> Distribution:
        if not (self.source or self.assumption):
            raise ValueError("give the figure's `source`, or state the `assumption`")
        return self


class OpenAnswers(_Model):
    """The share of answers left open: unknown, declined, or not asked."""

    unknown: float = Field(ge=0, le=1)
    declined: float = Field(ge=0, le=1)
    not_asked: float = Field(ge=0, le=1)
    source: str | None = None
    assumption: str | None = None


class Population(_Model):
    """A synthetic population for one rule set."""

    ruleset: str
    description: str
    open_answers: OpenAnswers
    inputs: dict[str, Distribution] = Field(default_factory=dict)


def population_file(ruleset: RuleSet) -> Path | None:
    """The population file beside the rule set, or else beside the nearest layer it extends
    that has one: an overlay's population is its base's (the inputs it adds are drawn
    uniformly, and listed by :func:`assumed_inputs`)."""
    for layer in reversed(ruleset.merged.layers):
        here = Path(layer.file)
        beside = here.with_name(here.name.split(".", 1)[0] + POPULATION_SUFFIX)
        if beside.is_file():
            return beside
    return None


def read_population(path: str | Path) -> Population:
    """Load and validate a population file; errors are placed at their line."""
    located = read_cached(path)
    try:
        return Population.model_validate(located.data)
    except ValidationError as exc:
        raise translate(exc, located, RuleFileError, model=Population) from None


def generate(ruleset: RuleSet, population: Population | None, n: int, seed: int) -> Iterator[dict[str, Any]]:
    """``n`` cases as JSON-ready mappings; the same seed gives the same cases."""
    rng = random.Random(seed)
    dists = population.inputs if population else {}
    unknown_cases = set(dists) - set(ruleset.inputs)
    if unknown_cases:
        raise RuleFileError(f"the population names inputs the rule set lacks: {sorted(unknown_cases)}")
    open_ = (
        population.open_answers if population else OpenAnswers(unknown=0.05, declined=0.02, not_asked=0.08)
    )
    for i in range(n):
        case: dict[str, Any] = {"case_id": f"synth-{seed}-{i}"}
        for name, spec in ruleset.inputs.items():
            if spec.optional:
                continue
            draw = rng.random()
            if draw < open_.not_asked:
                continue
            if draw < open_.not_asked + open_.unknown and "unknown" in spec.accepts:
                case[name] = "unknown"
                continue
            if draw < open_.not_asked + open_.unknown + open_.declined and "declined" in spec.accepts:
                case[name] = "declined"
                continue
            case[name] = _value(spec, dists.get(name), rng)
        yield case


def assumed_inputs(ruleset: RuleSet, population: Population | None) -> list[str]:
    """Inputs drawn uniformly because the population file gives no distribution for them."""
    named = set(population.inputs) if population else set()
    return [n for n, s in ruleset.inputs.items() if n not in named and not s.optional]


def _value(spec: InputSpec, dist: Distribution | None, rng: random.Random) -> Any:
    if spec.type == "bool":
        return rng.random() < (dist.p_true if dist and dist.p_true is not None else 0.5)
    if spec.type in ("enum", "set"):
        values = list(spec.choice_values)
        weights = dist.choices if dist and dist.choices else {}
        if spec.type == "enum":
            return rng.choices(values, weights=[weights.get(v, 0.0 if weights else 1.0) for v in values])[0]
        chance = {v: weights.get(v, 0.0) for v in values} if weights else {v: 1 / len(values) for v in values}
        return [v for v in values if rng.random() < chance[v]]
    if spec.type in ("int", "number"):
        if dist and dist.ranges:
            r = rng.choices(dist.ranges, weights=[x.weight for x in dist.ranges])[0]
            return rng.randint(r.min, r.max)
        low = int(spec.min) if spec.min is not None else 0
        high = int(spec.max) if spec.max is not None else 100
        return rng.randint(low, high)
    if spec.type == "date":
        return (dt.date(2026, 1, 1) - dt.timedelta(days=rng.randint(0, 3650))).isoformat()
    return "synthetic note"
