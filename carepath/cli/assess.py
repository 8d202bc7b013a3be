"""The commands for a case worker: ``assess`` (one case or many, in every report format) and
``picture`` (the case path or a rule set's graph)."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import sys
from pathlib import Path
from typing import Any

import click

from carepath import report
from carepath.assessments import Pipeline, load_pipeline
from carepath.cases import read_case
from carepath.cli.group import DEFAULT_PIPELINE, SKIPPED_EXIT, _date, main
from carepath.errors import CarepathError
from carepath.rules.ruleset import RuleSet, load
from carepath.safeio import atomic_output, atomic_write


@main.command()
@click.argument("case", type=click.Path(exists=True, path_type=Path))
@click.option("--ruleset", "-r", help="Assess with one rule set only (a bundled id or a path).")
@click.option(
    "--pipeline",
    "-p",
    default=DEFAULT_PIPELINE,
    show_default=True,
    help="The pipeline to run when no --ruleset is given (a bundled id or a path).",
)
@click.option("--as-of", callback=_date, help="Evaluation date, YYYY-MM-DD (default: today).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json", "html", "jsonl", "csv"]),
    help="One case: text (default), markdown, json, or html (one self-contained page: inline "
    "CSS, no script). Many cases: jsonl (default) or csv, one result row per case.",
)
@click.option(
    "--output",
    "-o",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the result to a file (atomically) instead of standard output.",
)
@click.option("--redact", is_flag=True, help="Mask the values of sensitive inputs in the trace.")
@click.option("--no-trace", is_flag=True, help="Only outcomes and missing questions.")
@click.option(
    "--strict/--no-strict",
    default=True,
    show_default=True,
    help="Many cases from a submissions export or CSV: refuse a column that is no question of the form.",
)
@click.option(
    "--lang",
    default="en",
    show_default=True,
    help="One case, text, markdown or html: the rule sets' texts in this language where they have "
    "one (km: draft translations, which the report says), English elsewhere.",
)
def assess(
    case: Path,
    ruleset: str | None,
    pipeline: str,
    as_of: dt.date | None,
    fmt: str | None,
    out_path: Path | None,
    redact: bool,
    no_trace: bool,
    strict: bool,
    lang: str,
) -> None:
    """Assess CASE (a YAML or JSON file of answers): the whole care path (identification, safety,
    readiness, risk, ranked care options, services, care plan), or one rule set with --ruleset;
    explaining why and why not, with the source of every rule.

    CASE may also hold many cases: a JSON Lines file (.jsonl), a CSV file or a submissions
    export (CSV or JSON, as `import-submissions` reads it), or a folder of case files. Then each
    case gives one result row (--format jsonl or csv): its case id, where it came from, the
    outcomes, the first choice (determined or provisional), the blocked options and the open
    questions. A case that cannot be read is reported by its line or file (never its values)
    and skipped. Exit codes: 0 all assessed; 3 some cases or rows skipped (the rest written); 1
    nothing written; 2 usage.
    """
    from carepath.exchange.batch import is_batch

    many = is_batch(case)
    if many or fmt in ("jsonl", "csv"):
        if fmt not in (None, "jsonl", "csv"):
            raise click.UsageError(f"many cases are written as jsonl or csv, not {fmt}")
        _assess_many(case, many, ruleset, pipeline, as_of, fmt or "jsonl", out_path, strict)
        return
    fmt = fmt or "text"
    from carepath.report.vocab import in_language
    from carepath.rules.translations import using

    with _output(out_path) as echo, using(lang), in_language(lang):
        say = _with_draft_note(echo, ruleset or pipeline, ruleset is None, fmt, lang)
        if ruleset is None:
            _assess_pipeline(case, pipeline, as_of, fmt, redact, no_trace, say)
        else:
            _assess_ruleset(case, ruleset, as_of, fmt, redact, no_trace, say)
    if out_path is not None:
        click.echo(f"written to {out_path}", err=True)


def _with_draft_note(echo: Any, name: str, is_pipeline: bool, fmt: str, lang: str) -> Any:
    """``echo``, and before a text, Markdown or HTML report in a language with draft texts, the
    note that says so (once, at the top; HTML: first in the page's body)."""
    from carepath.rules.drafts import draft_count, draft_note

    if lang == "en" or fmt == "json":
        return echo
    pipe = load_pipeline(name) if is_pipeline else None
    merged = [rs.merged for rs in pipe.rulesets.values()] if pipe is not None else [load(name).merged]
    own = pipe.draft_texts(lang) if pipe is not None else 0  # the pipeline's own texts
    from carepath.report.words import catalogue

    # the rule sets' and the pipeline's draft texts, and the program's own draft words
    note = draft_note(draft_count(merged, lang) + own + catalogue(lang).drafts(), lang)
    if note is None:
        return echo

    def say(text: str) -> None:
        if fmt == "html" and "<body>" in text:
            echo(text.replace("<body>", f'<body>\n<p class="draft-note">{html.escape(note)}</p>', 1))
        elif fmt == "html":
            echo(text)
        else:
            echo(f"{note}\n\n{text}")

    return say


@contextlib.contextmanager
def _output(out_path: Path | None) -> Any:
    """A function that writes text to ``out_path`` (atomically, when the block ends) or stdout."""
    if out_path is None:
        yield lambda text: click.echo(text, nl=False)
        return
    with atomic_output(out_path) as handle:
        yield lambda text: handle.write(text.encode("utf-8"))


def _assess_many(
    path: Path,
    many: bool,
    ruleset: str | None,
    pipeline: str,
    as_of: dt.date | None,
    fmt: str,
    out_path: Path | None,
    strict: bool,
) -> None:
    from carepath.cases import Case
    from carepath.exchange.batch import Source, csv_header, csv_line, jsonl_line, read_batch, run_batch

    subject: RuleSet | Pipeline = load(ruleset) if ruleset is not None else load_pipeline(pipeline)
    if many:
        source = read_batch(path, subject, strict=strict)
    else:
        one: Case = read_case(path)
        source = Source(1, iter([(path.name, None if one.case_id is None else str(one.case_id), one)]))
    for message in source.skipped_rows:
        click.echo(f"skipped: {message}", err=True)
    columns: list[str] | None = None
    with _output(out_path) as echo:

        def emit(result: Any) -> None:
            nonlocal columns
            if fmt == "jsonl":
                echo(jsonl_line(result))
                return
            if columns is None:
                columns = list(result.outcomes)
                echo(csv_line(csv_header(columns)))
            echo(csv_line(result.csv_cells(columns)))

        def skip(message: str) -> None:
            click.echo(("\n" if shown else "") + f"skipped: {message}", err=True)  # below the bar

        shown = sys.stderr.isatty()  # progress for a person watching, never in a log
        with click.progressbar(length=source.total, label="cases", file=sys.stderr, hidden=not shown) as bar:
            done, skipped = run_batch(subject, source, as_of or dt.date.today(), emit, skip, bar.update)
        if fmt == "csv" and columns is None:
            echo(csv_line(csv_header([])))
    rows = len(source.skipped_rows)
    summary = f"{done} {'case' if done == 1 else 'cases'} assessed, {skipped} skipped"
    if rows or source.rejected:
        summary += f"; of the export, {rows} rows unreadable (skipped), {source.rejected} rejected by review"
    click.echo(summary + (f"; written to {out_path}" if out_path else ""), err=True)
    if skipped or rows:
        sys.exit(SKIPPED_EXIT)


def _assess_ruleset(
    case: Path,
    ruleset: str,
    as_of: dt.date | None,
    fmt: str,
    redact: bool,
    no_trace: bool,
    echo: Any,
) -> None:
    rules = load(ruleset)
    answers = rules.check(read_case(case).on(as_of or dt.date.today(), rules.inputs))
    evaluation = rules.evaluate(answers, as_of=as_of, trace=not no_trace)
    questions = rules.next_questions(answers, as_of=evaluation.as_of) if evaluation.missing else None
    if fmt == "json":
        echo(report.json_text(evaluation, redact=redact) + "\n")
    elif fmt == "html":
        echo(report.evaluation_html(evaluation, rules, redact=redact, questions=questions))
    elif fmt == "markdown":
        echo(report.markdown(evaluation, rules, redact=redact, questions=questions))
    else:
        echo(report.text(evaluation, rules, redact=redact, questions=questions))


def _assess_pipeline(
    case: Path, pipeline: str, as_of: dt.date | None, fmt: str, redact: bool, no_trace: bool, echo: Any
) -> None:
    pipe = load_pipeline(pipeline)
    result = pipe.assess(read_case(case), as_of=as_of, trace=not no_trace, redact=redact)
    if fmt == "json":
        echo(result.to_json(redact=redact) + "\n")
    elif fmt == "html":
        echo(report.assessment_html(result, pipe, redact=redact))
    elif fmt == "markdown":
        echo(report.assessment_markdown(result, pipe, redact=redact))
    else:
        echo(report.assessment_text(result, pipe, redact=redact))


@main.command()
@click.option("--ruleset", "-r", help="Draw this rule set's dependency graph instead of the case path.")
@click.option(
    "--pipeline", "-p", default=DEFAULT_PIPELINE, show_default=True, help="The pipeline whose path to draw."
)
@click.option(
    "--case",
    "case_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Highlight the path this case took (or, with --ruleset, the rules that fired).",
)
@click.option("--as-of", callback=_date, help="Evaluation date, YYYY-MM-DD (default: today).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "dot", "svg"]),
    help="Default: from the extension of -o (.mmd, .dot / .gv, .svg), else mermaid.",
)
@click.option(
    "-o",
    "--output",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the picture to this file (atomically) instead of the standard output.",
)
def picture(
    ruleset: str | None,
    pipeline: str,
    case_file: Path | None,
    as_of: dt.date | None,
    fmt: str | None,
    out_path: Path | None,
) -> None:
    """Draw the case path (or a rule set's dependency graph) as Mermaid, Graphviz DOT, or SVG
    (needs Graphviz), with a case's path highlighted and a legend."""
    from carepath.report import pictures

    if fmt is None:
        suffix = out_path.suffix.lower() if out_path is not None else ""
        fmt = _PICTURE_FORMATS.get(suffix)
        if fmt is None and out_path is not None:
            raise click.UsageError(f"cannot tell the format from {suffix or 'no extension'!r}: give --format")
        fmt = fmt or "mermaid"
    try:
        if ruleset is not None:
            rules = load(ruleset)
            evaluation = rules.evaluate(read_case(case_file), as_of=as_of) if case_file else None
            text = (
                pictures.ruleset_mermaid(rules, evaluation)
                if fmt == "mermaid"
                else pictures.ruleset_dot(rules, evaluation)
            )
        else:
            pipe = load_pipeline(pipeline)
            if pipe.model.path is None:
                raise click.ClickException(f"pipeline {pipe.id} declares no path")
            plan = pipe.assess(read_case(case_file), as_of=as_of).plan if case_file else None
            spec = pipe.model.path
            text = pictures.path_mermaid(spec, plan) if fmt == "mermaid" else pictures.path_dot(spec, plan)
        if fmt == "svg":
            text = pictures.svg(text)
    except CarepathError as exc:
        raise click.ClickException(str(exc)) from None
    if out_path is None:
        click.echo(text, nl=False)
        return
    atomic_write(out_path, text)
    click.echo(f"wrote {out_path} ({fmt})", err=True)


_PICTURE_FORMATS = {".mmd": "mermaid", ".mermaid": "mermaid", ".dot": "dot", ".gv": "dot", ".svg": "svg"}
