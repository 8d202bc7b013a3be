"""A redacted assessment masks what one step feeds another where the receiving input is
sensitive, as the receiving step's own trace masks it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import carepath
from carepath.rules.trace import REDACTED

ROOT = Path(__file__).resolve().parents[1]
DAY = dt.date(2026, 11, 23)
CASES = ("girl-unsafe-family", "man-labour-quick-return", "infant-poverty-only")


@pytest.mark.parametrize("name", CASES)
def test_redacted_json_masks_every_sensitive_feed(name: str) -> None:
    pipe = carepath.load_pipeline("intl/care_path")
    result = pipe.assess(carepath.read_case(ROOT / f"examples/care_path/{name}.yaml"), as_of=DAY)
    plain = result.to_dict()
    masked = result.to_dict(redact=True)
    sensitive = [
        (step, field)
        for step, feeds in result.fed.items()
        for field in feeds
        if pipe.rulesets[step].inputs[field].sensitive
    ]
    assert sensitive, "the care path feeds sensitive inputs (family and community safety, risk)"
    shown = 0
    for step, field in sensitive:
        before, after = plain["fed"][step][field], masked["fed"][step][field]
        assert "sensitive" not in after  # the flag is not part of the JSON
        for key in ("value", "candidates", "interval"):
            if before[key] not in (None, []):
                shown += 1
                assert after[key] == REDACTED, (step, field, key)
    assert shown, "some sensitive feed carries a value to mask"
    for step, feeds in result.fed.items():  # what is not sensitive is kept as it is
        for field in feeds:
            if not pipe.rulesets[step].inputs[field].sensitive:
                assert masked["fed"][step][field] == plain["fed"][step][field]
    json.dumps(masked)  # still plain JSON
