"""The safe, bounded YAML loader: marks, YAML 1.2 scalars, and every refusal with its place."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from carepath.errors import RuleSetError, YamlError
from carepath.rules.loader import Limits, load_yaml_file, load_yaml_text


def refused(text: str, limits: Limits | None = None) -> YamlError:
    with pytest.raises(YamlError) as info:
        load_yaml_text(text, "x.yaml", limits)
    assert info.value.file == "x.yaml"
    return info.value


# -- marks ------------------------------------------------------------------------------------

NESTED = """\
title: T
inputs:
  age:
    type: int
    choices: [a, {value: b}]
rules:
  - id: r.one
    when: {all: [{is_true: x}]}
"""


def test_marks_are_one_based_line_and_column_of_each_value() -> None:
    located = load_yaml_text(NESTED, "n.yaml")
    assert located.file == "n.yaml"
    assert located.data == {
        "title": "T",
        "inputs": {"age": {"type": "int", "choices": ["a", {"value": "b"}]}},
        "rules": [{"id": "r.one", "when": {"all": [{"is_true": "x"}]}}],
    }
    assert located.marks[()] == (1, 1)
    assert located.marks[("title",)] == (1, 8)
    assert located.marks[("inputs",)] == (3, 3)
    assert located.marks[("inputs", "age", "type")] == (4, 11)
    assert located.marks[("inputs", "age", "choices")] == (5, 14)
    assert located.marks[("inputs", "age", "choices", 0)] == (5, 15)
    assert located.marks[("inputs", "age", "choices", 1, "value")] == (5, 26)
    assert located.marks[("rules", 0)] == (7, 5)
    assert located.marks[("rules", 0, "id")] == (7, 9)
    assert located.marks[("rules", 0, "when", "all", 0, "is_true")] == (8, 28)


def test_mark_falls_back_to_the_nearest_located_ancestor() -> None:
    located = load_yaml_text(NESTED, "n.yaml")
    assert located.mark(("rules", 0, "then", "child")) == (7, 5)
    assert located.mark(("nowhere",)) == (1, 1)
    assert located.mark(()) == (1, 1)


def test_an_empty_document_has_no_data_and_no_marks() -> None:
    located = load_yaml_text("", "e.yaml")
    assert located.data is None
    assert located.marks == {}
    assert located.mark(("a",)) is None


# -- scalars ----------------------------------------------------------------------------------


def test_yaml_1_2_booleans_only_true_and_false() -> None:
    text = "a: no\nb: yes\nc: on\nd: off\ne: y\nf: true\ng: False\nh: TRUE\nchoices: [yes, no, On, NO]\n"
    data = load_yaml_text(text).data
    assert data == {
        "a": "no",
        "b": "yes",
        "c": "on",
        "d": "off",
        "e": "y",
        "f": True,
        "g": False,
        "h": True,
        "choices": ["yes", "no", "On", "NO"],
    }
    assert data["f"] is True and data["g"] is False


def test_keys_follow_yaml_1_2_booleans_too() -> None:
    assert load_yaml_text("on: 1\nno: 2\n").data == {"on": 1, "no": 2}


def test_dates_parse_to_date_and_other_plain_types_keep_their_type() -> None:
    data = load_yaml_text("d: 2003-12-25\nn: 1.5\ni: 7\nz: null\ns: '2003-12-25'\n").data
    assert data == {"d": dt.date(2003, 12, 25), "n": 1.5, "i": 7, "z": None, "s": "2003-12-25"}
    assert type(data["d"]) is dt.date


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("a: 1\nd: 2024-13-40\n", "this value cannot be read as its type", 4),
        ("a: 1\nd: [2024-02-30]\n", "this value cannot be read as its type", 5),
    ],
)
def test_an_impossible_date_is_a_yaml_error(text: str, message: str, column: int) -> None:
    error = refused(text)
    assert (error.message, error.line, error.column) == (message, 2, column)


# -- refusals ---------------------------------------------------------------------------------


def test_yaml_error_is_a_rule_set_error() -> None:
    assert issubclass(YamlError, RuleSetError)


def test_duplicate_key_is_refused_at_the_second_key() -> None:
    error = refused("inputs:\n  age: 1\n  sex: 2\n  age: 3\n")
    assert error.message == "duplicate key 'age'"
    assert (error.line, error.column) == (4, 3)
    assert str(error) == "x.yaml:4:3: duplicate key 'age'"


def test_nesting_deeper_than_the_default_limit_is_refused() -> None:
    error = refused("a: 1\nb: " + "[" * 100 + "]" * 100 + "\n")
    assert error.message == "nesting deeper than 64 levels"
    assert (error.line, error.column) == (2, 67)


def test_depth_limit_counts_every_level_including_the_leaf() -> None:
    limits = Limits(max_depth=3)
    assert load_yaml_text("a: [1]\n", limits=limits).data == {"a": [1]}
    error = refused("a: [[1]]\n", limits)
    assert error.message == "nesting deeper than 3 levels"
    assert (error.line, error.column) == (1, 6)  # the scalar 1 is the fourth level


def test_nesting_built_up_through_aliases_is_refused() -> None:
    lines = ["l0: &l0 " + "[" * 60 + "1" + "]" * 60]
    lines += [f"l{i}: &l{i} " + "[" * 60 + f"*l{i - 1}" + "]" * 60 for i in range(1, 30)]
    start = time.perf_counter()
    error = refused("\n".join(lines) + "\n")
    assert time.perf_counter() - start < 2.0
    assert error.message == "nesting deeper than 64 levels (through aliases)"
    assert error.line == 1  # the node past the limit is defined in l0


BILLION_LAUGHS = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)


def test_billion_laughs_is_refused_quickly() -> None:
    start = time.perf_counter()
    error = refused(BILLION_LAUGHS)
    assert time.perf_counter() - start < 2.0
    assert error.message == "document expands to more than 200000 values (alias expansion?)"
    # 'f' is the first list past the bound: 1 + 9 * 66430 values
    assert (error.line, error.column) == (6, 4)


def test_billion_laughs_in_a_file_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "lol.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(YamlError) as info:
        load_yaml_file(path)
    assert time.perf_counter() - start < 2.0
    assert (info.value.file, info.value.line) == (str(path), 6)


def test_every_use_of_an_alias_counts_against_max_values() -> None:
    # root 1 + key a 1 + [x, x] 3 + key b 1 + [*a, *a, *a] (1 + 3 * 3) = 16 values
    text = "a: &a [x, x]\nb: [*a, *a, *a]\n"
    assert load_yaml_text(text, limits=Limits(max_values=16)).data == {
        "a": ["x", "x"],
        "b": [["x", "x"]] * 3,
    }
    error = refused(text, Limits(max_values=15))
    assert error.message == "document expands to more than 15 values (alias expansion?)"
    assert (error.line, error.column) == (1, 1)


@pytest.mark.parametrize("text", ["a: &a [1, *a]\n", "a: &a {b: *a}\n"])
def test_recursive_alias_is_refused(text: str) -> None:
    error = refused(text)
    assert error.message == "a recursive alias (a value that contains itself)"
    assert (error.line, error.column) == (1, 4)


@pytest.mark.parametrize(
    "text",
    [
        "ok: 1\nx: !!python/object/apply:os.system 'echo hi'\n",
        "ok: 1\nx: !!python/name:os.system\n",
        "ok: 1\nx: !custom 1\n",
    ],
)
def test_python_and_unknown_tags_on_a_scalar_are_refused(text: str) -> None:
    error = refused(text)
    assert error.message.startswith("explicit tags are not allowed")
    assert (error.line, error.column) == (2, 4)


@pytest.mark.parametrize(
    "text",
    [
        'ok: 1\nx: !!python/object/apply:os.system ["echo hi"]\n',
        "ok: 1\nx: !!python/object:os.Foo {a: 1}\n",
        "ok: 1\nx: !!set {a, b}\n",
    ],
)
def test_python_and_non_plain_tags_on_a_collection_are_refused(text: str) -> None:
    error = refused(text)
    tag = text.split("!!")[1].split(" ")[0]
    assert error.message == (
        f"the tag 'tag:yaml.org,2002:{tag}' is not allowed: carepath files hold plain data only"
    )
    assert (error.line, error.column) == (2, 4)


def test_explicit_plain_collection_tags_are_allowed() -> None:
    assert load_yaml_text("a: !!seq [x]\nb: !!map {c: 1}\n").data == {"a": ["x"], "b": {"c": 1}}


def test_merge_keys_are_refused() -> None:
    error = refused("base: &b {a: 1}\nx:\n  <<: *b\n  c: 2\n")
    assert error.message == "merge keys ('<<') are not supported in carepath files"
    assert (error.line, error.column) == (3, 3)


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ("a: [1, 2\nb: 3\n", "expected ',' or ']', but got ':'", 2, 2),
        ("a: 1\nb: c: d\n", "mapping values are not allowed here", 2, 5),
        ("a: 'open\n", "found unexpected end of stream", 2, 1),
    ],
)
def test_invalid_syntax_is_placed(text: str, message: str, line: int, column: int) -> None:
    error = refused(text)
    assert (error.message, error.line, error.column) == (message, line, column)


def test_complex_mapping_keys_are_refused() -> None:
    error = refused("a: 1\n? [k]\n: 2\n")
    assert error.message == "mapping keys must be plain values"
    assert (error.line, error.column) == (2, 3)


def test_multiple_documents_are_refused() -> None:
    error = refused("a: 1\n---\nb: 2\n")
    assert error.message == "but found another document"
    assert (error.line, error.column) == (2, 1)


def test_a_file_over_max_bytes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: 1\nb: 2\n", encoding="utf-8")  # 10 bytes
    assert load_yaml_file(path, Limits(max_bytes=10)).data == {"a": 1, "b": 2}
    with pytest.raises(YamlError) as info:
        load_yaml_file(path, Limits(max_bytes=9))
    error = info.value
    assert error.message == "file is 10 bytes; the limit is 9"
    assert (error.file, error.line, error.column) == (str(path), None, None)


def test_text_over_max_bytes_is_refused() -> None:
    error = refused("a: é\n", Limits(max_bytes=5))  # 6 bytes in UTF-8, 5 characters
    assert error.message == "text is over the limit of 5 bytes"
    assert error.line is None


def test_non_utf8_bytes_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: café\n".encode("latin-1"))
    with pytest.raises(YamlError) as info:
        load_yaml_file(path)
    error = info.value
    assert error.message == "not UTF-8 text (byte 10)"
    assert (error.file, error.line, error.column) == (str(path), None, None)


def test_a_missing_file_is_a_yaml_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(YamlError) as info:
        load_yaml_file(path)
    assert info.value.message == "cannot read file (No such file or directory)"
    assert info.value.file == str(path)


def test_a_good_file_loads_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "good.yaml"
    path.write_text("valid_from: 2003-12-25\nchoices: [no, yes]\n", encoding="utf-8")
    located = load_yaml_file(path)
    assert located.file == str(path)
    assert located.data == {"valid_from": dt.date(2003, 12, 25), "choices": ["no", "yes"]}
    assert located.marks[("choices", 1)] == (2, 15)
