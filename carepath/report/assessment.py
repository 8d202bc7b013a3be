"""Render a whole :class:`Assessment` (a pipeline run) as text or Markdown.

Sections: what each step concluded; the care options ranked, blocked and pending, each with its
rules and sources; every recommended item (services, actions, protective actions, flags) with
the rules that added it; the care plan (stage, next moves, due dates); the open questions; the
trace of each step (rules that applied, and those that unknown answers keep open).
"""

from __future__ import annotations

from typing import Any

from carepath.assessments.pipeline import Pipeline
from carepath.assessments.result import Assessment
from carepath.plans.ranking import Reason
from carepath.report.vocab import Vocab, language, readable_condition, words
from carepath.report.words import cite, document_line, either, opening, shown_value
from carepath.report.words.keys import MOVE_KEYS
from carepath.report.words.language import phrase
from carepath.rules.model import Document, Source
from carepath.rules.result import Outcome
from carepath.rules.trace import REDACTED

__all__ = ["assessment_markdown", "assessment_text"]

_TRACE_KEYS = {"fired": "status.fired", "overridden": "status.overridden", "unknown": "status.open"}


def assessment_text(assessment: Assessment, pipeline: Pipeline, *, redact: bool = False) -> str:
    """Plain text for a terminal."""
    return _Renderer(assessment, pipeline, markdown=False, redact=redact).render()


def assessment_markdown(assessment: Assessment, pipeline: Pipeline, *, redact: bool = False) -> str:
    """Markdown, one section per part, sources at the end."""
    return _Renderer(assessment, pipeline, markdown=True, redact=redact).render()


