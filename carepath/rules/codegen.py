"""Stage 4: one straight-line Python function per rule set and date, generated from the compiled model.

The values pass (:func:`carepath.rules.evaluator.run`) is the hot path. Rather than dispatching
step by step, the compiler's steps are laid out once as a single function. Each rule's truth,
each exception's yield, each fact's contributions and, for what stays open, the unknown inputs
behind it (its *support*) are local variables; the function returns a :class:`Run`.

Conditions are written out inline where their leaves have a :class:`~carepath.rules.nodes.Shape`
(a test on a plain value), as Kleene expressions that keep short-circuiting. ``all`` of ``A``
and ``B`` becomes::

    (False if (t1 := A) is False else False if (t2 := B) is False
     else None if t1 is None or t2 is None else True)

When such a condition is unknown, every part was evaluated, so its support is the union of the
supports of its unknown parts, read from the same temporaries (``count_at_least`` evaluates
all its parts). Any other leaf (``elapsed``, a
partial score or set, a reference to another name) calls its compiled closure, and its support
comes from :meth:`~carepath.rules.nodes.CNode.unknowns`. The supports are defined by
:func:`~carepath.rules.evaluator.walk_supports`; ``tests/test_codegen.py`` checks that the
generated pass agrees with it and with the closures on every bundled rule set.

The traced variant (``generate(..., traced=True)``, used when a trace is asked for) writes
every condition without short-circuit, keeps each condition node's truth in a local
(``all`` becomes ``(t0 := (False if False in (t3 := ((t1 := A), (t2 := B))) else None if
None in t3 else True))``) and returns them in ``Run.nodes``, in pre-order, step after step:
``explain`` reads the trace from them instead of evaluating any condition again. Its values
and supports are those of the plain pass (``tests/rules/test_trace_from_pass.py``).

No text from a rule file reaches the generated code. Its statements come from the fixed
templates below; it names inputs, rules and facts only by position (``a2``, ``w3``, ``c5``).
Every value (an id, a name, a literal, a condition's closure) is passed in the function's
globals as ``k0``, ``k1``... (constants) and ``f0``, ``f1``... (functions).
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
    Found,
    Layout,
    Run,
    Settled,
    bands_into,
    open_rows_support,
    score_truths_into,
    settle_number,
    settle_one,
    settle_set,
    table_truths_into,
)
from carepath.rules.logic import count3
from carepath.rules.nodes import AllNode, AnyNode, CNode, CountNode, Env, Leaf, NotNode, Shape

__all__ = ["Values", "generate"]

Values = Callable[[dict[str, Any]], Run]

_EMPTY = "kE"  # the empty support
MAX_INLINE_PARTS = 256
"""Wider all/any/count_at_least nodes call their closure: CPython's compiler recurses once per
part of a chained conditional expression (about 3,000 parts overflow it)."""


class _Source:
    """Lines of the generated function and the constants and functions it reads by name."""

    def __init__(self, compiled: CompiledRuleSet, traced: bool = False) -> None:
        self.compiled = compiled
        self.traced = traced
        self.nodes: list[str] = []  # traced: the local holding each condition node's truth
        self.lines: list[str] = []
        self.consts: list[Any] = []
        self.funcs: list[Callable[..., Any]] = []
        self.temps = 0
        self.names: dict[str, str] = {}  # input or settled fact -> the local holding its value
        self.params: dict[str, str] = {}  # parameter -> the local holding its value
        self.supports: dict[str, str] = {}  # settled fact -> the local holding its support
        self.parts: dict[int, list[str]] = {}  # id of an inlined all/any/not -> its parts' truths

    def tmp(self) -> str:
        self.temps += 1
        return f"t{self.temps}"

    def k(self, value: Any) -> str:
        self.consts.append(value)
        return f"k{len(self.consts) - 1}"

    def f(self, fn: Callable[..., Any]) -> str:
        self.funcs.append(fn)
        return f"f{len(self.funcs) - 1}"

    def add(self, line: str, indent: int = 1) -> None:
        self.lines.append("    " * indent + line)


def generate(compiled: CompiledRuleSet, off: frozenset[str], traced: bool = False) -> Values:
    """The values pass of ``compiled`` on a date when the rules in ``off`` are not in force.

    ``traced``: the pass evaluates every part of every condition (no short-circuit) and keeps
    each condition node's truth in ``Run.nodes``, in pre-order, step after step (where
    ``explain.Plan`` finds them), from which the trace is read.
    """
    src = _Source(compiled, traced)
    targets = list(compiled.merged.targets)
    c = {name: f"c{i}" for i, name in enumerate(targets)}
    s = {name: f"s{i}" for i, name in enumerate(targets)}
    u = {name: f"u{i}" for i, name in enumerate(targets)}
    rules = [step for step in compiled.steps if isinstance(step, CompiledRule)]
    w = {rule.id: f"w{i}" for i, rule in enumerate(rules)}
    y = {rule.id: f"y{i}" for i, rule in enumerate(rules)}
    r = {rid: f"r{i}" for i, rid in enumerate(compiled.rules)}
    # what each fact's support gathers: the rules that may conclude it, once they are open
    feeds: dict[str, list[str]] = {name: [] for name in targets}

    src.add("def values(env):", 0)
    for i, name in enumerate(compiled.inputs):
        src.names[name] = f"a{i}"
        src.add(f"a{i} = env[{src.k(name)}]")
    for i, name in enumerate(compiled.merged.parameters):
        src.params[name] = f"p{i}"
        src.add(f"p{i} = env[{src.k('@' + name)}]")
    src.add("U = {}")  # the support of each open fact, for closures that read facts
    for name in targets:
        src.add(f"{c[name]} = []")
    for step in compiled.steps:
        if isinstance(step, CompiledRule):
            _rule(src, step, step.id in off, w, y, r, c)
            for name, _ in step.then:
                feeds[name].append(f"({r[step.id]} if {w[step.id]} is None else {_EMPTY})")
        elif isinstance(step, CompiledTarget):
            _target(src, step, c[step.name], s[step.name], u[step.name], feeds[step.name])
            src.names[step.name] = "v" + s[step.name][1:]
            src.supports[step.name] = u[step.name]
        elif step.id in off:
            src.add(f"{r[step.id]} = {_EMPTY}")
        elif isinstance(step, CompiledBands):
            # the band's support is the score's, but it keeps the band open only while the
            # score may still fall in more than one band
            still_open = "o" + r[step.id][1:]
            src.add(f"{still_open} = {src.f(bands_into)}({src.k(step)}, env, {c[step.target]})")
            src.add(f"{r[step.id]} = {src.supports[step.score]}")
            feeds[step.target].append(f"({r[step.id]} if {still_open} else {_EMPTY})")
        else:
            out = step.output if isinstance(step, CompiledTable) else step.target
            _rows(src, step, c[out], r[step.id])
            feeds[out].append(r[step.id])
    layout = src.k(Layout(tuple(w), tuple(targets), tuple(r)))
    tuples = [
        list(w.values()),
        list(y.values()),
        [c[n] for n in targets],
        [s[n] for n in targets],
        [u[n] for n in targets],
        list(r.values()),
    ]
    if traced:
        tuples.append(src.nodes)
    parts = ", ".join(_tuple(t) for t in tuples)
    src.add(f"return Run(env, {src.k(off)}, {layout}, {parts})")

    namespace: dict[str, Any] = {
        **{f"k{i}": value for i, value in enumerate(src.consts)},
        **{f"f{i}": fn for i, fn in enumerate(src.funcs)},
        _EMPTY: frozenset(),
        "Run": Run,
        "Settled": Settled,
        "new": tuple.__new__,  # a Settled from all its fields, without the keyword defaults
        "count3": count3,
    }
    text = "\n".join(src.lines) + "\n"
    code = compile(text, "<carepath values>", "exec")
    exec(code, namespace)  # generated from the compiled model above, never from rule-file text
    values: Values = namespace["values"]
    values.__doc__ = text  # the generated source, for whoever debugs it
    return values


def _tuple(items: list[str]) -> str:
    return f"({', '.join(items)}{',' if len(items) == 1 else ''})"


def _rule(
    src: _Source,
    rule: CompiledRule,
    off: bool,
    w: dict[str, str],
    y: dict[str, str],
    r: dict[str, str],
    c: dict[str, str],
) -> None:
    win, yields, support = w[rule.id], y[rule.id], r[rule.id]
    held = src.tmp()  # the truth of the rule's own condition
    if off:
        src.add(f"{held} = False")
    elif rule.cond is None:
        src.add(f"{held} = True")
    else:
        src.add(f"{held} = {_expr(src, rule.cond)}")
    own = _EMPTY
    if rule.cond is not None and not off:
        own = f"({_support(src, rule.cond, held)} if {held} is None else {_EMPTY})"
    if rule.exceptions:
        # b: an exception yields a value (Kleene or). The rule applies when its condition
        # holds and b does not; it yields a value when it applies or b does.
        beneath = [f"({r[e]} if {y[e]} is None else {_EMPTY})" for e in rule.exceptions]
        src.add(f"b = {_or([y[e] for e in rule.exceptions])}")
        src.add(
            f"{win} = False if b is True else {held} if b is False else (False if {held} is False else None)"
        )
        src.add(f"{yields} = {win} if b is False else True if b is True or {win} is True else None")
        if off:  # its condition is false, but its exceptions may be open
            src.add(f"{support} = {_EMPTY}.union({', '.join(beneath)})")
        else:
            src.add(
                f"{support} = {_EMPTY} if {win} is not None and {yields} is not None "
                f"else {_EMPTY}.union({', '.join([own, *beneath])})"
            )
    else:
        src.add(f"{win} = {yields} = {held}")
        src.add(f"{support} = {own}")
    src.add(f"if {win} is not False:")
    rid = src.k(rule.id)
    for name, value in rule.then:
        src.add(f"{c[name]}.append(({src.k(value)}, {win}, {rid}))", 2)


def _or(truths: list[str]) -> str:
    """Kleene or of locals holding truths."""
    if len(truths) == 1:
        return truths[0]
    anyone = " or ".join(f"{t} is True" for t in truths)
    unknown = " or ".join(f"{t} is None" for t in truths)
    return f"(True if {anyone} else None if {unknown} else False)"


def _target(
    src: _Source, target: CompiledTarget, items: str, settled: str, support: str, feeds: list[str]
) -> None:
    kind, default = target.spec.type, target.spec.default
    if kind == "set":
        src.add(f"{settled} = {src.f(settle_set)}({items})")
    elif kind == "number":
        src.add(f"{settled} = {src.f(settle_number)}({items}, {src.k(default)})")
    else:
        src.add(f"if not {items}:")
        src.add(f"{settled} = {src.k(Settled(default, True))}", 2)
        src.add(f"elif len({items}) == 1 and {items}[0][1] is True:")
        src.add(f"{settled} = new(Settled, ({items}[0][0], True, ({items}[0][2],), (), ()))", 2)
        src.add("else:")
        src.add(f"{settled} = {src.f(settle_one)}({items}, {src.k(default)})", 2)
    src.add(f"v{settled[1:]} = env[{src.k(target.name)}] = {settled}[0]")
    src.add(f"if {settled}[1]:")
    src.add(f"{support} = {_EMPTY}", 2)
    src.add("else:")
    src.add(f"{support} = U[{src.k(target.name)}] = {_EMPTY}.union({', '.join(feeds)})", 2)


def _rows(src: _Source, step: CompiledTable | CompiledScore, out: str, support: str) -> None:
    """A table's or score's rows: their truths inline, then the hit policy or the weights."""
    rows = step.rows if isinstance(step, CompiledTable) else step.items
    truths: list[str] = []  # each row's truth: a local, or True for a row without condition
    supports: list[str] = []
    for row in rows:
        if row.cond is None:
            truths.append("True")
            supports.append(_EMPTY)
            continue
        t = src.tmp()
        src.add(f"{t} = {_expr(src, row.cond)}")
        truths.append(t)
        supports.append(f"({_support(src, row.cond, t)} if {t} is None else {_EMPTY})")
    src.add(f"tt = {_tuple(truths)}")
    if isinstance(step, CompiledTable) and step.hit_policy in ("FIRST", "UNIQUE", "COLLECT"):
        _hits(src, step, truths, out)
    else:
        into = table_truths_into if isinstance(step, CompiledTable) else score_truths_into
        src.add(f"{src.f(into)}({src.k(step)}, env, tt, {out})")
    src.add("if None in tt:")
    src.add(f"{support} = {src.f(open_rows_support)}({src.k(step)}, tt, {_tuple(supports)})", 2)
    src.add("else:")
    src.add(f"{support} = {_EMPTY}", 2)


def _hits(src: _Source, table: CompiledTable, truths: list[str], out: str) -> None:
    """The rows a FIRST, UNIQUE or COLLECT table contributes, as ``table_hits`` chooses them:
    every row that may hold; for FIRST, only up to the first that surely holds."""
    rid = src.k(table.id)
    first = table.hit_policy == "FIRST"
    if first:
        src.add("h = True")  # no row surely held yet
    for row, truth in zip(table.rows, truths, strict=True):
        src.add(f"if {'h and ' if first else ''}{truth} is not False:")
        src.add(f"{out}.append(({src.k(row.output)}, {truth}, {rid}))", 2)
        if first:
            src.add(f"h = {truth} is None", 2)


# -- conditions ------------------------------------------------------------------------------

_COMPARE = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
"""The comparison operators a :class:`Shape` may name, and the Python text each becomes."""


def _inline(src: _Source, node: Leaf) -> Shape | None:
    """The leaf's shape, if its name already has a local value (inputs; facts once settled)."""
    shape = node.shape
    return shape if shape is not None and shape.name in src.names else None


