"""The layout guards (docs/architecture.md): imports point down the data path, no module imports
itself back through others, the top of the package stays small, and no module outgrows a screen
or two. The import graph is read from the source (ast), so it covers imports inside functions."""

from __future__ import annotations

import ast
import importlib
import re
import sys
import warnings
from pathlib import Path

import pytest

import carepath

PACKAGE = Path(carepath.__file__).parent

LAYERS: list[tuple[str, ...]] = [
    ("carepath._version", "carepath.errors"),
    ("carepath.safeio",),
    ("carepath.rules",),
    ("carepath.backends",),
    ("carepath.cases",),
    ("carepath.plans",),
    ("carepath.assessments",),
    ("carepath.followup",),
    ("carepath.report",),
    ("carepath.exchange",),
    ("carepath.authoring",),
    ("carepath.serve",),
    ("carepath.cli",),
    ("carepath", "carepath.__main__", "carepath.pytest_plugin"),
]
"""The parts of the package from the bottom of the data path up: a module may import from its own
part or one below it, never from one above."""

RULE_STAGES: list[tuple[str, ...]] = [
    ("loader", "registry", "cache"),
    ("conditions", "model", "parsing"),
    ("translations", "translation_files", "layers", "drafts"),
    ("logic", "trace", "nodes", "compiler"),
    ("contacts", "answers", "result", "evaluator", "codegen"),
    ("reach", "overlays"),
    ("explain", "replay", "questions"),
    ("reform", "ruleset"),
]
"""The stages inside ``carepath.rules``, in the order of the data path: load -> model -> layers ->
compile -> evaluate -> analyse -> explain -> the rule set that ties them. A module may import from
its own stage or an earlier one."""

TOP_MODULES = 6
MAX_LINES = 500


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    relative = Path(*name.split("."))
    return (PACKAGE.parent / relative).with_suffix(".py").is_file() or (
        PACKAGE.parent / relative / "__init__.py"
    ).is_file()


def _imports(path: Path) -> list[tuple[str, bool]]:
    """The carepath modules ``path`` imports, each with whether only type checkers see it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(n) for n in ast.walk(node))
    found: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [
                f"{node.module}.{a.name}" if _is_module(f"{node.module}.{a.name}") else node.module
                for a in node.names
            ]
        else:
            continue
        found += [(n, id(node) in typing_only) for n in names if n.split(".")[0] == "carepath"]
    return found


def _graph() -> dict[str, list[tuple[str, bool]]]:
    return {_module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def _layer(name: str) -> int:
    best = max((p for part in LAYERS for p in part if name == p or name.startswith(p + ".")), key=len)
    return next(i for i, part in enumerate(LAYERS) if best in part)


def _stage(name: str) -> int | None:
    parts = name.split(".")
    if parts[:2] != ["carepath", "rules"] or len(parts) < 3:
        return None
    return next(i for i, stage in enumerate(RULE_STAGES) if parts[2] in stage)


def test_every_module_has_a_place() -> None:
    for name in _graph():
        assert _layer(name) is not None, name
        if name.startswith("carepath.rules."):
            assert _stage(name) is not None, f"{name}: add it to RULE_STAGES"


def test_imports_point_down_the_data_path() -> None:
    upward = [
        f"{name} -> {target}"
        for name, imports in _graph().items()
        for target, _ in imports
        if _layer(target) > _layer(name)
        or ((a := _stage(name)) is not None and (b := _stage(target)) is not None and b > a)
    ]
    assert upward == []


def test_no_import_circle() -> None:
    graph = {name: {t for t, _ in imports if t != name} for name, imports in _graph().items()}
    for name in graph:  # a package's __init__ re-exporting its own modules is not a circle
        graph[name] = {t for t in graph[name] if not t.startswith(name + ".")}
    seen: dict[str, int] = {}
    circles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        seen[node] = 1
        for nxt in sorted(graph.get(node, set())):
            if seen.get(nxt) == 1:
                circles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in seen:
                visit(nxt, [*path, nxt])
        seen[node] = 2

    for start in sorted(graph):
        if start not in seen:
            visit(start, [start])
    assert circles == []


def test_the_top_of_the_package_stays_small() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= TOP_MODULES, top


def test_no_module_outgrows_its_file() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_all_is_sorted_and_complete() -> None:
    public = {
        n
        for n in vars(carepath)
        if n.isidentifier() and not n.startswith("_") and not _is_module(f"carepath.{n}")
    }
    public |= set(carepath._LAZY)
    public.discard("annotations")
    assert carepath.__all__ == sorted(carepath.__all__)
    assert set(carepath.__all__) == public | {"__version__"}
    for name in carepath.__all__:
        assert getattr(carepath, name) is not None


@pytest.mark.parametrize("old", sorted(carepath._MOVED))
def test_old_module_paths_still_import_with_a_warning(old: str) -> None:
    new = carepath._MOVED[old]
    for name in [n for n in sys.modules if n == old or n.startswith(old + ".")]:
        del sys.modules[name]
    with pytest.warns(DeprecationWarning, match=f"{old} is now {new}"):
        module = importlib.import_module(old)
    assert module is importlib.import_module(new)
    assert module.__spec__ is not None and module.__spec__.name == new


def test_an_old_submodule_path_gives_the_same_module() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old = importlib.import_module("carepath.export.xlsform")
    assert old is importlib.import_module("carepath.exchange.xlsform")
    from carepath.validate import validate

    assert validate is carepath.validate


def _table(heading: str) -> list[str]:
    """The rows of the first table under ``heading`` in docs/architecture.md."""
    text = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    body = text.split(heading, 1)[1].split("\n#", 1)[0]
    return [line for line in body.splitlines() if line.startswith("| `")]


def _names(cell: str) -> tuple[str, ...]:
    return tuple(name.strip("/") for name in re.findall(r"`([^`]+)`", cell))


def test_the_architecture_page_lists_the_parts_in_their_order() -> None:
    names = {"__init__": "carepath"}
    rows = [_names(row.split("|")[1]) for row in _table("## The parts")]
    parts = [tuple(names.get(n, f"carepath.{n}") for n in row) for row in rows]
    assert parts == LAYERS
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    listed = {n.split(".")[1] for row in LAYERS for n in row if n.count(".") == 1}
    assert folders <= listed


def test_the_architecture_page_lists_the_rule_stages() -> None:
    body = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    body = body.split("### Inside `rules/`", 1)[1].split("\n#", 1)[0]
    rows = [line for line in body.splitlines() if line.startswith("| ") and "`" in line]
    assert [_names(row.split("|")[2]) for row in rows] == RULE_STAGES
    modules = {p.name.removesuffix(".py") for p in (PACKAGE / "rules").iterdir()}
    modules -= {"__init__", "__pycache__"}
    assert modules == {m for stage in RULE_STAGES for m in stage}
