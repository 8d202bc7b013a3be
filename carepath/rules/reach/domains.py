"""The answers each name can take over the declared input domains, and every combination of them.

Each check enumerates the answers a rule's conditions can read, as the evaluator reads them:

- a yes/no input: yes, no; a choice: each choice; a set of up to six choices: every subset;
- a number: the values either side of each threshold rules compare it with, and its bounds;
- every input also unknown and declined (``is_known`` and ``is_declined`` read those);
- a fact or outcome is left free over its own values, so that a finding holds whatever the
  rules that conclude it do (never-fires and shadowing are then certain, never guessed).

Free text is only ever tested with ``is_known`` and ``is_declined``, so one text stands for
any. Rules reading dates or sets of more than six choices, and conditions over more than
:data:`MAX_COMBINATIONS` answers, are not checked.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator
from typing import Any

from carepath.rules.compiler import CompiledRuleSet
from carepath.rules.conditions import ParamRef
from carepath.rules.nodes import ANSWERS_KEY, CNode

MAX_COMBINATIONS = 20_000
MAX_PROOF_COMBINATIONS = 1 << 16
"""For a proof that two rules never meet, which enumerates known values only."""
MAX_SET_CHOICES = 6


_UNKNOWN = (None, "unknown")
_DECLINED = (None, "declined")


class _Domains:
    """The answers each name can take, as (value, kind-of-non-answer) pairs."""

    def __init__(self, compiled: CompiledRuleSet, params: dict[str, Any]) -> None:
        self.compiled = compiled
        self.params = params
        self.cache: dict[str, list[tuple[Any, str | None]] | None] = {}

    def of(self, name: str) -> list[tuple[Any, str | None]] | None:
        if name not in self.cache:
            self.cache[name] = self._build(name)
        return self.cache[name]

    def _build(self, name: str) -> list[tuple[Any, str | None]] | None:
        spec = self.compiled.inputs.get(name)
        if spec is not None:
            known = self._known(spec.type, list(spec.choice_values), spec.min, spec.max, name)
            return None if known is None else [(v, None) for v in known] + [_UNKNOWN, _DECLINED]
        target = self.compiled.merged.targets.get(name)
        if target is None:
            return None
        if target.type == "bool":
            return [(True, None), (False, None), _UNKNOWN]
        if target.type == "enum":
            return [(v, None) for v in target.values or []] + [_UNKNOWN]
        if target.type == "set" and len(target.values or []) <= MAX_SET_CHOICES:
            return [(s, None) for s in _subsets(target.values or [])] + [_UNKNOWN]
        return None

    def _known(
        self, kind: str, choices: list[str], low: float | None, high: float | None, name: str
    ) -> list[Any] | None:
        if kind == "bool":
            return [True, False]
        if kind == "enum":
            return choices
        if kind == "set":
            return _subsets(choices) if len(choices) <= MAX_SET_CHOICES else None
        if kind in ("int", "number"):
            points: set[float] = set()
            for threshold in self.compiled.thresholds.get(name, ()):
                for value in self._threshold_values(threshold):
                    step = 1 if kind == "int" else 0.5
                    points |= {math.floor(value) - step, value, math.ceil(value) + step}
            if low is not None:
                points.add(low)
            if high is not None:
                points.add(high)
            found = sorted(p for p in points if (low is None or p >= low) and (high is None or p <= high))
            return [int(p) if kind == "int" and float(p).is_integer() else p for p in found] or [0]
        if kind == "text":  # free text is only ever tested with is_known and is_declined
            return ["text"]
        return None  # dates

    def _threshold_values(self, threshold: Any) -> list[float]:
        if isinstance(threshold, ParamRef):
            values = self.compiled.merged.parameters[threshold.param].values
            return [
                v.value for v in values if isinstance(v.value, int | float) and not isinstance(v.value, bool)
            ]
        if isinstance(threshold, int | float) and not isinstance(threshold, bool):
            return [threshold]
        return []  # an elapsed-time mark: dates are not enumerated


def _subsets(choices: list[str]) -> list[frozenset[str]]:
    return [frozenset(c) for r in range(len(choices) + 1) for c in itertools.combinations(choices, r)]


def _envs(
    domains: _Domains, names: Iterable[str], known_only: Iterable[str] = (), limit: int = MAX_COMBINATIONS
) -> Iterator[dict[str, Any]] | None:
    """Every combination of answers to ``names`` (only the known values for ``known_only``), or
    None when they cannot be enumerated."""
    ordered = sorted(set(names))
    concrete = set(known_only)
    lists: list[list[tuple[Any, str | None]]] = []
    total = 1
    for name in ordered:
        found = domains.of(name)
        if found is None:
            return None
        if name in concrete:
            found = [item for item in found if item[1] is None]
        lists.append(found)
        total *= len(found)
        if total > limit:
            return None

    def generate() -> Iterator[dict[str, Any]]:
        for combo in itertools.product(*lists):
            env: dict[str, Any] = dict(domains.params)
            kinds: dict[str, str] = {}
            for name, (value, kind) in zip(ordered, combo, strict=True):
                env[name] = value
                if kind is not None:
                    kinds[name] = kind
            env[ANSWERS_KEY] = kinds
            yield env

    return generate()


def _reads(*nodes: CNode | None) -> set[str]:
    return set().union(*(n.names() for n in nodes if n is not None))
