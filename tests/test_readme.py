"""The README's Python tour runs, and every value it shows in a comment is the real one."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parent.parent / "README.md"
SHOWN = re.compile(r"^(?P<expr>[^#]+?)\s+#\s+(?P<value>['\[(].*?)(?:\s*$)")


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_the_readme_tour_runs_and_shows_true_values(capsys: Any) -> None:
    (block,) = python_blocks()
    namespace: dict[str, Any] = {}
    checked = 0
    for line in block.splitlines():
        exec(compile(line, "README.md", "exec"), namespace)  # the README's own example code
        match = SHOWN.match(line)
        if match:
            got = eval(match["expr"], namespace)
            assert got == ast.literal_eval(match["value"]), line
            checked += 1
    assert checked >= 4
    assert "## Outcomes" in capsys.readouterr().out
