"""Feed what is known of an open outcome: the values it can still take.

An undetermined outcome of one step is not nothing: readiness may only be ``ready`` or
``ready_with_support``, a risk only ``high`` or ``very_high``. A later step reads it as an input
that takes each of those values in turn. A condition of the later step is then true when it is
true for every candidate, false when false for every one, and unknown otherwise: the same
three-valued reading as for an unknown answer, only narrower. It is computed exactly, by
evaluating the step once per combination of candidates (a *world*) and merging the results.
Candidates that every rule of the step treats alike (each comparison of the input with a
written value gives them the same truth) are one class, and one of them stands for all:

- an outcome every world settles to one value is determined, with that value;
- otherwise it stays open, its candidates the union of the worlds', and it is missing the
  questions of its worlds plus the upstream questions of each fed input whose candidates it
  depends on (two worlds differing in that input alone settle it differently);
- in the trace, a rule has one status where every world agrees, and is ``unknown`` otherwise.

The candidates come from answering the outcome's open questions in every way, where they are
few yes/no or choice questions (:func:`by_answering`: exact, and it tells whether the outcome
can end with no value at all); the care options that may come first come from the ranking.
An open number is fed as the interval it can still take, one value per class of it running as
a world (:mod:`carepath.assessments.intervals`); a number outcome that differs between worlds
only by its bounds counts as differing. What says no more than "unknown" is not fed: an outcome
that may end with no value at all, and candidates covering every value the input accepts. At
most :data:`MAX_WORLDS` worlds are evaluated: beyond that the inputs with most candidates are
left unknown, which is less precise but never less safe.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from carepath.rules.model import InputSpec, TargetSpec
from carepath.rules.result import Evaluation, Outcome
from carepath.rules.trace import AnswerStep, Check, RowStep, RuleStatus, RuleStep, TargetStep, Trace

__all__ = [
    "MAX_ANSWERING",
    "MAX_WORLDS",
    "OpenFeed",
    "by_answering",
    "feed_values",
    "merge",
    "worlds",
]

MAX_WORLDS = 64
"""The most combinations of candidates evaluated for one step."""

_MAX_SET_OPEN = 4
"""A set outcome with more open items than this is not fed (2**n worlds)."""

MAX_ANSWERING = 16
"""The most ways of answering an outcome's open questions tried to find what it can become."""


@dataclass(frozen=True, slots=True)
class OpenFeed:
    """An input fed from an undetermined outcome: the answers it can still take."""

    name: str
    ref: str
    values: tuple[Any, ...]
    missing: tuple[str, ...]
    """The upstream questions that would settle the outcome."""
    interval: tuple[float, float] | None = None
    """For a number: the interval it can still take (``values`` stand for its classes)."""


def feed_values(
    outcome: Outcome, target: TargetSpec, spec: InputSpec, settled: tuple[tuple[Any, ...], bool] | None
) -> tuple[Any, ...] | None:
    """The answers an undetermined ``outcome`` may still give an input, or ``None`` when they say
    no more than "unknown".

    ``settled`` is what answering the outcome's open questions was found to give: the values,
    and whether it can end with no value at all (:func:`by_answering`). An outcome that may end
    with no value is not fed: the world in which it has none is the unknown answer itself, whose
    conclusions every other world shares (the evaluation is monotone), so feeding it adds
    nothing. Nor are candidates fed that cover every value the input accepts."""
    if target.type == "set":
        sure = list(outcome.value or ())
        maybe = [c for c in outcome.candidates if c not in sure]
        if not maybe or len(maybe) > _MAX_SET_OPEN:
            return None
        return tuple(
            sorted([*sure, *chosen], key=str)
            for k in range(len(maybe) + 1)
            for chosen in itertools.combinations(maybe, k)
        )
    if target.type not in ("enum", "bool") or settled is None:
        return None
    values, absent = list(dict.fromkeys(settled[0])), settled[1]
    accepted = [c.value for c in spec.choices or ()] if spec.type == "enum" else [True, False]
    if absent or not values or set(accepted) <= set(values) or any(v not in accepted for v in values):
        return None
    return tuple(values)


