"""The ``carepath`` command: parse arguments -> call the API -> render.

Every :class:`CarepathError` becomes a one-line message and an exit code (1: invalid input or
rule file; 2: usage), in one place (:class:`_Main`); so does a standard output that cannot be
written (a closed pipe, a full disk). A command over many cases or rows (``assess``,
``import-submissions``) that skipped some it could not read exits :data:`SKIPPED_EXIT` (3).
Every ``-o`` / ``--save`` file is written atomically (:mod:`carepath.safeio`). Anything else is
a bug and keeps its traceback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import html
import json
import os
import sys
from pathlib import Path
from typing import Any

import click
import yaml

from carepath import report
from carepath.assessments import Pipeline, load_pipeline
from carepath.cases import read_case
from carepath.errors import CarepathError, OutputError, YamlError
from carepath.rules.answers import LAST_CASE_DATE
from carepath.rules.loader import Limits, load_yaml_text
from carepath.rules.registry import bundled_ids, bundled_pipelines
from carepath.rules.ruleset import RuleSet, load
from carepath.safeio import atomic_output, atomic_write, reason

__all__ = ["main"]

DEFAULT_PIPELINE = "intl/care_path"
SKIPPED_EXIT = 3
"""The exit code of a command that did its work but skipped some rows or cases it could not read."""


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("expected a date as YYYY-MM-DD") from None
    if day > LAST_CASE_DATE:
        raise click.BadParameter(f"a date after {LAST_CASE_DATE} is not accepted")
    return day


def _settings(_ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> dict[str, Any]:
    """``NAME=VALUE`` options -> settings; VALUE is read as one YAML scalar (a number, a date,
    true / false, a word), as it would be in a rule file."""
    settings: dict[str, Any] = {}
    for item in value:
        name, equals, text = item.partition("=")
        name = name.strip()
        if not equals or not name:
            raise click.BadParameter(f"{item!r}: expected NAME=VALUE")
        if name in settings:
            raise click.BadParameter(f"{name} is set twice")
        try:
            parsed = load_yaml_text(text, f"--set {name}", Limits(max_bytes=1000, max_depth=4)).data
        except YamlError as exc:
            raise click.BadParameter(f"{name}: {exc.message}") from None
        if parsed is None or isinstance(parsed, dict | list):
            raise click.BadParameter(f"{name}: the value is one number, date, true / false or word")
        settings[name] = parsed
    return settings


_OUTPUT_ERRNOS = frozenset((errno.EPIPE, errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT))


class _Main(click.Group):
    """The command group: the one place where a :class:`CarepathError` becomes one line and
    exit code 1, and where a standard output that cannot be written stops the command cleanly."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()
            return result
        except CarepathError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            if exc.errno not in _OUTPUT_ERRNOS or exc.filename is not None:
                raise
            _drop_stdout()
            if exc.errno == errno.EPIPE:  # the reader went away (``| head``): not an error
                ctx.exit(1)
            raise click.ClickException(f"cannot write the output ({reason(exc)})") from None


def _drop_stdout() -> None:
    """Point standard output at /dev/null, so that the flush at exit cannot fail again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):
        pass


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="carepath")
def main() -> None:
    """carepath: anti-trafficking case-work standards as tested, explainable YAML rules.

    Outputs are recommendations with reasons; the competent authority decides.
    """


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check rule files (or every rule file under folders): schema, sources, layers, compile.

    Prints file:line:column and the field path of every error found; exits 1 if any.
    """
    from carepath.authoring.validate import validate as validate_paths

    found = validate_paths(paths)
    failed = 0
    for path, errors in found.items():
        if errors:
            failed += 1
            for error in errors:
                click.echo(str(error), err=True)
        else:
            click.echo(f"ok {path}")
    click.echo(f"{len(found) - failed} valid, {failed} invalid", err=bool(failed))
    if failed:
        sys.exit(1)


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
    merged = (
        [rs.merged for rs in load_pipeline(name).rulesets.values()] if is_pipeline else [load(name).merged]
    )
    note = draft_note(draft_count(merged, lang), lang)
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


