"""What one rule set concluded, and why: the plain data each section of a page lays out (its
outcomes, facts, rules, questions, sources and the inputs fed from earlier steps)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from carepath.assessments.result import Fed
from carepath.report.vocab import Vocab, language, words
from carepath.report.words import either, phrase, shown_value
from carepath.rules.model import Document
from carepath.rules.questions import Question
from carepath.rules.result import Evaluation
from carepath.rules.ruleset import RuleSet
from carepath.rules.trace import REDACTED, AnswerStep, RuleStep


def _answers(sections: list[_Section]) -> list[AnswerStep]:
    """Every answer read, once (each step reads some of the same answers)."""
    seen: dict[str, AnswerStep] = {}
    for s in sections:
        for answer in s.answers:
            seen.setdefault(answer.name, answer)
    return list(seen.values())


@dataclass
class _Item:
    """One value of a set outcome, its label, and the rules that added it."""

    value: Any
    label: str | None
    rules: list[str]
    shown: str = ""


@dataclass
class _Target:
    """An outcome or a fact, its value, and the rules that concluded it or did not."""

    name: str
    label: str | None
    value: Any
    determined: bool
    decided_by: tuple[str, ...]
    candidates: tuple[Any, ...]
    conflict: tuple[str, ...]
    missing: list[tuple[str, str]]
    items: list[_Item]
    decided: list[RuleStep]
    not_decided: list[RuleStep]
    title: str = ""
    shown: str = ""


@dataclass
class _Section:
    """What one rule set concluded, and why."""

    anchor: str
    step: str | None
    ruleset: str
    version: str
    as_of: str
    traced: bool
    outcomes: list[_Target]
    facts: list[_Target]
    others: list[RuleStep]
    answers: tuple[AnswerStep, ...]
    questions: list[tuple[str, str, float | None]]
    cited: set[str]
    feeds: list[tuple[str, str, str]]
    sources: list[tuple[str, Document]]
    v: Vocab
    quiet: list[RuleStep] = field(default_factory=list)
    """The rules that decided nothing: open ones first, then those that do not apply."""
    carded: list[str] = field(default_factory=list)
    """The rules whose card the page has shown: later mentions refer to it."""
    folded: bool = True
    """On the care-path page the rules that decided nothing fold into one list per step."""


def _section(
    ev: Evaluation,
    ruleset: RuleSet,
    ask: Callable[[str], str],
    *,
    anchor: str,
    step: str | None = None,
    questions: Sequence[Question] | None = None,
    inputs: dict[str, Any] | None = None,
) -> _Section:
    trace = ev.trace
    by_target: dict[str, list[RuleStep]] = {}
    others: list[RuleStep] = []
    if trace is not None:
        for rule in trace.rules:
            targets = _targets_of(ruleset, rule)
            for name in targets:
                by_target.setdefault(name, []).append(rule)
            if not targets:
                others.append(rule)
    specs = ruleset.merged.outcomes
    v = Vocab({**(inputs or {}), **ruleset.inputs}, {**ruleset.merged.facts, **specs})

    def split(name: str) -> tuple[list[RuleStep], list[RuleStep]]:
        rules = by_target.get(name, [])
        return [r for r in rules if r.status == "fired"], [r for r in rules if r.status != "fired"]

    outcomes: list[_Target] = []
    for name, outcome in ev.outcomes.items():
        decided, not_decided = split(name)
        items: list[_Item] = []
        spec = specs.get(name)
        if spec is not None and spec.type == "set" and isinstance(outcome.value, list | tuple):
            found = trace.contributions(name) if trace is not None else {}
            for item in outcome.value:
                label = words(spec.value_labels.get(str(item)) or {})
                refs = [c.ref for c in found.get(item, []) if c.status == "fired"]
                items.append(_Item(item, label, refs, v.value_label(name, item)))
        outcomes.append(
            _Target(
                name=name,
                label=outcome.label,
                value=outcome.value,
                determined=outcome.determined,
                decided_by=outcome.decided_by,
                candidates=outcome.candidates,
                conflict=outcome.conflict,
                missing=[(q, ask(q)) for q in outcome.missing],
                items=items,
                decided=decided,
                not_decided=not_decided,
                title=(outcome.label if language() == "en" else None) or v.name(name),
                shown=v.value(name, outcome.value, determined=outcome.determined, missing=outcome.missing),
            )
        )
    facts: list[_Target] = []
    if trace is not None:
        for target in trace.targets:
            if target.section != "facts" or target.name not in by_target:
                continue
            decided, not_decided = split(target.name)
            facts.append(
                _Target(
                    name=target.name,
                    label=None,
                    value=target.value,
                    determined=target.determined,
                    decided_by=target.decided_by,
                    candidates=target.candidates,
                    conflict=target.conflict,
                    missing=[(q, ask(q)) for q in target.missing],
                    items=[],
                    decided=decided,
                    not_decided=not_decided,
                    title=v.name(target.name),
                    shown=v.value(
                        target.name, target.value, determined=target.determined, missing=target.missing
                    ),
                )
            )
    asked: list[tuple[str, str, float | None]]
    if questions:
        asked = [(q.name, q.text, q.settles) for q in questions]
    else:
        asked = [(name, ask(name), None) for name in ev.missing]
    cited: set[str] = set()
    if trace is not None:
        for rule in trace.rules:
            sources = [rule.source, *(row.source for row in rule.rows)]
            cited.update(s.document for s in sources if s is not None)
    return _Section(
        anchor=anchor,
        step=step,
        ruleset=ev.ruleset,
        version=ev.version,
        as_of=ev.as_of.isoformat(),
        traced=trace is not None,
        outcomes=outcomes,
        facts=facts,
        others=others,
        answers=trace.answers if trace is not None else (),
        questions=asked,
        cited=cited,
        feeds=[],
        sources=[],
        v=v,
        quiet=_quiet(trace.rules if trace is not None else ()),
    )


def _quiet(rules: Iterable[RuleStep]) -> list[RuleStep]:
    rest = [r for r in rules if r.status != "fired"]
    return [r for r in rest if r.status == "unknown"] + [r for r in rest if r.status != "unknown"]


def _targets_of(ruleset: RuleSet, rule: RuleStep) -> tuple[str, ...]:
    """The facts and outcomes a rule concludes (from the compiled graph, which knows them even
    when the rule did not fire)."""
    graph = ruleset.compiled.graph
    node = ("rule", rule.rule_id)
    if node in graph:
        found = tuple(name for kind, name in graph.successors(node) if kind == "target")
        if found:
            return found
    names = [name for name, _ in rule.concludes]
    if rule.target is not None:
        names.append(rule.target)
    return tuple(dict.fromkeys(names))


def _asker(inputs: dict[str, Any]) -> Callable[[str], str]:
    def ask(name: str) -> str:
        spec = inputs.get(name)
        return (words(spec.question) or name) if spec is not None else name

    return ask


def _documents(available: dict[str, Document], keys: Iterable[str]) -> list[tuple[str, Document]]:
    return [(key, available[key]) for key in sorted(keys) if key in available]


def _feeds(
    fed: dict[str, Fed], ruleset: RuleSet, redact: bool, v: Vocab | None = None
) -> list[tuple[str, str, str]]:
    """(input, from, what was fed) for each input taken from an earlier step."""
    rows = []
    for name, f in fed.items():
        spec = ruleset.inputs.get(name)
        if not f.determined and f.fed_open:
            shown = (
                REDACTED
                if redact and spec is not None and spec.sensitive
                else (v.either(name, f.fed_open) if v is not None else either(f.fed_open))
            )
            names = ", ".join(f.open_on[:6]) + (", ..." if len(f.open_on) > 6 else "")
            shown = phrase("page.fed_open", values=shown, questions=names)
        elif not f.determined:
            shown = phrase("page.fed_nothing_kept" if f.kept_case_answer else "page.fed_nothing")
        elif redact and spec is not None and spec.sensitive:
            shown = REDACTED
        else:
            shown = v.value(name, f.value) if v is not None else shown_value(f.value)
        rows.append((name, f.ref, shown))
    return rows
