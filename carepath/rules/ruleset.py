"""The public face of a rule set: load once (validate, merge layers, compile), evaluate many.

No global state: each :class:`RuleSet` owns its compiled closures, so two versions of a rule
set live side by side in one process, and evaluation only reads them (thread-safe).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from carepath.errors import CaseError, EvaluationError
from carepath.rules.answers import Answers, build_readers, read_answers
from carepath.rules.cache import remembered
from carepath.rules.codegen import Values, generate
from carepath.rules.compiler import CompiledRuleSet, compile_ruleset
from carepath.rules.contacts import ByContact, rename_fields
from carepath.rules.evaluator import Run, params_on, run
from carepath.rules.explain import Plan, answer_step, contributing_steps, trace_steps
from carepath.rules.layers import MergedRuleSet, load_layers
from carepath.rules.loader import Limits
from carepath.rules.logic import Interval, PartialSet, shown
from carepath.rules.model import InputSpec
from carepath.rules.overlays import merge_checked
from carepath.rules.questions import Question, trial_answers
from carepath.rules.reform import reformed
from carepath.rules.registry import resolve
from carepath.rules.result import Evaluation, Outcome
from carepath.rules.trace import AnswerStep, Steps, Trace

__all__ = ["RuleSet", "load", "with_parameters"]


def load(name_or_path: str | Path, limits: Limits | None = None) -> RuleSet:
    """Load a rule set by bundled id (``intl/palermo``) or by path; validated and compiled once,
    and kept for this process while none of the files it read changes
    (:mod:`carepath.rules.cache`)."""
    path = resolve(name_or_path)

    def build() -> RuleSet:
        return RuleSet(compile_ruleset(merge_checked(load_layers(path, limits))), path=path)

    from carepath.rules.translations import in_use  # the languages asked for change the texts

    key = ("ruleset", str(path), os.path.abspath(path), limits or Limits(), in_use())
    return remembered(key, build)


class RuleSet:
    """A validated, merged and compiled rule set."""

    def __init__(self, compiled: CompiledRuleSet, path: Path | None = None) -> None:
        self.compiled = compiled
        self.path = path
        self._readers = build_readers(compiled.inputs)
        self._order = {name: i for i, name in enumerate(compiled.inputs)}
        self._day = lru_cache(maxsize=64)(self._prepare_day)
        self._traced_day = lru_cache(maxsize=64)(self._prepare_traced_day)
        at = {name: i for i, name in enumerate(compiled.merged.targets)}
        facts, outcomes = compiled.merged.facts, compiled.merged.outcomes
        # (name, label, position in the values pass, whether its value may need spelling out
        # (a set, a number), what it reports while undetermined)
        self._outcome_at = tuple(
            (name, spec.label.get("en"), at[name], spec.type in ("set", "number"), spec.undetermined_value)
            for name, spec in outcomes.items()
        )
        self._fact_at = tuple((name, at[name], facts[name].type in ("set", "number")) for name in facts)
        self._id, self._version = compiled.merged.id, compiled.merged.version
        # (name, whether sensitive, whether a given value needs spelling out (a set))
        self._answer_at = tuple(
            (name, spec.sensitive, spec.type == "set") for name, spec in self.inputs.items()
        )

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
        case = rename_fields(case, self.merged.renamed)
        if isinstance(case, ByContact) and len(case.contacts) > 1:
            for position, contact in enumerate(case.contacts, start=1):
                try:
                    read_answers(self.inputs, self._readers, contact.answers)
                except CaseError as exc:  # the contact by its place: its id is the case's own words
                    raise type(exc)(
                        f"{exc.message} (contact {position})", field=exc.field, suggestion=exc.suggestion
                    ) from None
            return read_answers(self.inputs, self._readers, case, case.origin)
        return read_answers(self.inputs, self._readers, case)

    def read(self, answers: Mapping[str, Any], origin: Mapping[str, str] | None = None) -> Answers:
        """Check one plain mapping of answers; ``origin`` names where each answer came from."""
        return read_answers(self.inputs, self._readers, rename_fields(answers, self.merged.renamed), origin)

    def evaluate(
        self,
        case: Mapping[str, Any] | Answers,
        as_of: dt.date | None = None,
        *,
        trace: bool = True,
        redact: bool = False,
    ) -> Evaluation:
        """Evaluate one case on ``as_of`` (today if not given).

        With ``trace=False`` only values, statuses and missing inputs are computed. With a
        trace, the values pass keeps every condition's truth and the trace is built from them
        when first read. With ``redact=True`` the trace masks the values of sensitive inputs.
        """
        day = as_of or dt.date.today()
        answers = case if isinstance(case, Answers) else self.check(case)
        params, values, plan = self._traced_day(day) if trace else (*self._day(day), None)
        state = run(values, answers, params)
        results = state.results
        outcomes, missing = self._outcomes(state)
        facts = {
            name: shown(results[i][0]) if partial else results[i][0] for name, i, partial in self._fact_at
        }
        result_trace = None
        if plan is not None:
            feeding = functools.partial(contributing_steps, self.compiled, plan, state)
            result_trace = Trace.lazy(functools.partial(self._trace, plan, state, answers), feeding)
        evaluation = Evaluation(self._id, self._version, day, outcomes, facts, missing, result_trace)
        return evaluation.redacted() if redact else evaluation

    def number_bounds(
        self, case: Mapping[str, Any] | Answers, as_of: dt.date
    ) -> dict[str, tuple[float, float]]:
        """Each number outcome's bounds ``(low, high)`` from the values pass alone (its value twice
        when determined). Every item of unknown truth may count or not, so whatever the open
        questions' answers, the number ends inside (sound; exact when those items are independent)."""
        answers = case if isinstance(case, Answers) else self.check(case)
        params, values = self._day(as_of)
        results = run(values, answers, params).results
        found: dict[str, tuple[float, float]] = {}
        for name, _label, i, _partial, _placeholder in self._outcome_at:
            value = results[i][0]
            if isinstance(value, Interval):
                found[name] = (value.low, value.high)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                found[name] = (value, value)
        return found

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

    def with_parameters(self, settings: Mapping[str, Any], *, valid_from: dt.date | None = None) -> RuleSet:
        """A new rule set with these parameter settings (:func:`with_parameters`)."""
        return with_parameters(self, settings, valid_from=valid_from)

    def _prepare_day(self, day: dt.date) -> tuple[dict[str, Any], Values]:
        """What one evaluation date fixes: parameter values, and the values pass without the
        rules not in force."""
        span = self.merged.in_force
        if (span.valid_from and day < span.valid_from) or (span.valid_to and day > span.valid_to):
            raise EvaluationError(
                f"rule set {self.id} is in force from {span.valid_from or 'the start'} "
                f"to {span.valid_to or 'now'}, not on {day}"
            )
        return params_on(self.compiled, day), generate(self.compiled, self._off(day))

    def _prepare_traced_day(self, day: dt.date) -> tuple[dict[str, Any], Values, Plan]:
        """The same, with the traced values pass (it keeps every condition's truth) and where
        the trace finds each step's truths in it."""
        params, off = self._day(day)[0], self._off(day)
        return params, generate(self.compiled, off, traced=True), Plan(self.compiled, off)

    def _off(self, day: dt.date) -> frozenset[str]:
        """The rules not in force on ``day``."""
        return frozenset(rid for rid, r in self.compiled.rules.items() if not r.in_force(day))

    def _outcomes(self, state: Run) -> tuple[dict[str, Outcome], tuple[str, ...]]:
        """Each outcome, and the inputs missing across the open ones (most needed first)."""
        result: dict[str, Outcome] = {}
        results, behind, order = state.results, state.behind, self._order.__getitem__
        needed: dict[str, int] = {}  # how many open outcomes each missing input could settle
        for name, label, i, partial, placeholder in self._outcome_at:
            value, determined, decided_by, candidates, conflict = results[i]
            if determined:
                shown_value = shown(value) if partial else value
                result[name] = Outcome(name, shown_value, "determined", decided_by, (), (), (), label)
                continue
            missing = tuple(sorted(behind[i], key=order))
            for input_name in missing:
                needed[input_name] = needed.get(input_name, 0) + 1
            value = sorted(value.surely, key=str) if isinstance(value, PartialSet) else placeholder
            # candidates are single values (of an enum, or items of a set): shown as they are
            result[name] = Outcome(
                name, value, "undetermined", decided_by, candidates, missing, conflict, label
            )
        return result, tuple(sorted(needed, key=lambda n: (-needed[n], order(n))))

    def _trace(self, plan: Plan, state: Run, answers: Answers) -> Steps:
        """The fields of the trace, read from the traced values pass."""
        rules, targets = trace_steps(self.compiled, plan, state)
        return self._answer_steps(answers), rules, targets, frozenset()

    def _answer_steps(self, answers: Answers) -> tuple[AnswerStep, ...]:
        steps = []
        values, kinds, contacts = answers.values, answers.kinds, answers.contacts
        for name, sensitive, partial in self._answer_at:
            kind = kinds.get(name, "given")
            value = (shown(values[name]) if partial else values[name]) if kind == "given" else kind
            steps.append(answer_step(name, value, kind, sensitive, contacts.get(name) if contacts else None))
        return tuple(steps)


