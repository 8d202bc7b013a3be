"""One XLSForm for a whole pipeline (the care path): every step's questions, each asked once.

The ``survey`` sheet holds, in order:

- the metadata ODK fills in itself: ``start``, ``end``, ``today``, ``deviceid`` (ODK adds
  ``meta/instanceID``);
- ``case_id``, a required text: the case's id in the team's records, to join results back;
- a group per step, in the order the pipeline runs them (named after the step), opening with a
  note that says what the step decides (the step's ``description``), then the questions first
  asked in that step. A field read by several steps is asked in the first step that reads it
  from the case; a field every reading step takes from an earlier step's outcome (a ``feed``)
  is not asked at all. A step that asks nothing new has no group.

Each question is built as in a rule set's form (:mod:`carepath.exchange.xlsform`: choices with
unknown and declined, companion questions, constraints and their messages, ``required`` where
a rule reads the answer and the form offers "Unknown" or "Does not know").

**Skip logic across steps.** A question is worth asking while a rule of *any* step that reads
it could still apply. Each step's rules are translated as for one rule set, against the form's
own order (only questions asked earlier in the form are referenced), with two more cautions: a
field the step takes from a feed is never read from the form (there the step sees the earlier
outcome, not the answer), and neither is a field declared differently in that step than where
the form asks it. The question's ``relevant`` is the ``or`` over every step that declares it
(a fed step too: an open feed leaves the step to the case's own answer). It is always asked when
some step may always need it, when no rule reads it, or when the pipeline's path reads it (the
current stage, the dates that fall due).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from carepath.assessments import Pipeline
from carepath.assessments.pipeline import RANKING
from carepath.exchange.xlsform import (
    _X,
    MAX_RELEVANT,
    NAMESPACE,
    TRUE,
    Sheets,
    _Builder,
    _or,
    _SkipLogic,
    add_draft_note,
    language_column,
    write_sheets,
)
from carepath.rules.model import InputSpec

__all__ = [
    "CASE_ID",
    "METADATA_QUESTIONS",
    "asked_in",
    "pipeline_missing_labels",
    "pipeline_relevance",
    "pipeline_xlsform_rows",
    "write_pipeline_xlsform",
]

CASE_ID = "case_id"
"""The name of the case id question."""
METADATA_QUESTIONS = ("start", "end", "today", "deviceid")
"""The metadata rows, each of its own XLSForm type."""

FORM_TEXT: dict[str, dict[str, str]] = {
    "case_id": {"en": "Case id", "km": "លេខសម្គាល់ករណី"},
    "case_id_hint": {
        "en": "The case's id in your records, so that the results join back to the case.",
        "km": "លេខសម្គាល់ករណីក្នុងកំណត់ត្រារបស់អ្នក ដើម្បីភ្ជាប់លទ្ធផលទៅនឹងករណីវិញ។",
    },
    "case_id_required": {
        "en": "The case id is needed to join the results back to the case.",
        "km": "ត្រូវការលេខសម្គាល់ករណី ដើម្បីភ្ជាប់លទ្ធផលទៅនឹងករណីវិញ។",
    },
    "step_note": {"en": "This part decides: {description}", "km": "ផ្នែកនេះសម្រេច៖ {description}"},
}
"""The pipeline form's own words, per language (the Khmer ones are drafts, as the form says)."""


def asked_in(pipeline: Pipeline) -> dict[str, dict[str, InputSpec]]:
    """The questions of each step, in the order the pipeline runs: the fields it reads from the
    case that no earlier step asks (steps asking nothing new are left out)."""
    seen: set[str] = set()
    found: dict[str, dict[str, InputSpec]] = {}
    for step in _steps(pipeline):
        fed = pipeline.model.steps[step].feeds
        new = {
            name: spec
            for name, spec in pipeline.rulesets[step].inputs.items()
            if name not in fed and name not in seen
        }
        seen.update(new)
        if new:
            found[step] = new
    return found


def pipeline_xlsform_rows(pipeline: Pipeline, languages: Sequence[str] | None = None) -> Sheets:
    """The ``survey``, ``choices`` and ``settings`` sheets of the pipeline's form."""
    return _sheets(pipeline, _languages(pipeline, languages))[1]


def pipeline_missing_labels(pipeline: Pipeline, lang: str) -> list[str]:
    """Every text of the form with no version in ``lang`` (see :func:`missing_labels`)."""
    return _sheets(pipeline, [lang])[0].missing[lang]


def pipeline_relevance(pipeline: Pipeline) -> dict[str, str]:
    """The ``relevant`` of each field that has one (for a field with a companion, the
    companion's; its value question adds ``${<field>__answer} = 'answered'``)."""
    found = _Relevance(pipeline)
    return {name: expr for name in pipeline.inputs if (expr := found.relevant(name)) is not None}


