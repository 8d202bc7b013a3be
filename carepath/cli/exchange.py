"""The commands that exchange with other tools: ``labels`` (translation round trip), ``export
xlsform`` and ``import-submissions``."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from carepath.assessments import Pipeline, load_pipeline
from carepath.cli.group import SKIPPED_EXIT, main
from carepath.errors import CarepathError
from carepath.rules.registry import bundled_ids, bundled_pipelines
from carepath.rules.ruleset import RuleSet, load
from carepath.safeio import atomic_write


class _LabelsGroup(click.Group):
    """``carepath labels [RULESETS] --lang km`` reports; ``labels export`` / ``labels import``
    are the translation round trip."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["report", *args]
        return super().parse_args(ctx, args)


@main.group(cls=_LabelsGroup)
def labels() -> None:
    """Texts per language: how many are translated (draft or reviewed), and the translation
    round trip through gettext PO files (export, then import what a translator brings back).

    `carepath labels [RULESETS] --lang km` is `carepath labels report`."""


@labels.command(name="report")
@click.argument("rulesets", nargs=-1)
@click.option("--lang", required=True, help="A language code, e.g. km.")
@click.option("--list", "show_all", is_flag=True, help="List each missing text with its English version.")
def labels_report(rulesets: tuple[str, ...], lang: str, show_all: bool) -> None:
    """Report, per rule set (all bundled ones and the pipelines if none is named), how many texts
    LANG has and how many of them are drafts, and the texts it lacks (they fall back to English,
    marked as such). A pipeline's line counts its own texts (titles, stages, dates)."""
    from carepath.exchange.labels import missing_texts, text_count
    from carepath.rules.drafts import text_status
    from carepath.rules.translations import unfit, using

    names, pipelines = _split_names(rulesets)
    try:
        for rid in names:
            with using(lang):
                rules = load(rid)
            gaps = missing_texts(rules, lang)
            total = text_count(rules)
            status = list(text_status(rules.merged, lang).values())
            stale = unfit(rules.merged.layers, lang)
            _labels_line(rules.id, lang, total, gaps, status, len(stale), show_all)
        for name in pipelines:
            _pipeline_labels(name, lang, show_all)
    except CarepathError as exc:
        raise click.ClickException(str(exc)) from None


