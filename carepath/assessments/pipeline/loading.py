"""Load a pipeline file and check it against its rule sets.

Loading resolves ``extends``, loads each step's rule set, and checks what the file alone
cannot: each feed names an earlier step's outcome whose values the fed input accepts, the
steps do not feed each other in a circle (networkx orders them), and the ranking and path
name outcomes and inputs of the right kinds. Every error names the file, line and field.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from carepath.assessments.model import PipelineFile, Step
from carepath.assessments.pipeline.checks import _check_feeds, _check_ranking, _order
from carepath.assessments.pipeline.feeding import RANKING
from carepath.assessments.pipeline.running import Pipeline
from carepath.assessments.pipeline.texts import apply_texts, pipeline_source
from carepath.assessments.pipeline.where import _Where
from carepath.errors import PipelineError
from carepath.rules.cache import read_cached
from carepath.rules.layers import load_layers
from carepath.rules.loader import Limits, Located
from carepath.rules.model import Document
from carepath.rules.overlays import merge_checked
from carepath.rules.parsing import translate
from carepath.rules.registry import resolve, resolve_pipeline
from carepath.rules.ruleset import RuleSet, load
from carepath.rules.translations import TextSource

_MAX_EXTENDS = 8


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
    # the texts of the languages asked for (translations.using), from the files' translations
    text_files: list[TextSource] = []
    declared: set[str] = set()
    for file, _, model in chain:
        text_files.append(pipeline_source(file, model, frozenset(declared)))
        declared.update(model.steps)
    merged, translations = apply_texts(merged, text_files)
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
    pipe.text_files, pipe.translations = tuple(text_files), translations
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
