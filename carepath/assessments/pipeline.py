"""Load a pipeline file, check it against its rule sets, and run a case through it.

Loading resolves ``extends``, loads each step's rule set, and checks what the file alone
cannot: each feed names an earlier step's outcome whose values the fed input accepts, the
steps do not feed each other in a circle (networkx orders them), and the ranking and path
name outcomes and inputs of the right kinds. Every error names the file, line and field.

Running gives each step the case's answers to the inputs it declares, with fed inputs taken
from the outcomes of earlier steps. A determined outcome is fed as an answer. An undetermined
one is fed as the values it can still take (:mod:`carepath.assessments.candidates`): the step
is evaluated once per combination and the results merged, so that a condition true for every
candidate holds. An undetermined outcome is never turned into one answer: where nothing is
known of it, the input keeps the case's own answer, or stays unknown.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import networkx as nx
from pydantic import ValidationError

from carepath.assessments.candidates import (
    OpenFeed,
    by_answering,
    feed_values,
    representatives,
    tests_of,
    worlds,
)
from carepath.assessments.candidates import merge as merge_worlds
from carepath.assessments.model import PipelineFile, Step
from carepath.assessments.result import Assessment, Fed
from carepath.cases import Case, Contact, rename_fields
from carepath.errors import PipelineError, UnknownFieldError
from carepath.plans.confirm import ToConfirm, done_questions, to_confirm
from carepath.rules.answers import Answers
from carepath.rules.cache import read_cached
from carepath.rules.compiler import CompiledBands, CompiledRule, CompiledTable
from carepath.rules.layers import load_layers
from carepath.rules.loader import Limits, Located
from carepath.rules.model import Document, InputSpec, TargetSpec
from carepath.rules.overlays import merge_checked
from carepath.rules.parsing import locate, translate
from carepath.rules.registry import resolve, resolve_pipeline
from carepath.rules.result import Evaluation
from carepath.rules.ruleset import RuleSet, load

__all__ = ["RANKING", "Pipeline", "load_pipeline"]

RANKING = "ranking"
"""The built-in step that ranks the options; later steps may be fed ``ranking.top_option``."""

_MAX_EXTENDS = 8


@dataclass(frozen=True)
class _Where:
    """Where a part of the merged pipeline was declared, to place errors."""

    located: Located

    def error(self, message: str, path: tuple[str | int, ...]) -> PipelineError:
        line, column = locate(self.located, path)
        shown = ".".join(str(p) for p in path)
        return PipelineError(message, file=self.located.file, line=line, column=column, field=shown)


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
    _tests_cache: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False, compare=False)
    _done_cache: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def title(self) -> str:
        return self.model.title

    @property
    def version(self) -> str:
        return self.model.version

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
        for step in self.order:
            if step == RANKING:
                spec = self.model.ranking
                assert spec is not None
                ranking = rank(spec, self.rulesets[spec.step], results[spec.step], expanders[spec.step])
                continue
            ruleset = self.rulesets[step]
            fed, answers, origin, open_feeds = self._step_answers(
                step, case, results, ranking, notes, plain, day
            )
            if not candidates and open_feeds:  # as before: an open outcome feeds nothing
                open_feeds = []
                origin = {n: o for n, o in origin.items() if n in answers}
            fed_all[step] = fed
            if isinstance(case, Case) and len(case.contacts) > 1:
                ruleset.check(_only(case, ruleset.inputs))  # every contact's answers, not only the latest
            checked = ruleset.read(answers, origin)
            keep_trace = trace or step in self._traced_steps(reasons)
            if open_feeds:
                evaluation = self._over_candidates(step, answers, origin, open_feeds, fed, day, keep_trace)
            else:
                evaluation = ruleset.evaluate(checked, as_of=day, trace=keep_trace)
                plain[step] = (answers, origin, evaluation, {})
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
    ) -> Evaluation:
        """Evaluate ``step`` once per combination of its open feeds' candidates, and merge."""
        ruleset = self.rulesets[step]
        alike = [replace(f, values=representatives(f.values, self._tests(step, f.name))) for f in open_feeds]
        found, kept, _dropped = worlds(alike)
        whole = {f.name: f for f in open_feeds}
        evaluations = [
            ruleset.evaluate(ruleset.read({**answers, **world}, origin), as_of=day, trace=keep_trace)
            for world in found
        ]
        for feed in (whole[f.name] for f in kept):
            fed[feed.name] = Fed(feed.ref, None, False, candidates=feed.values, open_on=feed.missing)
        shown = {f.name: fed[f.name].candidates for f in kept}
        return merge_worlds(ruleset.id, ruleset.merged.outcomes, evaluations, kept, shown)

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
            rules = [
                r.model_dump(by_alias=True, mode="json") for r in self.rulesets[step].merged.rules.values()
            ]
            self._tests_cache[key] = tests_of(rules, name)
        return self._tests_cache[key]

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
        day: dt.date,
    ) -> tuple[dict[str, Fed], dict[str, Any], dict[str, str], list[OpenFeed]]:
        ruleset = self.rulesets[step]
        answers = {k: v for k, v in case.items() if k in ruleset.inputs}
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
            values = None
            if not outcome.determined and name not in answers:
                settled = self._by_answering(source_step, outcome_name, plain, day, ranking)
                values = feed_values(outcome, self._outcome_spec(ref), ruleset.inputs[name], settled)
            if values is not None:
                open_feeds.append(OpenFeed(name, ref, values, outcome.missing))
                origin[name] = ref
                fed[name] = Fed(ref, None, False)
            elif outcome.determined:
                value = outcome.value
                if name in answers and not _same(answers[name], value):
                    notes.append(f"{step}.{name}: the case's own answer differs from {ref}; {ref} is used")
                answers[name] = list(value) if isinstance(value, list | tuple | frozenset | set) else value
                origin[name] = f"{ref}"
                fed[name] = Fed(ref, value, True)
            else:
                fed[name] = Fed(ref, None, False, kept_case_answer=name in answers)
        return fed, answers, origin, open_feeds


