"""An interview that asks only what can still change an outcome, one question at a time.

Each turn evaluates the answers so far and asks the open question whose answer most often
settles the open outcomes (:meth:`RuleSet.next_questions`). A question answered ``unknown`` or
``declined`` is not asked again in the same interview. ``back`` undoes the last answer, and
``quit`` stops. The interview ends when nothing open can be settled by a question not yet
asked; it then shows the outcomes and the why / why-not explanation.

The subject is a rule set or a whole pipeline (the care path). For a pipeline the next
question is the open one the most outcomes across the steps wait on, and the end shows the
care path: the ranked and blocked care options, the services and the care plan.

Each turn shows the progress ("question 12 of about 40": the questions answered in this
interview and those still open that could be asked) and, for a pipeline, a heading when the
question belongs to another step than the last one (the first step, in the pipeline's order,
that waits on it). Each answer is echoed as recorded: the label of the choice, or the value as
typed (masked for a sensitive input with ``redact``). The echo goes to ``say`` only, the user's
own screen; nothing of an answer is logged.

Reading and writing go through the ``ask`` and ``say`` functions, so a terminal, a test or
another front end can drive the same interview. A ``KeyboardInterrupt`` raised by ``ask``
(Ctrl-C) leaves :attr:`Interview.answers` holding every answer given so far.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from carepath import report
from carepath.assessments.pipeline import Pipeline
from carepath.assessments.result import Assessment
from carepath.cases.replies import parse_answer
from carepath.errors import CaseError
from carepath.report.words import catalogue, in_language
from carepath.rules.drafts import draft_count, draft_note
from carepath.rules.model import ANSWER_WORDS, InputSpec
from carepath.rules.result import Evaluation
from carepath.rules.ruleset import RuleSet
from carepath.rules.trace import REDACTED

__all__ = ["Interview", "parse_answer", "save_case"]

Ask = Callable[[str], str]
Say = Callable[[str], None]


@dataclass
class Interview:
    """The state of one interview: the answers given, in order."""

    ruleset: RuleSet | Pipeline
    as_of: dt.date
    lang: str = "en"
    answers: dict[str, Any] = field(default_factory=dict)
    redact: bool = False
    history: list[tuple[str, Any]] = field(default_factory=list)
    asked_in: dict[str, str] = field(default_factory=dict)
    """For a pipeline, the step each question of this interview was asked for."""

    def next_question(self) -> str | None:
        """The open question to ask next, or None when none can settle anything more.

        A question answered in this interview is not asked again, even ``unknown``; one left
        open in a case the interview resumes from (a new contact) is asked again.
        """
        names, _ = self.open_questions()
        return names[0] if names else None

    def open_questions(self) -> tuple[list[str], dict[str, str]]:
        """The open questions that may still be asked, next first, and for a pipeline the step
        each belongs to (the first step, in the pipeline's order, that waits on it)."""
        asked = {name for name, _ in self.history}
        steps: dict[str, str] = {}
        if isinstance(self.ruleset, Pipeline):
            result = self.ruleset.assess(self.answers, as_of=self.as_of, trace=False, reasons=False)
            for step in result.order:
                for name in result.steps[step].missing:
                    steps.setdefault(name, step)
            # what the current stage waits on first, then the rest; within each, the questions of
            # the step asked last before those of another step, so that the steps come in groups
            last = self.asked_in.get(self.history[-1][0]) if self.history else None
            names = []
            for tier in result.question_tiers:
                open_ = [n for n in tier if n in self.ruleset.inputs and n not in asked]
                names += sorted(open_, key=lambda n: steps.get(n) != last)
        else:
            names = [q.name for q in self.ruleset.next_questions(self.answers, as_of=self.as_of)]
        return [n for n in names if n not in asked], steps

    def step_label(self, step: str) -> str:
        """A pipeline step as a heading: its rule set's title (in another language, the step's
        title in the pipeline's translation, where it has one)."""
        assert isinstance(self.ruleset, Pipeline)
        own = self.ruleset.text(f"steps.{step}.title", self.lang) if self.lang != "en" else None
        rules = self.ruleset.rulesets.get(step)
        if own is not None:  # the step's heading in the interview's language
            return f"{own} ({step})"
        return f"{rules.title} ({step})" if rules is not None else step

    def answer(self, name: str, value: Any) -> None:
        """Record an answer (already parsed), checking it against the rule set or pipeline."""
        trial = {**self.answers, name: value}
        if isinstance(self.ruleset, Pipeline):
            before = self.ruleset.assess(self.answers, as_of=self.as_of, trace=False, reasons=False)
            self.ruleset.assess(trial, as_of=self.as_of, trace=False, reasons=False)
            if (step := before.step_of(name)) is not None:
                self.asked_in[name] = step
        else:
            self.ruleset.check(trial)
        self.history.append((name, self.answers.get(name)))
        self.answers[name] = value

    def back(self) -> str | None:
        """Undo the last answer of this interview; the question it answered, if any."""
        if not self.history:
            return None
        name, before = self.history.pop()
        if before is None:
            self.answers.pop(name, None)
        else:
            self.answers[name] = before
        return name

    def evaluation(self) -> Evaluation | Assessment:
        """The result of the answers so far: an evaluation, or a pipeline's assessment."""
        if isinstance(self.ruleset, Pipeline):
            return self.ruleset.assess(self.answers, as_of=self.as_of)
        return self.ruleset.evaluate(self.answers, as_of=self.as_of)

    def run(self, ask: Ask, say: Say, *, explain: bool = True) -> Evaluation | Assessment | None:
        """Ask until done; the final evaluation, or None if the user quit. With ``explain`` the
        outcomes and their explanation (:meth:`explanation`) are said at the end."""
        w = catalogue(self.lang)
        title = self.ruleset.title
        if isinstance(self.ruleset, Pipeline) and self.lang != "en":  # its title in the language
            title = self.ruleset.text("title", self.lang) or title
        say(w.get("interview.title", title=title, date=self.as_of.isoformat()))
        if (note := self.draft_note()) is not None:
            say(note)
        say(w.get("interview.help"))
        heading: str | None = None
        while True:
            names, steps = self.open_questions()
            if not names:
                break
            name = names[0]
            spec = self.ruleset.inputs[name]
            step = steps.get(name)
            if step is not None and step != heading:
                heading = step
                say("")
                say(f"== {self.step_label(step)} ==")
            say("")
            say(w.get("interview.progress", n=len(self.history) + 1, total=len(self.history) + len(names)))
            say(self.prompt(name, spec))
            while True:
                reply = ask("> ").strip()
                if reply == "quit":
                    return None
                if reply == "back":
                    undone = self.back()
                    if undone:
                        say(w.get("interview.undone", name=undone))
                    else:
                        say(w.get("interview.nothing_to_undo"))
                    break
                try:
                    value = parse_answer(spec, reply)
                    self.answer(name, value)
                except (ValueError, CaseError) as exc:
                    say(f"  {w.get('interview.answer_again', error=exc)}")
                    continue
                say(f"  {w.get('interview.recorded', answer=self.shown(spec, value, reply))}")
                break
        result = self.evaluation()
        if explain:
            say("")
            say(self.explanation(result))
        return result

    def explanation(self, result: Evaluation | Assessment) -> str:
        """The outcomes and the why / why-not explanation (for a pipeline: the care path), in the
        interview's language."""
        with in_language(self.lang):
            if isinstance(result, Assessment):
                assert isinstance(self.ruleset, Pipeline)
                return report.assessment_text(result, self.ruleset, redact=self.redact)
            assert isinstance(self.ruleset, RuleSet)
            return report.text(result, self.ruleset, redact=self.redact)

    def shown(self, spec: InputSpec, value: Any, reply: str) -> str:
        """An answer as recorded, for the user's own screen: a choice by its label, yes / no, a
        word, or the value as typed; masked for a sensitive input when redacting."""
        w = catalogue(self.lang)
        if self.redact and spec.sensitive:
            return REDACTED
        if value == "unknown":
            return w.get("answer.unknown")
        if value == "declined":
            return w.get("answer.declined")
        if spec.type == "bool":
            return w.get("value.yes") if value else w.get("value.no")
        if spec.type in ("enum", "set"):
            labels = {
                c.value: c.label.get(self.lang) or c.label.get("en") or c.value for c in spec.choices or []
            }
            chosen = [value] if spec.type == "enum" else list(value)
            return "; ".join(labels.get(c, c) for c in chosen) or w.get("value.none")
        return reply.strip()

    def draft_note(self, lang: str | None = None) -> str | None:
        """The one note that says some of the questions are draft translations, if any are."""
        lang = lang or self.lang
        if lang == "en":
            return None
        subject = self.ruleset
        words = catalogue(lang).drafts()  # the program's own draft words, each once
        if isinstance(subject, Pipeline):
            merged = [r.merged for r in subject.rulesets.values()]
            return draft_note(draft_count(merged, lang) + subject.draft_texts(lang) + words, lang)
        return draft_note(draft_count([subject.merged], lang) + words, lang)

    def prompt(self, name: str, spec: InputSpec) -> str:
        w = catalogue(self.lang)
        text = spec.question.get(self.lang)
        missing = "" if text else f"  {w.get('interview.no_text', lang=self.lang)}"
        text = text or spec.question["en"]
        lines = [f"{text}{missing}"]
        if spec.type == "bool":
            lines.append(f"  {w.get('interview.yes_no')}")
        elif spec.type in ("enum", "set"):
            for i, choice in enumerate(spec.choices or [], 1):
                label = choice.label.get(self.lang) or choice.label.get("en") or choice.value
                lines.append(f"  {i}. {label} [{choice.value}]")
            if spec.type == "set":
                lines.append(f"  {w.get('interview.several')}")
        elif spec.type in ("int", "number"):
            if spec.max is not None:
                shown = w.get("interview.number_range", low=f"{spec.min:g}", high=f"{spec.max:g}")
            else:
                shown = w.get("interview.number")
            lines.append(f"  {shown}")
        elif spec.type == "date":
            lines.append(f"  {w.get('interview.date')}")
        words = [word for word in ANSWER_WORDS if word in spec.accepts]
        if words:
            lines.append(f"  {w.get('interview.or_words', words=', '.join(words))}")
        return "\n".join(lines)


def save_case(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers as a case file's data (dates as text)."""
    return {"answers": {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in answers.items()}}
