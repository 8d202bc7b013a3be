"""README's typed example (the developers' tour) passes ``mypy --strict``: the optional parts of
an assessment (``ranking``, ``plan``, ``Ranking.top``) are checked before they are used."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy")

ROOT = Path(__file__).resolve().parent.parent


def typed_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    return str(block)


def mypy_strict(source: str, where: Path) -> subprocess.CompletedProcess[str]:
    script = where / "readme_example.py"
    script.write_text(source, encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--no-incremental",
        "--no-error-summary",
        str(script),
    ]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False, timeout=600)


def test_the_readme_typed_example_passes_mypy_strict(tmp_path: Path) -> None:
    example = typed_example()
    assert "carepath.assess(" in example and ".ranking" in example
    done = mypy_strict(example, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict_refuses_the_optional_ranking_used_unchecked(tmp_path: Path) -> None:
    # the old example, which read plan.ranking.top.option without a check: mypy must refuse it
    example = typed_example().split("ranking, care_plan =")[0] + "plan.ranking.top.option\n"
    done = mypy_strict(example, tmp_path)
    assert done.returncode == 1
    assert 'Item "None" of "Ranking | None" has no attribute "top"' in done.stdout