def by_answering(
    evaluate: Callable[[dict[str, Any]], Evaluation],
    inputs: dict[str, InputSpec],
    outcome: Outcome,
) -> tuple[tuple[Any, ...], bool] | None:
    """What ``outcome`` becomes once its open questions are answered, each in every way: the
    values it takes, and whether it can end with none. ``None`` when that is too costly to
    find out (more than :data:`MAX_ANSWERING` ways, or a question that is not a yes/no or a
    choice) or does not settle it."""
    domains: list[list[Any]] = []
    for name in outcome.missing:
        spec = inputs.get(name)
        if spec is None or spec.type not in ("bool", "enum"):
            return None
        domains.append([True, False] if spec.type == "bool" else [c.value for c in spec.choices or ()])
    if not domains or math.prod(len(d) for d in domains) > MAX_ANSWERING:
        return None
    seen: list[Any] = []
    absent = False
    for combo in itertools.product(*domains):
        result = evaluate(dict(zip(outcome.missing, combo, strict=True)))[outcome.name]
        if not result.determined:
            return None
        if result.value is None:
            absent = True
        elif result.value not in seen:
            seen.append(result.value)
    return tuple(seen), absent


def worlds(feeds: Sequence[OpenFeed]) -> tuple[list[dict[str, Any]], list[OpenFeed], list[OpenFeed]]:
    """Every combination of the feeds' values (at most :data:`MAX_WORLDS`), the feeds used and
    those left unknown because the combinations would be too many."""
    kept = sorted(feeds, key=lambda f: len(f.values))
    dropped: list[OpenFeed] = []
    while kept and math.prod(len(f.values) for f in kept) > MAX_WORLDS:
        dropped.append(kept.pop())
    order = {f.name: i for i, f in enumerate(feeds)}
    kept.sort(key=lambda f: order[f.name])  # the worlds run in the feeds' own order (see _Worlds)
    combos = itertools.product(*(f.values for f in kept))
    found = [dict(zip((f.name for f in kept), combo, strict=True)) for combo in combos]
    return found, kept, dropped


# -- which candidates the rules tell apart ---------------------------------------------------------

_Test = Callable[[Any], Any]


def tests_of(
    rules: Iterable[Mapping[str, Any]], name: str, leaf: Callable[[str, Any], _Test | None] | None = None
) -> list[_Test] | None:
    """The tests the rules make of input ``name`` (each maps a value to what the rule sees), or
    ``None`` when some rule reads it in a way not told apart here (an order, a reference, a
    parameter): then every value is its own class. ``rules`` are rules as the rule file
    writes them (``model_dump(by_alias=True)``); ``leaf`` reads one comparison (``op``, the
    written operand), by default as an enum's or a set's."""
    leaf = leaf or _leaf
    found: list[_Test] = []
    opaque = False

    def condition(node: Any) -> None:
        nonlocal opaque
        if isinstance(node, list):
            for sub in node:
                condition(sub)
            return
        if not isinstance(node, dict):
            return
        for op, arg in node.items():
            if op == "table" and isinstance(arg, dict):
                table(arg)
            elif op == "ref" and arg == name:
                opaque = True
            elif isinstance(arg, list) and len(arg) == 2 and arg[0] == name:
                test = leaf(op, arg[1])
                if test is None:
                    opaque = True
                else:
                    found.append(test)
            elif op == "is_true" and arg == name:
                found.append(lambda v: v is True)
            else:
                condition(arg)

    def table(spec: dict[str, Any]) -> None:
        nonlocal opaque
        columns = spec.get("inputs") or []
        for row in spec.get("rows") or []:
            for column, cell in zip(columns, row.get("when") or [], strict=False):
                if column != name or cell == "-":
                    continue
                if isinstance(cell, dict):
                    op, value = next(iter(cell.items()))
                    test = leaf(op, value)
                    if test is None:
                        opaque = True
                    else:
                        found.append(test)
                else:
                    test = leaf("in", cell) if isinstance(cell, list) else leaf("==", cell)
                    if test is None:
                        opaque = True
                    else:
                        found.append(test)

    for rule in rules:
        condition(rule)
    return None if opaque else found


def _leaf(op: str, operand: Any) -> _Test | None:
    """What one comparison of the input with a written value sees, or ``None`` if it is not one."""
    if isinstance(operand, dict):  # a parameter or a reference
        return None
    if op == "in" and isinstance(operand, list):
        return partial(_is_in, tuple(operand))
    if op == "==":
        return partial(operator.eq, operand)
    if op == "!=":
        return partial(operator.ne, operand)
    if op == "contains":
        return partial(_contains, operand)
    if op == "intersects" and isinstance(operand, list):
        return partial(_meets, frozenset(operand))
    return None


def _is_in(of: tuple[Any, ...], v: Any) -> bool:
    return v in of


