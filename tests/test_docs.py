"""The docs cannot drift: the rule-format reference is regenerated and compared; every field is described."""

from __future__ import annotations

from pathlib import Path

import carepath
from carepath.exchange.docgen import rule_format_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_the_rule_format_reference_is_current() -> None:
    page = (ROOT / "docs" / "reference" / "rule-format.md").read_text(encoding="utf-8")
    assert page == rule_format_markdown(), (
        "run: carepath schema --format markdown > docs/reference/rule-format.md"
    )


def test_every_model_and_field_is_described() -> None:
    schema = carepath.rule_file_schema()
    models = {"RuleFile": schema, **schema["$defs"]}
    undescribed = [
        f"{name}.{field}"
        for name, model in models.items()
        for field, spec in model.get("properties", {}).items()
        if not spec.get("description")
    ]
    assert undescribed == []
    assert [name for name, model in models.items() if not model.get("description")] == []


def test_the_pipeline_reference_is_generated_from_the_models() -> None:
    from carepath.exchange.docgen import pipeline_format_markdown

    page = (ROOT / "docs" / "reference" / "pipeline-format.md").read_text(encoding="utf-8")
    assert page == pipeline_format_markdown(), (
        "run: carepath schema --pipeline --format markdown > docs/reference/pipeline-format.md"
    )
    for field in ("`feeds`", "`ranking`", "`allowed_by`", "`overdue_when`", "`order_source`"):
        assert field in page


def test_the_worked_diff_example_is_current() -> None:
    """The page the policy authors' worked example shows is what the script produces (about a
    minute: 100,000 cases compared)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "docs/examples/diff_worked_example.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
