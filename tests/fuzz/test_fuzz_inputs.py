"""Property-based fuzzing (hypothesis): rule files, cases and command lines never give an untyped
error, a traceback or a leaked planted value. The budget is small in CI
(``CAREPATH_FUZZ_EXAMPLES``, default 25 per property); ``benchmarks/fuzz.py`` runs the same
generators for 100,000 inputs and more, and saves what it finds under ``regressions/``."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fuzzkit import (
    EXAMPLES,
    ROOT,
    RULE_FILES,
    case,
    cli_args,
    inputs_of,
    load_rule_text,
    mutate,
    run_case,
    run_cli,
    subjects,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 100,  # the CI budget is reproducible; long runs explore
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The bundled rule sets copied, so that a mutated file keeps its siblings (layers)."""
    folder = tmp_path_factory.mktemp("rules") / "rulesets"
    shutil.copytree(ROOT / "rulesets", folder)
    yield folder


@FUZZ
@given(st.sampled_from(RULE_FILES), st.randoms(use_true_random=False))
def test_a_mutated_rule_file_loads_or_gives_a_located_error(
    copy: Path, original: Path, rng: random.Random
) -> None:
    name = original.relative_to(ROOT / "rulesets")
    text = mutate(original.read_text(encoding="utf-8"), rng)
    try:
        load_rule_text(text, str(name), copy)
    finally:
        shutil.copyfile(original, copy / name)


@FUZZ
@given(st.sampled_from(subjects()), st.randoms(use_true_random=False))
def test_any_case_gives_a_result_or_a_typed_error_without_the_planted_value(
    name: str, rng: random.Random
) -> None:
    run_case(name, case(inputs_of(name), rng))


@FUZZ
@given(st.randoms(use_true_random=False))
def test_any_command_line_exits_cleanly(tmp_path_factory: pytest.TempPathFactory, rng: random.Random) -> None:
    folder = tmp_path_factory.mktemp("cli")
    args, stdin = cli_args(rng, folder)
    run_cli(args, stdin)
