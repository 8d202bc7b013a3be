"""Render an :class:`Evaluation` or a whole :class:`Assessment` as one self-contained HTML page.

The page says, for each outcome, the rules that decided it and, folded in ``<details>``, the
rules that did not and why (their checks: the condition, its truth, the values read), each with
its source document, locator and confidence. One file: inline CSS, no script, font or image.

Everything read from a case or a rule file reaches the page through Jinja2 with autoescaping, so
an answer such as ``<b>x</b>`` is shown as text, never as a tag. With ``redact=True`` the values
of sensitive inputs are masked everywhere (:meth:`Evaluation.redacted`), and so are the dates of
the care plan, which are counted from the case's own dates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from carepath.assessments.pipeline import Pipeline
from carepath.assessments.result import Assessment, Fed, mask_fields
from carepath.errors import CarepathError
from carepath.plans.path import CarePlan
from carepath.plans.ranking import Reason
from carepath.report import pictures
from carepath.report.vocab import Vocab, language, readable_condition, words
from carepath.report.words import either, shown_value, truth_word
from carepath.rules.model import Document, Source
from carepath.rules.questions import Question
from carepath.rules.result import NOTICE, Evaluation
from carepath.rules.ruleset import RuleSet
from carepath.rules.trace import REDACTED, AnswerStep, RuleStep

__all__ = ["assessment_html", "evaluation_html"]

_STATUS_WORDS = {
    "fired": "applies",
    "not_fired": "does not apply",
    "unknown": "open",
    "overridden": "overridden",
    "not_in_force": "not in force",
}


def evaluation_html(
    evaluation: Evaluation,
    ruleset: RuleSet,
    *,
    redact: bool = False,
    questions: Sequence[Question] | None = None,
) -> str:
    """One rule set's evaluation as a self-contained HTML page. ``questions`` (from
    ``RuleSet.next_questions``) orders the open questions, best first."""
    ev = evaluation.redacted() if redact else evaluation
    ask = _asker(ruleset.inputs)
    section = _section(ev, ruleset, ask, anchor="result", questions=questions)
    section.folded = False
    section.sources = _documents(ruleset.merged.sources, section.cited)
    return _render(
        "evaluation.html.j2",
        title=f"carepath: {ev.ruleset} {ev.version}, as of {ev.as_of.isoformat()}",
        notice=NOTICE,
        redacted=redact,
        section=section,
    )


def assessment_html(assessment: Assessment, pipeline: Pipeline, *, redact: bool = False) -> str:
    """A whole pipeline run as a self-contained HTML page: a section per step, the care options,
    the care plan and its picture."""
    a = assessment
    redact = redact or a.redacted
    ask = _asker(pipeline.inputs)
    # the plan's dates are masked when redacting, so are the case's dates they count from
    dates = (
        frozenset(n for d in a.plan.due for n in d.needs) if redact and a.plan is not None else frozenset()
    )
    sections = []
    for step in a.order:
        ev = mask_fields(a.steps[step].redacted(), dates) if redact else a.steps[step]
        ruleset = pipeline.rulesets[step]
        section = _section(
            ev, ruleset, ask, anchor=f"step-{_slug(step)}", step=step, inputs=dict(pipeline.inputs)
        )
        section.feeds = _feeds(a.fed.get(step, {}), ruleset, redact, section.v)
        section.sources = _documents(ruleset.merged.sources, section.cited)
        sections.append(section)

    cited: list[tuple[str, Source | None]] = []
    ranking = a.ranking
    if ranking is not None:
        cited.append((ranking.step, ranking.order_source))
        reasons: list[Reason] = [r for o in ranking.ranked for r in o.because]
        reasons += [r for o in ranking.blocked for r in o.blocked_by]
        reasons += [r for o in ranking.pending for r in (*o.may_fit, *o.may_block)]
        cited += [(ranking.step, r.source) for r in reasons]
    path = pipeline.model.path
    if a.plan is not None and path is not None:
        cited += [(path.step, r.source) for m in a.plan.moves for r in m.because]
    sources: dict[str, Document] = {}
    for step, source in cited:
        if source is None:
            continue
        available = {**pipeline.rulesets[step].merged.sources, **pipeline.sources}
        if source.document in available:
            sources[source.document] = available[source.document]

    svg, mermaid = _picture(pipeline, a.plan)
    glance = _glance(a, pipeline, sections, redact)
    targets: dict[str, Any] = {}
    for rs in pipeline.rulesets.values():
        targets.update({**rs.merged.facts, **rs.merged.outcomes})
    options: dict[str, str] = {}
    if ranking is not None:
        for o in ranking.ranked:
            options[o.option] = o.label
        options.update({o.option: o.label for o in ranking.blocked})
        options.update({o.option: o.label for o in ranking.pending})
    return _render(
        "assessment.html.j2",
        title=f"carepath: {a.pipeline} {a.version}, as of {a.as_of.isoformat()}",
        notice=NOTICE,
        redacted=redact,
        a=a,
        sections=sections,
        ranking=ranking,
        plan=a.plan,
        due=_due_dates(a.plan, redact),
        questions=[(name, ask(name)) for name in a.missing],
        glance=glance,
        quoted=[],  # the rules whose passage the page has quoted: later mentions give the locator
        answers=_answers(sections),
        v=Vocab(pipeline.inputs, targets),
        ask=lambda name: _ask_pipeline(pipeline, name),
        option_label=lambda name: options.get(name) or name.replace("_", " "),
        svg=svg,
        mermaid=mermaid,
        sources=sorted(sources.items()),
    )


# -- the view: plain data the templates lay out ------------------------------------------------


@dataclass
class _Line:
    """One line of the summary: a label, a value in words, the id as a small code, a link."""

    label: str
    shown: str
    code: str = ""
    href: str = ""
    open: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class _Glance:
    """The care path on one screen: what each step found, the first choice and why, the blocked
    options and their gates, the next questions and the next dates."""

    found: list[_Line]
    first: _Line | None
    provisional: bool
    blocked: list[_Line]
    stage: _Line | None
    moves: list[_Line]
    questions: list[_Line]
    dates: list[_Line]
    to_confirm: list[_Line] | None


def _glance(a: Assessment, pipeline: Pipeline, sections: list[_Section], redact: bool) -> _Glance:
    ranking, plan = a.ranking, a.plan
    path = pipeline.model.path
    skip = {ranking.step if ranking is not None else "", path.step if path is not None else ""}
    found = [
        _Line(
            s.outcomes[0].title,
            _glance_value(s.outcomes[0], s.v),
            s.outcomes[0].name,
            f"#{s.anchor}-{_slug(s.outcomes[0].name)}",
            not s.outcomes[0].determined,
        )
        for s in sections
        if s.outcomes and s.step not in skip
    ]
    first: _Line | None = None
    provisional = False
    blocked: list[_Line] = []
    if ranking is not None:
        if ranking.top is not None:
            top = ranking.top
            first = _Line(top.label, "", top.option, "#care-options", notes=[r.title for r in top.because])
        elif ranking.provisional is not None:
            prov = ranking.provisional
            provisional = True
            asks = [_ask_pipeline(pipeline, q) for q in prov.open[:3]]
            first = _Line(prov.label, "", prov.option, "#care-options", True, [r.title for r in prov.because])
            first.shown = "answer first: " + "; ".join(asks) if asks else ""
        for option in ranking.blocked:
            gates = [r.title + (" (hard gate)" if r.hard else "") for r in option.blocked_by]
            blocked.append(_Line(option.label, "", option.option, "#care-options", notes=gates))
    stage: _Line | None = None
    moves: list[_Line] = []
    dates: list[_Line] = []
    to_confirm: list[_Line] | None = None
    if plan is not None:
        if plan.stage is not None:
            stage = _Line(plan.stage_label or plan.stage, "", plan.stage, "#care-plan")
            moves = [
                _Line(m.label, _MOVE_WORDS[m.status], m.to, "#care-plan", m.status != "allowed")
                for m in plan.moves
            ]
        for label, when, _every, flag in _due_dates(plan, redact)[:3]:
            dates.append(
                _Line(label, when + (f" ({flag})" if flag else ""), "", "#care-plan", flag == "overdue")
            )
        confirm = getattr(plan, "to_confirm", None)  # actions to confirm, where the plan has them
        if confirm is not None:
            to_confirm = [
                _Line(str(getattr(c, "label", c)), "", str(getattr(c, "name", ""))) for c in confirm
            ]
    questions = [_Line(_ask_pipeline(pipeline, q), "", q, "#questions") for q in a.next_questions[:3]]
    return _Glance(found, first, provisional, blocked, stage, moves, questions, dates, to_confirm)


def _glance_value(t: _Target, v: Vocab) -> str:
    """An outcome's value for the summary: open ones say so, their questions come next."""
    if isinstance(t.value, list | tuple) and t.value:
        shown = v.short(t.name, t.value)
        return shown if t.determined else f"{shown}, perhaps more - not yet known for sure"
    if t.determined:
        return t.shown
    if t.value is None or t.value in ((), []):
        return "not yet known - see the next questions"
    return f"{v.value(t.name, t.value)} - not yet known for sure"


