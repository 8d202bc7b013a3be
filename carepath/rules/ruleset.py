"""The public face of a rule set: load once (validate, merge layers, compile), evaluate many.

No global state: each :class:`RuleSet` owns its compiled closures, so two versions of a rule
set live side by side in one process, and evaluation only reads them (thread-safe).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from carepath.cases import Case
from carepath.errors import CaseError, EvaluationError
from carepath.rules.answers import Answers, build_readers, read_answers
from carepath.rules.codegen import Values, generate
from carepath.rules.compiler import CompiledRuleSet, compile_ruleset
from carepath.rules.evaluator import Run, Settled, Supports, params_on, run, supports
from carepath.rules.explain import trace_steps
from carepath.rules.layers import MergedRuleSet, load_layers, merge
from carepath.rules.loader import Limits
from carepath.rules.logic import PartialSet, shown
from carepath.rules.model import InputSpec
from carepath.rules.questions import Question, next_questions
from carepath.rules.registry import resolve
from carepath.rules.result import Evaluation, Outcome
from carepath.rules.trace import AnswerStep, Trace

__all__ = ["RuleSet", "load"]


def load(name_or_path: str | Path, limits: Limits | None = None) -> RuleSet:
    """Load a rule set by bundled id (``intl/palermo``) or by path; validated and compiled once."""
    path = resolve(name_or_path)
    layers = load_layers(path, limits)
    return RuleSet(compile_ruleset(merge(layers)), path=path)


class RuleSet:
    """A validated, merged and compiled rule set."""

    def __init__(self, compiled: CompiledRuleSet, path: Path | None = None) -> None:
        self.compiled = compiled
        self.path = path
        self._readers = build_readers(compiled.inputs)
        self._order = {name: i for i, name in enumerate(compiled.inputs)}
        self._day = lru_cache(maxsize=64)(self._prepare_day)
        self._labels = {n: s.label.get("en") for n, s in compiled.merged.outcomes.items()}
        self._facts = tuple(compiled.merged.facts)
        self._id, self._version = compiled.merged.id, compiled.merged.version
        self._undetermined = {n: s.undetermined_value for n, s in compiled.merged.outcomes.items()}

    # -- description ------------------------------------------------------------------------
    @property
    def merged(self) -> MergedRuleSet:
        return self.compiled.merged

    @property
    def id(self) -> str:
        return self.merged.id

    @property
    def version(self) -> str:
        return self.merged.version

    @property
    def title(self) -> str:
        return self.merged.title

    @property
    def inputs(self) -> dict[str, InputSpec]:
        return self.merged.inputs

    def __repr__(self) -> str:
        return f"<RuleSet {self.id} {self.version}: {len(self.merged.rules)} rules>"

    # -- evaluation -------------------------------------------------------------------------
    def check(self, case: Mapping[str, Any]) -> Answers:
        """Check a case's answers against the declared inputs (raises :class:`CaseError`).

        For a :class:`Case` of several contacts, every contact's answers are checked, not only
        the ones that prevail, and each answer keeps the contact it came from.
        """
        if isinstance(case, Case) and len(case.contacts) > 1:
            for contact in case.contacts:
                try:
                    read_answers(self.inputs, self._readers, contact.answers)
                except CaseError as exc:
                    raise type(exc)(
                        f"{exc.message} (contact {contact.id})", field=exc.field, suggestion=exc.suggestion
                    ) from None
            return read_answers(self.inputs, self._readers, case, case.origin)
        return read_answers(self.inputs, self._readers, case)

    def read(self, answers: Mapping[str, Any], origin: Mapping[str, str] | None = None) -> Answers:
        """Check one plain mapping of answers; ``origin`` names where each answer came from."""
        return read_answers(self.inputs, self._readers, answers, origin)

    def evaluate(
        self,
        case: Mapping[str, Any] | Answers,
        as_of: dt.date | None = None,
        *,
        trace: bool = True,
        redact: bool = False,
    ) -> Evaluation:
        """Evaluate one case on ``as_of`` (today if not given).

        With ``trace=False`` only values, statuses and missing inputs are computed.
        With ``redact=True`` the trace masks the values of sensitive inputs.
        """
        day = as_of or dt.date.today()
        answers = case if isinstance(case, Answers) else self.check(case)
        params, values = self._day(day)
        state = run(values, answers, params)
        settled = state.settled
        is_open = not all(settled[n].determined for n in self._labels)
        if trace:
            found = supports(self.compiled, state)
        elif is_open:
            found = supports(self.compiled, state, self._labels)
        else:
            found = _NO_SUPPORTS
        outcomes = self._outcomes(state, found)
        missing = self._missing(outcomes) if is_open else ()
        facts = {n: shown(settled[n].value) for n in self._facts}
        result_trace = self._trace(state, found, answers) if trace else None
        evaluation = Evaluation(
            ruleset=self._id,
            version=self._version,
            as_of=day,
            outcomes=outcomes,
            facts=facts,
            missing=missing,
            trace=result_trace,
        )
        return evaluation.redacted() if redact else evaluation

    def rule_states(self, case: Mapping[str, Any] | Answers, as_of: dt.date) -> dict[str, Any]:
        """What each rule did, from the values pass alone (cheaper than a trace): a conclusion
        rule's truth, or what a table or score contributed."""
        answers = case if isinstance(case, Answers) else self.check(case)
        params, values = self._day(as_of)
        state = run(values, answers, params)
        states: dict[str, Any] = dict(state.wins)
        for target, items in state.contrib.items():
            for value, truth, rid in items:
                if rid not in state.wins:
                    states.setdefault(rid, []).append((target, repr(value), truth))
        return states

    def next_questions(
        self,
        case: Mapping[str, Any] | Answers,
        as_of: dt.date | None = None,
        outcomes: Iterable[str] | None = None,
    ) -> list[Question]:
        """The open questions, best first: the one whose answer most often settles the outcomes."""
        return next_questions(self, case, as_of, outcomes)

    def params_on(self, day: dt.date) -> dict[str, Any]:
        """The parameter values in force on ``day`` (keyed ``@name``; ``#as_of`` is the day)."""
        return self._day(day)[0]

    def _prepare_day(self, day: dt.date) -> tuple[dict[str, Any], Values]:
        """What one evaluation date fixes: parameter values, and the values pass without the
        rules not in force."""
        span = self.merged.in_force
        if (span.valid_from and day < span.valid_from) or (span.valid_to and day > span.valid_to):
            raise EvaluationError(
                f"rule set {self.id} is in force from {span.valid_from or 'the start'} "
                f"to {span.valid_to or 'now'}, not on {day}"
            )
        off = frozenset(rid for rid, r in self.compiled.rules.items() if not r.in_force(day))
        return params_on(self.compiled, day), generate(self.compiled, off)

    def _outcomes(self, state: Run, found: Supports) -> dict[str, Outcome]:
        result: dict[str, Outcome] = {}
        for name, label in self._labels.items():
            settled = state.settled[name]
            if settled.determined:
                result[name] = Outcome(
                    name, shown(settled.value), "determined", settled.decided_by, label=label
                )
                continue
            support = found.targets.get(name, frozenset())
            result[name] = Outcome(
                name=name,
                value=_value(settled, self._undetermined[name]),
                status="undetermined",
                decided_by=settled.decided_by,
                candidates=tuple(shown(c) for c in settled.candidates),
                missing=tuple(sorted(support, key=self._order.__getitem__)),
                conflict=settled.conflict,
                label=label,
            )
        return result

    def _missing(self, outcomes: dict[str, Outcome]) -> tuple[str, ...]:
        count: dict[str, int] = {}
        for outcome in outcomes.values():
            for name in outcome.missing:
                count[name] = count.get(name, 0) + 1
        return tuple(sorted(count, key=lambda n: (-count[n], self._order[n])))

    def _trace(self, state: Run, found: Supports, answers: Answers) -> Trace:
        steps = tuple(
            AnswerStep(
                name=name,
                value=shown(answers.values[name]) if answers.kind(name) == "given" else answers.kind(name),
                kind=answers.kind(name),
                sensitive=spec.sensitive,
                contact=answers.contacts.get(name),
            )
            for name, spec in self.inputs.items()
        )
        rules, targets = trace_steps(self.compiled, state, found)
        return Trace(answers=steps, rules=tuple(rules), targets=tuple(targets))


_NO_SUPPORTS = Supports({}, {})


def _value(settled: Settled, undetermined_value: str | None) -> Any:
    """What an outcome reports: its value, what is surely in a partial set, or the placeholder."""
    if settled.determined:
        return shown(settled.value)
    if isinstance(settled.value, PartialSet):
        return sorted(settled.value.surely, key=str)
    return undetermined_value