def _expr(src: _Source, node: CNode) -> str:
    """A Python expression of ``node``'s three-valued truth (``True``, ``False`` or ``None``)."""
    if src.traced:
        return _traced(src, node)
    if isinstance(node, Leaf):
        shape = _inline(src, node)
        return _leaf(src, shape) if shape is not None else f"{src.f(node.ev)}(env)"
    if isinstance(node, AllNode | AnyNode) and 0 < len(node.parts) <= MAX_INLINE_PARTS:
        stop, other = ("False", "True") if isinstance(node, AllNode) else ("True", "False")
        temps = src.parts[id(node)] = [src.tmp() for _ in node.parts]
        tests = " else ".join(
            f"{stop} if ({t} := {_expr(src, part)}) is {stop}"
            for t, part in zip(temps, node.parts, strict=True)
        )
        unknown = " or ".join(f"{t} is None" for t in temps)
        return f"({tests} else None if {unknown} else {other})"
    if isinstance(node, NotNode):
        t = src.tmp()
        src.parts[id(node)] = [t]
        return f"(None if ({t} := {_expr(src, node.child)}) is None else not {t})"
    if isinstance(node, CountNode) and 0 < len(node.parts) <= MAX_INLINE_PARTS:
        need = src.params[node.param] if node.param else src.k(node.n or 0)
        temps = src.parts[id(node)] = [src.tmp() for _ in node.parts]
        each = ", ".join(f"({t} := {_expr(src, part)})" for t, part in zip(temps, node.parts, strict=True))
        return f"count3({need}, ({each},))"
    return f"{src.f(node.ev)}(env)"  # an empty all/any/count_at_least, or a very wide one