def _expander(
    fed: dict[str, Fed], results: dict[str, Evaluation], ranking: Any
) -> Callable[[tuple[str, ...]], tuple[str, ...]]:
    """Replace each open fed input among missing questions by the questions of the upstream
    outcome that would settle it: the case is asked those, not the outcome itself."""
    open_fed = {name: f.ref for name, f in fed.items() if not f.determined and not f.kept_case_answer}

    def expand(names: tuple[str, ...]) -> tuple[str, ...]:
        if not open_fed:
            return names
        out: list[str] = []
        for name in names:
            ref = open_fed.get(name)
            if ref is None:
                out.append(name)
                continue
            source, outcome = ref.split(".", 1)
            upstream = ranking.outcomes()[outcome] if source == RANKING else results[source][outcome]
            out.extend(upstream.missing)
        return tuple(dict.fromkeys(out))

    return expand


def _ask_upstream(evaluation: Evaluation, expand: Callable[[tuple[str, ...]], tuple[str, ...]]) -> Evaluation:
    outcomes = {
        name: replace(o, missing=expand(o.missing)) if o.missing else o
        for name, o in evaluation.outcomes.items()
    }
    return replace(evaluation, outcomes=outcomes, missing=expand(evaluation.missing))


def _only(case: Case, inputs: Mapping[str, InputSpec]) -> Case:
    contacts = [
        Contact(c.id, c.date, {k: v for k, v in c.answers.items() if k in inputs}) for c in case.contacts
    ]
    return Case(contacts, case.case_id, case.description)


def _same(answer: Any, value: Any) -> bool:
    if isinstance(value, list | tuple | frozenset | set):
        return isinstance(answer, list | tuple | set | frozenset) and set(answer) == set(value)
    return bool(answer == value)


def _without_trace(evaluation: Evaluation) -> Evaluation:
    return replace(evaluation, trace=None)


# -- loading ---------------------------------------------------------------------------------


