"""The columnar diff over partitions on a local Dask cluster equals the single-machine diff."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import carepath
from carepath.authoring.diff import diff_cases, diff_file
from carepath.authoring.synth import generate, read_population

pytest.importorskip("polars")
distributed = pytest.importorskip("distributed")

from carepath.authoring.columnar.partitions import diff_files_on, diff_generated_on  # noqa: E402

DAY = dt.date(2026, 11, 23)
ROOT = Path(__file__).resolve().parents[1]
POPULATION = ROOT / "rulesets/intl/palermo.population.yaml"
SETTINGS = {"child_age_limit": 21}


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def test_partition_files_on_the_cluster_give_the_single_machine_diff(client: object, tmp_path: Path) -> None:
    rules = carepath.load("intl/palermo")
    cases = list(generate(rules, read_population(POPULATION), 900, seed=5))
    whole = tmp_path / "all.jsonl"
    whole.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    parts = []
    for i in range(3):
        part = tmp_path / f"part{i}.jsonl"
        part.write_text(
            "".join(json.dumps(c) + "\n" for c in cases[i * 300 : (i + 1) * 300]), encoding="utf-8"
        )
        parts.append(part)
    on_cluster = diff_files_on(client, "intl/palermo", "intl/palermo", parts, DAY, SETTINGS)
    alone = diff_file("intl/palermo", "intl/palermo", whole, DAY, settings=SETTINGS)
    assert on_cluster.to_dict() == alone.to_dict()
    assert on_cluster.changed > 0


def test_partitions_generated_on_the_workers_give_the_single_machine_diff(client: object) -> None:
    sizes = [250, 250, 100]
    on_cluster = diff_generated_on(
        client, "intl/palermo", "intl/palermo", POPULATION, sizes, DAY, seed=7, settings=SETTINGS
    )
    rules, pop = carepath.load("intl/palermo"), read_population(POPULATION)
    drawn = [c for i, n in enumerate(sizes) for c in generate(rules, pop, n, seed=7 + i)]
    alone = diff_cases(
        rules, rules.with_parameters(SETTINGS), ((str(c.pop("case_id")), c) for c in drawn), DAY
    )
    alone.settings = SETTINGS
    assert on_cluster.to_dict() == alone.to_dict()
    assert on_cluster.cases == 600
