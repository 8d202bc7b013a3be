"""Stage 4: evaluation. A compiled rule set + checked answers + a date -> values.

Steps run in the compiled order. Each rule contributes ``(value, truth, rule id)`` to the facts
and outcomes it concludes; a fact's value is then settled from its contributions:

- ``bool`` / ``enum``: the value of the rules that surely apply; *undetermined* while a rule
  that may apply (unknown truth) would conclude something else; a *conflict* when rules that
  surely apply disagree; the ``default`` when every rule is known not to apply.
- ``set``: what rules surely add, and what they may add (a :class:`PartialSet`).
- ``number``: the sum, or an :class:`Interval` while unknown items could still count.

An exception (``exception_to``) beats the rules it names, as in Catala's default logic: a rule
applies when its condition holds and no exception below it yields a value, where an exception
yields a value when it applies or one of its own exceptions yields one. All of it in Kleene
logic, so an exception of unknown truth leaves the rule unknown.

Evaluation is one pass over the steps: :func:`run` computes the values and, for what stayed
open, the unknown inputs that keep it open (its *support*, from which an outcome's *missing*
inputs come), in one function generated per rule set and date by ``codegen``. When a trace is
asked for, the traced variant of that function also keeps every condition's truth, and
``explain.trace_steps`` reads from them why each rule did or did not apply (when the trace is
first read). :func:`walk_supports` defines the supports the generated pass must agree with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from carepath.errors import EvaluationError
from carepath.rules.answers import Answers
from carepath.rules.compiler import (
    CompiledBands,
    CompiledRule,
    CompiledRuleSet,
    CompiledScore,
    CompiledTable,
)
from carepath.rules.logic import Interval, PartialSet, Truth
from carepath.rules.nodes import ANSWERS_KEY, AS_OF_KEY

__all__ = [
    "Found",
    "Layout",
    "Run",
    "Settled",
    "Supports",
    "band_contributions",
    "open_rows_support",
    "bands_into",
    "params_on",
    "run",
    "score_truths_into",
    "settle_number",
    "settle_one",
    "settle_set",
    "table_hits",
    "table_truths_into",
    "walk_supports",
]

Contribution = tuple[Any, Truth, str]


class Settled(NamedTuple):
    """A fact or outcome once settled."""

    value: Any
    determined: bool
    decided_by: tuple[str, ...] = ()
    candidates: tuple[Any, ...] = ()
    conflict: tuple[str, ...] = ()


_new = tuple.__new__  # a Settled from all five fields: quicker than its keyword defaults


class Layout(NamedTuple):
    """The names behind the positions of a values pass: its conclusion rules, its facts and
    outcomes, and all its steps that have an id (rules, tables, scores, bands)."""

    rules: tuple[str, ...]
    targets: tuple[str, ...]
    steps: tuple[str, ...]


class Run:
    """The values of one evaluation: the environment, each rule's truth, each fact settled.

    The generated values pass fills tuples in :class:`Layout` order (``truths``, ``yielded``,
    ``items``, ``results``, and the supports ``behind`` each target and ``beneath`` each step);
    the mappings by name (``wins``, ``yields``, ``contrib``, ``settled``, ``supports``) are
    built from them when first read, since a case that settles everything without a trace
    needs none of them. The traced pass also keeps the truth of every condition node it
    evaluated (``nodes``, in the order ``explain`` reads them), from which the trace is read.
    """

    __slots__ = (
        "_contrib",
        "_settled",
        "_wins",
        "_yields",
        "behind",
        "beneath",
        "env",
        "items",
        "layout",
        "nodes",
        "off",
        "results",
        "truths",
        "yielded",
    )

    def __init__(
        self,
        env: dict[str, Any],
        off: frozenset[str],
        layout: Layout,
        truths: tuple[Truth, ...],
        yielded: tuple[Truth, ...],
        items: tuple[list[Contribution], ...],
        results: tuple[Settled, ...],
        behind: tuple[frozenset[str], ...],
        beneath: tuple[frozenset[str], ...],
        nodes: tuple[Truth, ...] = (),
    ) -> None:
        self.env = env
        self.off = off
        self.layout = layout
        self.truths = truths
        self.yielded = yielded
        self.items = items
        self.results = results
        self.behind = behind
        self.beneath = beneath
        self.nodes = nodes
        self._wins: dict[str, Truth] | None = None
        self._yields: dict[str, Truth] | None = None
        self._contrib: dict[str, list[Contribution]] | None = None
        self._settled: dict[str, Settled] | None = None

    @property
    def wins(self) -> dict[str, Truth]:
        """Each conclusion rule's truth: it applies (its condition holds and no exception wins)."""
        if self._wins is None:
            self._wins = dict(zip(self.layout.rules, self.truths, strict=True))
        return self._wins

    @property
    def yields(self) -> dict[str, Truth]:
        """Whether each rule yields a value: it applies, or one of its exceptions yields one."""
        if self._yields is None:
            self._yields = dict(zip(self.layout.rules, self.yielded, strict=True))
        return self._yields

    @property
    def contrib(self) -> dict[str, list[Contribution]]:
        """Each fact's and outcome's contributions ``(value, truth, rule id)``."""
        if self._contrib is None:
            self._contrib = dict(zip(self.layout.targets, self.items, strict=True))
        return self._contrib

    @property
    def settled(self) -> dict[str, Settled]:
        """Each fact and outcome, settled."""
        if self._settled is None:
            self._settled = dict(zip(self.layout.targets, self.results, strict=True))
        return self._settled

    def supports(self) -> Supports:
        """The unknown inputs behind each open fact and outcome, and behind each step."""
        targets = {name: found for name, found in zip(self.layout.targets, self.behind, strict=True) if found}
        return Supports(targets, dict(zip(self.layout.steps, self.beneath, strict=True)))


