"""The bundled example cases give the outputs recorded in examples/cases/expected.yaml.

An entry names its rule set with `ruleset` (intl/palermo when it does not).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import carepath

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "examples" / "cases"
EXPECTED = yaml.safe_load((CASES / "expected.yaml").read_text(encoding="utf-8"))
RULESETS: dict[str, carepath.RuleSet] = {}


def ruleset(rid: str) -> carepath.RuleSet:
    if rid not in RULESETS:
        RULESETS[rid] = carepath.load(rid)
    return RULESETS[rid]


def test_every_example_case_has_an_expectation() -> None:
    files = sorted(p.name for p in CASES.glob("*.yaml") if p.name != "expected.yaml")
    assert files == sorted(EXPECTED)
    assert len(files) >= 5


@pytest.mark.parametrize("name", sorted(p.name for p in CASES.glob("*.yaml") if p.name != "expected.yaml"))
def test_example_outputs(name: str) -> None:
    expected = dict(EXPECTED[name])
    rules = ruleset(expected.pop("ruleset", "intl/palermo"))
    ev = rules.evaluate(carepath.read_case(CASES / name), as_of=dt.date(2026, 11, 23))
    for key, value in expected.items():
        got = list(ev.missing) if key == "missing" else ev[key].value
        assert got == value, f"{name}: {key}"


def test_embed_script_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "embed.py")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "identification" in result.stdout