def load_pipeline(name_or_path: str | Path, limits: Limits | None = None) -> Pipeline:
    """Load a pipeline by bundled id (``intl/care_path``) or path; checked against its rule sets."""
    path = resolve_pipeline(name_or_path)
    chain: list[tuple[Path, Located, PipelineFile]] = []
    seen: set[Path] = set()
    current: Path | None = path
    while current is not None:
        if current.resolve() in seen or len(chain) >= _MAX_EXTENDS:
            raise PipelineError("`extends` goes round in a circle or too deep", file=str(current))
        seen.add(current.resolve())
        located = read_cached(current, limits)  # its steps' rule sets come from load()'s cache too
        if not isinstance(located.data, dict):
            raise PipelineError(
                "a pipeline file is a mapping (schema_version, title, steps, ...)", file=str(current)
            )
        try:
            model = PipelineFile.model_validate(located.data)
        except ValidationError as exc:
            raise translate(exc, located, PipelineError, model=PipelineFile) from None
        chain.append((current, located, model))
        current = resolve_pipeline(model.extends, relative_to=current) if model.extends else None
    return _build(path, list(reversed(chain)))


def _build(path: Path, chain: list[tuple[Path, Located, PipelineFile]]) -> Pipeline:
    """Merge the chain (base first), load the rule sets and check everything."""
    steps: dict[str, Step] = {}
    where: dict[str, _Where] = {}
    step_file: dict[str, Path] = {}
    sources: dict[str, Document] = {}
    ranking, path_spec = None, None
    ranking_where = path_where = None
    for file, located, model in chain:
        here = _Where(located)
        sources.update(model.sources)
        for name, step in model.steps.items():
            if name == RANKING:
                raise here.error(
                    "`ranking` is the built-in ranking step; name this step otherwise", ("steps", name)
                )
            before = steps.get(name)
            feeds = {**before.feeds, **step.feeds} if before is not None else step.feeds
            steps[name] = step.model_copy(update={"feeds": feeds})
            where[name] = here
            step_file[name] = file
        if model.ranking is not None:
            ranking, ranking_where = model.ranking, here
        if model.path is not None:
            path_spec, path_where = model.path, here
    top = chain[-1][2]
    ignored: set[str] = set()
    if top.only is not None:
        unknown = [n for n in top.only if n not in steps]
        if unknown:
            raise _Where(chain[-1][1]).error(f"no step {unknown[0]!r} to keep", ("only",))
        kept = set(top.only)
        for name, step in steps.items():  # fields the left-out steps read are still case fields
            if name not in kept:
                layers = load_layers(resolve(step.ruleset, relative_to=step_file[name]))
                ignored.update(merge_checked(layers).inputs)  # its input names only: not compiled
        steps = {
            name: step.model_copy(
                update={"feeds": {k: v for k, v in step.feeds.items() if v.split(".", 1)[0] in kept}}
            )
            for name, step in steps.items()
            if name in kept
        }
        if ranking is not None and ranking.step not in steps:
            ranking = None
        if path_spec is not None and path_spec.step not in steps:
            path_spec = None
    merged = top.model_copy(
        update={"steps": steps, "ranking": ranking, "path": path_spec, "sources": sources}
    )
    rulesets: dict[str, RuleSet] = {}
    for name, step in steps.items():
        try:
            rulesets[name] = load(resolve(step.ruleset, relative_to=step_file[name]))
        except PipelineError:
            raise
        except Exception as exc:  # a rule set that does not load: say which step asked for it
            if hasattr(exc, "message"):
                raise where[name].error(f"step {name!r}: {exc}", ("steps", name, "ruleset")) from None
            raise
    pipeline_id = _pipeline_id(path)
    pipe = Pipeline(pipeline_id, merged, rulesets, [], sources, where)
    pipe.ignored = frozenset(ignored - {n for rs in rulesets.values() for n in rs.inputs})
    if ranking is not None:
        assert ranking_where is not None
        _check_ranking(pipe, ranking_where)
    pipe.order = _order(pipe)
    _check_feeds(pipe)
    if path_spec is not None:
        assert path_where is not None
        from carepath.plans.path import check_path

        check_path(path_spec, rulesets.get(path_spec.step), path_where.error)
    return pipe


def _pipeline_id(path: Path) -> str:
    text = path.resolve().as_posix()
    marker = "/rulesets/"
    text = text.rsplit(marker, 1)[1] if marker in text else path.name
    return text.removesuffix(".pipeline.yaml").removesuffix(".yaml").removesuffix(".yml")


