"""Pictures of the case path and of rule sets: Mermaid and DOT text, with a case highlighted."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import carepath
from carepath.cli import main
from carepath.report import pictures

ROOT = Path(__file__).resolve().parents[1]
DAY = dt.date(2026, 11, 23)
PIPE = carepath.load_pipeline("intl/care_path")


def plan_of(name: str) -> carepath.plans.CarePlan:
    result = PIPE.assess(carepath.read_case(ROOT / f"examples/care_path/{name}.yaml"), as_of=DAY)
    assert result.plan is not None
    return result.plan


def test_the_path_in_mermaid_has_every_stage_and_move() -> None:
    spec = PIPE.model.path
    assert spec is not None
    text = pictures.path_mermaid(spec)
    assert text.startswith("flowchart TB\n")  # top-down, to be read on a projector
    for stage in spec.stages:
        assert f"  {stage}[" in text
    assert text.count("-->|") == len(spec.moves)
    assert "class " not in text  # nothing highlighted without a case


def test_a_case_highlights_its_stage_the_stages_before_and_each_move_by_status() -> None:
    spec = PIPE.model.path
    assert spec is not None
    text = pictures.path_mermaid(spec, plan_of("girl-unsafe-family"))
    assert "  class assessment current" in text
    assert "  class identification,crisis_care passed" in text
    moves = [line for line in text.splitlines() if "-->|" in line or "-.->|" in line]
    placement = moves.index("  assessment -->|move to placement| placement")
    reintegration = moves.index("  assessment -->|move to reintegration| reintegration")
    assert f"  linkStyle {placement} stroke:#2e7d32,stroke-width:3px" in text  # allowed
    assert f"  linkStyle {reintegration} stroke:#c62828,stroke-width:3px" in text  # blocked
    dot = pictures.path_dot(spec, plan_of("girl-unsafe-family"))
    assert 'assessment [label="Assessment", style="rounded,filled", fillcolor="#fff59d"]' in dot
    assert 'crisis_care [label="Crisis care", style="rounded,filled", fillcolor="#e3f2fd"]' in dot
    assert 'closure [label="Closed"];' in dot
    assert 'assessment -> placement [label="move to placement", color="#2e7d32", penwidth=3]' in dot


def test_a_rule_set_graph_marks_the_rules_that_fired() -> None:
    palermo = carepath.load("intl/palermo")
    result = palermo.evaluate({"age": 15, "act": ["recruitment"], "purpose": ["forced_labour"]}, as_of=DAY)
    dot = pictures.ruleset_dot(palermo, result)
    assert '"rule:palermo.child" [label="palermo.child", shape=box, style="filled"' in dot
    assert '"input:age" -> "rule:palermo.child";' in dot
    mermaid = pictures.ruleset_mermaid(palermo, result)
    assert "classDef fired" in mermaid


def test_the_command_draws_the_path_of_a_case(tmp_path: Path) -> None:
    runner = CliRunner()
    case = str(ROOT / "examples/care_path/woman-lost-contact.yaml")
    done = runner.invoke(main, ["picture", "--case", case, "--as-of", "2026-11-23"])
    assert done.exit_code == 0, done.output
    assert "class follow_up current" in done.output
    done = runner.invoke(main, ["picture", "--ruleset", "intl/palermo", "--format", "dot"])
    assert done.exit_code == 0 and done.output.startswith('digraph "intl/palermo"')


def test_svg_needs_graphviz_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    done = CliRunner().invoke(main, ["picture", "--format", "svg"])
    assert done.exit_code == 1
    assert "Graphviz is not installed" in done.output


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed here")
def test_svg_with_graphviz() -> None:
    done = CliRunner().invoke(main, ["picture", "--format", "svg"])
    assert done.exit_code == 0 and "<svg" in done.output


def test_every_picture_has_a_legend_and_open_rules_look_different() -> None:
    palermo = carepath.load("intl/palermo")
    result = palermo.evaluate({"age": 30, "act": ["recruitment"], "purpose": ["forced_labour"]}, as_of=DAY)
    statuses = {s.rule_id: s.status for s in result.trace.rules} if result.trace else {}
    open_rule = next(r for r, s in statuses.items() if s == "unknown")
    closed_rule = next(r for r, s in statuses.items() if s == "not_fired")
    dot = pictures.ruleset_dot(palermo, result)
    line = {
        r: next(x for x in dot.splitlines() if x.startswith(f'  "rule:{r}"'))
        for r in (open_rule, closed_rule)
    }
    assert "dashed" in line[open_rule] and "dashed" not in line[closed_rule]
    assert line[open_rule].split("fillcolor=")[1] != line[closed_rule].split("fillcolor=")[1]
    mermaid = pictures.ruleset_mermaid(palermo, result)
    spec = carepath.load_pipeline("intl/care_path").model.path
    assert spec is not None
    for text in (dot, mermaid, pictures.path_dot(spec), pictures.path_mermaid(spec)):
        assert "Legend" in text
    assert "rule that is open: waiting on answers" in dot and "rule that does not apply" in mermaid


def test_picture_writes_the_file_given_with_o(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "path.dot"
    done = runner.invoke(main, ["picture", "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert out.read_text(encoding="utf-8").startswith("digraph care_path {")  # format from the extension
    out = tmp_path / "rules.mmd"
    done = runner.invoke(main, ["picture", "--ruleset", "intl/palermo", "-o", str(out)])
    assert done.exit_code == 0 and out.read_text(encoding="utf-8").startswith("flowchart LR")
    done = runner.invoke(main, ["picture", "-o", str(tmp_path / "x.txt")])
    assert done.exit_code == 2 and "give --format" in done.output
    assert not (tmp_path / "x.txt").exists()
