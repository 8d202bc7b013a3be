"""Stage 2: layers. A rule set may extend another (baseline -> jurisdiction -> organisation).

An overlay may add inputs, choices, parameters, facts, outcomes and rules, and replace rules
that are not ``hard``. Choices and values an overlay lists for an existing input or outcome are
added to those below (nothing is removed); its labels add languages. It may not relax what a
lower layer marks ``hard``: replacing a hard rule, declaring an exception to it, or moving a
hard parameter against its ``may`` direction (or at all, without one) is refused with a
:class:`LayerError` at the overlay's line.

Nor may it contradict a hard rule through a conflict: an overlay rule that can conclude another
value of a bool or enum target that a hard rule of a lower layer concludes, on a case where both
apply, would leave that case with a conflict instead of the hard rule's conclusion. It is
refused with a :class:`HardConflictError` at the overlay's conclusion. "Can" is decided by
enumerating the answers both rules read (:func:`carepath.rules.reach.conflicts`, run by
:mod:`carepath.rules.overlays`); where they cannot
be enumerated and it cannot be shown that the two never apply together, the rule is refused
too, so an overlay author makes the rule exclude the hard rule's condition.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carepath.errors import LayerError, RuleFileError, RuleSetNotFoundError
from carepath.rules.loader import Limits
from carepath.rules.model import (
    ConclusionRule,
    DecisionTable,
    Document,
    InForce,
    InputSpec,
    Parameter,
    Rule,
    ScoreRule,
    Source,
    TargetSpec,
)
from carepath.rules.parsing import Layer, field_path, locate, read_rule_file
from carepath.rules.registry import resolve, ruleset_id
from carepath.rules.translations import apply

__all__ = ["HardConflictError", "Layer", "MergedRuleSet", "Origin", "load_layers", "merge"]

MAX_LAYERS = 16


class HardConflictError(LayerError):
    """An overlay rule can conclude, on a case where a hard rule of a lower layer applies, another
    value of the target that hard rule concludes."""


@dataclass(frozen=True)
class Origin:
    """Where something was declared: its layer and its path in that file."""

    layer: Layer
    path: tuple[str | int, ...]

    def place(self, sub: Sequence[str | int] = ()) -> dict[str, Any]:
        """Keyword arguments that place an error at ``path + sub``."""
        full = (*self.path, *sub)
        line, column = locate(self.layer.parsed.located, full)
        return {"file": self.layer.file, "line": line, "column": column, "field": field_path(full)}


@dataclass(frozen=True)
class MergedRuleSet:
    """All layers merged into one rule set, each piece remembering where it came from."""

    id: str
    title: str
    version: str
    jurisdiction: str
    description: str | None
    in_force: InForce
    languages: tuple[str, ...]
    layers: tuple[Layer, ...]
    sources: dict[str, Document]
    inputs: dict[str, InputSpec]
    parameters: dict[str, Parameter]
    facts: dict[str, TargetSpec]
    outcomes: dict[str, TargetSpec]
    rules: dict[str, Rule]
    origins: dict[tuple[str, str], Origin] = field(default_factory=dict)
    renamed: dict[str, str] = field(default_factory=dict)
    """Old input name -> current name, over every layer."""

    def origin(self, section: str, name: str) -> Origin:
        return self.origins[(section, name)]

    @property
    def targets(self) -> dict[str, TargetSpec]:
        """Facts and outcomes together."""
        return {**self.facts, **self.outcomes}


def load_layers(path: Path, limits: Limits | None = None) -> list[Layer]:
    """The layer stack for ``path``, lowest layer first."""
    stack: list[Layer] = []
    seen: set[Path] = set()
    current: Path | None = path
    while current is not None:
        real = current.resolve()
        if real in seen:
            raise LayerError("layers extend each other in a loop", file=str(current))
        if len(stack) >= MAX_LAYERS:
            raise LayerError(f"more than {MAX_LAYERS} layers", file=str(current))
        seen.add(real)
        parsed = read_rule_file(current, limits)
        layer = Layer(id=parsed.model.id or ruleset_id(current), parsed=parsed)
        stack.append(layer)
        parent = parsed.model.extends
        if parent is None:
            current = None
        else:
            try:
                current = resolve(parent, relative_to=current)
            except RuleSetNotFoundError as exc:
                line, column = locate(parsed.located, ("extends",))
                raise LayerError(
                    f"cannot find the layer it extends: {exc}",
                    file=parsed.file,
                    line=line,
                    column=column,
                    field="extends",
                ) from None
    stack.reverse()
    return apply(stack)  # with the texts of the languages asked for (translations.using), if any


def merge(layers: list[Layer]) -> MergedRuleSet:
    """Merge a layer stack (lowest first), refusing any relaxation of a hard rule or parameter.

    An overlay that contradicts a hard rule through a conflict is refused after compiling, by
    :func:`carepath.rules.overlays.merge_checked`, which every loader of a rule set uses."""
    sources: dict[str, Document] = {}
    inputs: dict[str, InputSpec] = {}
    parameters: dict[str, Parameter] = {}
    facts: dict[str, TargetSpec] = {}
    outcomes: dict[str, TargetSpec] = {}
    rules: dict[str, Rule] = {}
    origins: dict[tuple[str, str], Origin] = {}

    for layer in layers:
        model = layer.model
        for key, doc in model.sources.items():
            if key in sources and sources[key] != doc:
                raise LayerError(
                    f"source {key!r} is already defined differently in a lower layer; use a new key",
                    **Origin(layer, ("sources", key)).place(),
                )
            sources[key] = doc
        for name, spec in model.inputs.items():
            here = Origin(layer, ("inputs", name))
            inputs[name] = _merge_input(inputs[name], spec, here) if name in inputs else spec
            origins.setdefault(("inputs", name), here)
        for name, param in model.parameters.items():
            here = Origin(layer, ("parameters", name))
            if name in parameters:
                _check_parameter(parameters[name], param, here)
                param = _keep_choices(parameters[name], param, here)
            parameters[name] = param
            origins[("parameters", name)] = here
        for section, table in (("facts", facts), ("outcomes", outcomes)):
            for name, target in getattr(model, section).items():
                here = Origin(layer, (section, name))
                table[name] = _merge_target(table[name], target, here) if name in table else target
                origins.setdefault((section, name), here)
        for i, rule in enumerate(model.rules):
            here = Origin(layer, ("rules", i))
            previous = rules.get(rule.id)
            if previous is not None and previous.hard:
                below = origins[("rules", rule.id)]
                raise LayerError(
                    f"rule {rule.id!r} is hard in {below.layer.id}; an overlay may add rules but "
                    "not replace a hard one",
                    rule_id=rule.id,
                    **here.place(),
                )
            if isinstance(rule, ConclusionRule):
                for j, target_id in enumerate(rule.exception_to):
                    hard = _hard_below(target_id, rules, origins, layer)
                    if hard is not None:
                        how = (
                            "an exception to a hard rule replaces its conclusion"
                            if hard == target_id
                            else f"it is an exception to {target_id!r}, which overrides {hard!r}, so it "
                            "would replace the hard rule's conclusion"
                        )
                        raise LayerError(
                            f"rule {rule.id!r} would relax the hard rule {hard!r} of "
                            f"{origins[('rules', hard)].layer.id}: {how} wherever it applies, and an "
                            "overlay may not relax a hard rule",
                            rule_id=rule.id,
                            **here.place(("exception_to", j)),
                        )
            rules[rule.id] = rule
            origins[("rules", rule.id)] = here

    for name, spec in inputs.items():  # a translation overlay may add a language alone
        if not (spec.question.get("en") or "").strip():
            raise RuleFileError(
                "`question` needs at least English (`en`), here or in a lower layer",
                **origins[("inputs", name)].place(("question",)),
            )
    renamed: dict[str, str] = {}
    for layer in layers:
        for old, new in layer.model.renamed_inputs.items():
            place = Origin(layer, ("renamed_inputs", old)).place()
            if new not in inputs:
                raise LayerError("a renamed input's new name must be an input of the rule set", **place)
            if old in inputs:
                raise LayerError("a renamed input's old name is still an input: drop one", **place)
            renamed[old] = new
    top = layers[-1]
    merged = MergedRuleSet(
        id=top.id,
        title=top.model.title,
        version=top.model.version,
        jurisdiction=top.model.jurisdiction,
        description=top.model.description,
        in_force=top.model.in_force,
        languages=tuple(dict.fromkeys(lang for layer in layers for lang in layer.model.languages)),
        layers=tuple(layers),
        sources=sources,
        inputs=inputs,
        parameters=parameters,
        facts=facts,
        outcomes=outcomes,
        rules=rules,
        origins=origins,
        renamed=renamed,
    )
    _check_citations(merged)
    return merged


def _hard_below(
    rule_id: str, rules: dict[str, Rule], origins: dict[tuple[str, str], Origin], layer: Layer
) -> str | None:
    """A hard rule of a lower layer that ``rule_id`` is, or overrides through a chain of exceptions."""
    seen: set[str] = set()
    stack = [rule_id]
    while stack:
        rid = stack.pop()
        if rid in seen or rid not in rules:
            continue
        seen.add(rid)
        rule = rules[rid]
        if rule.hard and origins[("rules", rid)].layer is not layer:
            return rid
        if isinstance(rule, ConclusionRule):
            stack.extend(rule.exception_to)
    return None


def _merge_input(base: InputSpec, over: InputSpec, here: Origin) -> InputSpec:
    if base.type != over.type:
        raise LayerError(
            f"input type {over.type} differs from {base.type} in a lower layer", **here.place(("type",))
        )
    base_values = base.choice_values
    choices = None
    if base.choices is not None:
        extra = [c for c in (over.choices or []) if c.value not in base_values]
        labels = {c.value: c for c in (over.choices or [])}
        choices = [
            c.model_copy(update={"label": {**c.label, **labels[c.value].label}}) if c.value in labels else c
            for c in base.choices
        ] + extra
    return base.model_copy(
        update={
            "question": {**base.question, **over.question},
            "label": {**base.label, **over.label},
            "help": {**base.help, **over.help},
            "choices": choices,
            "min": over.min if over.min is not None else base.min,
            "max": over.max if over.max is not None else base.max,
            "sensitive": base.sensitive or over.sensitive,
            "accepts": over.accepts,
            "description": over.description or base.description,
        }
    )


def _merge_target(base: TargetSpec, over: TargetSpec, here: Origin) -> TargetSpec:
    if base.type != over.type:
        raise LayerError(
            f"type {over.type} differs from {base.type} in a lower layer", **here.place(("type",))
        )
    if over.default != base.default:
        raise LayerError(
            "an overlay may not change the default of a fact or outcome", **here.place(("default",))
        )
    values = None
    if base.values is not None:
        values = list(base.values) + [v for v in over.values or [] if v not in base.values]
    return base.model_copy(
        update={
            "values": values,
            "label": {**base.label, **over.label},
            "value_labels": {**base.value_labels, **over.value_labels},
            "description": over.description or base.description,
            "undetermined_value": base.undetermined_value or over.undetermined_value,
        }
    )


def _check_parameter(base: Parameter, over: Parameter, here: Origin) -> None:
    """A hard parameter may only move in its ``may`` direction, or not at all."""
    if not base.hard:
        return
    if over.may != base.may and over.may is not None:
        raise LayerError(
            f"a hard parameter's direction stays as set below ({base.may or 'no change'})",
            **here.place(("may",)),
        )
    for j, value in enumerate(over.values):
        for base_value in base.values:
            if not _overlaps(value.valid_from, value.valid_to, base_value.valid_from, base_value.valid_to):
                continue
            new, old = value.value, base_value.value
            if new == old:
                continue
            allowed = (base.may == "increase" and _ordered(old, new)) or (
                base.may == "decrease" and _ordered(new, old)
            )
            if not allowed:
                direction = f"may only {base.may}" if base.may else "may not change"
                raise LayerError(
                    f"parameter is hard in a lower layer and {direction}: {old!r} -> {new!r} "
                    f"from {max(value.valid_from, base_value.valid_from)}",
                    **here.place(("values", j, "value")),
                )
    if over.hard is False:
        raise LayerError(
            "a hard parameter stays hard in the layers above it (set `hard: true`)",
            **here.place(("hard",)),
        )


def _keep_choices(base: Parameter, over: Parameter, here: Origin) -> Parameter:
    """The words a parameter may take stay as set below; an overlay's values must be among them."""
    if base.choices is None:
        return over
    if over.choices is not None and over.choices != base.choices:
        raise LayerError(
            f"the choices of a parameter stay as set below ({base.choices})", **here.place(("choices",))
        )
    for j, item in enumerate(over.values):
        words = item.value if isinstance(item.value, list) else [item.value]
        wrong = [w for w in words if w not in base.choices]
        if wrong:
            close = difflib.get_close_matches(str(wrong[0]), base.choices, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise LayerError(
                f"{wrong[0]!r} is not one of the parameter's choices {base.choices}{hint}",
                **here.place(("values", j, "value")),
            )
    return over.model_copy(update={"choices": base.choices})


def _overlaps(a0: dt.date, a1: dt.date | None, b0: dt.date, b1: dt.date | None) -> bool:
    return (a1 is None or a1 >= b0) and (b1 is None or b1 >= a0)


def _ordered(low: Any, high: Any) -> bool:
    try:
        return bool(low <= high)
    except TypeError:
        return False


def _check_citations(merged: MergedRuleSet) -> None:
    """Every source names a document declared in some layer's ``sources``."""
    for rule_id, rule in merged.rules.items():
        origin = merged.origin("rules", rule_id)
        for sub, source in _rule_sources(rule):
            if source.document not in merged.sources:
                raise RuleFileError(
                    f"source document {source.document!r} is not declared under `sources`",
                    rule_id=rule_id,
                    **origin.place((*sub, "document")),
                )
    for name, param in merged.parameters.items():
        origin = merged.origin("parameters", name)
        for j, value in enumerate(param.values):
            if value.source is not None and value.source.document not in merged.sources:
                raise RuleFileError(
                    f"source document {value.source.document!r} is not declared under `sources`",
                    **origin.place(("values", j, "source", "document")),
                )


def _rule_sources(rule: Rule) -> list[tuple[tuple[str | int, ...], Source]]:
    found: list[tuple[tuple[str | int, ...], Source]] = []
    if rule.source is not None:
        found.append((("source",), rule.source))
    if isinstance(rule, DecisionTable):
        for i, row in enumerate(rule.table.rows):
            if row.source is not None:
                found.append((("table", "rows", i, "source"), row.source))
    if isinstance(rule, ScoreRule):
        for i, item in enumerate(rule.score.items):
            if item.source is not None:
                found.append((("score", "items", i, "source"), item.source))
    return found
