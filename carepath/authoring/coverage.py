"""What the YAML tests cover (``carepath test --coverage``), per rule set.

For each rule set the tests ran (a pipeline's tests count for the rule set of each step), the
rules that no passing test fired, the values of each outcome (bool, enum, set) that no passing
test expected, and the share covered. A test file may state, with the reason, the rules of its
rule set that no case can fire under the base settings (``cannot_fire:``); those are listed
apart and not counted as untested. A rule set tested with parameter settings counts as itself
(``intl/palermo+settings`` is ``intl/palermo``); one tested through an overlay counts as the
overlay. An overlay's rules and outcomes declared in a lower layer, unchanged, are covered by
the lower layer's tests too (``inherited``): its own tests need only cover what it adds or
replaces.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from carepath.rules.reform import SETTINGS_SUFFIX
from carepath.rules.ruleset import RuleSet

__all__ = ["Covered", "RuleSetCoverage", "coverage_json", "coverage_text", "expected_values", "measure"]


@dataclass(frozen=True)
class Covered:
    """What one test covered of one rule set: the rules it fired, the outcome values it expected."""

    ruleset: RuleSet = field(compare=False)
    fired: frozenset[str]
    expected: Mapping[str, frozenset[Any]]
    cannot_fire: Mapping[str, str] = field(default_factory=dict)


@dataclass
class RuleSetCoverage:
    """The coverage of one rule set over every test that ran it."""

    id: str
    rules: list[str]
    outcomes: dict[str, list[Any]]
    tests: int = 0
    fired: set[str] = field(default_factory=set)
    expected: dict[str, set[Any]] = field(default_factory=dict)
    cannot_fire: dict[str, str] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)  # rule -> the layer that declares it
    target_origin: dict[str, str] = field(default_factory=dict)  # outcome -> its layer
    inherited: set[str] = field(default_factory=set)  # rules fired only by a lower layer's tests

    @property
    def unfired(self) -> list[str]:
        """Rules no test fired, other than those stated unable to fire."""
        return [r for r in self.rules if r not in self.fired and r not in self.cannot_fire]

    @property
    def unexpected(self) -> dict[str, list[Any]]:
        """For each outcome, the values no test expected (outcomes with none left out)."""
        gaps = {
            name: [v for v in values if v not in self.expected.get(name, set())]
            for name, values in self.outcomes.items()
        }
        return {name: values for name, values in gaps.items() if values}

    @property
    def contradicted(self) -> list[str]:
        """Rules stated unable to fire that a test fired all the same (the statement is wrong)."""
        return [r for r in self.cannot_fire if r in self.fired]

    @property
    def rule_share(self) -> float:
        """Fired rules over the rules that can fire (1.0 when there are none)."""
        can = [r for r in self.rules if r not in self.cannot_fire]
        return sum(r in self.fired for r in can) / len(can) if can else 1.0

    @property
    def value_share(self) -> float:
        """Expected outcome values over all the outcomes' values (1.0 when there are none)."""
        total = sum(len(v) for v in self.outcomes.values())
        missed = sum(len(v) for v in self.unexpected.values())
        return (total - missed) / total if total else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "ruleset": self.id,
            "tests": self.tests,
            "rules": len(self.rules),
            "rules_fired": len(self.fired & set(self.rules)),
            "rules_fired_by_lower_layers_tests": sorted(self.inherited),
            "rule_coverage": round(self.rule_share, 4),
            "unfired_rules": self.unfired,
            "cannot_fire": dict(self.cannot_fire),
            "stated_unable_to_fire_but_fired": self.contradicted,
            "outcome_value_coverage": round(self.value_share, 4),
            "unexpected_values": self.unexpected,
        }


def measure(covered: Iterable[Covered]) -> list[RuleSetCoverage]:
    """Add up what each test covered, per rule set, sorted by rule set id."""
    found: dict[str, RuleSetCoverage] = {}
    for item in covered:
        rid = item.ruleset.id.removesuffix(SETTINGS_SUFFIX)
        entry = found.get(rid)
        if entry is None:
            merged = item.ruleset.merged
            entry = found[rid] = RuleSetCoverage(rid, list(merged.rules), _domains(item.ruleset))
            entry.origin = {r: merged.origin("rules", r).layer.id for r in merged.rules}
            entry.target_origin = {n: merged.origin("outcomes", n).layer.id for n in merged.outcomes}
        entry.tests += 1
        entry.fired |= item.fired
        for name, values in item.expected.items():
            entry.expected.setdefault(name, set()).update(values)
        entry.cannot_fire.update(item.cannot_fire)
    for entry in found.values():
        for rule, layer in entry.origin.items():
            below = found.get(layer)
            if layer != entry.id and below is not None and rule not in entry.fired and rule in below.fired:
                entry.fired.add(rule)
                entry.inherited.add(rule)
        for name, layer in entry.target_origin.items():
            below = found.get(layer)
            if layer != entry.id and below is not None:
                entry.expected.setdefault(name, set()).update(below.expected.get(name, ()))
    return [found[k] for k in sorted(found)]


def _domains(ruleset: RuleSet) -> dict[str, list[Any]]:
    """The values each outcome can take: true/false, an enum's values, a set's items."""
    domains: dict[str, list[Any]] = {}
    for name, spec in ruleset.merged.outcomes.items():
        if spec.type == "bool":
            domains[name] = [True, False]
        elif spec.type in ("enum", "set") and spec.values:
            domains[name] = list(spec.values)
    return domains


def expected_values(want: Any) -> frozenset[Any]:
    """The values an expectation (a value, or ``{value, includes, ...}``) says an outcome takes."""
    values: list[Any] = []
    if isinstance(want, dict):
        if "value" in want:
            values.extend(_items(want["value"]))
        values.extend(want.get("includes") or ())
    else:
        values.extend(_items(want))
    return frozenset(v for v in values if isinstance(v, str | bool | int | float))


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple | set | frozenset) else [value]


def coverage_text(found: list[RuleSetCoverage]) -> str:
    """One block per rule set: the shares, then the rules no test fired and the values no test
    expected."""
    lines: list[str] = []
    for entry in found:
        fired = len(entry.fired & set(entry.rules))
        can = len(entry.rules) - len(entry.cannot_fire)
        total = sum(len(v) for v in entry.outcomes.values())
        missed = sum(len(v) for v in entry.unexpected.values())
        below = f"; {len(entry.inherited)} by a lower layer's tests" if entry.inherited else ""
        lines.append(
            f"{entry.id}: rules {fired}/{can} ({entry.rule_share:.0%}{below}), outcome values "
            f"{total - missed}/{total} ({entry.value_share:.0%}), {entry.tests} tests"
        )
        for rule in entry.unfired:
            lines.append(f"  rule no test fired: {rule}")
        for rule, reason in entry.cannot_fire.items():
            if rule in entry.fired:
                lines.append(f"  stated unable to fire, but a test fired it: {rule}")
            else:
                lines.append(f"  cannot fire under the base settings: {rule}: {reason}")
        for name, values in entry.unexpected.items():
            shown = ", ".join(_word(v) for v in values)
            lines.append(f"  {name}: no test expected {shown}")
    return "\n".join(lines) + ("\n" if lines else "")


def coverage_json(found: list[RuleSetCoverage]) -> list[dict[str, Any]]:
    """The coverage as JSON-ready data, one object per rule set."""
    return [entry.to_dict() for entry in found]


def _word(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
