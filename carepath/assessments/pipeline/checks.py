"""Checks of a merged pipeline against its rule sets: the ranking names set outcomes, the steps run
in an order (no circle), and each feed fits the input it fills."""

from __future__ import annotations

import difflib
from typing import Any

import networkx as nx

from carepath.assessments.pipeline.feeding import RANKING
from carepath.assessments.pipeline.running import Pipeline, ranking_outcomes
from carepath.assessments.pipeline.where import _Where
from carepath.rules.compiler import CompiledBands, CompiledRule, CompiledTable
from carepath.rules.model import InputSpec, TargetSpec


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
