"""Stage 4: one straight-line Python function per rule set and date, generated from the compiled model.

The values pass (:func:`carepath.rules.evaluator.run`) is the hot path. Rather than dispatching
step by step, the compiler's steps are laid out once as a single function. Each rule's truth,
each exception's yield and each fact's contributions are local variables, and the function
returns a :class:`Run` for the later passes (supports, trace).

No text from a rule file reaches the generated code. Its statements come from the fixed
templates below; it names rules and facts only by position (``w3``, ``c5``). Every value (an
id, a name, a literal, a condition's closure) is passed in the tuples ``K`` (constants) and
``F`` (functions) and is read by index.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from carepath.rules.compiler import (
    CompiledBands,
    CompiledRule,
    CompiledRuleSet,
    CompiledScore,
    CompiledTable,
    CompiledTarget,
)
from carepath.rules.evaluator import (
    Run,
    Settled,
    bands_into,
    score_into,
    settle_number,
    settle_one,
    settle_set,
    table_into,
)
from carepath.rules.logic import and3, not3, or3

__all__ = ["Values", "generate"]

Values = Callable[[dict[str, Any]], Run]


class _Source:
    """Lines of the generated function and the constants and functions it reads by index."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.consts: list[Any] = []
        self.funcs: list[Callable[..., Any]] = []

    def k(self, value: Any) -> str:
        self.consts.append(value)
        return f"K[{len(self.consts) - 1}]"

    def f(self, fn: Callable[..., Any]) -> str:
        self.funcs.append(fn)
        return f"F[{len(self.funcs) - 1}]"

    def add(self, line: str, indent: int = 1) -> None:
        self.lines.append("    " * indent + line)


def generate(compiled: CompiledRuleSet, off: frozenset[str]) -> Values:
    """The values pass of ``compiled`` on a date when the rules in ``off`` are not in force."""
    src = _Source()
    targets = list(compiled.merged.targets)
    c = {name: f"c{i}" for i, name in enumerate(targets)}
    s = {name: f"s{i}" for i, name in enumerate(targets)}
    rules = [step for step in compiled.steps if isinstance(step, CompiledRule)]
    w = {rule.id: f"w{i}" for i, rule in enumerate(rules)}
    y = {rule.id: f"y{i}" for i, rule in enumerate(rules)}

    src.add("def values(env):", 0)
    for name in targets:
        src.add(f"{c[name]} = []")
    for step in compiled.steps:
        if isinstance(step, CompiledRule):
            _rule(src, step, step.id in off, w, y, c)
        elif isinstance(step, CompiledTarget):
            _target(src, step, c[step.name], s[step.name])
        elif step.id not in off:
            into, out = _INTO[type(step)], _output(step)
            src.add(f"{src.f(into)}({src.k(step)}, env, {c[out]})")
    src.add(f"wins = {{{', '.join(f'{src.k(rid)}: {var}' for rid, var in w.items())}}}")
    src.add(f"yields = {{{', '.join(f'{src.k(rid)}: {var}' for rid, var in y.items())}}}")
    src.add(f"contrib = {{{', '.join(f'{src.k(n)}: {c[n]}' for n in targets)}}}")
    src.add(f"settled = {{{', '.join(f'{src.k(n)}: {s[n]}' for n in targets)}}}")
    src.add(f"return Run(env, {src.k(off)}, wins, yields, contrib, settled)")

    namespace: dict[str, Any] = {
        "K": tuple(src.consts),
        "F": tuple(src.funcs),
        "Run": Run,
        "Settled": Settled,
        "and3": and3,
        "not3": not3,
        "or3": or3,
    }
    text = "\n".join(src.lines) + "\n"
    code = compile(text, "<carepath values>", "exec")
    exec(code, namespace)  # generated from the compiled model above, never from rule-file text
    values: Values = namespace["values"]
    values.__doc__ = text  # the generated source, for whoever debugs it
    return values


def _rule(
    src: _Source, rule: CompiledRule, off: bool, w: dict[str, str], y: dict[str, str], c: dict[str, str]
) -> None:
    win, yields = w[rule.id], y[rule.id]
    if off:
        cond = "False"
    elif rule.cond is None:
        cond = "True"
    else:
        cond = f"{src.f(rule.cond.ev)}(env)"
    if rule.exceptions:
        src.add(f"b = or3(({', '.join(y[e] for e in rule.exceptions)},))")
        src.add(f"{win} = and3(({cond}, not3(b)))")
        src.add(f"{yields} = {win} if b is False else or3(({win}, b))")
    else:
        src.add(f"{win} = {yields} = {cond}")
    src.add(f"if {win} is not False:")
    rid = src.k(rule.id)
    for name, value in rule.then:
        src.add(f"{c[name]}.append(({src.k(value)}, {win}, {rid}))", 2)


def _target(src: _Source, target: CompiledTarget, items: str, settled: str) -> None:
    kind, default = target.spec.type, target.spec.default
    if kind == "set":
        src.add(f"{settled} = {src.f(settle_set)}({items})")
    elif kind == "number":
        src.add(f"{settled} = {src.f(settle_number)}({items}, {src.k(default)})")
    else:
        src.add(f"if not {items}:")
        src.add(f"{settled} = {src.k(Settled(default, True))}", 2)
        src.add(f"elif len({items}) == 1 and {items}[0][1] is True:")
        src.add(f"{settled} = Settled({items}[0][0], True, ({items}[0][2],))", 2)
        src.add("else:")
        src.add(f"{settled} = {src.f(settle_one)}({items}, {src.k(default)})", 2)
    src.add(f"env[{src.k(target.name)}] = {settled}[0]")


def _output(step: CompiledTable | CompiledScore | CompiledBands) -> str:
    if isinstance(step, CompiledTable):
        return step.output
    return step.target


_INTO: dict[type, Callable[..., None]] = {
    CompiledTable: table_into,
    CompiledScore: score_into,
    CompiledBands: bands_into,
}