class _Renderer:
    def __init__(self, assessment: Assessment, pipeline: Pipeline, markdown: bool, redact: bool) -> None:
        self.a = assessment
        self.p = pipeline
        self.md = markdown
        self.redact = redact
        self.lines: list[str] = []
        self.used: dict[str, set[str]] = {}
        self.quoted: set[str] = set()
        self.vocabs = {
            # a step's open outcome may wait on an earlier step's question: ask it in its words
            step: Vocab({**pipeline.inputs, **rs.inputs}, {**rs.merged.facts, **rs.merged.outcomes})
            for step, rs in pipeline.rulesets.items()
        }
        self.v = Vocab(pipeline.inputs, {})

    # -- helpers ------------------------------------------------------------------------------
    def heading(self, title: str, level: int = 2) -> None:
        if self.md:
            self.lines += ["", f"{'#' * level} {title}", ""]
        else:
            rule = "=" if level == 2 else "-"
            self.lines += ["", title, rule * len(title)]

    def code(self, value: str) -> str:
        return f"`{value}`" if self.md else value

    def value(self, value: Any) -> str:
        return shown_value(value)

    def few(self, names: tuple[str, ...], limit: int = 6) -> str:
        """The first questions, and how many more (the full list is in the JSON)."""
        if not names:
            return "-"
        shown = ", ".join(f"{self.v.name(n)} ({self.code(n)})" for n in names[:limit])
        return phrase("few.more", shown=shown, n=len(names) - limit) if len(names) > limit else shown

    def cite(self, step: str, source: Source | None) -> str:
        if source is not None:
            self.used.setdefault(step, set()).add(source.document)
        return cite(source, local_setting=source is None)

    def reason(self, step: str, reason: Reason) -> str:
        code, source = self.code(reason.rule), self.cite(step, reason.source)
        key = "reason.hard" if reason.hard else "reason.plain"
        return phrase(key, title=reason.title, code=code, source=source)

    def why(self, reason: Reason, indent: str) -> list[str]:
        """Which conditions of a gate held, and the passage it rests on."""
        lines: list[str] = []
        if reason.held:
            held = "; ".join(self.code(readable_condition(h)) for h in reason.held)
            lines.append(f"{indent}- {phrase('reason.held', conditions=held)}")
        if reason.source is not None and reason.source.quote and reason.rule not in self.quoted:
            self.quoted.add(reason.rule)  # each passage once: later mentions cite its locator
            lines.append(f'{indent}- "{reason.source.quote}"')
        return lines

    def label(self, step: str, outcome: str, value: Any) -> str:
        spec = self.p.rulesets[step].merged.outcomes.get(outcome)
        if spec is None:
            return str(value)
        return words(spec.value_labels.get(str(value)) or {}, str(value).replace("_", " ")) or str(value)

    # -- parts --------------------------------------------------------------------------------
    def render(self) -> str:
        a = self.a
        title = phrase("report.title", name=a.pipeline, version=a.version, date=a.as_of.isoformat())
        self.lines += opening(title, self.md)
        self.summary()
        self.options()
        self.items()
        self.plan()
        self.questions()
        self.trace()
        self.sources()
        return "\n".join(self.lines).rstrip() + "\n"

    def summary(self) -> None:
        self.heading(phrase("summary.heading"))
        for step in self.a.order:
            evaluation = self.a.steps[step]
            self.lines.append(f"- {self.code(step)} ({evaluation.ruleset}):")
            for name, fed in self.a.fed.get(step, {}).items():
                if fed.fed_open:
                    spec = self.p.rulesets[step].inputs.get(name)
                    values = (
                        REDACTED
                        if self.redact and spec is not None and spec.sensitive
                        else either(fed.fed_open)
                    )
                    upstream = fed.ref.split(".", 1)[0]
                    fed_line = phrase(
                        "summary.fed",
                        name=self.code(name),
                        values=values,
                        upstream=upstream,
                        questions=self.few(fed.open_on, 4),
                    )
                    self.lines.append(f"  - {fed_line}")
            for outcome in evaluation.outcomes.values():
                self.lines.append(f"  - {self.outcome(outcome, step)}")

    def outcome(self, outcome: Outcome, step: str) -> str:
        v = self.vocabs[step]
        label = (outcome.label if language() == "en" else None) or v.name(outcome.name)
        shown = v.value(outcome.name, outcome.value, determined=outcome.determined, missing=outcome.missing)
        return f"{label} ({self.code(outcome.name)}): {shown}"

    def options(self) -> None:
        ranking = self.a.ranking
        if ranking is None:
            return
        step = ranking.step
        self.heading(phrase("options.heading"))
        order = phrase("options.order", source=self.cite(step, ranking.order_source))
        self.lines += [order, ""]
        if ranking.ranked:
            self.lines.append(phrase("options.ranked"))
            for option in ranking.ranked:
                key = "options.first_choice" if ranking.top is option else "options.option"
                shown = phrase(key, label=option.label, code=self.code(option.option))
                self.lines.append(f"{option.rank}. {shown}")
                for reason in option.because:
                    self.lines.append(f"   - {phrase('reason.fits', reason=self.reason(step, reason))}")
                    self.lines += self.why(reason, "     ")
                for above, why in option.above:
                    if why != "not_found":  # options no rule found fitting are not worth a line
                        key = "options.above_blocked" if why == "blocked" else "options.above_pending"
                        self.lines.append(f"   - {phrase(key, option=above)}")
        else:
            self.lines.append(phrase("options.none_ranked"))
        self.provisional()
        if ranking.blocked:
            self.lines += ["", phrase("options.blocked")]
            for blocked in ranking.blocked:
                self.lines.append(f"- {blocked.label} ({self.code(blocked.option)})")
                for reason in blocked.blocked_by:
                    self.lines.append(f"  - {phrase('reason.blocked_by', reason=self.reason(step, reason))}")
                    self.lines += self.why(reason, "    ")
        if ranking.pending:
            self.lines += ["", phrase("options.pending")]
            for pending in ranking.pending:
                ask = self.few(pending.missing)
                code = self.code(pending.option)
                shown = phrase("options.pending_option", label=pending.label, code=code, questions=ask)
                self.lines.append(f"- {shown}")
                for reason in pending.may_block:
                    may = phrase("reason.may_be_blocked_by", reason=self.reason(step, reason))
                    self.lines.append(f"  - {may}")

    def provisional(self) -> None:
        """While the first choice is open: which option comes first if the open answers allow."""
        ranking = self.a.ranking
        shown = ranking.provisional if ranking is not None else None
        if ranking is None or shown is None:
            return
        step = ranking.step
        self.lines += ["", phrase("options.provisional", label=shown.label, code=self.code(shown.option))]
        for reason in shown.because:
            key = "reason.fits" if reason.status == "fired" else "reason.may_fit"
            self.lines.append(f"   - {phrase(key, reason=self.reason(step, reason))}")
        for reason in shown.may_block:
            may = phrase("reason.may_still_be_blocked_by", reason=self.reason(step, reason))
            self.lines.append(f"   - {may}")
        self.lines.append(f"   - {phrase('options.answer_first', questions=self.few(shown.open))}")
        if shown.next_if_blocked is not None:
            self.lines.append(f"   - {phrase('options.next_if_blocked', option=shown.next_if_blocked)}")

    def items(self) -> None:
        """Every item of every set outcome, with the rules that added it."""
        rows: list[str] = []
        for step in self.a.order:
            if self.a.ranking is not None and step == self.a.ranking.step:
                continue
            evaluation = self.a.steps[step]
            if evaluation.trace is None:
                continue
            for name, outcome in evaluation.outcomes.items():
                spec = self.p.rulesets[step].merged.outcomes[name]
                if spec.type != "set" or not outcome.value:
                    continue
                found = evaluation.trace.contributions(name)
                rows.append(f"- {self.code(f'{step}.{name}')}:")
                for item in outcome.value:
                    rows.append(f"  - {self.label(step, name, item)} ({self.code(str(item))})")
                    for c in found.get(item, []):
                        if c.status == "fired":
                            reason = Reason.of(c)
                            rows.append(f"    - {self.reason(step, reason)}")
        if rows:
            self.heading(phrase("items.heading"))
            self.lines += rows

    def plan(self) -> None:
        plan = self.a.plan
        if plan is None:
            return
        step = self.p.model.path.step if self.p.model.path is not None else ""
        self.heading(phrase("plan.heading"))
        if plan.stage is None:
            self.lines.append(phrase("plan.stage_unknown"))
            return
        self.lines.append(phrase("plan.stage", label=plan.stage_label, code=self.code(plan.stage)))
        for move in plan.moves:
            status = phrase(MOVE_KEYS[move.status])
            self.lines.append(f"- {phrase('plan.move', label=move.label, status=status)}")
            for reason in move.because:
                key = "reason.allowed_by" if move.status == "allowed" else "reason.blocked_by"
                self.lines.append(f"  - {phrase(key, reason=self.reason(step, reason))}")
                self.lines += self.why(reason, "    ")
            if move.status != "allowed":
                for rule, checks in move.not_met:
                    unmet = "; ".join(readable_condition(c) for c in checks) or "-"
                    self.lines.append(f"  - {phrase('plan.not_met', rule=self.code(rule), conditions=unmet)}")
            if move.missing:
                self.lines.append(f"  - {phrase('plan.still_to_ask', questions=self.few(move.missing))}")
        if not plan.moves:
            self.lines.append(f"- {phrase('plan.no_move')}")
        if plan.due:
            self.lines += ["", phrase("plan.dates")]
            for due in plan.due:
                if due.due is None:
                    when = phrase("plan.due_unknown", needs=phrase("list.or_between").join(due.needs))
                else:
                    when = REDACTED if self.redact else due.due.isoformat()
                key = "plan.due_overdue" if due.overdue else "plan.due_passed" if due.passed else "plan.due"
                self.lines.append(f"- {phrase(key, label=due.label, when=when, every=due.every)}")

    def questions(self) -> None:
        if not self.a.missing:
            return
        self.heading(phrase("questions.heading"))
        inputs = self.p.inputs
        for i, name in enumerate(self.a.missing, 1):
            spec = inputs.get(name)
            text = (words(spec.question) or name) if spec is not None else name
            self.lines.append(f"{i}. {text} ({self.code(name)})")

    def trace(self) -> None:
        traces = self.a.trace
        if not traces:
            return
        self.heading(phrase("trace.heading"))
        for step, trace in traces.items():
            self.heading(f"{step} ({self.a.steps[step].ruleset})", level=3)
            for rule in trace.rules:
                if rule.status not in ("fired", "overridden", "unknown"):
                    continue
                word = phrase(_TRACE_KEYS[rule.status])
                key = "trace.rule_hard" if rule.hard else "trace.rule"
                shown = phrase(key, title=rule.title, code=self.code(rule.rule_id), status=word)
                self.lines.append(f"- {shown}")
                self.lines.append(f"  - {phrase('trace.source', source=self.cite(step, rule.source))}")

    def sources(self) -> None:
        docs: dict[str, Document] = {}
        for step, keys in self.used.items():
            available = dict(self.p.rulesets[step].merged.sources)
            available.update(self.p.sources)
            docs.update({k: available[k] for k in sorted(keys) if k in available})
        if not docs:
            return
        self.heading(phrase("sources.heading"))
        for key, doc in docs.items():
            line = document_line(doc.title, doc.year, doc.where, doc.publisher, doc.url)
            self.lines.append(f"- {self.code(key)}: {line}")