def _check_ranking(pipe: Pipeline, here: _Where) -> None:
    spec = pipe.model.ranking
    assert spec is not None
    if spec.step not in pipe.rulesets:
        raise here.error(f"no step {spec.step!r}", ("ranking", "step"))
    outcomes = pipe.rulesets[spec.step].merged.outcomes
    for key in ("options", "blocked"):
        name = getattr(spec, key)
        target = outcomes.get(name)
        if target is None or target.type != "set":
            raise here.error(f"{name!r} is not a set outcome of step {spec.step!r}", ("ranking", key))
    if outcomes[spec.options].values != outcomes[spec.blocked].values:
        raise here.error(
            "options and blocked must list the same values in the same order", ("ranking", "blocked")
        )
    if spec.order_source.document not in pipe.sources:
        raise here.error(
            f"no source {spec.order_source.document!r} in `sources`", ("ranking", "order_source")
        )


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


def _order(pipe: Pipeline) -> list[str]:
    graph: nx.DiGraph = nx.DiGraph()
    declared = list(pipe.model.steps)
    graph.add_nodes_from(declared)
    if pipe.model.ranking is not None:
        graph.add_edge(pipe.model.ranking.step, RANKING)
    for name, step in pipe.model.steps.items():
        for input_name, ref in step.feeds.items():
            source = ref.split(".", 1)[0]
            if source not in pipe.rulesets and source != RANKING:
                raise pipe.where[name].error(
                    f"no step {source!r} to feed from", ("steps", name, "feeds", input_name)
                )
            if source == RANKING and pipe.model.ranking is None:
                raise pipe.where[name].error("no `ranking` is declared", ("steps", name, "feeds", input_name))
            graph.add_edge(source, name)
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        position = {n: i for i, n in enumerate([*declared, RANKING])}
        return list(nx.lexicographical_topological_sort(graph, key=position.__getitem__))
    names = [a for a, _ in cycle]
    first = names[0] if names[0] in pipe.where else names[-1]
    raise pipe.where[first].error(
        f"steps feed each other in a circle: {' -> '.join([*names, names[0]])}", ("steps",)
    )


def _check_feeds(pipe: Pipeline) -> None:
    ranked = ranking_outcomes(pipe)
    for name, step in pipe.model.steps.items():
        inputs = pipe.rulesets[name].inputs
        for input_name, ref in step.feeds.items():
            at = ("steps", name, "feeds", input_name)
            here = pipe.where[name]
            source, outcome_name = ref.split(".", 1)
            outcomes = ranked if source == RANKING else pipe.rulesets[source].merged.outcomes
            target = outcomes.get(outcome_name)
            if target is None:
                close = difflib.get_close_matches(outcome_name, list(outcomes), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise here.error(f"step {source!r} has no outcome {outcome_name!r}{hint}", at)
            spec = inputs.get(input_name)
            if spec is None:
                raise here.error(f"rule set of step {name!r} has no input {input_name!r}", at)
            problem = _fits(target, spec, _concludable(pipe, source, outcome_name, target))
            if problem:
                raise here.error(f"{ref} cannot feed {input_name!r}: {problem}", at)


def _concludable(pipe: Pipeline, step: str, name: str, target: TargetSpec) -> list[Any]:
    """The values an outcome can take when determined: its default and what rules conclude."""
    if step == RANKING:
        return list(target.values or [])
    found: list[Any] = [] if target.default is None else [target.default]
    for rule in pipe.rulesets[step].compiled.rules.values():
        if isinstance(rule, CompiledRule):
            found += [v for t, v in rule.then if t == name]
        elif isinstance(rule, CompiledTable) and rule.output == name:
            found += [row.output for row in rule.rows]
        elif isinstance(rule, CompiledBands) and rule.target == name:
            found += [rule.below, *(v for _, _, v in rule.thresholds)]
    items: list[Any] = []
    for value in found:
        items += list(value) if isinstance(value, list | tuple | frozenset | set) else [value]
    return list(dict.fromkeys(items))


def _fits(target: TargetSpec, spec: InputSpec, values: list[Any]) -> str | None:
    """Why an outcome's values cannot be an input's answers (None when they can)."""
    kinds = {"bool": {"bool"}, "enum": {"enum"}, "set": {"set"}, "number": {"int", "number"}}
    if spec.type not in kinds[target.type]:
        return f"a {target.type} outcome cannot answer a {spec.type} input"
    if target.type in ("enum", "set"):
        extra = [v for v in values if v not in spec.choice_values]
        if extra:
            return f"the input does not accept {extra}"
    return None