def _traced(src: _Source, node: CNode) -> str:
    """``node``'s truth, every part evaluated, each node's truth kept in a local (pre-order)."""
    me = src.tmp()
    src.nodes.append(me)
    if isinstance(node, Leaf):
        shape = _inline(src, node)
        return f"({me} := {_leaf(src, shape) if shape is not None else src.f(node.ev) + '(env)'})"
    if isinstance(node, NotNode):
        inner = _traced(src, node.child)
        child = src.parts[id(node)] = [_last_of(inner)]
        return f"({me} := (None if {inner} is None else not {child[0]}))"
    if isinstance(node, AllNode | AnyNode | CountNode):
        each = []
        temps: list[str] = []
        for part in node.parts:
            each.append(_traced(src, part))
            temps.append(_last_of(each[-1]))
        src.parts[id(node)] = temps
        group = src.tmp()
        if isinstance(node, CountNode):
            need = src.params[node.param] if node.param else src.k(node.n or 0)
            return f"({me} := count3({need}, {_tuple(each)}))"
        stop, other = ("False", "True") if isinstance(node, AllNode) else ("True", "False")
        test = f"{stop} if {stop} in ({group} := {_tuple(each)}) else None if None in {group} else {other}"
        return f"({me} := ({test}))"
    return f"({me} := {src.f(node.ev)}(env))"


