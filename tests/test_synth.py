"""`carepath synth`: populations reproducible from a seed, following the population file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import carepath
from carepath.authoring.synth import generate, read_population
from carepath.cli import main
from carepath.errors import RuleFileError

ROOT = Path(__file__).resolve().parent.parent


def test_the_same_seed_gives_the_same_cases_and_every_case_is_valid() -> None:
    rules = carepath.load("intl/family_safety")
    pop = read_population(ROOT / "rulesets/intl/family_safety.population.yaml")
    first = list(generate(rules, pop, 200, seed=3))
    assert first == list(generate(rules, pop, 200, seed=3))
    assert first != list(generate(rules, pop, 200, seed=4))
    for case in first:
        rules.check({k: v for k, v in case.items() if k != "case_id"})


def test_a_sourced_share_is_followed() -> None:
    rules = carepath.load("intl/family_safety")
    pop = read_population(ROOT / "rulesets/intl/family_safety.population.yaml")
    cases = list(generate(rules, pop, 4000, seed=1))
    answered = [c["domestic_violence"] for c in cases if isinstance(c.get("domestic_violence"), bool)]
    share = sum(answered) / len(answered)
    assert abs(share - 0.28) < 0.03  # 002:L645
    open_ = sum(1 for c in cases if c.get("domestic_violence") in (None, "unknown", "declined")) / len(cases)
    assert abs(open_ - 0.15) < 0.03


def test_a_distribution_needs_a_source_or_an_assumption(
    write_rules: Callable[..., Path], tmp_path: Path
) -> None:
    path = tmp_path / "p.population.yaml"
    path.write_text(
        "ruleset: intl/palermo\ndescription: x\nopen_answers: {unknown: 0, declined: 0, not_asked: 0}\n"
        "inputs:\n  consent: {p_true: 0.5}\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleFileError, match="source") as info:
        read_population(path)
    assert (info.value.line, info.value.field) == (5, "inputs.consent")


def test_cli_streams_json_lines_with_the_population_beside_the_rule_set(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["synth", "-r", "intl/palermo", "--n", "5", "--seed", "9"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert [c["case_id"] for c in lines] == [f"synth-9-{i}" for i in range(5)]
    out = tmp_path / "cases.jsonl"
    again = CliRunner().invoke(
        main, ["synth", "-r", "intl/palermo", "--n", "5", "--seed", "9", "-o", str(out)]
    )
    assert again.exit_code == 0
    assert [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()] == lines