_MOVE_WORDS = {"allowed": "allowed", "blocked": "blocked", "pending": "waiting on answers"}


def _ask_pipeline(pipeline: Pipeline, name: str) -> str:
    """The question that asks for a pipeline input, or its id as words."""
    spec = pipeline.inputs.get(name)
    if spec is not None and (question := words(spec.question)):
        return " ".join(question.split())
    return name.replace("_", " ")


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
        if not f.determined and f.candidates:
            shown = (
                REDACTED
                if redact and spec is not None and spec.sensitive
                else (v.either(name, f.candidates) if v is not None else either(f.candidates))
            )
            shown += (
                f" (still open upstream on {', '.join(f.open_on[:6])}{', ...' if len(f.open_on) > 6 else ''})"
            )
        elif not f.determined:
            shown = "nothing: still open upstream" + (
                " (the case's own answer is kept)" if f.kept_case_answer else ""
            )
        elif redact and spec is not None and spec.sensitive:
            shown = REDACTED
        else:
            shown = v.value(name, f.value) if v is not None else shown_value(f.value)
        rows.append((name, f.ref, shown))
    return rows


def _due_dates(plan: CarePlan | None, redact: bool) -> list[tuple[str, str, str, str]]:
    """(label, when, every, flag) for each date of the plan; the dates masked when redacting."""
    if plan is None:
        return []
    rows = []
    for due in plan.due:
        if due.due is None:
            when = f"not yet known (needs {' or '.join(n.replace('_', ' ') for n in due.needs)})"
        else:
            when = REDACTED if redact else due.due.isoformat()
        flag = "overdue" if due.overdue else "passed" if due.passed else ""
        rows.append((due.label, when, due.every, flag))
    return rows