def write_pipeline_xlsform(
    pipeline: Pipeline, path: str | Path, languages: Sequence[str] | None = None
) -> Path:
    """Write the pipeline's form as an ``.xlsx`` workbook, whole or not at all."""
    return write_sheets(pipeline_xlsform_rows(pipeline, languages), path)


# -- building -------------------------------------------------------------------------------------


def _steps(pipeline: Pipeline) -> list[str]:
    return [step for step in pipeline.order if step != RANKING]


def _languages(pipeline: Pipeline, languages: Sequence[str] | None) -> list[str]:
    if languages:
        return list(dict.fromkeys(languages))
    found = [lang for step in _steps(pipeline) for lang in pipeline.rulesets[step].merged.languages]
    return list(dict.fromkeys(found)) or ["en"]


def _sheets(pipeline: Pipeline, languages: list[str]) -> tuple[_Builder, Sheets]:
    builder = _Builder(languages)
    for name in METADATA_QUESTIONS:
        builder.add_row({"type": name, "name": name}, {})
    own = {lang: pipeline.draft_texts(lang) for lang in languages}  # the pipeline's own texts
    add_draft_note(builder, [pipeline.rulesets[step].merged for step in _steps(pipeline)], own)
    builder.add_row(
        {
            "type": "text",
            "name": CASE_ID,
            "required": "yes",
            "constraint": "string-length(normalize-space(.)) > 0",
        },
        {
            "label": FORM_TEXT["case_id"],
            "hint": FORM_TEXT["case_id_hint"],
            "required_message": FORM_TEXT["case_id_required"],
            "constraint_message": FORM_TEXT["case_id_required"],
        },
    )
    relevance = _Relevance(pipeline)
    for step, questions in asked_in(pipeline).items():
        title = _texts(pipeline, f"steps.{step}.title", languages)
        builder.add_row({"type": "begin group", "name": step}, {"label": title})
        description = _texts(pipeline, f"steps.{step}.description", languages)
        if description:
            # a language the form has no words for falls back to English, marked
            frame = FORM_TEXT["step_note"]
            note = {k: frame[k].format(description=t) for k, t in description.items() if k in frame}
            builder.add_row({"type": "note", "name": f"{step}_about"}, {"label": note})
        for name, spec in questions.items():
            builder.add_input(name, spec, relevance.relevant(name), relevance.decides(name))
        builder.add_row({"type": "end group", "name": step}, {})
    settings: dict[str, Any] = {
        "form_title": pipeline.title,
        "form_id": pipeline.id.replace("/", "_").replace(".", "_"),
        "version": pipeline.version,
        "default_language": language_column(languages[0]),
        "namespaces": NAMESPACE,
    }
    return builder, builder.sheets(settings)


def _texts(pipeline: Pipeline, place: str, languages: Sequence[str]) -> dict[str, str]:
    """A text of the pipeline in English and in each language that has it (the others fall
    back to English in the form, marked)."""
    english = pipeline.text(place, "en")
    if not english:
        return {}
    found = {"en": english}
    for lang in languages:
        if lang != "en" and (text := pipeline.text(place, lang)):
            found[lang] = text
    return found


class _Relevance:
    """Each field's skip logic over every step that declares it (see the module docstring)."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        asked = asked_in(pipeline)
        self.specs = {name: spec for questions in asked.values() for name, spec in questions.items()}
        order = list(self.specs)
        path = pipeline.model.path
        self.always: set[str] = set()
        if path is not None:
            self.always.add(path.stage)
            self.always.update(name for due in (path.due or {}).values() for name in due.after)
        self.skips: dict[str, _SkipLogic] = {}
        for step in _steps(pipeline):
            merged = pipeline.rulesets[step].merged
            differs = {n for n, s in merged.inputs.items() if n in self.specs and s != self.specs[n]}
            hidden = set(pipeline.model.steps[step].feeds) | differs
            self.skips[step] = _SkipLogic(merged, order, hidden)

    def decides(self, name: str) -> bool:
        """Some rule of some step, or the path, reads the field."""
        return name in self.always or any(name in s.readers and s.readers[name] for s in self.skips.values())

    def relevant(self, name: str) -> str | None:
        if name in self.always:
            return None
        found: list[_X] = []
        for skip in self.skips.values():
            if name not in skip.readers:
                continue
            expr = skip.may_apply(name)
            if expr is not None:
                found.append(expr)
        if not found:
            return None
        combined = _or(found)
        if combined == TRUE or len(combined.text) > MAX_RELEVANT:
            return None
        return combined.text
