"""Every failure the long fuzz run (``benchmarks/fuzz.py``) found, saved under ``regressions/``
as a JSON file, is replayed here: it must now pass (a result or a typed error, no leak)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzzkit import REGRESSIONS, replay

SAVED = sorted(REGRESSIONS.glob("*.json"))


@pytest.mark.parametrize("path", SAVED, ids=[p.stem for p in SAVED])
def test_a_saved_failure_stays_fixed(path: Path, tmp_path: Path) -> None:
    replay(path, tmp_path)
