"""libyaml reads rule files as the pure-Python loader does: the same data, marks and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from carepath.errors import YamlError
from carepath.rules import loader
from carepath.rules.loader import Limits, load_yaml_text
from carepath.rules.registry import bundled_root

pytestmark = pytest.mark.skipif(loader.PARSER != "libyaml", reason="PyYAML built without libyaml")
FILES = sorted(p for p in bundled_root().rglob("*.yaml"))


def both(text: str, limits: Limits | None = None) -> tuple[loader.Located, loader.Located]:
    limits = limits or Limits()
    fast = loader._load(text, "f.yaml", limits, False, loader._LOADERS[1])
    slow = loader._load(text, "f.yaml", limits, False, loader._SafeBoundedLoader)
    return fast, slow


@pytest.mark.parametrize("file", FILES, ids=lambda p: p.relative_to(bundled_root()).as_posix())
def test_every_bundled_file_reads_alike(file: Path) -> None:
    fast, slow = both(file.read_text(encoding="utf-8"))
    assert fast.data == slow.data
    assert fast.marks == slow.marks


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!python/object:os.system x\n", "explicit tags are not allowed"),
        ("a: !!str 1\n", "explicit tags are not allowed"),
        ("a: !custom [1]\n", "is not allowed"),
        ("<<: {a: 1}\n", "merge keys"),
        ("a: 1\na: 2\n", "duplicate key"),
        ("[" * 70 + "]" * 70, "nesting deeper than 64"),
        ("a: &x [1, 2]\nb: &y [*x, *x, *x, *x]\nc: &z [*y, *y, *y, *y]\nd: [*z, *z, *z, *z]\n", "more than"),
        ("a: \x07\n", "a character YAML does not allow"),
    ],
)
def test_the_c_path_refuses_what_the_python_path_refuses(text: str, message: str) -> None:
    limits = Limits(max_values=100)
    for kind in loader._LOADERS:
        with pytest.raises(YamlError) as info:
            loader._load(text, "f.yaml", limits, False, kind)
        assert message in info.value.message


def test_booleans_stay_yaml_1_2_and_marks_are_one_based() -> None:
    fast, slow = both("a: [yes, no, true, False, on]\nb:\n  - x\n")
    assert fast.data == slow.data == {"a": ["yes", "no", True, False, "on"], "b": ["x"]}
    assert fast.marks[("b", 0)] == (3, 5)


def test_text_libyaml_refuses_is_read_by_the_python_path() -> None:
    # libyaml refuses a UTF-16 surrogate pair written as two escapes; PyYAML joins them
    assert load_yaml_text('a: "\\ud83d\\ude42"\n').data == {"a": "\U0001f642"}
