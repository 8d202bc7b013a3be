"""Stage 3: compiled condition nodes. Each holds a closure, built once, and can explain itself.

``node.ev(env)`` is the fast path: three-valued truth only. ``node.explain(env, support)`` is
the traced path: the same truth, the leaf checks that decided it (why / why not), and the
unknown inputs that kept it unknown. Both read the same environment:

- ``env[name]``: an input's answer or a fact's value; ``None`` when unknown, an
  :class:`Interval` or :class:`PartialSet` for scores and sets that are partly known;
- ``env["@" + param]``: a parameter's value on the evaluation date;
- ``env["#answers"]``: for inputs not given, what kind of non-answer they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from carepath.rules.logic import Interval, PartialSet, Truth, and3, count3, not3, or3, shown
from carepath.rules.trace import Check

__all__ = [
    "ANSWERS_KEY",
    "AllNode",
    "AnyNode",
    "CNode",
    "CountNode",
    "Explained",
    "Leaf",
    "NotNode",
    "display",
]

Env = dict[str, Any]
Support = dict[str, frozenset[str]]
ANSWERS_KEY = "#answers"


@dataclass(frozen=True, slots=True)
class Explained:
    """A node's truth, the leaf checks that decided it, and the unknown inputs behind it."""

    value: Truth
    checks: tuple[Check, ...]
    support: frozenset[str]


def display(name: str, env: Env) -> Any:
    """A value as a trace shows it: answers, sets sorted, non-answers named."""
    value = env.get(name)
    if value is None:
        return env.get(ANSWERS_KEY, {}).get(name, "unknown")
    return shown(value)


class CNode:
    """A compiled condition."""

    __slots__ = ("ev",)

    ev: Callable[[Env], Truth]

    def explain(self, env: Env, support: Support) -> Explained:
        raise NotImplementedError

    def names(self) -> frozenset[str]:
        """Every input or fact the node reads."""
        raise NotImplementedError


class Leaf(CNode):
    """A leaf condition: one test on one or two names."""

    __slots__ = ("params", "reads", "text")

    def __init__(
        self, ev: Callable[[Env], Truth], text: str, reads: Sequence[str], params: Sequence[str] = ()
    ) -> None:
        self.ev = ev
        self.text = text
        self.reads = tuple(reads)
        self.params = tuple(params)

    def explain(self, env: Env, support: Support) -> Explained:
        value = self.ev(env)
        shown = [(n, display(n, env)) for n in self.reads]
        shown += [(p, env.get(f"@{p}")) for p in self.params]
        check = Check(self.text, value, tuple(shown))
        unknown: frozenset[str] = frozenset()
        if value is None:
            unknown = frozenset().union(
                *(support.get(n, frozenset((n,))) for n in self.reads if _unsettled(env.get(n)))
            )
        return Explained(value, (check,), unknown)

    def names(self) -> frozenset[str]:
        return frozenset(self.reads)


def _unsettled(value: Any) -> bool:
    return value is None or isinstance(value, Interval | PartialSet)


class AllNode(CNode):
    """Every child holds."""

    __slots__ = ("children",)

    def __init__(self, children: Sequence[CNode]) -> None:
        self.children = tuple(children)
        fns = tuple(c.ev for c in self.children)

        def ev(env: Env) -> Truth:
            result: Truth = True
            for fn in fns:
                value = fn(env)
                if value is False:
                    return False
                if value is None:
                    result = None
            return result

        self.ev = ev

    def explain(self, env: Env, support: Support) -> Explained:
        parts = [c.explain(env, support) for c in self.children]
        value = and3(p.value for p in parts)
        return _combine(value, parts, decisive=False if value is False else None)

    def names(self) -> frozenset[str]:
        return frozenset().union(*(c.names() for c in self.children))


class AnyNode(CNode):
    """At least one child holds."""

    __slots__ = ("children",)

    def __init__(self, children: Sequence[CNode]) -> None:
        self.children = tuple(children)
        fns = tuple(c.ev for c in self.children)

        def ev(env: Env) -> Truth:
            result: Truth = False
            for fn in fns:
                value = fn(env)
                if value is True:
                    return True
                if value is None:
                    result = None
            return result

        self.ev = ev

    def explain(self, env: Env, support: Support) -> Explained:
        parts = [c.explain(env, support) for c in self.children]
        value = or3(p.value for p in parts)
        return _combine(value, parts, decisive=True if value is True else None)

    def names(self) -> frozenset[str]:
        return frozenset().union(*(c.names() for c in self.children))


class NotNode(CNode):
    """The child does not hold."""

    __slots__ = ("child",)

    def __init__(self, child: CNode) -> None:
        self.child = child
        fn = child.ev

        def ev(env: Env) -> Truth:
            value = fn(env)
            return None if value is None else not value

        self.ev = ev

    def explain(self, env: Env, support: Support) -> Explained:
        inner = self.child.explain(env, support)
        return Explained(not3(inner.value), inner.checks, inner.support)

    def names(self) -> frozenset[str]:
        return self.child.names()


class CountNode(CNode):
    """At least ``n`` children hold; ``n`` may come from a parameter."""

    __slots__ = ("children", "n", "param")

    def __init__(self, n: int | None, param: str | None, children: Sequence[CNode]) -> None:
        self.children = tuple(children)
        self.n = n
        self.param = param
        fns = tuple(c.ev for c in self.children)
        key = f"@{param}" if param else None
        fixed = n or 0

        def ev(env: Env) -> Truth:
            need: int = env[key] if key else fixed
            return count3(need, (fn(env) for fn in fns))

        self.ev = ev

    def explain(self, env: Env, support: Support) -> Explained:
        parts = [c.explain(env, support) for c in self.children]
        need: int = env[f"@{self.param}"] if self.param else (self.n or 0)
        value = count3(need, (p.value for p in parts))
        if value is True:
            return _combine(value, parts, decisive=True)
        if value is False:
            return _combine(value, parts, decisive=False)
        return _combine(value, parts, decisive=None)

    def names(self) -> frozenset[str]:
        return frozenset().union(*(c.names() for c in self.children))


def _combine(value: Truth, parts: list[Explained], decisive: Truth) -> Explained:
    """Keep the checks of the children whose truth is ``decisive`` (false for a failing AND...)."""
    if value is True and decisive is None:
        chosen = parts
    else:
        chosen = [p for p in parts if p.value is decisive] or parts
    checks = tuple(c for p in chosen for c in p.checks)
    support: frozenset[str] = frozenset()
    if value is None:
        support = frozenset().union(*(p.support for p in parts if p.value is None))
    return Explained(value, checks, support)