def _split_names(names: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The rule sets and the pipelines named (none named: every bundled one). A name that is
    both a bundled rule set and a bundled pipeline (``intl/follow_up``) is the rule set."""
    if not names:
        return bundled_ids(), bundled_pipelines()
    rules = set(bundled_ids())
    pipelines = [n for n in names if n not in rules and _is_pipeline(n)]
    return [n for n in names if n not in pipelines], pipelines


def _pipeline_labels(name: str, lang: str, show_all: bool) -> None:
    """One pipeline's line of ``carepath labels``: its own texts in ``lang``."""
    from carepath.assessments.pipeline.texts import pipeline_texts
    from carepath.exchange.labels import pipeline_missing, pipeline_status, pipeline_unfit
    from carepath.rules.translations import using

    with using(lang):
        pipe = load_pipeline(name)
    total = len(pipeline_texts(pipe.model))
    gaps = pipeline_missing(pipe, lang)
    status = list(pipeline_status(pipe, lang).values())
    stale = pipeline_unfit(pipe, lang)
    where = f"{pipe.text_files[-1].id} (pipeline {pipe.id})"
    _labels_line(where, lang, total, gaps, status, len(stale), show_all)


def _labels_line(
    where: str, lang: str, total: int, gaps: Sequence[Any], status: Sequence[str], stale: int, show_all: bool
) -> None:
    """One line of ``carepath labels`` (a rule set's or a pipeline's), and its gaps with --list."""
    click.echo(
        f"{where}: {total - len(gaps)} of {total} texts in {lang}"
        + (f" ({status.count('draft')} draft, {status.count('reviewed')} reviewed)" if status else "")
        + (f"; {stale} translated texts no longer fit (see carepath validate)" if stale else "")
    )
    if show_all:
        for gap in gaps:
            click.echo(f"  {gap.where}: {gap.english}")


@labels.command(name="export")
@click.argument("rulesets", nargs=-1)
@click.option("--lang", required=True, help="The language to translate into, e.g. km.")
@click.option("--output", "-o", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
def labels_export(rulesets: tuple[str, ...], lang: str, out_path: Path) -> None:
    """Write a gettext PO file with every English text of RULESETS (all bundled ones and the
    pipelines if none is named; a pipeline may be named), with the shared case-field dictionary
    they read, and its LANG translation: msgctxt names the file and the place, a draft is fuzzy."""
    from carepath.exchange.po import export_po, sources_of
    from carepath.rules.translations import is_language

    if lang == "en" or not is_language(lang):
        raise click.BadParameter("a language code other than en (English is the source), e.g. km")
    layers = sources_of(*_split_names(rulesets))
    po = export_po(layers, lang)
    atomic_write(out_path, str(po))
    untranslated = sum(1 for e in po if not e.msgstr)
    drafts = sum(1 for e in po if e.msgstr and e.fuzzy)
    click.echo(
        f"{len(po)} texts of {len(layers)} files written to {out_path}: "
        f"{len(po) - untranslated - drafts} reviewed, {drafts} draft (fuzzy), {untranslated} untranslated"
    )


@labels.command(name="import")
@click.argument("po_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--ruleset",
    "-r",
    "rulesets",
    multiple=True,
    help="A rule set (id or path) the PO file covers (repeatable; default: the bundled ones).",
)
def labels_import(po_file: Path, rulesets: tuple[str, ...]) -> None:
    """Check a PO file brought back by a translator against the rule files and write their
    translation files: an entry without the fuzzy flag is reviewed. Nothing is written if any
    entry is refused (each refusal names the PO line and the msgctxt)."""
    from carepath.exchange.po import import_po, write_planned

    try:
        names, pipelines = _split_names(rulesets) if rulesets else ([], [])
        planned = import_po(po_file, names if rulesets else None, pipelines)
    except CarepathError as exc:
        for error in getattr(exc, "errors", [exc]):
            click.echo(str(error), err=True)
        raise click.ClickException("nothing was written") from None
    write_planned(planned)
    for item in planned:
        click.echo(f"{item.path}: {item.count} texts")


@main.group()
def export() -> None:
    """Export a rule set or a pipeline to formats other tools read."""


@export.command(name="xlsform")
@click.argument("ruleset")
@click.option("--output", "-o", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--lang",
    "languages",
    multiple=True,
    help="A language of the labels (repeatable; default: the rule set's).",
)
def export_xlsform(ruleset: str, out_path: Path, languages: tuple[str, ...]) -> None:
    """Write RULESET's questions as an XLSForm (.xlsx) for ODK or KoboToolbox: choices with unknown
    and declined, labels per language, and skip logic (relevant) derived from the rules.

    RULESET may be a pipeline (a bundled id such as intl/care_path, or a pipeline file): one form
    for the whole care path, a group per step, each fact asked once."""
    from carepath.exchange.pipeline_form import (
        METADATA_QUESTIONS,
        pipeline_missing_labels,
        pipeline_relevance,
        write_pipeline_xlsform,
    )
    from carepath.exchange.xlsform import missing_labels, relevance, write_xlsform
    from carepath.rules.drafts import draft_count, draft_note
    from carepath.rules.translations import using

    pipe: Pipeline | None = None
    try:
        with using(*languages):  # the translation files of the languages asked for
            if _is_pipeline(ruleset):
                pipe = load_pipeline(ruleset)
                write_pipeline_xlsform(pipe, out_path, languages or None)
                count, skipped = len(pipe.inputs), len(pipeline_relevance(pipe))
                steps = sum(1 for step in pipe.order if step in pipe.model.steps)
                what = f"{count} questions in {steps} steps, a case id and {len(METADATA_QUESTIONS)} metadata"
                langs = languages or tuple(
                    dict.fromkeys(lang for rs in pipe.rulesets.values() for lang in rs.merged.languages)
                )
                gaps = {lang: len(pipeline_missing_labels(pipe, lang)) for lang in langs}
            else:
                rules = load(ruleset)
                write_xlsform(rules, out_path, languages or None)
                what, skipped = f"{len(rules.inputs)} questions", len(relevance(rules))
                gaps = {
                    lang: len(missing_labels(rules, lang)) for lang in languages or rules.merged.languages
                }
    except CarepathError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{what} ({skipped} with skip logic) written to {out_path}", err=True)
    for lang, missing in gaps.items():
        if missing:
            click.echo(f"warning: {missing} labels or hints have no text in {lang!r}", err=True)
    merged = [rs.merged for rs in pipe.rulesets.values()] if pipe is not None else [rules.merged]
    for lang in languages:
        own = pipe.draft_texts(lang) if pipe is not None else 0  # the pipeline's own texts
        if (note := draft_note(draft_count(merged, lang) + own, lang)) is not None:
            click.echo(f"note: {note}", err=True)


def _is_pipeline(name: str) -> bool:
    """A bundled pipeline id, a ``.pipeline.yaml`` file, or a YAML file of steps (no rules)."""
    from carepath.rules.loader import load_yaml_file
    from carepath.rules.registry import PIPELINE_SUFFIX

    if name in bundled_pipelines() or name.endswith(PIPELINE_SUFFIX):
        return True
    path = Path(name)
    if name in bundled_ids() or not path.is_file():
        return False
    data = load_yaml_file(path).data
    return isinstance(data, dict) and "steps" in data and "rules" not in data


def _subject(ruleset: str | None, pipeline: str | None) -> RuleSet | Pipeline:
    if (ruleset is None) == (pipeline is None):
        raise click.UsageError("give the form's rule set (--ruleset) or its pipeline (--pipeline)")
    return load(ruleset) if ruleset is not None else load_pipeline(pipeline or "")


@main.command(name="import-submissions")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--ruleset", "-r", help="The rule set whose form collected them (id or path).")
@click.option("--pipeline", "-p", help="Or the pipeline whose form collected them (e.g. intl/care_path).")
@click.option(
    "--strict/--no-strict",
    default=True,
    show_default=True,
    help="Refuse a column that is neither a question of the form nor known metadata.",
)
@click.option(
    "--output",
    "-o",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the cases to a file (atomically) instead of standard output.",
)
def import_submissions(
    file: Path, ruleset: str | None, pipeline: str | None, strict: bool, out_path: Path | None
) -> None:
    """Read FILE, the submissions of a form from `export xlsform` as ODK Central or KoboToolbox
    export them (CSV or JSON), and write one case per line (JSON Lines): its case id (the form's
    case_id question, else the submission's instance id) and its contacts, one per submission,
    each with its instance id and date, in date order.

    Rejected submissions are skipped and counted. A row that cannot be read is reported as
    FILE:ROW: field: message (never the value) and skipped. Exit codes: 0 all read; 3 some rows
    skipped as unreadable (the rest written); 1 nothing written (the file or the rules cannot be
    read); 2 usage.
    """
    from carepath.exchange.submissions import import_submissions as read_export

    subject = _subject(ruleset, pipeline)
    done = read_export(subject, file, strict=strict, on_skip=lambda m: click.echo(f"skipped: {m}", err=True))
    lines = [json.dumps(case, ensure_ascii=False) + "\n" for case in done.cases]
    if out_path is None:
        click.echo("".join(lines), nl=False)
    else:
        atomic_write(out_path, "".join(lines))
    click.echo(done.summary() + (f"; written to {out_path}" if out_path else ""), err=True)
    if done.skipped:
        sys.exit(SKIPPED_EXIT)