class Supports(NamedTuple):
    """The unknown inputs that keep each open fact (``targets``) and rule (``rules``) open."""

    targets: dict[str, frozenset[str]]
    rules: dict[str, frozenset[str]]


def params_on(compiled: CompiledRuleSet, as_of: dt.date) -> dict[str, Any]:
    """Every parameter's value in force on ``as_of``, keyed ``@name``, and ``as_of`` itself
    (keyed ``#as_of``, for ``elapsed`` conditions).

    Raises :class:`EvaluationError` naming the parameters that have no value on that date.
    """
    values: dict[str, Any] = {AS_OF_KEY: as_of}
    missing: list[str] = []
    for name, param in compiled.merged.parameters.items():
        for item in param.values:
            if item.valid_from <= as_of and (item.valid_to is None or as_of <= item.valid_to):
                values[f"@{name}"] = item.value
                break
        else:
            missing.append(name)
    if missing:
        files = sorted({str(compiled.merged.origin("parameters", name).layer.file) for name in missing})
        raise EvaluationError(
            f"no value in force on {as_of} for parameter(s): {', '.join(sorted(missing))}",
            file=", ".join(files),
        )
    return values


def run(values: Callable[[dict[str, Any]], Run], answers: Answers, params: dict[str, Any]) -> Run:
    """Compute every value: ``values`` is the rule set's generated values pass for the date."""
    env: dict[str, Any] = dict(answers.values)
    env[ANSWERS_KEY] = answers.kinds
    env.update(params)
    return values(env)


# -- values: decision tables -----------------------------------------------------------------


def table_hits(table: CompiledTable, truths: Sequence[Truth]) -> list[tuple[int, Truth]]:
    """The rows that contribute under the hit policy, each with its truth."""
    added: list[tuple[int, Truth]] = []
    policy = table.hit_policy
    if policy == "FIRST":
        for i, t in enumerate(truths):
            if t is True:
                added.append((i, True))
                break
            if t is None:
                added.append((i, None))
    elif policy == "PRIORITY":
        rank = table.rank
        rows = table.rows
        hits = [i for i, t in enumerate(truths) if t is True]
        best = min(hits, key=lambda i: rank[rows[i].output]) if hits else None
        best_rank = rank[rows[best].output] if best is not None else len(rank)
        if best is not None:
            added.append((best, True))
        added.extend(
            (i, None) for i, t in enumerate(truths) if t is None and rank[rows[i].output] < best_rank
        )
    else:  # UNIQUE, COLLECT
        added.extend((i, t) for i, t in enumerate(truths) if t is not False)
    return added


def _row_truths(table: CompiledTable | CompiledScore, env: dict[str, Any]) -> list[Truth]:
    rows = table.rows if isinstance(table, CompiledTable) else table.items
    return [row.cond.ev(env) if row.cond is not None else True for row in rows]


def table_truths_into(
    table: CompiledTable, env: dict[str, Any], truths: Sequence[Truth], out: list[Contribution]
) -> None:
    """Add a decision table's contributions, given the truth of each row."""
    rows = table.rows
    for i, t in table_hits(table, truths):
        out.append((rows[i].output, t, table.id))


