"""`carepath diff` on the columnar engine: the same report as the per-case diff, byte for byte."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("polars")
pytest.importorskip("pyarrow")

import carepath
from carepath.authoring.columnar import NotColumnar, choose
from carepath.authoring.columnar import diff as columnar_diff
from carepath.authoring.columnar import engine as columnar_engine
from carepath.authoring.columnar.population import read_cases, write_parquet
from carepath.authoring.diff import diff_file
from carepath.authoring.synth import generate, read_population
from carepath.cli import main
from carepath.errors import CarepathError

DAY = dt.date(2026, 11, 23)
ROOT = Path(__file__).resolve().parents[1]
OVERLAY = ROOT / "examples/overlays/ilo_two_medium.yaml"


def _population(tmp_path: Path, rid: str, n: int, bad: bool = True) -> Path:
    rules = carepath.load(rid)
    population = read_population(ROOT / f"rulesets/{rid}.population.yaml")
    path = tmp_path / "cases.jsonl"
    lines = [json.dumps(case) for case in generate(rules, population, n, seed=3)]
    if bad:  # cases the diff cannot evaluate, and cases known by their line only
        lines[5:5] = ['{"age": "old"}', '{"nonsense": 1}', '{"age": 30, "act": ["transfer"]}']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _counting(add: Callable[..., None], sizes: list[int]) -> Callable[..., None]:
    def counted(*args: object) -> None:
        sizes.append(len(args[5]))  # type: ignore[arg-type]
        add(*args)

    return counted


def _both(old: str | Path, new: str | Path, cases: Path, **settings: object) -> tuple[str, str]:
    per_case = diff_file(old, new, cases, DAY, settings=settings).to_dict()
    columnar = choose.diff_with_engine(old, new, cases, DAY, engine="columnar", settings=settings).to_dict()
    return json.dumps(per_case, indent=2), json.dumps(columnar, indent=2)


def test_palermo_reform_diff_is_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columnar_diff, "BATCH", 700)  # several batches: patterns and samples across them
    cases = _population(tmp_path, "intl/palermo", 3000)
    batches = []
    monkeypatch.setattr(columnar_diff, "_add_batch", _counting(columnar_diff._add_batch, batches))
    per_case, columnar = _both("intl/palermo", "intl/palermo", cases, child_age_limit=21)
    assert per_case == columnar
    assert batches == [700, 700, 700, 700, 203]
    report = json.loads(columnar)
    assert report["changed"] > 0 and report["errors"] == 2


def test_ilo_overlay_diff_is_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columnar_diff, "BATCH", 400)
    monkeypatch.setattr(columnar_diff, "MEMO_MAX", 50)  # results dropped and found again
    monkeypatch.setattr(columnar_engine, "MEMO_MAX", 50)
    cases = _population(tmp_path, "intl/ilo_indicators", 1200, bad=False)
    per_case, columnar = _both("intl/ilo_indicators", OVERLAY, cases)
    assert per_case == columnar
    assert json.loads(columnar)["changed"] > 0


def test_rule_sets_of_different_inputs_count_the_same_errors(
    tmp_path: Path, write_rules: Callable[..., Path]
) -> None:
    src = "{document: doc, locator: s1, confidence: verbatim}"
    common = "outcomes:\n  child: {type: bool, default: false}\n"
    old = write_rules(
        "inputs:\n  age: {type: int, min: 0, max: 120, question: {en: Age}}\n" + common + "rules:\n"
        f'  - {{id: r.c, title: c, when: {{"<": [age, 18]}}, then: {{child: true}}, source: {src}}}\n',
        name="old",
    )
    new = write_rules(
        "inputs:\n  minor: {type: bool, question: {en: Minor}}\n" + common + "rules:\n"
        f"  - {{id: r.c, title: c, when: {{is_true: minor}}, then: {{child: true}}, source: {src}}}\n",
        name="new",
    )
    cases = tmp_path / "c.jsonl"
    rows = [{"age": 10}, {"minor": True}, {}, {"age": "unknown"}, {"minor": "declined"}]
    cases.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    per_case, columnar = _both(old, new, cases)
    assert per_case == columnar
    assert json.loads(columnar)["errors"] == 4  # each names an input the other side does not declare


def test_the_cli_says_which_engine_ran_and_gives_the_same_json(tmp_path: Path) -> None:
    cases = _population(tmp_path, "intl/palermo", 400)
    args = ["diff", "intl/palermo", "intl/palermo", "--set", "child_age_limit=21"]
    args += ["--cases", str(cases), "--as-of", DAY.isoformat(), "--format", "json", "--workers", "1"]
    out = {}
    for engine in ("per-case", "columnar", "auto"):
        result = CliRunner().invoke(main, [*args, "--engine", engine])
        assert result.exit_code == 0, result.output
        out[engine] = result.stdout
        assert f"engine: {'columnar' if engine == 'auto' else engine}" in result.stderr
    assert out["per-case"] == out["columnar"] == out["auto"]


def test_auto_falls_back_and_says_why(tmp_path: Path) -> None:
    cases = tmp_path / "c.jsonl"
    cases.write_text('{"case_id": "a"}\n', encoding="utf-8")
    args = ["diff", "intl/case_path", "intl/case_path", "--cases", str(cases), "--as-of", DAY.isoformat()]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "engine: per-case (not columnar: elapsed in rule" in result.stderr
    refused = CliRunner().invoke(main, [*args, "--engine", "columnar"])
    assert refused.exit_code != 0 and "not columnar: elapsed" in refused.output
    with pytest.raises(NotColumnar):
        choose.diff_with_engine("intl/case_path", "intl/case_path", cases, DAY, engine="columnar")


def test_parquet_holds_the_same_cases_and_gives_the_same_diff(tmp_path: Path) -> None:
    jsonl = _population(tmp_path, "intl/palermo", 500, bad=False)
    cases = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    cases[0]["age"] = "declined"  # a number column with an answer word: kept as JSON text
    cases[1]["consent"] = "unknown"
    jsonl.write_text("\n".join(json.dumps(c) for c in cases) + "\n", encoding="utf-8")
    parquet = tmp_path / "cases.parquet"
    assert write_parquet(cases, parquet) == len(cases)
    assert list(read_cases(parquet)) == list(read_cases(jsonl))
    from_jsonl = choose.diff_with_engine(
        "intl/palermo", "intl/palermo", jsonl, DAY, settings={"child_age_limit": 21}
    )
    from_parquet = choose.diff_with_engine(
        "intl/palermo", "intl/palermo", parquet, DAY, settings={"child_age_limit": 21}
    )
    assert from_parquet.to_dict() == from_jsonl.to_dict()
    per_case = choose.diff_with_engine(
        "intl/palermo", "intl/palermo", parquet, DAY, engine="per-case", settings={"child_age_limit": 21}
    )
    assert per_case.to_dict() == from_jsonl.to_dict()


@pytest.mark.parametrize(
    "line",
    [
        '{"age": 1, "case_id": "c1"}',
        '{"age": "\\ud800"}',
        '{"age": 1, "age": 2}',
        "[1]",
        '{"age": NaN}',
        '{"answers": {"age": 3}, "case_id": "c", "description": "d"}',
        "[" * 70 + "]" * 70,
        '{"a": ' + "[" * 62 + "]" * 62 + "}",
        '{"age": 1',
    ],
)
def test_the_quick_reader_reads_as_the_strict_one(line: str) -> None:
    from carepath.authoring.columnar.population import _parse_fast
    from carepath.authoring.diff import _parse

    def outcome(read: Callable[[int, str], object]) -> object:
        try:
            return read(7, line)
        except CarepathError as exc:
            return str(exc)

    assert outcome(_parse_fast) == outcome(_parse)
