"""The compiled forms of a rule set: rules, table rows, tables, scores, bands, targets, and the
:class:`CompiledRuleSet` that holds them in evaluation order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from carepath.rules.layers import MergedRuleSet
from carepath.rules.model import InputSpec, Source, TargetSpec
from carepath.rules.nodes import CNode


@dataclass(frozen=True, slots=True)
class _Common:
    id: str
    title: str
    source: Source | None
    layer: str
    hard: bool
    local_setting: bool
    valid_from: dt.date | None
    valid_to: dt.date | None

    def in_force(self, as_of: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= as_of) and (
            self.valid_to is None or as_of <= self.valid_to
        )


@dataclass(frozen=True, slots=True)
class CompiledRule(_Common):
    """A conclusion rule: condition, conclusions, and the exceptions that can beat it."""

    cond: CNode | None
    then: tuple[tuple[str, Any], ...]
    exception_to: tuple[str, ...]
    exceptions: tuple[str, ...]
    concludes: tuple[tuple[str, Any], ...] = ()  # ``then`` as the trace shows it


@dataclass(frozen=True, slots=True)
class Row:
    """A decision-table row or a score item, compiled."""

    id: str
    cond: CNode | None
    output: Any
    source: Source | None
    param: str | None = None


@dataclass(frozen=True, slots=True)
class CompiledTable(_Common):
    """A decision table with its hit policy."""

    hit_policy: str
    output: str
    aggregate: str | None
    rows: tuple[Row, ...]
    rank: dict[Any, int]


@dataclass(frozen=True, slots=True)
class CompiledScore(_Common):
    """Weighted indicators adding to a number fact."""

    target: str
    items: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class CompiledBands(_Common):
    """Thresholds turning a score into a band."""

    score: str
    target: str
    below: str
    thresholds: tuple[tuple[float | None, str | None, str], ...]  # (number, param, band)


@dataclass(frozen=True, slots=True)
class CompiledTarget:
    """A fact or outcome and how its contributions combine."""

    name: str
    section: str
    spec: TargetSpec


Step = CompiledRule | CompiledTable | CompiledScore | CompiledBands | CompiledTarget


@dataclass(frozen=True)
class CompiledRuleSet:
    """Everything evaluation needs, in evaluation order."""

    merged: MergedRuleSet
    steps: tuple[Step, ...]
    graph: nx.DiGraph
    rules: dict[str, CompiledRule | CompiledTable | CompiledScore | CompiledBands]
    reads: dict[str, frozenset[str]] = field(default_factory=dict)
    thresholds: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    """Per number or date input, what rules compare it with: values, or ``ParamRef``."""
    optional: frozenset[str] = frozenset()
    """Inputs that are annotations, never open questions (``InputSpec.optional``)."""

    @property
    def inputs(self) -> dict[str, InputSpec]:
        return self.merged.inputs
