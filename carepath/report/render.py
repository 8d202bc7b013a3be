"""Render an :class:`Evaluation` as text or Markdown ("why" and "why not", each line cited) or JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from carepath.report.vocab import Vocab, language, readable_condition, words
from carepath.report.words import cite, document_line, opening, shown_value, truth_word
from carepath.rules.model import Document, Source
from carepath.rules.questions import Question
from carepath.rules.result import Evaluation
from carepath.rules.ruleset import RuleSet
from carepath.rules.trace import Check, RuleStep

__all__ = ["json_text", "markdown", "text"]

_STATUS_WORDS = {
    "fired": "applies",
    "not_fired": "does not apply",
    "unknown": "unknown",
    "overridden": "overridden",
    "not_in_force": "not in force",
}


def text(
    evaluation: Evaluation,
    ruleset: RuleSet | None = None,
    *,
    redact: bool = False,
    questions: Sequence[Question] | None = None,
) -> str:
    """Plain text for a terminal. ``questions`` (from ``RuleSet.next_questions``) orders the
    open questions by how often their answer settles the open outcomes."""
    return _Renderer(evaluation, ruleset, markdown=False, redact=redact, questions=questions).render()


def markdown(
    evaluation: Evaluation,
    ruleset: RuleSet | None = None,
    *,
    redact: bool = False,
    questions: Sequence[Question] | None = None,
) -> str:
    """Markdown with a section per part and the sources at the end."""
    return _Renderer(evaluation, ruleset, markdown=True, redact=redact, questions=questions).render()


def json_text(evaluation: Evaluation, *, redact: bool = False) -> str:
    """JSON, as :meth:`Evaluation.to_json`."""
    return evaluation.to_json(redact=redact)


class _Renderer:
    def __init__(
        self,
        evaluation: Evaluation,
        ruleset: RuleSet | None,
        markdown: bool,
        redact: bool,
        questions: Sequence[Question] | None = None,
    ) -> None:
        self.ev = evaluation.redacted() if redact else evaluation
        self.rs = ruleset
        self.questions = questions
        self.md = markdown
        self.lines: list[str] = []
        merged = ruleset.merged if ruleset is not None else None
        self.v = Vocab(
            ruleset.inputs if ruleset is not None else {},
            {**merged.facts, **merged.outcomes} if merged is not None else {},
        )

    # -- helpers ------------------------------------------------------------------------------
    def heading(self, title: str) -> None:
        if self.md:
            self.lines += ["", f"## {title}", ""]
        else:
            self.lines += ["", title, "-" * len(title)]

    def code(self, value: str) -> str:
        return f"`{value}`" if self.md else value

    def value(self, value: Any) -> str:
        return shown_value(value)

    def cite(self, source: Source | None, local_setting: bool) -> str:
        return cite(source, local_setting)

    def check(self, check: Check) -> str:
        truth = truth_word(check.value)
        reads = ", ".join(f"{n} = {self.v.short(n, v)}" for n, v in check.reads)
        return f"{self.code(readable_condition(check.text))} is {truth}" + (f" ({reads})" if reads else "")

    def question(self, name: str) -> str:
        if self.rs is not None and name in self.rs.inputs:
            return words(self.rs.inputs[name].question) or name
        return name

    # -- parts --------------------------------------------------------------------------------
    def render(self) -> str:
        ev = self.ev
        title = f"carepath: {ev.ruleset} {ev.version}, as of {ev.as_of.isoformat()}"
        self.lines += opening(title, self.md)
        self.outcomes()
        self.missing()
        if ev.trace is not None:
            self.why(("fired", "overridden"), "Why (rules that apply)")
            self.why(("unknown",), "Open (rules that unknown answers keep open)")
            self.why(("not_fired", "not_in_force"), "Why not (rules that do not apply)")
            self.answers()
        self.sources()
        return "\n".join(self.lines).rstrip() + "\n"

    def outcomes(self) -> None:
        self.heading("Outcomes")
        for outcome in self.ev.outcomes.values():
            label = (outcome.label if language() == "en" else None) or self.v.name(outcome.name)
            shown = self.v.value(
                outcome.name, outcome.value, determined=outcome.determined, missing=outcome.missing
            )
            status = "determined" if outcome.determined else "undetermined"
            self.lines.append(f"- {label} ({self.code(outcome.name)}): {shown} ({status})")
            if outcome.decided_by:
                self.lines.append(f"  - decided by: {', '.join(outcome.decided_by)}")
            elif outcome.determined and not outcome.conflict:
                self.lines.append("  - every rule is known not to apply; the default holds")
            if outcome.conflict:
                self.lines.append(f"  - CONFLICT between rules: {', '.join(outcome.conflict)}")
            if not outcome.determined and outcome.candidates:
                self.lines.append(f"  - could still be: {self.v.either(outcome.name, outcome.candidates)}")
            if outcome.missing:
                asks = "; ".join(f"{self.v.name(q)} ({self.code(q)})" for q in outcome.missing)
                self.lines.append(f"  - still to ask: {asks}")

    def missing(self) -> None:
        if not self.ev.missing:
            return
        self.heading("Questions that could still change an outcome")
        if self.questions:
            self.lines.append("Best first: the share of tried answers that settle the open outcomes.")
            self.lines.append("")
            for i, q in enumerate(self.questions, 1):
                self.lines.append(f"{i}. {q.text} ({self.code(q.name)}) ({q.settles:.0%})")
            return
        for i, name in enumerate(self.ev.missing, 1):
            self.lines.append(f"{i}. {self.question(name)} ({self.code(name)})")

    def why(self, statuses: tuple[str, ...], title: str) -> None:
        assert self.ev.trace is not None
        steps = [s for s in self.ev.trace.rules if s.status in statuses]
        if not steps:
            return
        self.heading(title)
        for step in steps:
            self.step(step)

    def step(self, step: RuleStep) -> None:
        hard = " [hard]" if step.hard else ""
        self.lines.append(f"- {step.title} ({self.code(step.rule_id)}): {_STATUS_WORDS[step.status]}{hard}")
        if step.overridden_by:
            self.lines.append(f"  - overridden by the exception {', '.join(step.overridden_by)}")
        if step.exception_to and step.status == "fired":
            self.lines.append(f"  - an exception to {', '.join(step.exception_to)}, which it overrides")
        for check in step.checks:
            self.lines.append(f"  - {self.check(check)}")
        for row in step.rows:
            if row.value is False:
                continue
            state = "matches" if row.value else "may match"
            self.lines.append(f"  - {row.id} {state} -> {self.v.value(step.target, row.output)}")
            for check in row.checks:
                self.lines.append(f"    - {self.check(check)}")
        if step.detail:
            self.lines.append(f"  - {step.detail}")
        if step.concludes and step.status == "fired":
            concl = "; ".join(f"{self.v.name(n)} = {self.v.value(n, v)}" for n, v in step.concludes)
            self.lines.append(f"  - concludes {concl}")
        if step.missing:
            self.lines.append(f"  - waiting on: {'; '.join(self.v.ask(n) for n in step.missing)}")
        self.lines.append(f"  - source: {cite(step.source, step.local_setting, quote=True)}")

    def answers(self) -> None:
        assert self.ev.trace is not None
        self.heading("Answers read")
        for answer in self.ev.trace.answers:
            kind = "" if answer.kind == "given" else f" ({answer.kind.replace('_', ' ')})"
            shown = self.v.value(answer.name, answer.value) if answer.kind == "given" else "-"
            if answer.kind == "candidates":
                shown = self.v.either(answer.name, answer.value)
            contact = f" [contact {answer.contact}]" if answer.contact else ""
            named = f"{self.v.name(answer.name)} ({self.code(answer.name)})"
            self.lines.append(f"- {named}: {shown}{kind}{contact}")

    def sources(self) -> None:
        if self.rs is None:
            return
        used = set()
        if self.ev.trace is not None:
            used = {s.source.document for s in self.ev.trace.rules if s.source is not None}
        docs: dict[str, Document] = {k: d for k, d in self.rs.merged.sources.items() if k in used}
        if not docs:
            return
        self.heading("Sources")
        for key, doc in docs.items():
            line = document_line(doc.title, doc.year, doc.where, doc.publisher, doc.url)
            self.lines.append(f"- {self.code(key)}: {line}")
