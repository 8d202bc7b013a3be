"""Stage 3: a merged rule set -> a :class:`CompiledRuleSet` of closures, built once.

Compiling checks what the model alone cannot: every name a rule reads or concludes is
declared and of a fitting type, every value is one the input or outcome allows, every
exception overrides a rule that concludes the same thing, and derived facts do not depend on
themselves (a :class:`CycleError` names the rules). It fixes the evaluation order from the
dependency graph (networkx) so that each fact is concluded before any rule reads it.

The parts, from the bottom up: :mod:`~carepath.rules.compiler.compiled` (the compiled forms),
:mod:`~carepath.rules.compiler.checks` (errors; names, types and values),
:mod:`~carepath.rules.compiler.conditions` (conditions into closures),
:mod:`~carepath.rules.compiler.rules` (conclusion rules, decision tables, scores and bands) and
:mod:`~carepath.rules.compiler.order` (exceptions, the dependency graph, the evaluation order and
:func:`compile_ruleset`).
"""

from carepath.rules.compiler.compiled import (
    CompiledBands,
    CompiledRule,
    CompiledRuleSet,
    CompiledScore,
    CompiledTable,
    CompiledTarget,
    Row,
)
from carepath.rules.compiler.conditions import ElapsedMark
from carepath.rules.compiler.order import compile_ruleset

__all__ = [
    "CompiledBands",
    "CompiledRule",
    "CompiledRuleSet",
    "CompiledScore",
    "CompiledTable",
    "CompiledTarget",
    "ElapsedMark",
    "Row",
    "compile_ruleset",
]
