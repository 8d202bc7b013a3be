"""The commands of follow-up: ``caseload`` (every open case, most urgent first) and ``followup``
(one case's timeline)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from carepath.assessments import load_pipeline
from carepath.cases import read_case
from carepath.cli.group import _date, main
from carepath.errors import CarepathError


@main.command()
@click.argument("cases", type=click.Path(exists=True, path_type=Path))
@click.option("--as-of", callback=_date, help="The date of the caseload, YYYY-MM-DD (default: today).")
@click.option("--worker", help="Only this social worker's cases (the code in the case files).")
@click.option("--office", help="Only this office's cases (the code in the case files).")
@click.option("--pipeline", "-p", default="intl/follow_up", show_default=True, help="The pipeline to run.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown", "csv"]),
    default="table",
    show_default=True,
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=min(2, os.cpu_count() or 1),
    show_default=True,
    help="Processes for a JSON Lines file.",
)
def caseload(
    cases: Path,
    as_of: dt.date | None,
    worker: str | None,
    office: str | None,
    pipeline: str,
    fmt: str,
    workers: int,
) -> None:
    """The caseload of CASES (a folder of case files, or a JSON Lines file): every open case with
    its stage, next visit due, overdue visits, deterioration flags, cases that may close and
    those that must not yet, and referrals to another district; most urgent first."""
    from carepath.followup.caseload import caseload_file

    try:
        load = caseload_file(cases, as_of or dt.date.today(), pipeline, worker, office, workers)
    except CarepathError as exc:
        raise click.ClickException(str(exc)) from None
    text = {"json": load.to_json, "markdown": load.to_markdown, "csv": load.to_csv, "table": load.to_table}[
        fmt
    ]()
    click.echo(text, nl=not text.endswith("\n"))


@main.command()
@click.argument("case", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as-of", callback=_date, help="Evaluation date, YYYY-MM-DD (default: today).")
@click.option("--pipeline", "-p", default="intl/follow_up", show_default=True, help="The pipeline to run.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True
)
def followup(case: Path, as_of: dt.date | None, pipeline: str, fmt: str) -> None:
    """One case's follow-up: each visit and its measures, the flags, the responses and the next
    actions, each with the rule and source behind it."""
    from carepath.followup.timeline import timeline_json, timeline_text

    try:
        pipe = load_pipeline(pipeline)
        record = read_case(case)
        day = as_of or dt.date.today()
        text = (
            timeline_json(record, pipe, day)
            if fmt == "json"
            else timeline_text(record, pipe, day, fmt == "markdown")
        )
    except CarepathError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(text, nl=fmt == "json")
