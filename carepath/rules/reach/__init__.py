"""Reachability of rules over the declared input domains, and conflicts, for the linter.

The parts: :mod:`~carepath.rules.reach.domains` (the answers each name can take, and their
combinations), :mod:`~carepath.rules.reach.findings` (never-fires, always-overridden,
exception-overrides-nothing, shadowed-row) and :mod:`~carepath.rules.reach.rule_conflicts`
(rules that can both surely apply and conclude different values).
"""

from carepath.rules.reach.domains import MAX_COMBINATIONS
from carepath.rules.reach.findings import reach_findings
from carepath.rules.reach.rule_conflicts import (
    Conclusion,
    Conflict,
    conflicts,
    one_valued_conclusions,
)

__all__ = [
    "MAX_COMBINATIONS",
    "Conclusion",
    "Conflict",
    "conflicts",
    "one_valued_conclusions",
    "reach_findings",
]