def _contains(x: Any, v: Any) -> bool:
    return isinstance(v, list) and x in v


def _meets(of: frozenset[Any], v: Any) -> bool:
    return isinstance(v, list) and bool(of & set(v))


def representatives(values: Sequence[Any], tests: list[_Test] | None) -> tuple[Any, ...]:
    """One value of each class the tests tell apart (every value, when the tests are unknown)."""
    if tests is None:
        return tuple(values)
    seen: dict[tuple[Any, ...], Any] = {}
    for v in values:
        seen.setdefault(tuple(bool(t(v)) for t in tests), v)
    return tuple(seen.values())


# -- merging the worlds ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Worlds:
    """The evaluated worlds, and which of them differ in one feed alone."""

    evaluations: list[Evaluation]
    feeds: list[OpenFeed]
    groups: dict[str, list[list[int]]]
    """Per feed: groups of worlds equal in every other feed."""

    @classmethod
    def of(cls, evaluations: list[Evaluation], feeds: list[OpenFeed]) -> _Worlds:
        combos = list(itertools.product(*(range(len(f.values)) for f in feeds)))
        groups: dict[str, list[list[int]]] = {}
        for i, feed in enumerate(feeds):
            by_rest: dict[tuple[int, ...], list[int]] = {}
            for w, combo in enumerate(combos):
                by_rest.setdefault(combo[:i] + combo[i + 1 :], []).append(w)
            groups[feed.name] = list(by_rest.values())
        return cls(evaluations, feeds, groups)

    def open_on(self, state: Sequence[Any]) -> tuple[str, ...]:
        """The upstream questions of each feed that ``state`` (one entry per world) depends on."""
        found: list[str] = []
        for feed in self.feeds:
            if any(len({_key(state[w]) for w in group}) > 1 for group in self.groups[feed.name]):
                found.extend(feed.missing)
        return tuple(dict.fromkeys(found))


def _key(value: Any) -> Any:
    return repr(value)


def merge(
    ruleset_id: str,
    outcomes: dict[str, TargetSpec],
    evaluations: list[Evaluation],
    feeds: list[OpenFeed],
    shown: Mapping[str, Any] | None = None,
    numbers: Sequence[Mapping[str, Any]] | None = None,
) -> Evaluation:
    """One evaluation of a step from its worlds (one per combination of the feeds' values).

    ``shown``: per fed input, what the trace shows it was fed (every candidate, or a number's
    interval), where the worlds ran one value per class. ``numbers``: per world, the bounds of
    its number outcomes (an open number differs between worlds by its bounds)."""
    w = _Worlds.of(evaluations, feeds)
    first = evaluations[0]
    merged: dict[str, Outcome] = {}
    for name in first.outcomes:
        spans = [n.get(name) for n in numbers] if numbers else None
        merged[name] = _outcome([e.outcomes[name] for e in evaluations], outcomes[name], w, spans)
    needed: dict[str, int] = {}
    for o in merged.values():
        for q in o.missing:
            needed[q] = needed.get(q, 0) + 1
    seen = list(needed)
    missing = tuple(sorted(needed, key=lambda q: (-needed[q], seen.index(q))))
    facts = {
        name: value if all(_key(e.facts[name]) == _key(value) for e in evaluations) else None
        for name, value in first.facts.items()
    }
    trace = None
    if first.trace is not None:
        every = {f.name: f.values for f in feeds} | dict(shown or {})
        traces = [e.trace for e in evaluations if e.trace is not None]
        trace = Trace.lazy(partial(_trace, traces, w, every), partial(_feeding, traces, w, every))
    return Evaluation(ruleset_id, first.version, first.as_of, merged, facts, missing, trace)


def _outcome(each: list[Outcome], target: TargetSpec, w: _Worlds, spans: list[Any] | None) -> Outcome:
    first = each[0]
    states = [(o.value, o.status, o.candidates, spans[i] if spans else None) for i, o in enumerate(each)]
    if all(o.determined for o in each) and len({_key(o.value) for o in each}) == 1:
        return replace(first, decided_by=_union(o.decided_by for o in each))
    missing = _union([*(o.missing for o in each), w.open_on(states)])
    conflict = _union(o.conflict for o in each)
    if target.type == "set":
        sure = [set(o.value or ()) for o in each]
        surely = set.intersection(*sure)
        maybe = set().union(*sure, *(set(o.candidates) for o in each)) - surely
        value: Any = sorted(surely, key=str)
        candidates: tuple[Any, ...] = tuple(sorted(maybe, key=str))
    else:
        values: list[Any] = []
        for o in each:
            values.extend([o.value] if o.determined else o.candidates)
        # "no value at all" is not a candidate: a later step fed this outcome keeps it possible
        candidates = tuple(dict.fromkeys(v for v in values if v is not None))
        value = target.undetermined_value
    decided_by = _union(o.decided_by for o in each) if target.type == "set" else ()
    return Outcome(first.name, value, "undetermined", decided_by, candidates, missing, conflict, first.label)


