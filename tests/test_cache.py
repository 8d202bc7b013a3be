"""The cache of read rule files: data only, keyed by content, invalidated on change, untrusted."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import carepath
from carepath.rules import cache
from carepath.rules.loader import Limits, load_yaml_file
from carepath.rules.registry import bundled_ids, resolve

SRC = "{document: doc, locator: s1, confidence: verbatim}"
BASE = f"""
inputs:
  age: {{type: int, question: {{en: Age}}}}
outcomes:
  child: {{type: bool, default: false}}
rules:
  - {{id: b.child, title: child, when: {{"<": [age, 18]}}, then: {{child: true}}, source: {SRC}}}
"""
OVER = f"""
extends: base
rules:
  - {{id: o.young, title: young, when: {{"<": [age, 12]}}, then: {{child: true}}, source: {SRC}}}
"""
DAY = dt.date(2026, 1, 1)


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CAREPATH_CACHE_DIR", str(folder))
    monkeypatch.delenv("CAREPATH_NO_CACHE", raising=False)
    cache.clear_memory()
    yield folder
    cache.clear_memory()


def entries(folder: Path) -> list[Path]:
    return sorted((folder / f"files-v{cache.FORMAT}").glob("*.json")) if folder.exists() else []


def no_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the YAML was parsed again")

    monkeypatch.setattr(cache, "load_yaml_bytes", refuse)


def test_loading_twice_in_one_process_returns_the_rule_set_loaded(write_rules: Callable[..., Path]) -> None:
    path = write_rules(BASE, name="base")
    assert carepath.load(path) is carepath.load(path)


def test_a_changed_base_is_read_again_by_its_overlay(write_rules: Callable[..., Path]) -> None:
    write_rules(BASE, name="base")
    over = write_rules(OVER, name="over")
    first = carepath.load(over)
    assert first.evaluate({"age": 17}, as_of=DAY)["child"].value is True
    write_rules(BASE.replace('"<": [age, 18]', '"<": [age, 16]'), name="base")
    second = carepath.load(over)
    assert second is not first
    assert second.evaluate({"age": 17}, as_of=DAY)["child"].value is False


def test_a_second_process_reads_the_disk_cache_not_the_yaml(
    write_rules: Callable[..., Path], own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_rules(BASE, name="base")
    over = write_rules(OVER, name="over")
    before = carepath.load(over).evaluate({"age": 10}, as_of=DAY)
    assert len(entries(own_cache)) == 2  # one entry per file read
    cache.clear_memory()  # as a new process would start
    no_yaml(monkeypatch)
    after = carepath.load(over).evaluate({"age": 10}, as_of=DAY)
    assert after["child"].value == before["child"].value is True
    assert after.trace is not None and after.trace.rule("o.young").layer == "over"


def test_every_bundled_rule_file_comes_back_from_disk_as_it_was_read() -> None:
    files = {layer for name in bundled_ids() for layer in _layer_files(resolve(name))}
    for file in sorted(files):
        fresh = load_yaml_file(file)
        cache.read_cached(file)
        cache.clear_memory()
        stored = cache.read_cached(file)
        assert stored.data == fresh.data and stored.marks == fresh.marks, file


def _layer_files(path: Path) -> list[Path]:
    from carepath.rules.layers import load_layers

    return [Path(layer.file) for layer in load_layers(path)]


def test_values_yaml_gives_that_json_has_not_come_back_with_their_types(tmp_path: Path) -> None:
    file = tmp_path / "odd.yaml"
    file.write_text(
        'a: 2026-01-02\n1: {"o": x}\nfalse: [1.5, null, "2026-01-02"]\nt: 2026-01-02T03:04:05+07:00\n'
    )
    fresh = load_yaml_file(file)
    cache.read_cached(file)
    cache.clear_memory()
    stored = cache.read_cached(file)
    assert stored.data == fresh.data and stored.marks == fresh.marks
    assert isinstance(stored.data["a"], dt.date) and stored.data[False][2] == "2026-01-02"
    assert isinstance(stored.data["t"], dt.datetime) and 1 in stored.data


@pytest.mark.parametrize(
    "damage",
    [
        lambda e: "not json at all",
        lambda e: json.dumps({**e, "format": 99}),
        lambda e: json.dumps({**e, "key": "0" * 64}),
        lambda e: json.dumps({**e, "data": {"py": "os.system"}}),
        lambda e: json.dumps({**e, "data": {"m": [[[1], 2]]}}),  # a list as a key
        lambda e: json.dumps({**e, "marks": [0] * len(e["marks"])}),  # no line 0
        lambda e: json.dumps({**e, "marks": e["marks"][:-2]}),  # a mark short
        lambda e: json.dumps({**e, "marks": [True] * len(e["marks"])}),
    ],
)
def test_a_damaged_entry_is_a_miss_and_the_yaml_is_read(
    damage: Callable[[dict[str, object]], str], write_rules: Callable[..., Path], own_cache: Path
) -> None:
    path = write_rules(BASE, name="base")
    expected = carepath.load(path).evaluate({"age": 10}, as_of=DAY)["child"].value
    (entry,) = entries(own_cache)
    entry.write_text(damage(json.loads(entry.read_text())))
    cache.clear_memory()
    assert carepath.load(path).evaluate({"age": 10}, as_of=DAY)["child"].value == expected
    json.loads(entry.read_text())  # written again, whole


def test_an_entry_too_large_for_the_limits_is_a_miss(tmp_path: Path, own_cache: Path) -> None:
    file = tmp_path / "a.yaml"
    file.write_text("a: [1, 2, 3]\n")
    limits = Limits(max_bytes=64, max_values=8)
    cache.read_cached(file, limits)
    (entry,) = entries(own_cache)
    found = json.loads(entry.read_text())
    entry.write_text(json.dumps({**found, "data": {"o": {"a": list(range(100))}}}))
    cache.clear_memory()
    assert cache.read_cached(file, limits).data == {"a": [1, 2, 3]}


def test_no_cache_turns_both_levels_off(
    write_rules: Callable[..., Path], own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAREPATH_NO_CACHE", "1")
    path = write_rules(BASE, name="base")
    assert carepath.load(path) is not carepath.load(path)
    assert cache.cache_dir() is None and entries(own_cache) == []


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX owners and modes")
def test_a_folder_others_can_write_is_not_used(write_rules: Callable[..., Path], own_cache: Path) -> None:
    path = write_rules(BASE, name="base")
    own_cache.mkdir()
    own_cache.chmod(0o777)
    carepath.load(path)
    assert entries(own_cache) == []
    own_cache.chmod(0o700)
    cache.clear_memory()
    carepath.load(path)
    (entry,) = entries(own_cache)
    assert stat.S_IMODE(entry.parent.stat().st_mode) == 0o700


def test_a_pipeline_reuses_the_rule_sets_already_loaded() -> None:
    palermo = carepath.load("intl/palermo")
    pipe = carepath.load_pipeline("intl/care_path")
    assert any(rs is palermo for rs in pipe.rulesets.values())
    again = carepath.load_pipeline("intl/care_path")
    assert all(again.rulesets[name] is rs for name, rs in pipe.rulesets.items())


def test_case_files_are_never_cached(tmp_path: Path, own_cache: Path) -> None:
    carepath.load("intl/palermo")
    before = entries(own_cache)
    case = tmp_path / "case.yaml"
    case.write_text("age: 15\n")
    assert carepath.read_case(case)["age"] == 15
    assert entries(own_cache) == before and len(before) == 1


def test_a_file_changed_while_it_loads_is_read_again(
    write_rules: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from carepath.rules import ruleset

    path = write_rules(BASE, name="base")
    original = ruleset.compile_ruleset
    changed = BASE.replace('"<": [age, 18]', '"<": [age, 16]')

    def change_then_compile(merged: object) -> object:
        write_rules(changed, name="base")  # after it was read, before the rule set is kept
        return original(merged)  # type: ignore[arg-type]

    monkeypatch.setattr(ruleset, "compile_ruleset", change_then_compile)
    first = carepath.load(path)
    monkeypatch.setattr(ruleset, "compile_ruleset", original)
    assert first.evaluate({"age": 17}, as_of=DAY)["child"].value is True  # what was read
    second = carepath.load(path)
    assert second is not first and second.evaluate({"age": 17}, as_of=DAY)["child"].value is False


def test_the_disk_cache_stays_bounded(
    tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "MAX_DISK_ENTRIES", 5)
    for i in range(12):
        file = tmp_path / f"f{i}.yaml"
        file.write_text(f"a: {i}\n")
        cache.read_cached(file)
    assert 4 <= len(entries(own_cache)) <= 5
    assert cache.read_cached(tmp_path / "f11.yaml").data == {"a": 11}


def test_a_value_whose_files_are_unknown_is_never_kept() -> None:
    built: list[int] = []

    def build() -> int:
        built.append(1)
        return len(built)

    assert cache.remembered(("test", "nothing read"), build) == 1
    assert cache.remembered(("test", "nothing read"), build) == 2