@main.command()
@click.option("--ruleset", "-r", help="Print the case-input schema of this rule set instead.")
@click.option("--input", "of_input", help="Print the case-input schema of this rule set or pipeline (an id).")
@click.option("--pipeline", "of_pipeline", is_flag=True, help="The pipeline-file format instead.")
@click.option("--pipeline-file", "kind", flag_value="pipeline", help="The same as --pipeline.")
@click.option("--test-file", "kind", flag_value="test", help="The test-file format (*.test.yaml).")
@click.option("--invariants-file", "kind", flag_value="invariants", help="The invariants-file format.")
@click.option("--population-file", "kind", flag_value="population", help="The population-file format.")
@click.option("--mapping-file", "kind", flag_value="mapping", help="The mapping-file format.")
@click.option(
    "--output",
    "of_output",
    is_flag=True,
    help="Print the schema of a result (assess --ruleset ... --format json).",
)
@click.option(
    "--assessment", is_flag=True, help="Print the schema of a pipeline's result (assess CASE --format json)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "markdown"]),
    default="json",
    show_default=True,
    help="markdown: the file format's reference page (docs/reference/rule-format.md, ...).",
)
def schema(
    ruleset: str | None,
    of_input: str | None,
    of_pipeline: bool,
    kind: str | None,
    of_output: bool,
    assessment: bool,
    fmt: str,
) -> None:
    """Print a JSON Schema: the rule-file format (for editors), another file format (--test-file,
    --invariants-file, --population-file, --mapping-file, --pipeline-file), the case input of a
    rule set or pipeline (--input ID), or a result: one rule set's (--output) or a whole
    pipeline's (--assessment). Each schema has a versioned $id."""
    from carepath.exchange.schema import (
        assessment_schema,
        case_schema,
        file_schema,
        result_schema,
        rule_file_schema,
    )

    kind = "pipeline" if of_pipeline else kind
    if fmt == "markdown":
        from carepath.exchange.docgen import file_format_markdown, rule_format_markdown

        click.echo(file_format_markdown(kind) if kind else rule_format_markdown(), nl=False)
        return
    try:
        if kind is not None:
            data = file_schema(kind)
        elif assessment:
            data = assessment_schema()
        elif of_output:
            data = result_schema()
        elif of_input:
            subject: RuleSet | Pipeline
            subject = load_pipeline(of_input) if of_input in bundled_pipelines() else load(of_input)
            data = case_schema(subject)
        else:
            data = case_schema(load(ruleset)) if ruleset else rule_file_schema()
    except CarepathError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@main.command(name="test")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "-k",
    "keywords",
    multiple=True,
    metavar="TEXT",
    help="Run only the tests whose name contains TEXT (any case); repeated -k: any of them.",
)
@click.option(
    "--ruleset",
    "-r",
    help="Run only the tests of this rule set (an id or a path) and of the overlays that extend it "
    "(pipelines' tests are left out).",
)
@click.option(
    "--coverage",
    is_flag=True,
    help="Then, per rule set: the rules no passing test fired, each outcome's values no test "
    "expected, and the share covered.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def test_(
    paths: tuple[Path, ...], keywords: tuple[str, ...], ruleset: str | None, coverage: bool, fmt: str
) -> None:
    """Run the YAML tests (*.test.yaml) in PATHS: each failure with expected, actual and trace.

    Exits 1 if a test fails or none ran.
    """
    from carepath.authoring.coverage import coverage_json, coverage_text, measure
    from carepath.authoring.testing import Selection, run_selected

    try:
        run = run_selected(paths, Selection(keywords, ruleset))
    except CarepathError as exc:
        raise click.ClickException(str(exc)) from None
    results = run.results
    failed = [r for r in results if not r.passed]
    found = measure(c for r in results for c in r.covered) if coverage else None
    summary = f"{len(results) - len(failed)} passed, {len(failed)} failed"
    if run.deselected:
        summary += f", {run.deselected} deselected"
    if fmt == "json":
        data: dict[str, Any] = {
            "passed": len(results) - len(failed),
            "failed": [{"file": r.file, "line": r.line, "name": r.name} for r in failed],
            "deselected": run.deselected,
        }
        if found is not None:
            data["coverage"] = coverage_json(found)
        for result in failed:
            click.echo(result.report(), err=True)
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        for result in failed:
            click.echo(result.report())
        if found is not None:
            click.echo(coverage_text(found), nl=False)
        click.echo(summary)
    if failed or not results:
        sys.exit(1)


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
    """Report, per rule set (all bundled ones if none is named), how many texts LANG has and how
    many of them are drafts, and the texts it lacks (they fall back to English, marked as such)."""
    from carepath.exchange.labels import missing_texts, text_count
    from carepath.rules.drafts import text_status
    from carepath.rules.translations import unfit, using

    try:
        for rid in rulesets or tuple(bundled_ids()):
            with using(lang):
                rules = load(rid)
            gaps = missing_texts(rules, lang)
            total = text_count(rules)
            status = list(text_status(rules.merged, lang).values())
            drafts, reviewed = status.count("draft"), status.count("reviewed")
            stale = unfit(rules.merged.layers, lang)
            click.echo(
                f"{rules.id}: {total - len(gaps)} of {total} texts in {lang}"
                + (f" ({drafts} draft, {reviewed} reviewed)" if status else "")
                + (f"; {len(stale)} translated texts no longer fit (see carepath validate)" if stale else "")
            )
            if show_all:
                for gap in gaps:
                    click.echo(f"  {gap.where}: {gap.english}")
    except CarepathError as exc:
        raise click.ClickException(str(exc)) from None


