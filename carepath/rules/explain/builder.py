"""The trace builder generated once per rule set and date (like the values pass: straight-line
code, every constant passed by name, no rule-file text in the code), and the :class:`Plan` that
holds it with where each step's truths are in the traced pass."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from carepath.rules.compiler import (
    CompiledRule,
    CompiledRuleSet,
    CompiledScore,
    CompiledTable,
    CompiledTarget,
)
from carepath.rules.evaluator import Run
from carepath.rules.explain.records import (
    bands_step,
    make_check,
    make_rule_step,
    make_step,
    make_target_step,
    score_step,
    table_step,
)
from carepath.rules.logic import Truth, shown
from carepath.rules.nodes import ANSWERS_KEY, AllNode, AnyNode, CNode, CountNode, Leaf, NotNode, display
from carepath.rules.trace import Check, RuleStatus, RuleStep, TargetStep

__all__ = ["Plan", "Steps", "trace_steps"]

Steps = Callable[[Run], tuple[tuple[RuleStep, ...], tuple[TargetStep, ...]]]


def trace_steps(
    compiled: CompiledRuleSet, plan: Plan, st: Run
) -> tuple[tuple[RuleStep, ...], tuple[TargetStep, ...]]:
    """The rule steps and target steps of the trace, in evaluation order, from the traced pass."""
    if len(st.nodes) != plan.size:
        raise ValueError("not a run of the traced values pass this plan was made for")
    return plan.steps(st)


class Plan:
    """How to read the trace from one date's traced pass: a function generated once that builds
    every step (``steps``), where each step's condition truths start in ``Run.nodes`` and which
    steps may conclude each fact or outcome (what :meth:`Trace.contributions` reads)."""

    __slots__ = ("feeds", "size", "starts", "steps")

    def __init__(self, compiled: CompiledRuleSet, off: frozenset[str]) -> None:
        self.starts: list[int] = []
        self.feeds: dict[str, list[int]] = {}
        at = 0
        for i, step in enumerate(compiled.steps):
            self.starts.append(at)
            if isinstance(step, CompiledTarget) or step.id in off:
                continue
            if isinstance(step, CompiledRule):
                at += _size(step.cond)
                for name in dict.fromkeys(name for name, _ in step.concludes):
                    self.feeds.setdefault(name, []).append(i)
            elif isinstance(step, CompiledTable | CompiledScore):
                rows = step.rows if isinstance(step, CompiledTable) else step.items
                at += sum(_size(row.cond) for row in rows)
                if isinstance(step, CompiledTable):
                    self.feeds.setdefault(step.output, []).append(i)
        self.size = at
        self.steps: Steps = _generate(compiled, off)


def _size(node: CNode | None) -> int:
    """How many truths the traced pass keeps for a condition (every node of it)."""
    if node is None:
        return 0
    return 1 + sum(_size(child) for child in node.children())


# -- the generated trace builder -------------------------------------------------------------


MEMO_SIZE = 256
"""The most steps kept per rule (table, fact or outcome) and date for reuse: a step is made of
the truths and values it shows, so that cases alike share one (steps are immutable). Only for
steps that read yes/no answers, choices and sets of choices (no number, date or text: never a
case's own words)."""

_INLINE_PARTS = 8
"""A node of up to this many parts picks its checks in line; a wider one calls ``_pick`` (a
chain of thousands of ``+`` would nest too deep to compile)."""


def _cat(parts: tuple[tuple[Check, ...], ...]) -> tuple[Check, ...]:
    return parts[0] if len(parts) == 1 else tuple(c for part in parts for c in part)


def _pick(
    decisive: Truth, truths: tuple[Truth, ...], parts: tuple[tuple[Check, ...], ...]
) -> tuple[Check, ...]:
    """The checks of the parts whose truth is ``decisive``, or of all parts if none is."""
    chosen = tuple(part for t, part in zip(truths, parts, strict=True) if t is decisive)
    return _cat(chosen or parts)


def _beaten(ids: tuple[str, ...], yields: tuple[Truth, ...]) -> tuple[str, ...]:
    return tuple(e for e, y in zip(ids, yields, strict=True) if y is True)


def _status(win: Truth, cond: Truth, beaten_by: tuple[str, ...]) -> RuleStatus:
    if win is True:
        return "fired"
    if cond is True and beaten_by:
        return "overridden"
    return "unknown" if win is None else "not_fired"


def _sorted(support: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(support))


def _shown_all(values: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple([shown(v) for v in values])


class _Writer:
    """Lines of the generated builder and the constants it reads by name."""

    def __init__(self, plain: frozenset[str], finite: frozenset[str]) -> None:
        self.lines: list[str] = ["def steps(st):"]
        self.consts: dict[int, str] = {}
        self.values: list[Any] = []
        self.at = 0  # the next condition truth in ``Run.nodes``
        self.plain = plain  # names whose value a trace shows as it is (no set, no number fact)
        self.finite = finite  # names of few values each (yes/no, choices): steps kept for reuse
        self.bound: dict[str, str] = {}  # names whose shown value a variable already holds
        self.depth = 1

    def k(self, value: Any) -> str:
        """The name of a constant (one name per object)."""
        name = self.consts.get(id(value))
        if name is None:
            self.values.append(value)  # kept alive, so that its id stays its own
            name = self.consts[id(value)] = f"k{len(self.values) - 1}"
        return name

    def add(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def reused(self, var: str, names: list[str], key: str, read: bool = True) -> str | None:
        """Open a block that builds ``var`` only where no step was kept for the same key: the
        truths in ``key`` and (if ``read``) the shown values of ``names``, all that the step
        is made of. Its memo's name, or None where one of ``names`` takes too many values to
        keep a step for each."""
        if not set(names) <= self.finite:
            return None
        memo = self.k({})
        held: list[str] = []
        for name in dict.fromkeys(names if read else ()):
            u = f"u{len(held)}"
            k = self.k(name)
            # the value itself (a set is hashable, its shown list is not), or the kind of non-answer
            self.add(f"{u} = (v if (v := env.get({k})) is not None else A.get({k}, 'unknown'))")
            self.bound[name] = u if name in self.plain else f"SH({u})"
            held.append(u)
        self.add(f"key = ({key.rstrip(', ')}, {''.join(v + ', ' for v in held)})")
        self.add(f"{var} = {memo}.get(key)")
        self.add(f"if {var} is None:")
        self.depth += 1
        return memo

    def keep(self, var: str, memo: str | None) -> None:
        """Close the block :meth:`reused` opened: keep the step built (up to ``MEMO_SIZE``)."""
        if memo is None:
            return
        self.add(f"if len({memo}) < {MEMO_SIZE}:")
        self.add(f"    {memo}[key] = {var}")
        self.depth -= 1
        self.bound.clear()

    def missing(self, support: str) -> str:
        """A support's inputs, sorted (most supports are empty: no call for those)."""
        return f"(MS({support}) if {support} else ())"

    def read(self, name: str) -> str:
        """What a leaf's check shows of ``name`` (as ``nodes.display``, inlined where the value
        is shown as it is)."""
        if name in self.bound:
            return self.bound[name]
        if name in self.plain:
            return f"(v if (v := env.get({self.k(name)})) is not None else A.get({self.k(name)}, 'unknown'))"
        return f"D({self.k(name)}, env)"

    def cond(self, node: CNode) -> tuple[str, str]:
        """Write the checks of ``node``: the expressions of its truth and of its checks."""
        me = self.at
        self.at += 1
        truth = f"N[{me}]"
        if isinstance(node, Leaf):
            reads = [f"({self.k(n)}, {self.read(n)})" for n in node.reads]
            reads += [f"({self.k(p)}, env.get({self.k('@' + p)}))" for p in node.params]
            read = f"({', '.join(reads)}{',' if len(reads) == 1 else ''})"
            self.add(f"x{me} = (CK({self.k(node.text)}, {truth}, {read}),)")
            return truth, f"x{me}"
        if isinstance(node, NotNode):
            return truth, self.cond(node.child)[1]
        if not isinstance(node, AllNode | AnyNode | CountNode):
            raise TypeError(f"no trace for condition node {type(node).__name__}")
        parts = [self.cond(part) for part in node.parts]
        if len(parts) <= _INLINE_PARTS:
            every = " + ".join(c for _, c in parts) if len(parts) > 1 else parts[0][1]
            # the checks of the parts whose truth is the node's, or of all parts if none is
            picked = " + ".join(f"({c} if {t} is {truth} else ())" for t, c in parts)
            pick = f"(({picked}) or {every})"
        else:
            checks = f"({''.join(c + ', ' for _, c in parts)})"
            every = f"CAT({checks})"
            pick = f"PICK({truth}, ({''.join(t + ', ' for t, _ in parts)}), {checks})"
        if isinstance(node, AllNode):
            self.add(f"x{me} = {every} if {truth} is True else {pick}")
        elif isinstance(node, AnyNode):
            self.add(f"x{me} = {every} if {truth} is False else {pick}")
        else:
            self.add(f"x{me} = {pick}")
        return truth, f"x{me}"


def _shown_names(compiled: CompiledRuleSet) -> tuple[frozenset[str], frozenset[str]]:
    """The inputs and facts whose value a trace shows as it is (no set, no number fact: an
    interval while open), and those of few values each (yes/no, a choice, a set of choices)."""
    types = {name: spec.type for name, spec in compiled.inputs.items()}
    targets = compiled.merged.targets
    plain = {name for name, kind in types.items() if kind != "set"}
    plain |= {name for name, spec in targets.items() if spec.type not in ("set", "number")}
    finite = {name for name, kind in types.items() if kind in ("bool", "enum", "set")}
    finite |= {name for name, spec in targets.items() if spec.type in ("bool", "enum", "set")}
    return frozenset(plain), frozenset(finite)


def _names_read(node: CNode) -> list[str] | None:
    """The names a condition's leaves read, or None if one reads a parameter (its value is not
    part of the key a step is kept under)."""
    if isinstance(node, Leaf):
        return None if node.params else list(node.reads)
    names: list[str] = []
    for child in node.children():
        found = _names_read(child)
        if found is None:
            return None
        names += found
    return names


def _generate(compiled: CompiledRuleSet, off: frozenset[str]) -> Steps:
    """The trace builder of ``compiled`` on a date when the rules in ``off`` are not in force:
    it reads positions in the :class:`Run` of the traced pass as ``codegen`` lays them out."""
    conclusion = [step.id for step in compiled.steps if isinstance(step, CompiledRule)]
    win_at = {rid: i for i, rid in enumerate(conclusion)}
    step_at = {rid: i for i, rid in enumerate(compiled.rules)}
    target_at = {name: i for i, name in enumerate(compiled.merged.targets)}
    specs = compiled.merged.targets
    src = _Writer(*_shown_names(compiled))
    src.add(
        "N, env, T, Y, R, H, B = st.nodes, st.env, st.truths, st.yielded, st.results, st.behind, st.beneath"
    )
    src.add(f"A = env.get({src.k(ANSWERS_KEY)}, {{}})")
    rules: list[str] = []
    targets: list[str] = []
    for step in compiled.steps:
        if isinstance(step, CompiledTarget):
            j = target_at[step.name]
            section = "outcomes" if step.section == "outcomes" else "facts"
            src.add(f"r = R[{j}]")
            memo = src.reused(f"g{j}", [step.name], f"r, H[{j}]", read=False)
            name = f"{src.k(step.name)}, {src.k(section)}"
            value = "SH(r[0])" if specs[step.name].type in ("set", "number") else "r[0]"
            candidates = "(SHA(r[3]) if r[3] else ())"
            tail = f"r[1], r[2], {candidates}, r[4], {src.missing(f'H[{j}]')}"
            src.add(f"g{j} = TG({name}, {value}, {tail})")
            src.keep(f"g{j}", memo)
            targets.append(f"g{j}")
            continue
        q = len(rules)
        rules.append(f"q{q}")
        if step.id in off:
            done = make_step(step, "not_in_force", detail="not in force on the evaluation date")
            src.add(f"q{q} = {src.k(done)}")
            continue
        support = f"B[{step_at[step.id]}]"
        missing = src.missing(support)
        if isinstance(step, CompiledRule):
            cond = step.cond
            names = _names_read(cond) if cond is not None else None
            size = _size(cond)
            yields = "".join(f"Y[{win_at[e]}], " for e in step.exceptions)
            key = f"N[{src.at}:{src.at + size}], T[{win_at[step.id]}], {support}, {yields}"
            memo = src.reused(f"q{q}", names, key) if names is not None else None
            truth, checks = src.cond(cond) if cond is not None else ("True", "()")
            src.add(f"w = T[{win_at[step.id]}]")
            if step.exceptions:
                src.add(f"b = BEATEN({src.k(tuple(step.exceptions))}, ({yields}))")
                status = f"STATUS(w, {truth}, b)"
            else:  # nothing can beat it: fired, unknown or not fired, as its truth says
                src.add("b = ()")
                status = "('fired' if w is True else 'unknown' if w is None else 'not_fired')"
            head = ", ".join(src.k(v) for v in (step.id, step.title, "rule"))
            where = ", ".join(src.k(v) for v in (step.source, step.layer, step.hard, step.local_setting))
            tail = (
                f"{src.k(step.concludes)}, {checks}, {src.k(step.exception_to)}, b, (), None, {missing}, None"
            )
            src.add(f"q{q} = RS({head}, {status}, {where}, {tail})")
            src.keep(f"q{q}", memo)
        elif isinstance(step, CompiledTable | CompiledScore):
            rows = step.rows if isinstance(step, CompiledTable) else step.items
            memo = None
            if isinstance(step, CompiledTable):
                read = [_names_read(row.cond) if row.cond is not None else [] for row in rows]
                if all(names is not None for names in read):
                    size = sum(_size(row.cond) for row in rows)
                    key = f"N[{src.at}:{src.at + size}], {support}"
                    memo = src.reused(f"q{q}", [n for names in read if names for n in names], key)
            explained = []
            for row in rows:
                if row.cond is None:
                    explained.append("None")
                else:
                    truth, checks = src.cond(row.cond)
                    explained.append(f"({truth}, {checks})")
            listed = f"[{', '.join(explained)}]"
            if isinstance(step, CompiledTable):
                src.add(f"q{q} = TABLE({src.k(step)}, {listed}, {missing})")
                src.keep(f"q{q}", memo)
            else:
                src.add(f"q{q} = SCORE({src.k(step)}, st, {listed}, {missing})")
        else:
            src.add(f"q{q} = BANDS({src.k(step)}, st, {missing})")
    src.add(f"return ({''.join(r + ', ' for r in rules)}), ({''.join(t + ', ' for t in targets)})")
    namespace: dict[str, Any] = {
        **{name: src.values[int(name[1:])] for name in src.consts.values()},
        "D": display,
        "CK": make_check,
        "CAT": _cat,
        "PICK": _pick,
        "BEATEN": _beaten,
        "STATUS": _status,
        "MS": _sorted,
        "SH": shown,
        "SHA": _shown_all,
        "RS": make_rule_step,
        "TG": make_target_step,
        "TABLE": table_step,
        "SCORE": score_step,
        "BANDS": bands_step,
    }
    text = "\n".join(src.lines) + "\n"
    exec(
        compile(text, "<carepath trace>", "exec"), namespace
    )  # from the compiled model, never rule-file text
    built: Steps = namespace["steps"]
    built.__doc__ = text
    return built
