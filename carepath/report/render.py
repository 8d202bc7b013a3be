"""Render an :class:`Evaluation` as text or Markdown ("why" and "why not", each line cited) or JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from carepath.report.vocab import Vocab, language, readable_condition, words
from carepath.report.words import cite, document_line, opening, shown_value, truth_word
from carepath.report.words.keys import ANSWER_KEYS, STATUS_KEYS
from carepath.report.words.language import phrase
from carepath.rules.model import Document, Source
from carepath.rules.questions import Question
from carepath.rules.result import Evaluation
from carepath.rules.ruleset import RuleSet
from carepath.rules.trace import Check, RuleStep

__all__ = ["json_text", "markdown", "text"]


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
        condition = self.code(readable_condition(check.text))
        if reads:
            return phrase("check.is_reads", condition=condition, truth=truth, reads=reads)
        return phrase("check.is", condition=condition, truth=truth)

    def question(self, name: str) -> str:
        if self.rs is not None and name in self.rs.inputs:
            return words(self.rs.inputs[name].question) or name
        return name

    # -- parts --------------------------------------------------------------------------------
    def render(self) -> str:
        ev = self.ev
        title = phrase("report.title", name=ev.ruleset, version=ev.version, date=ev.as_of.isoformat())
        self.lines += opening(title, self.md)
        self.outcomes()
        self.missing()
        if ev.trace is not None:
            self.why(("fired", "overridden"), phrase("why.heading"))
            self.why(("unknown",), phrase("why.open_heading"))
            self.why(("not_fired", "not_in_force"), phrase("why.not_heading"))
            self.answers()
        self.sources()
        return "\n".join(self.lines).rstrip() + "\n"

    def outcomes(self) -> None:
        self.heading(phrase("outcomes.heading"))
        for outcome in self.ev.outcomes.values():
            label = (outcome.label if language() == "en" else None) or self.v.name(outcome.name)
            shown = self.v.value(
                outcome.name, outcome.value, determined=outcome.determined, missing=outcome.missing
            )
            key = "outcomes.determined" if outcome.determined else "outcomes.undetermined"
            self.lines.append(f"- {phrase(key, label=label, code=self.code(outcome.name), value=shown)}")
            if outcome.decided_by:
                self.lines.append(f"  - {phrase('outcomes.decided_by', rules=', '.join(outcome.decided_by))}")
            elif outcome.determined and not outcome.conflict:
                self.lines.append(f"  - {phrase('outcomes.default_holds')}")
            if outcome.conflict:
                self.lines.append(f"  - {phrase('outcomes.conflict', rules=', '.join(outcome.conflict))}")
            if not outcome.determined and outcome.candidates:
                values = self.v.either(outcome.name, outcome.candidates)
                self.lines.append(f"  - {phrase('outcomes.could_still_be', values=values)}")
            if outcome.missing:
                asks = "; ".join(f"{self.v.name(q)} ({self.code(q)})" for q in outcome.missing)
                self.lines.append(f"  - {phrase('plan.still_to_ask', questions=asks)}")

    def missing(self) -> None:
        if not self.ev.missing:
            return
        self.heading(phrase("questions.heading"))
        if self.questions:
            self.lines.append(phrase("questions.best_first"))
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
        key = "trace.rule_hard" if step.hard else "trace.rule"
        status = phrase(STATUS_KEYS[step.status])
        self.lines.append(f"- {phrase(key, title=step.title, code=self.code(step.rule_id), status=status)}")
        if step.overridden_by:
            self.lines.append(f"  - {phrase('why.overridden_by', rules=', '.join(step.overridden_by))}")
        if step.exception_to and step.status == "fired":
            self.lines.append(f"  - {phrase('why.exception_to', rules=', '.join(step.exception_to))}")
        for check in step.checks:
            self.lines.append(f"  - {self.check(check)}")
        for row in step.rows:
            if row.value is False:
                continue
            key = "why.row_matches" if row.value else "why.row_may_match"
            self.lines.append(f"  - {phrase(key, row=row.id, value=self.v.value(step.target, row.output))}")
            for check in row.checks:
                self.lines.append(f"    - {self.check(check)}")
        if step.detail:
            self.lines.append(f"  - {step.detail}")
        if step.concludes and step.status == "fired":
            concl = "; ".join(f"{self.v.name(n)} = {self.v.value(n, v)}" for n, v in step.concludes)
            self.lines.append(f"  - {phrase('why.concludes', values=concl)}")
        if step.missing:
            asks = "; ".join(self.v.ask(n) for n in step.missing)
            self.lines.append(f"  - {phrase('why.waiting_on', questions=asks)}")
        source = cite(step.source, step.local_setting, quote=True)
        self.lines.append(f"  - {phrase('trace.source', source=source)}")

    def answers(self) -> None:
        assert self.ev.trace is not None
        self.heading(phrase("answers.heading"))
        for answer in self.ev.trace.answers:
            kind = "" if answer.kind == "given" else f" ({phrase(ANSWER_KEYS[answer.kind])})"
            shown = self.v.value(answer.name, answer.value) if answer.kind == "given" else "-"
            if answer.kind == "candidates":
                shown = self.v.either(answer.name, answer.value)
            contact = f" [{phrase('answers.contact', contact=answer.contact)}]" if answer.contact else ""
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
        self.heading(phrase("sources.heading"))
        for key, doc in docs.items():
            line = document_line(doc.title, doc.year, doc.where, doc.publisher, doc.url)
            self.lines.append(f"- {self.code(key)}: {line}")
