"""The interactive commands: ``interview`` (in the terminal) and ``serve`` (the HTTP API and the web
explainer)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click
import yaml

from carepath.assessments import Pipeline, load_pipeline
from carepath.cases import read_case
from carepath.cli.group import _date, main
from carepath.errors import CarepathError, OutputError
from carepath.rules.ruleset import RuleSet, load
from carepath.safeio import atomic_write


@main.command()
@click.option("--ruleset", "-r", default="intl/palermo", show_default=True, help="A bundled id or a path.")
@click.option("--pipeline", "-p", help="Interview for a whole pipeline instead (e.g. intl/care_path).")
@click.option("--lang", default="en", show_default=True, help="Language of the questions.")
@click.option("--as-of", callback=_date, help="Evaluation date, YYYY-MM-DD (default: today).")
@click.option(
    "--case",
    "case_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Start from (replay) the answers of a case file.",
)
@click.option(
    "--save",
    "save_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the answers as a case file at the end, or when stopped (quit, Ctrl-C).",
)
@click.option(
    "--output",
    "-o",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the final explanation to a file instead of the screen.",
)
@click.option("--redact", is_flag=True, help="Mask the values of sensitive inputs in the final report.")
def interview(
    ruleset: str,
    pipeline: str | None,
    lang: str,
    as_of: dt.date | None,
    case_path: Path | None,
    save_path: Path | None,
    out_path: Path | None,
    redact: bool,
) -> None:
    """Ask, one at a time, only the questions that can still change an outcome; then explain.
    With --pipeline, the whole care path: at the end the ranked care options and the care plan.

    Answers: yes/no, a number, a date, a choice by number or name (several: comma-separated),
    unknown, declined; `back` undoes the last answer, `quit` stops. Each answer is echoed as
    recorded. Ctrl-C stops too, and with --save keeps the answers given so far (exit 130). The
    final explanation is paged on a terminal, or written to a file with -o.
    """
    from carepath.cli.interview import Interview, save_case
    from carepath.report.words import catalogue
    from carepath.rules.translations import using

    w = catalogue(lang)

    try:
        with using(lang):  # the translation files of the language asked for
            subject: RuleSet | Pipeline = load_pipeline(pipeline) if pipeline else load(ruleset)
        start = dict(read_case(case_path)) if case_path else {}
        if isinstance(subject, RuleSet):
            subject.check(start)
        else:
            subject.assess(start, as_of=as_of, trace=False, reasons=False)
    except CarepathError as exc:
        raise click.ClickException(str(exc)) from None
    session = Interview(subject, as_of or dt.date.today(), lang, answers=start, redact=redact)

    def ask(prompt: str) -> str:
        click.echo(prompt, nl=False)
        line = sys.stdin.readline()
        return line if line else "quit"  # end of input: stop

    try:
        result = session.run(ask, click.echo, explain=False)
    except KeyboardInterrupt:
        click.echo("", err=True)
        if save_path is None:
            click.echo(w.get("interview.interrupted_not_saved"), err=True)
        else:
            _save_answers(save_path, save_case(session.answers))
            click.echo(w.get("interview.interrupted_saved", path=save_path), err=True)
        sys.exit(130)
    if save_path is not None:
        _save_answers(save_path, save_case(session.answers))
        click.echo(w.get("interview.saved", path=save_path))
    if result is None:
        click.echo(w.get("interview.stopped_kept") if save_path else w.get("interview.stopped"))
        return
    text = session.explanation(result)
    if out_path is not None:
        atomic_write(out_path, text)
        click.echo(w.get("interview.written", path=out_path))
    elif sys.stdout.isatty():
        click.echo_via_pager(text)
    else:
        click.echo("")
        click.echo(text, nl=False)


def _save_answers(path: Path, data: dict[str, Any]) -> None:
    """The interview's answers as a case file, atomically; if that fails, shown to copy."""
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    try:
        atomic_write(path, text)
    except OutputError as exc:  # the answers are not lost: they are shown to copy
        click.echo(f"Error: {exc}", err=True)
        click.echo(text, err=True, nl=False)
        sys.exit(1)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--preload", multiple=True, help="A rule set or pipeline (id or path) to load at start; repeatable."
)
def serve(host: str, port: int, preload: tuple[str, ...]) -> None:
    """Serve the API over HTTP (JSON): evaluate, explain, assess, next questions, schemas;
    OpenAPI at /openapi.json. The web explainer is at / (a case in a browser, from the first
    question to the care plan). Keeps and logs no case data. Needs the server extra: pip
    install 'carepath[server]'."""
    try:
        from carepath.serve.api import serve as run_server
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in ("fastapi", "starlette", "uvicorn"):
            raise
        raise click.ClickException(
            "carepath serve needs FastAPI and uvicorn: pip install 'carepath[server]'"
        ) from None
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {host}; the service has no authentication of its own", err=True)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"the web explainer: http://{shown}:{port}/ (nothing is stored or logged)", err=True)
    try:
        run_server(host, port, list(preload))
    except CarepathError as exc:
        raise click.ClickException(str(exc)) from None
