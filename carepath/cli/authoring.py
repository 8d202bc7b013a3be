"""The commands for rule authors: ``validate``, ``schema``, ``test``, ``check``, ``lint``, ``diff``,
``synth`` and ``list``."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from carepath.assessments import Pipeline, load_pipeline
from carepath.cli.group import _date, _settings, main
from carepath.errors import CarepathError
from carepath.rules.registry import bundled_ids, bundled_pipelines
from carepath.rules.ruleset import RuleSet, load
from carepath.safeio import atomic_output


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