def with_parameters(
    ruleset: RuleSet, settings: Mapping[str, Any], *, valid_from: dt.date | None = None
) -> RuleSet:
    """A new rule set in which each parameter of ``settings`` takes its value from ``valid_from``
    (:mod:`carepath.rules.reform`: an in-memory layer on top, as OpenFisca's reforms).

    ``valid_from`` defaults to the start of the rule set's in-force period, or else to the first
    date of the parameter's values; before it, the parameter keeps its values. No settings: the
    rule set itself. Raises :class:`~carepath.rules.reform.UnknownParameterError`,
    :class:`~carepath.rules.reform.ParameterTypeError`, or what an overlay would raise
    (:class:`LayerError` for a hard parameter moved against ``may``).
    """
    if not settings:
        return ruleset
    return RuleSet(reformed(ruleset.merged, settings, valid_from=valid_from), path=ruleset.path)


def next_questions(
    ruleset: RuleSet,
    case: Mapping[str, Any] | Answers,
    as_of: dt.date | None = None,
    outcomes: Iterable[str] | None = None,
) -> list[Question]:
    """The open questions of ``case`` for ``outcomes`` (all open ones if None), best first."""
    day = as_of or dt.date.today()
    answers = case if isinstance(case, Answers) else ruleset.check(case)
    evaluation = ruleset.evaluate(answers, as_of=day, trace=False)
    wanted = list(outcomes) if outcomes is not None else list(evaluation.outcomes)
    open_ = [n for n in wanted if not evaluation.outcomes[n].determined]
    if not open_:
        return []
    waiting: dict[str, list[str]] = {}
    for name in open_:
        for question in evaluation.outcomes[name].missing:
            waiting.setdefault(question, []).append(name)
    params = ruleset.params_on(day)
    order = {name: i for i, name in enumerate(ruleset.inputs)}
    ranked: list[Question] = []
    for question, by in waiting.items():
        spec = ruleset.inputs[question]
        trials = trial_answers(spec, ruleset.compiled.thresholds.get(question, ()), params)
        settled = 0.0
        for value in trials:
            values = {**answers.values, question: value}
            kinds = {k: v for k, v in answers.kinds.items() if k != question}
            tried = ruleset.evaluate(Answers(values, kinds, answers.contacts), as_of=day, trace=False)
            settled += sum(tried.outcomes[n].determined for n in open_) / len(open_)
        share = settled / len(trials) if trials else 0.0
        text = spec.question.get("en", question)
        ranked.append(Question(question, text, round(share, 3), tuple(by), spec.type, spec.choice_values))
    ranked.sort(key=lambda q: (-q.settles, -len(q.outcomes), order[q.name]))
    return ranked