def _last_of(expr: str) -> str:
    """The local a traced expression ``(tN := ...)`` assigns."""
    return expr[1 : expr.index(" := ")]


def _support(src: _Source, node: CNode, truth: str) -> str:
    """An expression of the unknown inputs behind ``node``, valid where ``truth`` (the local
    holding its truth) is ``None``: then every part of an inline all/any/not was evaluated."""
    parts = src.parts.get(id(node))
    if isinstance(node, Leaf):
        shape = _inline(src, node)
        if shape is None:
            return _closure_support(src, node)
        name, value = shape.name, src.names[shape.name]
        if name in src.compiled.inputs:
            behind = src.k(frozenset() if name in src.compiled.optional else frozenset((name,)))
        else:  # a settled fact: its support (empty once determined)
            behind = src.supports[name]
        return f"({behind} if {value} is None else {_EMPTY})"
    if isinstance(node, NotNode) and parts:
        return _support(src, node.child, parts[0])
    if isinstance(node, AllNode | AnyNode | CountNode) and parts:  # count: every part evaluated
        each = [
            f"({_support(src, part, t)} if {t} is None else {_EMPTY})"
            for t, part in zip(parts, node.parts, strict=True)
        ]
        return f"{_EMPTY}.union({', '.join(each)})"
    return _closure_support(src, node)


def _closure_support(src: _Source, node: CNode) -> str:
    targets, optional = frozenset(src.compiled.merged.targets), src.compiled.optional

    def support(env: Env, open_: dict[str, frozenset[str]]) -> frozenset[str]:
        return node.unknowns(env, Found(open_, targets, optional))

    return f"{src.f(support)}(env, U)"


def _leaf(src: _Source, shape: Shape) -> str:
    value = src.names[shape.name]
    op = shape.op
    if op == "value":
        return value
    if op == "known":
        return f"({value} is not None)"
    if op == "in":
        return f"(None if {value} is None else {value} in {src.k(shape.operand)})"
    if op == "meets":
        return f"(None if {value} is None else not {value}.isdisjoint({src.k(shape.operand)}))"
    if op == "has":
        return f"(None if {value} is None else {src.k(shape.operand)} in {value})"
    text = _COMPARE[op]
    if shape.param is not None:
        param = src.params[shape.param]
        return f"(None if {value} is None or {param} is None else {value} {text} {param})"
    return f"(None if {value} is None else {value} {text} {src.k(shape.operand)})"