def _union(groups: Iterable[Iterable[str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(x for g in groups for x in g))


# -- the trace ---------------------------------------------------------------------------------


def _feeding(traces: list[Trace], w: _Worlds, every: Mapping[str, Any], target: str) -> list[RuleStep]:
    """The merged steps that may conclude ``target``, from those of each world alone (what the
    ranking and the plan read, without merging the whole traces)."""
    each = [t.feeding_steps(target) for t in traces]
    return [_rule([steps[i] for steps in each], w, every) for i in range(len(each[0]))]


def _trace(
    traces: list[Trace], w: _Worlds, every: Mapping[str, Any]
) -> tuple[tuple[AnswerStep, ...], tuple[RuleStep, ...], tuple[TargetStep, ...], frozenset[str]]:
    """The merged trace's fields (built when first read, like each world's trace)."""
    first = traces[0]
    answers = tuple(
        AnswerStep(a.name, every[a.name], "candidates", a.sensitive, None) if a.name in every else a
        for a in first.answers
    )
    rules = tuple(_rule([t.rules[i] for t in traces], w, every) for i in range(len(first.rules)))
    targets = tuple(_target([t.targets[i] for t in traces], w) for i in range(len(first.targets)))
    return answers, rules, targets, frozenset()


def _rule(each: list[RuleStep], w: _Worlds, every: Mapping[str, Any]) -> RuleStep:
    first = each[0]
    statuses = {s.status for s in each}
    status: RuleStatus = first.status if len(statuses) == 1 else "unknown"
    if all(_key(s.concludes) == _key(first.concludes) for s in each):
        concludes = first.concludes
    elif status == "unknown":  # what some world concludes: a maybe
        concludes = tuple({_key(c): c for s in each for c in s.concludes}.values())
    else:  # e.g. a table that fires in every world, by other rows: what every world concludes
        concludes = tuple(c for c in first.concludes if all(c in s.concludes for s in each))
    rows = tuple(_row([s.rows[i] for s in each], every) for i in range(len(first.rows)))
    state = [(s.status, s.concludes) for s in each]
    return replace(
        first,
        status=status,
        concludes=concludes,
        checks=_checks((s.checks for s in each), every),
        overridden_by=_union(s.overridden_by for s in each),
        rows=rows,
        missing=_union([*(s.missing for s in each), w.open_on(state)]),
    )


def _row(each: list[RowStep], every: Mapping[str, Any]) -> RowStep:
    values = {r.value for r in each}
    value = values.pop() if len(values) == 1 else None
    return replace(each[0], value=value, checks=_checks((r.checks for r in each), every))


def _checks(each: Iterable[tuple[Check, ...]], every: Mapping[str, Any]) -> tuple[Check, ...]:
    """The checks of every world, each once; a check the worlds read differently is unknown.
    A fed input reads as its candidates, never as the one value a world stood in with."""
    found: dict[str, Check] = {}
    for checks in each:
        for c in checks:
            seen = found.get(c.text)
            if seen is None:
                reads = tuple((n, every[n]) if n in every else (n, v) for n, v in c.reads)
                found[c.text] = replace(c, reads=reads)
            elif seen.value != c.value:
                found[c.text] = replace(seen, value=None)
    return tuple(found.values())


def _target(each: list[TargetStep], w: _Worlds) -> TargetStep:
    first = each[0]
    if all(t.determined for t in each) and len({_key(t.value) for t in each}) == 1:
        return replace(first, decided_by=_union(t.decided_by for t in each))
    state = [(t.value, t.determined, t.candidates) for t in each]
    values: dict[Any, Any] = {}
    for t in each:
        for v in [t.value] if t.determined else t.candidates:
            values.setdefault(_key(v), v)
    return replace(
        first,
        value=None,
        determined=False,
        decided_by=(),
        candidates=tuple(values.values()),
        conflict=_union(t.conflict for t in each),
        missing=_union([*(t.missing for t in each), w.open_on(state)]),
    )
