"""Produce docs/worked-example-diff.md: an ILO threshold changed in an overlay, compared with
the baseline over 100,000 synthetic cases. Run from the repository root:

    python docs/examples/diff_worked_example.py

CI runs it with --check: it fails when the committed page is not what the script produces.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

import carepath
from carepath.authoring.diff import diff_file
from carepath.authoring.synth import generate, read_population

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "worked-example-diff.md"
N, SEED, AS_OF = 100_000, 2026, dt.date(2026, 11, 23)
OVERLAY = "examples/overlays/ilo_two_medium.yaml"


def page(n: int = N) -> str:
    rules = carepath.load("intl/ilo_indicators")
    population = read_population(ROOT / "rulesets/intl/ilo_indicators.population.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        cases = Path(tmp) / "cases.jsonl"
        with cases.open("w", encoding="utf-8") as handle:
            for case in generate(rules, population, n, SEED):
                handle.write(json.dumps(case) + "\n")
        report = diff_file("intl/ilo_indicators", ROOT / OVERLAY, cases, AS_OF, workers=2)
    intro = f"""# Worked example: what a threshold change does, before it goes live

A policy author asks: should two medium indicators, not three, make an ILO/EC dimension
positive? The change is an overlay that sets one dated parameter ([`{OVERLAY}`](../{OVERLAY})).
Before it goes live, carepath compares it with the baseline over a synthetic population:

```sh
carepath synth --ruleset intl/ilo_indicators --n {n} --seed {SEED} -o cases.jsonl
carepath diff intl/ilo_indicators {OVERLAY} --cases cases.jsonl --as-of {AS_OF.isoformat()}
```

The population (`rulesets/intl/ilo_indicators.population.yaml`) is an assumption, stated as
such: the sources give no prevalence of the indicators. The report counts, for each outcome,
the cases that move, and names the rules whose result differs in those cases.
`value?` is an open outcome. This page is produced by `docs/examples/diff_worked_example.py`;
CI re-runs it and checks the page is current.

"""
    body = report.markdown().replace("\n## ", "\n### ").replace("# ", "## Report: ", 1)
    return intro + body


if __name__ == "__main__":
    text = page()
    if "--check" in sys.argv[1:]:
        if PAGE.read_text(encoding="utf-8") != text:
            sys.exit(f"{PAGE} is stale: run python docs/examples/diff_worked_example.py")
        sys.stdout.write(f"{PAGE} is current\n")
    else:
        PAGE.write_text(text, encoding="utf-8")
        sys.stdout.write(f"wrote {PAGE}\n")
