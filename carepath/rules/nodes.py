"""Stage 3: compiled condition nodes. Each holds a closure, built once, and can explain itself.

``node.ev(env)`` is the fast path: three-valued truth only. ``node.unknowns(env, support)``
gives, for a node of unknown truth, the unknown inputs that keep it unknown (its *missing*
inputs). ``node.explain(env)`` is the traced path: the same truth and the leaf checks that
decided it (why / why not). Both read the same environment:

- ``env[name]``: an input's answer or a fact's value; ``None`` when unknown, an
  :class:`Interval` or :class:`PartialSet` for scores and sets that are partly known;
- ``env["@" + param]``: a parameter's value on the evaluation date;
- ``env["#answers"]``: for inputs not given, what kind of non-answer they are;
- ``env["#as_of"]``: the evaluation date.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from carepath.rules.logic import Truth, and3, count3, not3, or3, shown, unsettled
from carepath.rules.trace import Check

__all__ = [
    "ANSWERS_KEY",
    "AS_OF_KEY",
    "AllNode",
    "AnyNode",
    "CNode",
    "CountNode",
    "Explained",
    "Leaf",
    "NotNode",
    "Shape",
    "display",
]

Env = dict[str, Any]


class Support(Protocol):
    """Where a node finds the unknown inputs behind an open fact it reads."""

    def get(self, name: str, default: frozenset[str], /) -> frozenset[str]: ...


ANSWERS_KEY = "#answers"
AS_OF_KEY = "#as_of"


@dataclass(frozen=True, slots=True)
class Explained:
    """A node's truth and the leaf checks that decided it."""

    value: Truth
    checks: tuple[Check, ...]


@dataclass(frozen=True, slots=True)
class Shape:
    """What a leaf tests, in a form the code generator can write out inline.

    ``op`` on the input or fact ``name`` (whose value is a plain value or ``None``, never a
    partial score or set), with a literal ``operand`` or the parameter ``param``:

    - ``value``: the yes/no value itself; ``known``: it is not ``None``;
    - ``in``: one of the values in ``operand`` (a frozenset);
    - ``meets``: a set sharing a value with ``operand``; ``has``: a set holding ``operand``;
    - ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``: compared with ``operand`` or ``param``.
    """

    op: str
    name: str
    operand: Any = None
    param: str | None = None


_NONE: frozenset[str] = frozenset()


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

    def explain(self, env: Env) -> Explained:
        """The truth and the leaf checks that decided it."""
        raise NotImplementedError

    def unknowns(self, env: Env, support: Support) -> frozenset[str]:
        """The unknown inputs that keep this node unknown (none when it is known).

        ``support`` gives, for each open fact, the unknown inputs behind it.
        """
        if self.ev(env) is not None:
            return _NONE
        return _NONE.union(*(c.unknowns(env, support) for c in self.children()))

    def children(self) -> tuple[CNode, ...]:
        return ()

    def names(self) -> frozenset[str]:
        """Every input or fact the node reads."""
        return frozenset().union(*(c.names() for c in self.children()))


class Leaf(CNode):
    """A leaf condition: one test on one or two names."""

    __slots__ = ("params", "reads", "shape", "text")

    def __init__(
        self,
        ev: Callable[[Env], Truth],
        text: str,
        reads: Sequence[str],
        params: Sequence[str] = (),
        shape: Shape | None = None,
    ) -> None:
        self.ev = ev
        self.text = text
        self.reads = tuple(reads)
        self.params = tuple(params)
        self.shape = shape

    def explain(self, env: Env) -> Explained:
        value = self.ev(env)
        read = [(n, display(n, env)) for n in self.reads]
        read += [(p, env.get(f"@{p}")) for p in self.params]
        return Explained(value, (Check(self.text, value, tuple(read)),))

    def unknowns(self, env: Env, support: Support) -> frozenset[str]:
        if self.ev(env) is not None:
            return _NONE
        return _NONE.union(*(support.get(n, frozenset((n,))) for n in self.reads if unsettled(env.get(n))))

    def names(self) -> frozenset[str]:
        return frozenset(self.reads)


class AllNode(CNode):
    """Every child holds."""

    __slots__ = ("parts",)

    def __init__(self, children: Sequence[CNode]) -> None:
        self.parts = tuple(children)
        fns = tuple(c.ev for c in self.parts)

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

    def explain(self, env: Env) -> Explained:
        parts = [c.explain(env) for c in self.parts]
        value = and3(p.value for p in parts)
        return _combine(value, parts, decisive=False if value is False else None)

    def children(self) -> tuple[CNode, ...]:
        return self.parts


class AnyNode(CNode):
    """At least one child holds."""

    __slots__ = ("parts",)

    def __init__(self, children: Sequence[CNode]) -> None:
        self.parts = tuple(children)
        fns = tuple(c.ev for c in self.parts)

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

    def explain(self, env: Env) -> Explained:
        parts = [c.explain(env) for c in self.parts]
        value = or3(p.value for p in parts)
        return _combine(value, parts, decisive=True if value is True else None)

    def children(self) -> tuple[CNode, ...]:
        return self.parts


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

    def explain(self, env: Env) -> Explained:
        inner = self.child.explain(env)
        return Explained(not3(inner.value), inner.checks)

    def children(self) -> tuple[CNode, ...]:
        return (self.child,)


class CountNode(CNode):
    """At least ``n`` children hold; ``n`` may come from a parameter."""

    __slots__ = ("n", "param", "parts")

    def __init__(self, n: int | None, param: str | None, children: Sequence[CNode]) -> None:
        self.parts = tuple(children)
        self.n = n
        self.param = param
        fns = tuple(c.ev for c in self.parts)
        key = f"@{param}" if param else None
        fixed = n or 0

        def ev(env: Env) -> Truth:
            need: int = env[key] if key else fixed
            return count3(need, (fn(env) for fn in fns))

        self.ev = ev

    def explain(self, env: Env) -> Explained:
        parts = [c.explain(env) for c in self.parts]
        need: int = env[f"@{self.param}"] if self.param else (self.n or 0)
        value = count3(need, (p.value for p in parts))
        return _combine(value, parts, decisive=value)

    def children(self) -> tuple[CNode, ...]:
        return self.parts


def _combine(value: Truth, parts: list[Explained], decisive: Truth) -> Explained:
    """Keep the checks of the children whose truth is ``decisive`` (false for a failing AND...)."""
    if value is True and decisive is None:
        chosen = parts
    else:
        chosen = [p for p in parts if p.value is decisive] or parts
    return Explained(value, tuple(c for p in chosen for c in p.checks))
