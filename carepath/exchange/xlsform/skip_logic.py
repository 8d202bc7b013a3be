"""Skip logic: each question's ``relevant`` expression, derived from the rules that read it.

**Skip logic** (``relevant``). A question X is worth asking only while some rule that reads it
could still apply. For each rule, decision-table row or score item whose condition reads X, the
condition is translated into an XPath 1.0 expression that is an over-approximation of "the
condition may hold (true or unknown)" given the other answers: a test on another input holds
when it is true *or* that input is empty, ``unknown`` or ``declined`` (unknown is never read as
"no"; for an input with a companion, "unknown or declined" is read from the companion: anything
but ``answered``), and a test on a derived fact holds when any rule concluding that fact may
apply (the fact's own rules, translated the same way). Anything that cannot be translated
(dates, elapsed time, references between inputs, scores, tests on X itself) is taken as "may
hold", and a condition's negation uses the dual under-approximation ("surely holds"), so the
result never skips a question whose answer could change an outcome. X's ``relevant`` is the ``or`` over its
readers; it is left empty (always asked) when one reader may always apply. Where X has a
companion, that expression goes on the companion, and X's own is ``${X__answer} = 'answered'``
(and the companion's). Only questions *before* X are referenced: the form never depends on what
is asked later, and relevance cannot run in a cycle.

The expressions use portable XPath 1.0 only (``${a} = 'v'``, ``${n} >= 18``,
``contains(concat(' ', ${s}, ' '), ' v ')``, ``string-length(${a}) = 0``, ``not``, ``and``,
``or``, ``number``), so they can be checked outside a form engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pydantic import TypeAdapter, ValidationError

from carepath.exchange.xlsform.reads import _Opaque, names
from carepath.exchange.xlsform.texts import _SELECT, ANSWERED, companion
from carepath.exchange.xlsform.xpath import (
    _X,
    FALSE,
    TRUE,
    _and,
    _at_least,
    _choice,
    _lit,
    _not,
    _num,
    _or,
    _ref,
)
from carepath.rules import conditions as c
from carepath.rules.layers import MergedRuleSet
from carepath.rules.logic import COMPARE
from carepath.rules.model import ANSWER_WORDS, ConclusionRule, DecisionTable, InputSpec, ScoreRule

MAX_RELEVANT = 4000
"""A longer expression is left out (the question is always asked): a form must stay readable."""
_CONDITION: TypeAdapter[c.Condition] = TypeAdapter(c.Condition)


class _SkipLogic:
    """Translates rule conditions into ``relevant`` expressions (see the module docstring)."""

    def __init__(
        self, merged: MergedRuleSet, order: Sequence[str] | None = None, hidden: Iterable[str] = ()
    ) -> None:
        """``order``: the form's questions in order (default: the inputs as declared); an input
        not in it, or in ``hidden`` (fed by a pipeline, or asked differently), is never read."""
        self.m = merged
        self.inputs = merged.inputs
        self.targets = merged.targets
        self.order = {name: i for i, name in enumerate(merged.inputs if order is None else order)}
        self.hidden = frozenset(hidden)
        self.readers: dict[str, list[Any]] = {name: [] for name in merged.inputs}
        self.contributors: dict[str, list[tuple[Any, Any]]] = {name: [] for name in self.targets}
        self.opaque: set[str] = set()
        for rule in merged.rules.values():
            if isinstance(rule, ConclusionRule):
                self._read(rule.when)
                for target, value in rule.then.items():
                    self.contributors[target].append((rule.when, value))
            elif isinstance(rule, DecisionTable):
                spec = rule.table
                if spec.aggregate is not None:
                    self.opaque.add(spec.output)
                for row in spec.rows:
                    cells = [self._cell(col, cell) for col, cell in zip(spec.inputs, row.when, strict=True)]
                    kept = [x for x in cells if x is not None]
                    cond: Any = None if not kept else kept[0] if len(kept) == 1 else c.All(all=kept)
                    self._read(cond)
                    self.contributors[spec.output].append((cond, row.then))
            elif isinstance(rule, ScoreRule):
                self.opaque.add(rule.score.target)
                for item in rule.score.items:
                    self._read(item.when)
                if rule.score.bands is not None:
                    self.opaque.add(rule.score.bands.target)
        self.x = ""  # the input whose relevance is being derived
        self.memo: dict[tuple[str, str, Any], _X] = {}
        self.busy: set[tuple[str, Any]] = set()

    def _read(self, cond: Any) -> None:
        if cond is None:
            return
        for name in names(cond):
            if name in self.readers:
                self.readers[name].append(cond)

    def _cell(self, column: str, cell: Any) -> Any:
        """A decision-table cell as a condition on its column (as the compiler reads it)."""
        if cell == "-":
            return None
        spec = self.inputs.get(column) or self.targets.get(column)
        is_set = spec is not None and spec.type == "set"
        try:
            if isinstance(cell, dict):
                ((op, value),) = cell.items()
                if op in ("is_known", "is_declined"):
                    data: Any = {op: column}
                    if value is False:
                        data = {"not": data}
                else:
                    data = {op: [column, value]}
            elif isinstance(cell, list):
                data = {"intersects" if is_set else "in": [column, cell]}
            else:
                data = {"contains": [column, cell]} if is_set else {"==": [column, cell]}
            return _CONDITION.validate_python(data)
        except (ValidationError, ValueError):
            return _Opaque(frozenset((column,)))

    # -- relevance --------------------------------------------------------------------------------
    def relevant(self, name: str) -> str | None:
        """X's ``relevant``: may any rule reading X still apply? ``None``: always asked."""
        expr = self.may_apply(name)
        if expr is None or expr == TRUE or len(expr.text) > MAX_RELEVANT:
            return None
        return expr.text

    def may_apply(self, name: str) -> _X | None:
        """May any rule reading X still apply? ``None`` where no rule reads X."""
        readers = self.readers[name]
        if not readers:
            return None
        self.x = name
        return _or(self.may(cond) for cond in readers)

    def _asked_before(self, name: str) -> bool:
        if name in self.hidden or name not in self.order or self.x not in self.order:
            return False
        return self.order[name] < self.order[self.x]

    # -- may hold (over) and surely holds (under) -------------------------------------------------
    def may(self, cond: Any) -> _X:
        """True wherever the condition may be true or unknown (an over-approximation)."""
        return self._node(cond, True)

    def must(self, cond: Any) -> _X:
        """True only where the condition is surely true (an under-approximation)."""
        return self._node(cond, False)

    def _node(self, cond: Any, may: bool) -> _X:
        if cond is None:
            return TRUE
        if isinstance(cond, c.All):
            return _and(self._node(x, may) for x in cond.all)
        if isinstance(cond, c.Any_):
            return _or(self._node(x, may) for x in cond.any)
        if isinstance(cond, c.Not):
            return _not(self._node(cond.not_, not may))
        if isinstance(cond, c.CountAtLeast):
            spec = cond.count_at_least
            counts = self._param_numbers(spec.n) if isinstance(spec.n, c.ParamRef) else [spec.n]
            if not counts:
                return TRUE if may else FALSE
            n = int(min(counts) if may else max(counts))
            return _at_least(n, [self._node(x, may) for x in spec.of])
        if isinstance(cond, c.Compare) and isinstance(cond.args[0], c.ParamRef):
            return self._setting(cond, may)
        read = names(cond)
        if isinstance(cond, _Opaque | c.Elapsed) or len(read) != 1:
            return TRUE if may else FALSE
        (name,) = read
        if name in self.inputs:
            if not self._asked_before(name):
                return TRUE if may else FALSE
            return self._input(name, self.inputs[name], cond, may)
        if name in self.targets and may:
            return self._target(name, cond)
        return TRUE if may else FALSE

    def _setting(self, cond: c.Compare, may: bool) -> _X:
        """``{param: P} op VALUE``: the same for every case; over all of P's dated values."""
        param, operand = cond.args
        assert isinstance(param, c.ParamRef)
        fn = COMPARE[cond.op]
        values = [v.value for v in self.m.parameters[param.param].values]
        if isinstance(operand, c.ParamRef | c.Ref | list):  # the compiler refuses these
            return TRUE if may else FALSE
        try:
            held = [fn(v, operand) for v in values]
        except TypeError:
            return TRUE if may else FALSE
        return TRUE if (any(held) if may else all(held)) else FALSE

    def _param_numbers(self, ref: c.ParamRef) -> list[float]:
        values = [v.value for v in self.m.parameters[ref.param].values]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            return [float(v) for v in values]  # type: ignore[arg-type]
        return []

    def _operands(self, operand: Any) -> list[Any] | None:
        """The literal values an operand may take: itself, or every dated value of a parameter."""
        if isinstance(operand, c.Ref | list):
            return None
        if isinstance(operand, c.ParamRef):
            values = [v.value for v in self.m.parameters[operand.param].values]
            return None if any(isinstance(v, list) for v in values) else values
        return [operand]

    # -- tests on an input ------------------------------------------------------------------------
    def _input(self, name: str, spec: InputSpec, cond: Any, may: bool) -> _X:
        ref = _ref(name)
        empty = _X(f"string-length({ref}) = 0")
        words = [w for w in ANSWER_WORDS if w in spec.accepts] if spec.type in _SELECT else []
        said_declined = FALSE  # where the form records a refusal
        status = companion(name, spec)
        if status is not None:  # the companion says answered, unknown or declined
            said = _ref(status)
            answered = _X(f"{said} = '{ANSWERED}'")
            empty = _or([_X(f"string-length({said}) = 0"), _and([answered, empty])])
            open_ = _or([_X(f"{said} != '{ANSWERED}'"), _X(f"string-length({ref}) = 0")])
            known = _and([answered, _X(f"string-length({ref}) > 0")])
            said_declined = _X(f"{said} = 'declined'")
        else:
            open_ = _or([empty, *(_X(f"{ref} = '{w}'") for w in words)])
            known = _and([_X(f"string-length({ref}) > 0"), *(_X(f"{ref} != '{w}'") for w in words)])
            if "declined" in words:
                said_declined = _X(f"{ref} = 'declined'")

        def answer(test: _X) -> _X:
            """A test on a real answer: with ``may``, also true while there is none."""
            return _or([open_, test]) if may else test

        def has(value: Any) -> _X:
            return _X(f"contains(concat(' ', {ref}, ' '), {_lit(' ' + str(value) + ' ')})")

        unknown = TRUE if may else FALSE
        if isinstance(cond, c.IsTrue):
            return _X(f"{ref} != 'no'") if may else _X(f"{ref} = 'yes'")
        if isinstance(cond, c.IsKnown):
            return TRUE if may else known
        if isinstance(cond, c.IsDeclined):
            if "declined" not in spec.accepts:
                return FALSE
            return _or([empty, said_declined]) if may else said_declined
        if isinstance(cond, c.In):
            if may and spec.type in ("bool", "enum"):  # shorter as "none of the other choices"
                listed = (True, False) if spec.type == "bool" else spec.choice_values
                other = [v for v in listed if v not in cond.in_[1]]
                if spec.type == "bool" or len(other) <= len(cond.in_[1]) + len(words):
                    return _and(_X(f"{ref} != {_lit(_choice(v))}") for v in other)
            tests = [self._equal(ref, spec, v) for v in cond.in_[1]]
            if any(t is None for t in tests):
                return unknown
            return answer(_or(t for t in tests if t is not None))
        if isinstance(cond, c.Intersects) and spec.type == "set":
            if set(spec.choice_values) <= set(cond.intersects[1]):  # any choice at all
                if "none" in spec.choice_values:  # an empty list cannot be told from not asked
                    return unknown
                return _X(f"{ref} != 'none'") if may else _and([known, _X(f"{ref} != 'none'")])
            return answer(_or(has(v) for v in cond.intersects[1]))
        if isinstance(cond, c.Contains) and spec.type == "set":
            values = self._operands(cond.contains[1])
            if values is None:
                return unknown
            each = [answer(has(v)) for v in values]
            return _or(each) if may else _and(each)
        if isinstance(cond, c.Compare):
            values = self._operands(cond.args[1])
            if values is None:
                return unknown
            tests = [self._compare(ref, spec, cond.op, v, may, open_, known) for v in values]
            kept = [t for t in tests if t is not None]
            if len(kept) < len(tests):
                return unknown
            return _or(kept) if may else _and(kept)
        return unknown

    def _equal(self, ref: str, spec: InputSpec, value: Any) -> _X | None:
        if spec.type == "bool" and isinstance(value, bool):
            return _X(f"{ref} = '{'yes' if value else 'no'}'")
        if spec.type == "enum" and isinstance(value, str):
            return _X(f"{ref} = {_lit(value)}")
        if spec.type in ("int", "number") and isinstance(value, int | float) and not isinstance(value, bool):
            return _X(f"{ref} = {_num(value)}")
        return None

    def _compare(
        self, ref: str, spec: InputSpec, op: str, value: Any, may: bool, open_: _X, known: _X
    ) -> _X | None:
        """``NAME op VALUE`` on an input: with ``may``, also true while there is no answer."""
        if spec.type in ("int", "number"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                return None
            test = _X(f"{ref} {'=' if op == '==' else op} {_num(value)}")
            return _or([open_, test]) if may else _and([known, test])
        equal = self._equal(ref, spec, value)
        if equal is None or op not in ("==", "!="):
            return None
        if op == "==":
            if may and spec.type == "enum" and len(spec.choice_values) <= 2 + len(open_.operands(0)):
                return _and(_X(f"{ref} != {_lit(v)}") for v in spec.choice_values if v != value)
            return _or([open_, equal]) if may else equal
        differs = _X(f"{ref} != {equal.text.split(' = ', 1)[1]}")  # also true while unanswered
        return differs if may else _and([known, differs])

    # -- tests on a fact or outcome (may only) ----------------------------------------------------
    def _target(self, name: str, cond: Any) -> _X:
        spec = self.targets[name]
        if name in self.opaque or spec.type == "number" or isinstance(cond, c.IsKnown):
            return TRUE
        if spec.type == "set":
            if isinstance(cond, c.Intersects):
                wanted: list[Any] | None = list(cond.intersects[1])
            elif isinstance(cond, c.Contains):
                wanted = self._operands(cond.contains[1])
            else:
                wanted = None
            if wanted is None:
                return TRUE
            key: Any = frozenset(map(str, wanted))
            pick = [
                cond_
                for cond_, value in self.contributors[name]
                if {str(v) for v in (value if isinstance(value, list) else [value])} & key
            ]
            return self._contributors(name, key, pick)
        test = self._value_test(cond)
        if test is None or spec.default is None or test(spec.default):
            return TRUE
        return self._contributors(name, None, [cond_ for cond_, _ in self.contributors[name]])

    def _value_test(self, cond: Any) -> Callable[[Any], bool] | None:
        """Whether a one-value fact's value passes the test; None if it cannot be told."""
        if isinstance(cond, c.IsTrue):
            return lambda v: v is True
        if isinstance(cond, c.In):
            allowed = list(cond.in_[1])
            return lambda v: v in allowed
        if isinstance(cond, c.Compare):
            values = self._operands(cond.args[1])
            if values is None:
                return None
            fn = COMPARE[cond.op]

            def passes(v: Any) -> bool:
                try:
                    return any(fn(v, x) for x in values)
                except TypeError:
                    return True

            return passes
        return None

    def _contributors(self, name: str, key: Any, conds: list[Any]) -> _X:
        """May any of these rules (concluding ``name``) apply?"""
        memo = (self.x, name, key)
        if memo in self.memo:
            return self.memo[memo]
        if (name, key) in self.busy:  # the compiler refuses cycles; be safe anyway
            return TRUE
        self.busy.add((name, key))
        try:
            expr = _or(self.may(cond) for cond in conds)
        finally:
            self.busy.discard((name, key))
        self.memo[memo] = expr
        return expr