# -- values: scores and bands ----------------------------------------------------------------


def score_truths_into(
    score: CompiledScore, env: dict[str, Any], truths: Sequence[Truth], out: list[Contribution]
) -> None:
    """Add the weights of the items that may hold, given the truth of each item."""
    for item, t in zip(score.items, truths, strict=True):
        if t is not False:
            out.append((env[f"@{item.param}"] if item.param else item.output, t, score.id))


def band_contributions(bands: CompiledBands, env: dict[str, Any]) -> list[tuple[str, Truth]]:
    """The band a score falls in (true), or the bands an open score may still fall in (unknown)."""
    thresholds: list[tuple[float, str]] = [
        (env[f"@{param}"] if param else (number or 0.0), value) for number, param, value in bands.thresholds
    ]
    order = [bands.below, *(v for _, v in thresholds)]

    def band(x: float) -> str:
        found = bands.below
        for at_least, value in thresholds:
            if x >= at_least:
                found = value
        return found

    score = env[bands.score]
    if isinstance(score, Interval):
        low, high = band(score.low), band(score.high)
        span = order[order.index(low) : order.index(high) + 1]
        return [(low, True)] if len(span) == 1 else [(b, None) for b in span]
    if score is None:
        return [(b, None) for b in dict.fromkeys(order)]
    return [(band(score), True)]


def bands_into(bands: CompiledBands, env: dict[str, Any], out: list[Contribution]) -> bool:
    """Add the band (or the bands still possible) to the band fact's list; whether the band is
    still open (an open score may still fall in more than one)."""
    found = band_contributions(bands, env)
    out.extend((value, t, bands.id) for value, t in found)
    return found[0][1] is None


# -- values: settling facts and outcomes -----------------------------------------------------


def settle_one(items: list[Contribution], default: Any) -> Settled:
    if not items:
        return Settled(default, True)
    value: Any = _UNSET  # the one value the rules that surely apply conclude
    by: list[str] = []
    maybe: list[Any] = []
    for item, truth, rid in items:
        if truth is True:
            if value is _UNSET:
                value = item
            elif item != value:
                return _conflict(items)
            by.append(rid)
        else:
            maybe.append(item)
    if value is not _UNSET:
        if all(v == value for v in maybe):
            return _new(Settled, (value, True, _once(by), (), ()))
        return _new(Settled, (None, False, (), tuple(dict.fromkeys([value, *maybe])), ()))
    if default is not None and all(v == default for v in maybe):
        return _new(Settled, (default, True, (), (), ()))
    options = list(dict.fromkeys(maybe))
    if default is not None and default not in options:
        options.append(default)
    return _new(Settled, (None, False, (), tuple(options), ()))


def _conflict(items: list[Contribution]) -> Settled:
    """Rules that surely apply conclude different values: undetermined, naming them all."""
    sure: dict[Any, list[str]] = {}
    for value, truth, rid in items:
        if truth is True:
            sure.setdefault(value, []).append(rid)
    return Settled(None, False, (), tuple(sure), tuple(r for ids in sure.values() for r in ids))


_UNSET: Any = object()


def settle_set(items: list[Contribution]) -> Settled:
    if not items:
        return _EMPTY_SET
    surely: frozenset[Any] = _NONE
    maybe: frozenset[Any] = _NONE
    by: list[str] = []
    for value, truth, rid in items:
        if truth is True:
            surely = surely | value
            by.append(rid)
        else:
            maybe = maybe | value
    if maybe and not maybe <= surely:
        maybe = maybe - surely
        candidates = tuple(sorted(maybe, key=str))
        return _new(Settled, (PartialSet(surely, maybe), False, _once(by), candidates, ()))
    return _new(Settled, (surely, True, _once(by), (), ()))


def _once(ids: list[str]) -> tuple[str, ...]:
    """The ids in order, each once."""
    return tuple(ids) if len(ids) < 2 or len(set(ids)) == len(ids) else tuple(dict.fromkeys(ids))


def settle_number(items: list[Contribution], default: Any) -> Settled:
    low = high = float(default or 0)
    by: list[str] = []
    for amount, truth, rid in items:
        if truth is True:
            low += amount
            high += amount
            by.append(rid)
        else:
            low += min(0.0, amount)
            high += max(0.0, amount)
    if low == high:
        return _new(Settled, (_tidy(low), True, _once(by), (), ()))
    return _new(Settled, (Interval(_tidy(low), _tidy(high)), False, _once(by), (), ()))


