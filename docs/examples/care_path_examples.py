"""Produce the outputs of the care-path examples in examples/care_path/. Run from the repository
root:

    python docs/examples/care_path_examples.py

For each case listed in examples/care_path/index.yaml it writes ``<name>.json``: the complete
assessment (every step's outcomes and missing questions, what fed what, the ranked, blocked and
pending care options with their rules and sources, the care plan with its moves and dates),
without the per-rule trace, which ``carepath assess CASE --format json`` adds. Cases marked
``markdown: true`` also get ``<name>.md``, the Markdown report with the trace.

The tests and CI run it with --check: it fails when a committed output is not what the rules
now produce, so a rule change that alters an example shows up in review.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import yaml

import carepath
from carepath import report

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "examples" / "care_path"
AS_OF = dt.date(2026, 11, 23)


def outputs() -> dict[Path, str]:
    """Every output file and its text."""
    index = yaml.safe_load((FOLDER / "index.yaml").read_text(encoding="utf-8"))
    found: dict[Path, str] = {}
    for entry in index["examples"]:
        name, pipeline_id = entry["case"], entry.get("pipeline", carepath.DEFAULT_PIPELINE)
        pipeline = carepath.load_pipeline(pipeline_id)
        case = carepath.read_case(FOLDER / f"{name}.yaml")
        plain = pipeline.assess(case, as_of=AS_OF, trace=False)
        found[FOLDER / f"{name}.json"] = plain.to_json() + "\n"
        if entry.get("markdown"):
            traced = pipeline.assess(case, as_of=AS_OF)
            found[FOLDER / f"{name}.md"] = report.assessment_markdown(traced, pipeline)
    return found


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path, text in outputs().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if check:
            stale.append(path.relative_to(ROOT).as_posix())
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print("out of date (run python docs/examples/care_path_examples.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