@labels.command(name="export")
@click.argument("rulesets", nargs=-1)
@click.option("--lang", required=True, help="The language to translate into, e.g. km.")
@click.option("--output", "-o", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
def labels_export(rulesets: tuple[str, ...], lang: str, out_path: Path) -> None:
    """Write a gettext PO file with every English text of RULESETS (all bundled ones if none is
    named) and its LANG translation: msgctxt names the rule file and the place, a draft is fuzzy."""
    from carepath.exchange.po import export_po, layers_of
    from carepath.rules.translations import is_language

    if lang == "en" or not is_language(lang):
        raise click.BadParameter("a language code other than en (English is the source), e.g. km")
    layers = layers_of(rulesets or bundled_ids())
    po = export_po(layers, lang)
    atomic_write(out_path, str(po))
    untranslated = sum(1 for e in po if not e.msgstr)
    drafts = sum(1 for e in po if e.msgstr and e.fuzzy)
    click.echo(
        f"{len(po)} texts of {len(layers)} rule files written to {out_path}: "
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
        planned = import_po(po_file, rulesets or None)
    except CarepathError as exc:
        for error in getattr(exc, "errors", [exc]):
            click.echo(str(error), err=True)
        raise click.ClickException("nothing was written") from None
    write_planned(planned)
    for item in planned:
        click.echo(f"{item.path}: {item.count} texts")


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


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--examples", "-n", type=click.IntRange(1, 100_000), help="Generated cases per invariant.")
def check(paths: tuple[Path, ...], examples: int | None) -> None:
    """Check the invariants (*.invariants.yaml) in PATHS over generated cases: properties every
    case must have, such as "never recommend a blocked option first". Reproducible; a failure
    shows the smallest case found. Needs the test extra (hypothesis)."""
    try:
        from carepath.authoring.invariants import check_paths
    except ImportError:
        raise click.ClickException("carepath check needs hypothesis: pip install 'carepath[test]'") from None
    results = check_paths(paths, examples)
    failed = [r for r in results if not r.passed]
    for result in results:
        click.echo(result.report())
    click.echo(f"{len(results) - len(failed)} invariants hold, {len(failed)} broken")
    if failed or not results:
        sys.exit(1)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--strict", is_flag=True, help="Exit non-zero on warnings too.")
def lint(paths: tuple[Path, ...], strict: bool) -> None:
    """Lint rule files: unused inputs, unconcluded facts, table gaps and overlaps, weak sources.

    Each finding as file:line:column: severity: code: message. Exits 1 on errors (and on
    warnings with --strict).
    """
    from carepath.authoring.lint import lint as lint_paths

    findings = lint_paths(paths)
    for finding in findings:
        click.echo(str(finding))
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    click.echo(f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes")
    if counts["error"] or (strict and counts["warning"]):
        sys.exit(1)


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
    from carepath.rules.translations import using

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
            click.echo("interview interrupted; the answers were not saved (use --save FILE)", err=True)
        else:
            _save_answers(save_path, save_case(session.answers))
            click.echo(f"interview interrupted; the answers so far are saved to {save_path}", err=True)
        sys.exit(130)
    if save_path is not None:
        _save_answers(save_path, save_case(session.answers))
        click.echo(f"answers saved to {save_path}")
    if result is None:
        click.echo("interview stopped; the answers so far are kept" if save_path else "interview stopped")
        return
    text = session.explanation(result)
    if out_path is not None:
        atomic_write(out_path, text)
        click.echo(f"explanation written to {out_path}")
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
@click.argument("old")
@click.argument("new")
@click.option(
    "--cases",
    "cases_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A JSON Lines file of cases (one JSON object per line), or Parquet (.parquet).",
)
@click.option("--as-of", callback=_date, help="Evaluation date, YYYY-MM-DD (default: today).")
@click.option(
    "--format", "fmt", type=click.Choice(["markdown", "json", "html"]), default="markdown", show_default=True
)
@click.option(
    "--output",
    "-o",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to a file instead of standard output.",
)
@click.option(
    "--workers",
    type=click.IntRange(0, 64),
    default=0,
    help="Processes (default, 0: 2 for large files, else 1).",
)
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    callback=_settings,
    help="Set a parameter of NEW (repeatable), as an overlay would; VALUE is a YAML scalar.",
)
@click.option(
    "--drop-undeclared",
    is_flag=True,
    help="Give each side only the fields it declares (what is dropped is counted), instead of "
    "counting such cases as not evaluated.",
)
@click.option(
    "--engine",
    type=click.Choice(["auto", "columnar", "per-case"]),
    default="auto",
    show_default=True,
    help="columnar (needs carepath[columnar]), per-case, or auto: columnar where it is exact, "
    "else per-case; stderr says which ran and why.",
)
def diff(
    old: str,
    new: str,
    cases_path: Path,
    as_of: dt.date | None,
    fmt: str,
    out_path: Path | None,
    workers: int,
    settings: dict[str, Any],
    drop_undeclared: bool,
    engine: str,
) -> None:
    """Evaluate rule sets OLD and NEW over the same cases: what moves, for how many, and why.

    With --set, NEW is NEW with those parameter settings: `carepath diff intl/palermo
    intl/palermo --set child_age_limit=21` compares a rule set with a reform of itself.
    """
    from carepath.authoring.columnar.choose import diff_with_engine
    from carepath.authoring.columnar.population import count_cases

    total = count_cases(cases_path)
    if workers <= 0:
        workers = 2 if total >= 20_000 else 1
    with contextlib.ExitStack() as stack:
        # the output is opened first (a temporary file beside it), so that an output that
        # cannot be written fails before the work, and the old file stays until the new is whole
        handle = stack.enter_context(atomic_output(out_path)) if out_path is not None else None
        hidden = not sys.stderr.isatty()  # progress for a person watching, not in a log
        with click.progressbar(length=total, label="cases", file=sys.stderr, hidden=hidden) as bar:
            changes = diff_with_engine(
                old,
                new,
                cases_path,
                as_of or dt.date.today(),
                engine=engine,
                workers=workers,
                progress=bar.update,
                settings=settings,
                say=lambda text: click.echo(text, err=True),
                drop_undeclared=drop_undeclared,
            )
        if fmt == "json":
            text = json.dumps(changes.to_dict(), indent=2, ensure_ascii=False) + "\n"
        else:
            text = changes.html() if fmt == "html" else changes.markdown()
        if handle is None:
            click.echo(text, nl=False)
            return
        handle.write(text.encode("utf-8"))
    click.echo(f"{changes.changed} of {changes.cases} cases change; report written to {out_path}", err=True)


@main.command()
@click.option("--ruleset", "-r", required=True, help="A bundled id or a path.")
@click.option(
    "--n",
    "count",
    type=click.IntRange(1, 10_000_000),
    default=1000,
    show_default=True,
    help="How many cases.",
)
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same cases.")
@click.option(
    "--population",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A population file (default: <ruleset>.population.yaml beside the rule set, or beside "
    "the base it extends, if any).",
)
@click.option("--output", "-o", "out_path", type=click.Path(dir_okay=False, path_type=Path))
def synth(ruleset: str, count: int, seed: int, population: Path | None, out_path: Path | None) -> None:
    """A synthetic population of cases as JSON Lines, reproducible from --seed."""
    from carepath.authoring.synth import assumed_inputs, generate, population_file, read_population

    try:
        rules = load(ruleset)
        if population is None:
            population = population_file(rules)  # beside it, or beside the base it extends
        pop = read_population(population) if population else None
    except CarepathError as exc:
        raise click.ClickException(str(exc)) from None
    assumed = assumed_inputs(rules, pop)
    if assumed:
        click.echo(f"drawn uniformly (no distribution given): {', '.join(assumed)}", err=True)
    if out_path is None:
        for case in generate(rules, pop, count, seed):
            click.echo(json.dumps(case, ensure_ascii=False))
        return
    with atomic_output(out_path) as handle:  # whole or not at all
        for case in generate(rules, pop, count, seed):
            handle.write(json.dumps(case, ensure_ascii=False).encode("utf-8") + b"\n")


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
        if (note := draft_note(draft_count(merged, lang), lang)) is not None:
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


@main.command(name="list")
def list_() -> None:
    """List the bundled rule sets."""
    for rid in bundled_ids():
        try:
            rules = load(rid)
        except CarepathError as exc:
            click.echo(f"{rid}\t(invalid: {exc})")
            continue
        click.echo(f"{rid}\t{rules.version}\t{rules.title}")
