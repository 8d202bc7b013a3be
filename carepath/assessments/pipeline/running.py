"""Running a case through a checked pipeline (:class:`Pipeline`).

Running gives each step the case's answers to the inputs it declares, with fed inputs taken
from the outcomes of earlier steps. A determined outcome is fed as an answer. An undetermined
one is fed as the values it can still take (:mod:`carepath.assessments.candidates`), a number
as the interval it can still take (:mod:`carepath.assessments.intervals`): the step is
evaluated once per combination and the results merged, so that a condition true for every
candidate holds. An undetermined outcome is never turned into one answer: where nothing is
known of it, the input keeps the case's own answer, or stays unknown.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from carepath.assessments.candidates import (
    OpenFeed,
    by_answering,
    feed_values,
    representatives,
    tests_of,
    worlds,
)
from carepath.assessments.candidates import merge as merge_worlds
from carepath.assessments.intervals import interval_values, outcome_interval, whole_valued
from carepath.assessments.model import PipelineFile
from carepath.assessments.pipeline.feeding import RANKING, _ask_upstream, _expander, _same
from carepath.assessments.pipeline.texts import pipeline_texts
from carepath.assessments.pipeline.where import _Where
from carepath.assessments.result import Assessment, Fed
from carepath.cases import Case, Contact, rename_fields
from carepath.errors import UnknownFieldError
from carepath.plans.confirm import ToConfirm, done_questions, to_confirm
from carepath.rules.answers import Answers
from carepath.rules.model import Document, InputSpec, TargetSpec
from carepath.rules.result import Evaluation
from carepath.rules.ruleset import RuleSet
from carepath.rules.translations import TextSource, TranslatedText


@dataclass
class Pipeline:
    """A checked pipeline: its rule sets by step, in the order they run."""

    id: str
    model: PipelineFile
    rulesets: dict[str, RuleSet]
    order: list[str]
    sources: dict[str, Document]
    where: dict[str, _Where] = field(default_factory=dict)
    ignored: frozenset[str] = frozenset()
    """Case fields read only by steps this pipeline leaves out (``only``): accepted, not read."""
    text_files: tuple[TextSource, ...] = ()
    """The pipeline files of its ``extends`` chain (lowest first) as files with texts."""
    translations: dict[str, dict[str, TranslatedText]] = field(default_factory=dict)
    """The pipeline's own texts in the languages it was loaded with, by language and place
    (:mod:`carepath.assessments.pipeline.texts`)."""
    _tests_cache: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False, compare=False)
    _done_cache: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def title(self) -> str:
        return self.model.title

    @property
    def version(self) -> str:
        return self.model.version

    def text(self, place: str, lang: str) -> str | None:
        """The pipeline's text at ``place`` (``steps.NAME.title``...) in ``lang``: English for
        ``en``, else its translation where the pipeline was loaded with ``lang`` (else None)."""
        if lang == "en":
            return pipeline_texts(self.model).get(place)
        entry = self.translations.get(lang, {}).get(place)
        return entry.text if entry is not None else None

    def draft_texts(self, lang: str) -> int:
        """How many of the pipeline's own texts (titles, stages, dates) shown in ``lang`` are drafts."""
        return sum(1 for entry in self.translations.get(lang, {}).values() if entry.status == "draft")

    @property
    def inputs(self) -> dict[str, InputSpec]:
        """Every case field some step reads and no feed fills for it, by name (first declaration)."""
        found: dict[str, InputSpec] = {}
        for step in self.order:
            if step == RANKING:
                continue
            fed = self.model.steps[step].feeds
            for name, spec in self.rulesets[step].inputs.items():
                if name not in fed:
                    found.setdefault(name, spec)
        return found

    def assess(
        self,
        case: Mapping[str, Any],
        as_of: dt.date | None = None,
        *,
        trace: bool = True,
        redact: bool = False,
        reasons: bool = True,
        candidates: bool = True,
    ) -> Assessment:
        """Run every step for one case on ``as_of`` (today if not given).

        ``trace=False`` leaves out the per-rule traces; the ranked options and the care plan's
        moves keep their reasons unless ``reasons=False`` too (a caseload's fast path).
        ``candidates=False`` feeds only determined outcomes, as carepath did before it fed the
        values an open outcome can still take (to compare the two)."""
        from carepath.plans.path import care_plan
        from carepath.plans.ranking import rank

        day = as_of or dt.date.today()
        renamed = {old: new for rs in self.rulesets.values() for old, new in rs.merged.renamed.items()}
        case = rename_fields(case, renamed)
        if isinstance(case, Case) and case.visits is not None:
            case = case.on(day, {n for rs in self.rulesets.values() for n in rs.inputs})
        self._check_fields(case)
        results: dict[str, Evaluation] = {}
        fed_all: dict[str, dict[str, Fed]] = {}
        notes: list[str] = []
        ranking = None
        expanders: dict[str, Callable[[tuple[str, ...]], tuple[str, ...]]] = {}
        read: dict[str, Answers] = {}
        confirm: list[ToConfirm] = []
        plain: dict[str, tuple[dict[str, Any], dict[str, str], Evaluation, dict[str, Any]]] = {}
        """Steps run once, without candidates: their answers, their own evaluation, and what
        answering each open outcome's questions gives (found once, for every step it feeds)."""
        ran: dict[str, list[tuple[dict[str, Any], dict[str, str]]]] = {}
        """The answers each step ran with: once, or once per world (bounds of its numbers)."""
        for step in self.order:
            if step == RANKING:
                spec = self.model.ranking
                assert spec is not None
                ranking = rank(spec, self.rulesets[spec.step], results[spec.step], expanders[spec.step])
                continue
            ruleset = self.rulesets[step]
            fed, answers, origin, open_feeds = self._step_answers(
                step, case, results, ranking, notes, plain, ran, day
            )
            if not candidates and open_feeds:  # as before: an open outcome feeds nothing
                open_feeds = []
                origin = {n: o for n, o in origin.items() if n in answers}
            fed_all[step] = fed
            if isinstance(case, Case) and len(case.contacts) > 1:
                ruleset.check(_only(case, ruleset.inputs))  # every contact's answers, not only the latest
            checked = ruleset.read(answers, origin)
            keep_trace = trace or step in self._traced_steps(reasons)
            ran[step] = []
            if open_feeds:
                evaluation = self._over_candidates(
                    step, answers, origin, open_feeds, fed, day, keep_trace, ran[step]
                )
            else:
                evaluation = ruleset.evaluate(checked, as_of=day, trace=keep_trace)
                plain[step] = (answers, origin, evaluation, {})
                ran[step].append((answers, origin))
            confirm += self._to_confirm(step, answers, origin, open_feeds, checked, evaluation, day)
            read[step] = checked
            expanders[step] = _expander(fed, results, ranking)
            results[step] = _ask_upstream(evaluation, expanders[step])
        plan = None
        if self.model.path is not None:
            path_step = self.model.path.step
            plan = care_plan(
                self.model.path,
                self.rulesets[path_step],
                results[path_step],
                day,
                read[path_step],
                tuple(confirm),
            )
        if not trace:
            results = {k: _without_trace(v) for k, v in results.items()}
        elif redact:
            results = {k: v.redacted() for k, v in results.items()}
        return Assessment(
            pipeline=self.id,
            version=self.version,
            as_of=day,
            order=tuple(s for s in self.order if s != RANKING),
            steps=results,
            fed=fed_all,
            ranking=ranking,
            plan=plan,
            notes=tuple(notes),
            redacted=redact,
        )

    # -- running ----------------------------------------------------------------------------
    def _traced_steps(self, reasons: bool) -> set[str]:
        """Steps whose trace the ranking (always) and the plan (for its reasons) read."""
        found: set[str] = set()
        if self.model.ranking is not None:
            found.add(self.model.ranking.step)
        if self.model.path is not None and reasons:
            found.add(self.model.path.step)
        return found

    def _check_fields(self, case: Mapping[str, Any]) -> None:
        known = {n for rs in self.rulesets.values() for n in rs.inputs} | self.ignored
        names: set[str] = set(case)
        if isinstance(case, Case):
            for contact in case.contacts:
                names |= set(contact.answers)
        for name in sorted(names - known):
            close = difflib.get_close_matches(name, sorted(known), n=1)
            raise UnknownFieldError(
                f"no step of pipeline {self.id} reads this field",
                field=name,
                suggestion=close[0] if close else None,
            )

    def _over_candidates(
        self,
        step: str,
        answers: dict[str, Any],
        origin: dict[str, str],
        open_feeds: list[OpenFeed],
        fed: dict[str, Fed],
        day: dt.date,
        keep_trace: bool,
        ran: list[tuple[dict[str, Any], dict[str, str]]] | None = None,
    ) -> Evaluation:
        """Evaluate ``step`` once per combination of its open feeds' candidates, and merge (the
        answers of each world are added to ``ran``)."""
        ruleset = self.rulesets[step]
        alike = [replace(f, values=representatives(f.values, self._tests(step, f.name))) for f in open_feeds]
        found, kept, _dropped = worlds(alike)
        whole = {f.name: f for f in open_feeds}
        evaluations = []
        numbers = any(t.type == "number" for t in ruleset.merged.outcomes.values())
        spans: list[dict[str, tuple[float, float]]] = []  # each world's numbers, open or not
        for world in found:
            each = {**answers, **world}
            read = ruleset.read(each, origin)
            evaluations.append(ruleset.evaluate(read, as_of=day, trace=keep_trace))
            if numbers:
                spans.append(ruleset.number_bounds(read, day))
            if ran is not None:
                ran.append((each, origin))
        shown: dict[str, Any] = {}
        for feed in (whole[f.name] for f in kept):
            secret = ruleset.inputs[feed.name].sensitive
            if feed.interval is not None:
                fed[feed.name] = Fed(
                    feed.ref, None, False, open_on=feed.missing, interval=feed.interval, sensitive=secret
                )
                shown[feed.name] = {"between": list(feed.interval)}
            else:
                fed[feed.name] = Fed(
                    feed.ref, None, False, candidates=feed.values, open_on=feed.missing, sensitive=secret
                )
                shown[feed.name] = feed.values
        return merge_worlds(ruleset.id, ruleset.merged.outcomes, evaluations, kept, shown, spans or None)

    def _to_confirm(
        self,
        step: str,
        answers: dict[str, Any],
        origin: dict[str, str],
        open_feeds: list[OpenFeed],
        checked: Answers,
        evaluation: Evaluation,
        day: dt.date,
    ) -> tuple[ToConfirm, ...]:
        """The actions of ``step`` that wait only on "already done?" questions."""
        if step not in self._done_cache:
            self._done_cache[step] = done_questions(self.rulesets[step].inputs)
        open_done = tuple(n for n in self._done_cache[step] if checked.values.get(n) is None)
        if not open_done:
            return ()
        ruleset = self.rulesets[step]
        evaluate = self._rerun(step, answers, origin, open_feeds, day)
        return to_confirm(step, ruleset.inputs, ruleset.merged.outcomes, evaluation, open_done, evaluate)

    def _rerun(
        self,
        step: str,
        answers: dict[str, Any],
        origin: dict[str, str],
        open_feeds: list[OpenFeed],
        day: dt.date,
    ) -> Callable[[dict[str, Any]], Evaluation]:
        """``step`` evaluated again, untraced, with more answers (over the same open feeds)."""
        ruleset = self.rulesets[step]

        def evaluate(more: dict[str, Any]) -> Evaluation:
            merged = {**answers, **more}
            if open_feeds:
                return self._over_candidates(step, merged, origin, open_feeds, {}, day, False)
            return ruleset.evaluate(ruleset.read(merged, origin), as_of=day, trace=False)

        return evaluate

    def _tests(self, step: str, name: str) -> Any:
        """How the rules of ``step`` read input ``name`` (cached per pipeline)."""
        key = (step, name)
        if key not in self._tests_cache:
            self._tests_cache[key] = tests_of(self._rules(step), name)
        return self._tests_cache[key]

    def _rules(self, step: str) -> list[dict[str, Any]]:
        """The rules of ``step`` as the rule file writes them (cached per pipeline)."""
        key = (step, "")
        if key not in self._tests_cache:
            rules = self.rulesets[step].merged.rules.values()
            self._tests_cache[key] = [r.model_dump(by_alias=True, mode="json") for r in rules]
        found: list[dict[str, Any]] = self._tests_cache[key]
        return found

    def _number_feed(
        self,
        step: str,
        name: str,
        ref: str,
        settled: tuple[tuple[Any, ...], bool] | None,
        ran: Mapping[str, list[tuple[dict[str, Any], dict[str, str]]]],
        day: dt.date,
    ) -> tuple[tuple[Any, ...], tuple[float, float]] | None:
        """What an open number outcome feeds input ``name`` of ``step``: one value per class of
        the interval it can still take, and that interval (:mod:`carepath.assessments.intervals`)."""
        source, outcome = ref.split(".", 1)
        if source not in ran:
            return None
        upstream = self.rulesets[source]
        bounds = None
        if settled is None:  # the values pass's bounds, over every world the step ran in
            each = [upstream.number_bounds(upstream.read(a, o), day)[outcome] for a, o in ran[source]]
            bounds = (min(b[0] for b in each), max(b[1] for b in each)) if each else None
        interval = outcome_interval(bounds, settled)
        if interval is None:
            return None
        whole = whole_valued(upstream, outcome, upstream.params_on(day))
        spec = self.rulesets[step].inputs[name]
        return interval_values(
            interval, spec, name, self._rules(step), self.rulesets[step].params_on(day), whole
        )

    def _by_answering(
        self,
        step: str,
        outcome: str,
        plain: Mapping[str, tuple[dict[str, Any], dict[str, str], Evaluation, dict[str, Any]]],
        day: dt.date,
        ranking: Any = None,
    ) -> tuple[tuple[Any, ...], bool] | None:
        """What an open outcome becomes when its own open questions are answered (the ranking
        knows its own: the options that may come first)."""
        if step == RANKING and outcome == "top_option" and ranking is not None:
            found: tuple[tuple[Any, ...], bool] = ranking.top_candidates()
            return found
        if step not in plain:
            return None
        answers, origin, evaluation, settled = plain[step]
        if outcome not in settled:
            evaluate = self._rerun(step, answers, origin, [], day)
            settled[outcome] = by_answering(evaluate, self.rulesets[step].inputs, evaluation[outcome])
        found_settled: tuple[tuple[Any, ...], bool] | None = settled[outcome]
        return found_settled

    def _outcome_spec(self, ref: str) -> TargetSpec:
        source_step, outcome_name = ref.split(".", 1)
        if source_step == RANKING:
            return ranking_outcomes(self)[outcome_name]
        return self.rulesets[source_step].merged.outcomes[outcome_name]

    def _step_answers(
        self,
        step: str,
        case: Mapping[str, Any],
        results: dict[str, Evaluation],
        ranking: Any,
        notes: list[str],
        plain: Mapping[str, tuple[dict[str, Any], dict[str, str], Evaluation, dict[str, Any]]],
        ran: Mapping[str, list[tuple[dict[str, Any], dict[str, str]]]],
        day: dt.date,
    ) -> tuple[dict[str, Fed], dict[str, Any], dict[str, str], list[OpenFeed]]:
        ruleset = self.rulesets[step]
        inputs = ruleset.inputs  # a property: read once, not once per case field
        answers = {k: v for k, v in case.items() if k in inputs}
        origin = {k: v for k, v in getattr(case, "origin", {}).items() if k in answers}
        fed: dict[str, Fed] = {}
        open_feeds: list[OpenFeed] = []
        for name, ref in self.model.steps[step].feeds.items():
            source_step, outcome_name = ref.split(".", 1)
            outcome = (
                ranking.outcomes()[outcome_name]
                if source_step == RANKING
                else results[source_step][outcome_name]
            )
            values, interval = None, None
            if not outcome.determined and name not in answers:
                settled = self._by_answering(source_step, outcome_name, plain, day, ranking)
                target = self._outcome_spec(ref)
                if target.type == "number":
                    number = self._number_feed(step, name, ref, settled, ran, day)
                    values, interval = number if number is not None else (None, None)
                else:
                    values = feed_values(outcome, target, inputs[name], settled)
            if values is not None:
                open_feeds.append(OpenFeed(name, ref, values, outcome.missing, interval))
                origin[name] = ref
                fed[name] = Fed(ref, None, False)
            elif outcome.determined:
                value = outcome.value
                if name in answers and not _same(answers[name], value):
                    notes.append(f"{step}.{name}: the case's own answer differs from {ref}; {ref} is used")
                answers[name] = list(value) if isinstance(value, list | tuple | frozenset | set) else value
                origin[name] = f"{ref}"
                fed[name] = Fed(ref, value, True, sensitive=inputs[name].sensitive)
            else:
                fed[name] = Fed(ref, None, False, kept_case_answer=name in answers)
        return fed, answers, origin, open_feeds


def ranking_outcomes(pipe: Pipeline) -> dict[str, TargetSpec]:
    """The outcomes of the built-in ranking step, typed like rule-set outcomes."""
    spec = pipe.model.ranking
    if spec is None:
        return {}
    values = pipe.rulesets[spec.step].merged.outcomes[spec.options].values
    return {
        "ranked": TargetSpec(type="set", values=values),
        "top_option": TargetSpec(type="enum", values=values),
    }


def _only(case: Case, inputs: Mapping[str, InputSpec]) -> Case:
    contacts = [
        Contact(c.id, c.date, {k: v for k, v in c.answers.items() if k in inputs}) for c in case.contacts
    ]
    return Case(contacts, case.case_id, case.description)


def _without_trace(evaluation: Evaluation) -> Evaluation:
    return replace(evaluation, trace=None)
