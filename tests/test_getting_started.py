"""The getting-started pages cannot drift: every example in them runs here.

- Every ```python block runs in a fresh namespace, from the repository root. A statement whose
  last line ends with ``# -> VALUE`` (a Python literal) must evaluate to VALUE.
- Every ```sh line that starts with ``carepath `` runs through the command's click entry point,
  from the repository root, and must exit 0; with a trailing ``# exits 1`` it must exit 1, and
  with ``# not run`` it is skipped (a server, an interview waiting for answers). Files the
  commands write go under ``/tmp/`` in the pages; here they go to a temporary folder instead.
  ``> /tmp/FILE`` at the end writes the command's standard output there. A ```text block right
  after a ```sh block is an excerpt of its output: each of its lines must be printed.
- Every ```yaml block is valid YAML.
"""

from __future__ import annotations

import ast
import io
import itertools
import re
import shlex
import tokenize
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from carepath.cli import main

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("developers", "trainers", "policy-authors")
BLOCK = re.compile(r"^```(?P<lang>[a-z]+)\n(?P<body>.*?)^```$", re.S | re.M)
SHOWN = re.compile(r"#\s*->\s*(?P<value>.+?)\s*$")
WRITES = ("-o", "--output", "--save")


def page(name: str) -> Path:
    return ROOT / "docs" / "getting-started" / f"{name}.md"


def all_blocks(name: str) -> list[tuple[str, str]]:
    """(language, body) of each fenced block of a page, in order."""
    return [(m["lang"], m["body"]) for m in BLOCK.finditer(page(name).read_text(encoding="utf-8"))]


def blocks(name: str, lang: str) -> list[str]:
    return [body for kind, body in all_blocks(name) if kind == lang]


def excerpts_after(name: str, index: int) -> list[str]:
    """The ```text blocks right after the index-th ```sh block: excerpts of its output."""
    found: list[str] = []
    seen = -1
    for kind, body in all_blocks(name):
        if kind == "sh":
            seen += 1
        elif kind == "text" and seen == index:
            found.append(body)
        if seen > index or (seen == index and kind not in ("sh", "text")):
            break
    return found


def cases(lang: str) -> list[Any]:
    return [
        pytest.param(name, i, body, id=f"{name}-{lang}-{i}")
        for name in PAGES
        for i, body in enumerate(blocks(name, lang))
    ]


# -- python -------------------------------------------------------------------------------------


def shown_values(source: str) -> dict[int, str]:
    """Line number -> the literal after ``# ->`` on that line."""
    found = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and (match := SHOWN.search(token.string)):
            found[token.start[0]] = match["value"]
    return found


def run_python(source: str, where: str) -> int:
    """Run the block statement by statement; check each shown value. Returns how many."""
    tree = ast.parse(source, filename=where)
    shown = shown_values(source)
    checked: set[int] = set()
    namespace: dict[str, Any] = {"__name__": "__getting_started__"}
    for statement in tree.body:
        line = statement.end_lineno or statement.lineno
        expected = shown.get(line)
        if expected is not None and isinstance(statement, ast.Expr):
            got = eval(compile(ast.Expression(statement.value), where, "eval"), namespace)
        else:
            exec(compile(ast.Module([statement], type_ignores=[]), where, "exec"), namespace)
            if expected is None:
                continue
            target = statement.targets[0] if isinstance(statement, ast.Assign) else None
            assert isinstance(target, ast.Name), (
                f"{where}:{line}: '# ->' belongs on an expression or `name = ...`"
            )
            got = namespace[target.id]
        want = ast.literal_eval(expected)
        assert got == want, f"{where}:{line}: shows {want!r}, gives {got!r}"
        checked.add(line)
    assert set(shown) == checked, (
        f"{where}: '# ->' inside a compound statement on lines {set(shown) - checked}"
    )
    return len(checked)


@pytest.mark.parametrize(("name", "index", "body"), cases("python"))
def test_python_examples_run_and_show_true_values(
    name: str, index: int, body: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    run_python(body, f"docs/getting-started/{name}.md[python {index}]")


@pytest.mark.parametrize("name", PAGES)
def test_each_page_with_python_checks_at_least_three_values(name: str) -> None:
    python = blocks(name, "python")
    if python:
        assert sum(len(shown_values(body)) for body in python) >= 3


# -- sh -----------------------------------------------------------------------------------------


def commands(body: str) -> list[tuple[str, list[str], int | None]]:
    """Each ``carepath`` line: (the line, its arguments, the exit code it must give or None to skip)."""
    found = []
    for line in body.splitlines():
        if not line.startswith("carepath "):
            continue
        comment = line.partition("#")[2].strip() if "#" in line else ""
        expected: int | None = 0
        if comment == "not run":
            expected = None
        elif comment == "exits 1":
            expected = 1
        found.append((line, shlex.split(line, comments=True)[1:], expected))
    return found


def run_command(args: list[str], tmp: Path) -> tuple[int, str, str]:
    """Run one command line as the page shows it, with /tmp/ paths moved under ``tmp``."""
    redirect = None
    if len(args) >= 2 and args[-2] == ">":
        args, redirect = args[:-2], args[-1]
        assert redirect.startswith("/tmp/"), f"> {redirect}: the pages write files under /tmp/ only"
    written = [value for flag, value in itertools.pairwise(args) if flag in WRITES and value[:1] != "-"]
    for value in written:
        assert value.startswith("/tmp/"), f"{value}: the pages write files under /tmp/ only"
    moved = [str(tmp / a.removeprefix("/tmp/")) if a.startswith("/tmp/") else a for a in args]
    result = CliRunner().invoke(main, moved, catch_exceptions=False)
    if redirect is not None:
        (tmp / redirect.removeprefix("/tmp/")).write_text(result.stdout, encoding="utf-8")
    elif result.exit_code == 0:
        for value in written:
            assert (tmp / value.removeprefix("/tmp/")).is_file(), f"{value}: the command wrote nothing"
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(("name", "index", "body"), cases("sh"))
def test_sh_examples_exit_as_shown(
    name: str, index: int, body: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    output: set[str] = set()
    for line, args, expected in commands(body):
        if expected is None:
            continue
        code, out, err = run_command(args, tmp_path)
        assert code == expected, f"{line}\nexit {code}, expected {expected}\n{out[-2000:]}\n{err[-2000:]}"
        output.update(shown.rstrip() for shown in (out + err).splitlines())
    for excerpt in excerpts_after(name, index):
        missing = [line for line in excerpt.splitlines() if line.strip() and line.rstrip() not in output]
        assert missing == [], f"{name}.md shows output lines the commands above do not print: {missing}"


# -- yaml ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "index", "body"), cases("yaml"))
def test_yaml_examples_parse(name: str, index: int, body: str) -> None:
    assert isinstance(yaml.safe_load(body), dict | list)


# -- the pages themselves -----------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_each_page_says_outputs_are_recommendations_and_links_resolve(name: str) -> None:
    text = page(name).read_text(encoding="utf-8")
    assert "recommendations" in text.lower() and "never determinations" in text
    for target in re.findall(r"\]\(([^)#]+?)(?:#[^)]*)?\)", text):
        if "://" not in target:
            assert (page(name).parent / target).resolve().exists(), f"{name}.md links to {target}"


def test_the_index_links_to_each_page() -> None:
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    for name in PAGES:
        assert f"(getting-started/{name}.md)" in index
