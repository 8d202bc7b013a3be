"""One rule set evaluated from many threads at once gives exactly the sequential results."""

from __future__ import annotations

import datetime as dt
import random
from concurrent.futures import ThreadPoolExecutor

import carepath

ACTS = ["recruitment", "transportation", "transfer", "harbouring", "receipt"]


def cases(n: int) -> list[dict[str, object]]:
    rng = random.Random(7)
    palermo = carepath.load("intl/palermo")
    means = list(palermo.inputs["means"].choice_values)
    purposes = list(palermo.inputs["purpose"].choice_values)

    def pick(values: list[str]) -> object:
        return rng.choice(["unknown", "declined", rng.sample(values, rng.randint(0, 2))])

    return [
        {"age": rng.choice([rng.randint(5, 60), "unknown"]), "act": pick(ACTS), "means": pick(means),
         "purpose": pick(purposes), "consent": rng.choice([True, False, "declined"])}
        for _ in range(n)
    ]  # fmt: skip


def test_concurrent_evaluations_match_sequential_ones() -> None:
    palermo = carepath.load("intl/palermo")
    batch = cases(400)
    # several dates, so threads also fill the per-date cache at the same time
    days = [dt.date(2024, 1, 1), dt.date(2025, 6, 1), dt.date(2026, 11, 23)]
    jobs = [(case, days[i % 3]) for i, case in enumerate(batch)]
    expected = [palermo.evaluate(c, as_of=d, trace=True).to_dict() for c, d in jobs]
    fresh = carepath.load("intl/palermo")  # empty caches
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda job: fresh.evaluate(job[0], as_of=job[1], trace=True).to_dict(), jobs))
    assert got == expected
