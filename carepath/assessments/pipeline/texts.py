"""A pipeline file's own texts and their translation files.

A pipeline file (``rulesets/intl/care_path.pipeline.yaml``) has its Khmer texts beside it in
``translations/km/care_path.pipeline.km.yaml``, in the format and through the reader of the
rule files' translation files (:mod:`carepath.rules.translations`); its id there is the file's
path under ``rulesets/`` without ``.yaml`` (``intl/care_path.pipeline``). Its places:

- ``title``, ``description``: the pipeline's;
- ``steps.NAME.title``: the heading of a step (the form's group title; its English is the
  step's name as words, ``family_safety`` -> "Family safety"), ``steps.NAME.description``;
- ``path.stages.NAME.label``, ``path.stages.NAME.description``, ``path.due.NAME.label``.

A pipeline that ``extends`` another shows the texts of the file that gives each one (a step's
title is the file's that first declares the step); a translation is taken from the highest file
of the chain whose translation has the text with the English shown. A text
whose English changed since it was translated is not shown (the English is).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from carepath.assessments.model import PipelineFile
from carepath.plans.model import DueDate, PathSpec, Stage
from carepath.rules.registry import ruleset_id
from carepath.rules.translations import TextSource, TranslatedText, fitting_translation, in_use

__all__ = ["apply_texts", "pipeline_source", "pipeline_texts", "step_title", "translated"]


def step_title(name: str) -> str:
    """A step's heading in English: its name as words (``family_safety`` -> "Family safety")."""
    return name.replace("_", " ").capitalize()


def pipeline_texts(model: PipelineFile, inherited: Collection[str] = ()) -> dict[str, str]:
    """Every English text a pipeline file (or a merged pipeline) shows, by place, in file order;
    the title of a step in ``inherited`` (declared by the file it extends) is that file's."""
    found = {"title": model.title}
    if model.description:
        found["description"] = model.description
    for name, step in model.steps.items():
        if name not in inherited:
            found[f"steps.{name}.title"] = step_title(name)
        if step.description:
            found[f"steps.{name}.description"] = step.description
    if model.path is not None:
        for name, stage in model.path.stages.items():
            if stage.label.get("en"):
                found[f"path.stages.{name}.label"] = stage.label["en"]
            if stage.description:
                found[f"path.stages.{name}.description"] = stage.description
        for name, due in model.path.due.items():
            if due.label.get("en"):
                found[f"path.due.{name}.label"] = due.label["en"]
    return found


def pipeline_source(path: str | Path, model: PipelineFile, inherited: Collection[str] = ()) -> TextSource:
    """A pipeline file as a file with texts (for its translation files and the PO round trip);
    ``inherited``: the steps the files it extends declare."""
    return TextSource(ruleset_id(Path(path)), str(path), pipeline_texts(model, inherited))


def translated(chain: Sequence[TextSource], shown: Mapping[str, str], lang: str) -> dict[str, TranslatedText]:
    """The ``lang`` text of each place ``shown`` (place -> the English shown): from the highest
    file of ``chain`` (lowest first) whose translation has it with that English."""
    found: dict[str, TranslatedText] = {}
    for source in reversed(chain):
        fit, _ = fitting_translation(source, lang)
        for place, entry in (fit.texts if fit else {}).items():
            if place not in found and shown.get(place) == entry.english:
                found[place] = entry
    return found


def apply_texts(
    merged: PipelineFile, chain: Sequence[TextSource]
) -> tuple[PipelineFile, dict[str, dict[str, TranslatedText]]]:
    """The merged pipeline with the stage and date labels of the languages in use added (where
    the file gives none), and every translated text by language and place; unchanged (and no
    texts) when no language is in use."""
    langs = in_use()
    if not langs:
        return merged, {}
    shown = pipeline_texts(merged)
    texts = {lang: translated(chain, shown, lang) for lang in langs}
    if merged.path is None:
        return merged, texts

    def label(place: str, text: Mapping[str, str]) -> dict[str, str]:
        extra = {lang: t[place].text for lang, t in texts.items() if place in t and not text.get(lang)}
        return {**text, **extra}

    stages: dict[str, Stage] = {
        name: stage.model_copy(update={"label": label(f"path.stages.{name}.label", stage.label)})
        for name, stage in merged.path.stages.items()
    }
    due: dict[str, DueDate] = {
        name: spec.model_copy(update={"label": label(f"path.due.{name}.label", spec.label)})
        for name, spec in merged.path.due.items()
    }
    path: PathSpec = merged.path.model_copy(update={"stages": stages, "due": due})
    return merged.model_copy(update={"path": path}), texts
