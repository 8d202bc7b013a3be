"""The bundled rule sets keep full rule coverage: every rule is fired by a passing YAML test,
or stated, with its reason, as unable to fire under the base settings (`cannot_fire:`)."""

from __future__ import annotations

import re
from pathlib import Path

from carepath.authoring.coverage import measure
from carepath.authoring.testing import run_paths
from carepath.rules.registry import bundled_ids

ROOT = Path(__file__).resolve().parent.parent


def test_every_bundled_rule_set_reaches_full_rule_coverage() -> None:
    results = run_paths([ROOT / "rulesets"])
    assert all(r.passed for r in results)
    found = {c.id: c for c in measure(c for r in results for c in r.covered)}
    assert set(found) == set(bundled_ids())  # every bundled rule set is tested
    gaps = {rid: c.unfired for rid, c in found.items() if c.unfired}
    assert not gaps, f"rules no test fires (add a test, or a cannot_fire reason): {gaps}"
    for entry in found.values():
        assert all(reason.strip() for reason in entry.cannot_fire.values())
        assert not entry.contradicted, "a rule stated unable to fire is fired by a test"
    # the policy authors' guide states each rule set's figures: they are the ones measured
    guide = (ROOT / "docs" / "getting-started" / "policy-authors.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z]+/[a-z_]+)` \| (\d+) of (\d+)[^|]*\| (\d+) of (\d+) \|$", guide, re.M)
    stated = {rid: tuple(int(n) for n in numbers) for rid, *numbers in rows}
    assert set(stated) == set(found)
    for rid, entry in found.items():
        values = sum(len(v) for v in entry.outcomes.values())
        unexpected = sum(len(v) for v in entry.unexpected.values())
        can_fire = len(entry.rules) - len(entry.cannot_fire)
        measured = (can_fire - len(entry.unfired), can_fire, values - unexpected, values)
        assert stated[rid] == measured, f"{rid}: the guide says {stated[rid]}, measured {measured}"