def _picture(pipeline: Pipeline, plan: CarePlan | None) -> tuple[Markup | None, str | None]:
    """The path as inline SVG where Graphviz is installed, else its Mermaid text."""
    spec = pipeline.model.path
    if spec is None:
        return None, None
    try:
        drawn = _inline_svg(pictures.svg(pictures.path_dot(spec, plan)))
    except CarepathError:
        drawn = None
    if drawn is not None:
        return drawn, None
    return None, pictures.path_mermaid(spec, plan)


def _inline_svg(svg: str) -> Markup | None:
    """Graphviz's SVG without its XML prolog, DOCTYPE and comments; None if it looks unsafe."""
    start = svg.find("<svg")
    if start < 0:
        return None
    body = re.sub(r"<!--.*?-->", "", svg[start:], flags=re.DOTALL).strip()
    # what a browser does not draw: titles (tooltips repeating the labels), ids, indentation
    body = re.sub(r"<title>[^<]*</title>", "", body)
    body = re.sub(r'\s(?:id|class)="[^"]*"', "", body)
    body = re.sub(r">\s+<", "><", body)
    lowered = body.lower()
    if "<script" in lowered or "<foreignobject" in lowered or re.search(r"\bon\w+\s*=", lowered):
        return None
    if re.search(r"""(?:href|src)\s*=\s*["']?\s*(?!#)[a-z]""", lowered):
        return None  # only links inside the page
    return Markup(body)  # the SVG is Graphviz's own markup, with the labels it escaped


# -- Jinja -------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("carepath.report", "templates"),
        autoescape=True,
        extensions=["jinja2.ext.do"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["show"] = shown_value
    env.filters["either"] = either
    env.filters["truth"] = truth_word
    env.filters["slug"] = _slug
    env.filters["status_word"] = lambda status: _STATUS_WORDS.get(status, status)
    env.filters["pct"] = lambda share: f"{share:.0%}"
    env.filters["cond"] = readable_condition
    return env


def _render(template: str, **context: Any) -> str:
    page = _environment().get_template(template).render(**context)
    return re.sub(r"\n\s*\n", "\n", page)  # the templates' blank lines weigh on a long page
