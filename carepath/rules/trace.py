"""Stage 5: the trace. Every rule that fired, every rule that did not and why, each with its source.

A :class:`Check` is one leaf condition as evaluated, with the values it read. A
:class:`RuleStep` says what a rule (or table, or score) did and which checks decided it. A
:class:`TargetStep` says how a fact or outcome got its value. Values of sensitive inputs can
be masked with :meth:`Trace.redacted`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeVar

from carepath.rules.model import Source

__all__ = [
    "REDACTED",
    "AnswerKind",
    "AnswerStep",
    "Check",
    "Contribution",
    "RowStep",
    "RuleStatus",
    "RuleStep",
    "TargetStep",
    "Trace",
    "maker",
]

REDACTED = "[redacted]"

RuleStatus = Literal["fired", "not_fired", "unknown", "overridden", "not_in_force"]
AnswerKind = Literal["given", "unknown", "declined", "not_asked", "candidates"]
"""``candidates``: fed by a pipeline from an open outcome of an earlier step, as the values it
can still take (the answer's value)."""


@dataclass(frozen=True, slots=True)
class Check:
    """One leaf condition as evaluated: its text, its truth, and what it read."""

    text: str
    value: bool | None
    reads: tuple[tuple[str, Any], ...] = ()

    def redacted(self, sensitive: frozenset[str]) -> Check:
        if not any(name in sensitive for name, _ in self.reads):
            return self
        return replace(
            self,
            reads=tuple((n, REDACTED if n in sensitive else v) for n, v in self.reads),
        )


@dataclass(frozen=True, slots=True)
class RowStep:
    """One row of a decision table or one item of a score."""

    id: str
    value: bool | None
    output: Any
    checks: tuple[Check, ...] = ()
    source: Source | None = None


@dataclass(frozen=True, slots=True)
class RuleStep:
    """What one rule did, and why: the checks that decided it (why, or why not)."""

    rule_id: str
    title: str
    kind: Literal["rule", "table", "score"]
    status: RuleStatus
    source: Source | None
    layer: str
    hard: bool = False
    local_setting: bool = False
    concludes: tuple[tuple[str, Any], ...] = ()
    checks: tuple[Check, ...] = ()
    exception_to: tuple[str, ...] = ()
    overridden_by: tuple[str, ...] = ()
    rows: tuple[RowStep, ...] = ()
    detail: str | None = None
    missing: tuple[str, ...] = ()
    target: str | None = None
    """What a table or score concludes (rules name theirs in ``concludes``)."""

    def redacted(self, sensitive: frozenset[str]) -> RuleStep:
        return replace(
            self,
            checks=tuple(c.redacted(sensitive) for c in self.checks),
            rows=tuple(replace(r, checks=tuple(c.redacted(sensitive) for c in r.checks)) for r in self.rows),
        )


@dataclass(frozen=True, slots=True)
class Contribution:
    """A rule, or a row of a table, that concludes a value: surely (``fired``) or maybe."""

    step: RuleStep
    row: RowStep | None
    status: RuleStatus

    @property
    def source(self) -> Source | None:
        """The row's own source if it has one, else the rule's."""
        return (self.row.source if self.row is not None else None) or self.step.source

    @property
    def ref(self) -> str:
        """``rule`` or ``table#row``."""
        return f"{self.step.rule_id}#{self.row.id}" if self.row is not None else self.step.rule_id


@dataclass(frozen=True, slots=True)
class TargetStep:
    """How a fact or outcome got its value."""

    name: str
    section: Literal["facts", "outcomes"]
    value: Any
    determined: bool
    decided_by: tuple[str, ...] = ()
    candidates: tuple[Any, ...] = ()
    conflict: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AnswerStep:
    """One input as answered: the value, what kind of answer it was, and from which contact."""

    name: str
    value: Any
    kind: AnswerKind
    sensitive: bool = False
    contact: str | None = None


Steps = tuple[tuple[AnswerStep, ...], tuple[RuleStep, ...], tuple[TargetStep, ...], frozenset[str]]
"""What builds a lazy trace: its answers, rules, targets and redacted fields."""
_LAZY = ("answers", "rules", "targets", "redacted_fields")


@dataclass(frozen=True)
class Trace:
    """The whole evaluation: answers read, rule steps in evaluation order, targets.

    An evaluation's trace is built on first access to any of its fields (:meth:`lazy`), from
    what the values pass kept; until then it costs next to nothing.
    """

    answers: tuple[AnswerStep, ...]
    rules: tuple[RuleStep, ...]
    targets: tuple[TargetStep, ...]
    redacted_fields: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def lazy(
        cls, build: Callable[[], Steps], feeding: Callable[[str], list[RuleStep]] | None = None
    ) -> Trace:
        """A trace whose fields ``build`` gives when one of them is first read. ``feeding``
        gives the steps that may conclude a target, built alone (equal to those of ``build``),
        so that :meth:`contributions` needs not build the whole trace."""
        trace = object.__new__(cls)
        object.__setattr__(trace, "_build", build)
        object.__setattr__(trace, "_feeding", feeding)
        return trace

    def __getattr__(self, name: str) -> Any:
        # only called for an attribute not set: the fields of a lazy trace not built yet
        build = self.__dict__.get("_build")
        if build is None or name not in _LAZY:
            raise AttributeError(name)
        for key, value in zip(_LAZY, build(), strict=True):
            object.__setattr__(self, key, value)
        self.__dict__.pop("_build", None)
        self.__dict__.pop("_feeding", None)
        return self.__dict__[name]

    def __getstate__(self) -> dict[str, Any]:
        """The built steps (for pickling and copying), never the function that builds them."""
        return {
            "answers": self.answers,
            "rules": self.rules,
            "targets": self.targets,
            "redacted_fields": self.redacted_fields,
        }

    def rule(self, rule_id: str) -> RuleStep:
        """The step of one rule."""
        for step in self.rules:
            if step.rule_id == rule_id:
                return step
        raise KeyError(rule_id)

    def target(self, name: str) -> TargetStep:
        """The step of one fact or outcome."""
        for step in self.targets:
            if step.name == name:
                return step
        raise KeyError(name)

    def feeding_steps(self, target: str) -> list[RuleStep]:
        """The steps that may conclude ``target``, in evaluation order: the rules that conclude
        it and the tables that output it (built alone while the trace is not built)."""
        feeding = self.__dict__.get("_feeding")
        if feeding is not None:
            found: list[RuleStep] = feeding(target)
            return found
        return [
            s
            for s in self.rules
            if (s.kind == "table" and s.target == target)
            or (s.kind == "rule" and any(name == target for name, _ in s.concludes))
        ]

    def contributions(self, target: str) -> dict[Any, list[Contribution]]:
        """Per value of ``target`` (per item of a set), the rules and table rows that surely
        (``fired``) or may (``unknown``) conclude it, in evaluation order."""
        steps = self.feeding_steps(target)
        found: dict[Any, list[Contribution]] = {}

        def add(value: Any, step: RuleStep, row: RowStep | None, status: RuleStatus) -> None:
            items = value if isinstance(value, list | tuple | frozenset | set) else [value]
            for item in items:
                found.setdefault(item, []).append(Contribution(step, row, status))

        for step in steps:
            if step.kind == "table" and step.target == target:
                for row in step.rows:
                    if row.value is True and (target, row.output) in step.concludes:
                        add(row.output, step, row, "fired")
                    elif row.value is None and step.status in ("fired", "unknown"):
                        add(row.output, step, row, "unknown")
            elif step.kind == "rule" and step.status in ("fired", "unknown"):
                for name, value in step.concludes:
                    if name == target:
                        add(value, step, None, step.status)
        return found

    def fired(self) -> list[str]:
        """Ids of the rules that fired, in order."""
        return [s.rule_id for s in self.rules if s.status == "fired"]

    def redacted(self) -> Trace:
        """A copy with the values of sensitive inputs masked everywhere (built when first read,
        like this trace)."""
        if "_build" in self.__dict__:
            return Trace.lazy(self._redacted_steps)
        return Trace(*self._redacted_steps())

    def _redacted_steps(self) -> Steps:
        sensitive = frozenset(a.name for a in self.answers if a.sensitive)
        # a contact's id is the case's own words (often a date or a place): by its place instead
        contacts = {
            c: f"contact {i}"
            for i, c in enumerate(dict.fromkeys(a.contact for a in self.answers if a.contact), 1)
        }
        return (
            tuple(
                replace(
                    a,
                    value=REDACTED if a.sensitive and a.kind in ("given", "candidates") else a.value,
                    contact=contacts.get(a.contact) if a.contact else None,
                )
                for a in self.answers
            ),
            tuple(r.redacted(sensitive) for r in self.rules),
            self.targets,
            sensitive,
        )


T = TypeVar("T")


def maker(cls: type[T]) -> Callable[..., T]:
    """A quicker constructor of a frozen, slotted dataclass with no ``__post_init__``: every
    field, positionally. It fills an instance of a plain twin class with the same slots (quick
    attribute stores, where the frozen class's ``__init__`` goes through ``object.__setattr__``
    once per field) and then gives it its class: about four times quicker, equal instances.
    Where the twin cannot become the class, it sets each slot through its descriptor."""
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    slots = tuple(cls.__dict__["__slots__"])
    twin = type(f"_{cls.__name__}Filling", (), {"__slots__": slots})
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls, "twin": twin}
    lines = [f"def make({', '.join(names)}):", "    o = new(twin)"]
    lines += [f"    o.{name} = {name}" for name in names]
    lines += ["    o.__class__ = cls", "    return o"]
    exec("\n".join(lines), namespace)  # field names of our own dataclasses only
    made: Callable[..., T] = namespace["make"]
    try:
        if made(*names) == cls(*names):
            return made
    except TypeError:  # a layout the twin cannot take on
        pass
    lines = [f"def make({', '.join(names)}):", "    o = new(cls)"]
    for i, name in enumerate(names):
        namespace[f"s{i}"] = getattr(cls, name).__set__
        lines.append(f"    s{i}(o, {name})")
    lines.append("    return o")
    exec("\n".join(lines), namespace)  # field names of our own dataclasses only
    slow: Callable[..., T] = namespace["make"]
    return slow