def _tidy(x: float) -> float:
    return int(x) if float(x).is_integer() else x


_EMPTY_SET = Settled(frozenset(), True)

# -- supports: which unknown inputs keep what open -------------------------------------------
#
# The generated values pass computes them as it goes (``Run.supports``). The walk below is their
# definition, kept as the reference the generated pass is tested against.


def open_rows_support(
    step: CompiledTable | CompiledScore, truths: Sequence[Truth], supports: Sequence[frozenset[str]]
) -> frozenset[str]:
    """The support of a table (its open hits) or a score (its unknown items), given each row's."""
    if isinstance(step, CompiledTable):
        return _NONE.union(*(supports[i] for i, t in table_hits(step, truths) if t is None))
    return _NONE.union(*supports)


class Found:
    """Where condition nodes look up the support of an open fact (see ``CNode.unknowns``)."""

    __slots__ = ("open", "optional", "targets")

    def __init__(
        self, open_: dict[str, frozenset[str]], targets: frozenset[str], optional: frozenset[str]
    ) -> None:
        self.open = open_
        self.targets = targets
        self.optional = optional

    def get(self, name: str, default: frozenset[str]) -> frozenset[str]:
        """An open fact's support; none for a settled fact or an optional input; else ``default``."""
        found = self.open.get(name)
        if found is not None:
            return found
        return _NONE if name in self.targets or name in self.optional else default


def walk_supports(compiled: CompiledRuleSet, st: Run) -> Supports:
    """The unknown inputs behind each open fact and each step, by walking back from the facts.

    The definition of what the generated pass computes: an open fact's support is the union of
    the supports of the rules that may conclude it (truth unknown); an open rule's, the unknown
    inputs its condition reads where they keep it unknown, and its open exceptions' supports.
    """
    walk = _Walk(compiled, st)
    for rid in compiled.rules:
        walk.rule(rid)
    for name in compiled.merged.targets:
        walk.get(name, _NONE)
    return walk.found


_NONE: frozenset[str] = frozenset()


class _Walk:
    """A memoised walk back from open facts to the unknown inputs behind them."""

    def __init__(self, compiled: CompiledRuleSet, st: Run) -> None:
        self.compiled = compiled
        self.st = st
        self.found = Supports({}, {})
        self.optional = compiled.optional

    def get(self, name: str, default: frozenset[str]) -> frozenset[str]:
        """The support of an open fact, or ``default`` for an input (the lookup nodes use)."""
        settled = self.st.settled.get(name)
        if settled is None:
            return _NONE if name in self.optional else default
        if settled.determined:
            return _NONE
        known = self.found.targets.get(name)
        if known is None:
            open_ = {rid for _, t, rid in self.st.contrib[name] if t is None}
            known = self.found.targets[name] = _NONE.union(*(self.rule(rid) for rid in open_))
        return known

    def rule(self, rid: str) -> frozenset[str]:
        known = self.found.rules.get(rid)
        if known is None:
            step = self.compiled.rules[rid]
            if step.id in self.st.off:  # its condition is false, but its exceptions may be open
                exceptions = step.exceptions if isinstance(step, CompiledRule) else ()
                known = _NONE.union(*(self.rule(e) for e in exceptions if self.st.yields[e] is None))
            else:
                known = self._step(step)
            self.found.rules[rid] = known
        return known

    def _step(self, step: CompiledRule | CompiledTable | CompiledScore | CompiledBands) -> frozenset[str]:
        st, env = self.st, self.st.env
        if isinstance(step, CompiledRule):
            if st.wins[step.id] is not None and st.yields[step.id] is not None:
                return _NONE
            own = step.cond.unknowns(env, self) if step.cond is not None else _NONE
            return own.union(*(self.rule(e) for e in step.exceptions if st.yields[e] is None))
        if isinstance(step, CompiledBands):
            return self.get(step.score, _NONE)
        truths = _row_truths(step, env)
        if isinstance(step, CompiledTable):
            rows = step.rows
            open_rows = [i for i, t in table_hits(step, truths) if t is None]
        else:
            rows = step.items
            open_rows = [i for i, t in enumerate(truths) if t is None]
        conds = [cond for i in open_rows if (cond := rows[i].cond) is not None]
        return _NONE.union(*(c.unknowns(env, self) for c in conds))
