"""The two pages: one rule set's evaluation, and a whole pipeline run with its care options,
care plan and picture."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from carepath.assessments.pipeline import Pipeline
from carepath.assessments.result import Assessment, mask_fields
from carepath.plans.ranking import Reason
from carepath.report.html.glance import _ask_pipeline, _due_dates, _glance
from carepath.report.html.jinja import _render, _slug
from carepath.report.html.picture import _picture
from carepath.report.html.sections import _answers, _asker, _documents, _feeds, _section
from carepath.report.vocab import Vocab
from carepath.report.words import phrase
from carepath.rules.model import Document, Source
from carepath.rules.questions import Question
from carepath.rules.result import Evaluation
from carepath.rules.ruleset import RuleSet


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
        title=phrase("report.title", name=ev.ruleset, version=ev.version, date=ev.as_of.isoformat()),
        notice=phrase("report.notice"),
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
        title=phrase("report.title", name=a.pipeline, version=a.version, date=a.as_of.isoformat()),
        notice=phrase("report.notice"),
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
