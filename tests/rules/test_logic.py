"""Three-valued (Kleene) logic: the truth tables, and properties over generated values."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from carepath.rules.logic import Interval, PartialSet, and3, count3, not3, or3

T, F, U = True, False, None
truth = st.sampled_from([T, F, U])


def test_not() -> None:
    assert [not3(T), not3(F), not3(U)] == [F, T, U]


def test_and_truth_table() -> None:
    table = {(a, b): and3((a, b)) for a, b in itertools.product([T, F, U], repeat=2)}
    assert table == {
        (T, T): T, (T, F): F, (T, U): U,
        (F, T): F, (F, F): F, (F, U): F,
        (U, T): U, (U, F): F, (U, U): U,
    }  # fmt: skip


def test_or_truth_table() -> None:
    table = {(a, b): or3((a, b)) for a, b in itertools.product([T, F, U], repeat=2)}
    assert table == {
        (T, T): T, (T, F): T, (T, U): T,
        (F, T): T, (F, F): F, (F, U): U,
        (U, T): T, (U, F): U, (U, U): U,
    }  # fmt: skip


def test_count_at_least() -> None:
    assert count3(2, [T, T, U]) is T
    assert count3(2, [T, U, F]) is U
    assert count3(2, [T, F, F]) is F
    assert count3(0, [F]) is T
    assert count3(3, [U, U]) is F


@given(st.lists(truth, min_size=1, max_size=6))
def test_de_morgan(values: list[bool | None]) -> None:
    assert not3(and3(values)) == or3(not3(v) for v in values)


@given(st.lists(truth, min_size=1, max_size=6), st.data())
def test_settling_an_unknown_never_flips_a_known_result(
    values: list[bool | None], data: st.DataObject
) -> None:
    """Monotonicity: replacing unknowns by values keeps every known result."""
    settled = [data.draw(st.booleans()) if v is None else v for v in values]
    for op in (and3, or3):
        before = op(values)
        if before is not None:
            assert op(settled) == before
    n = data.draw(st.integers(0, 7))
    before = count3(n, values)
    if before is not None:
        assert count3(n, settled) == before


def test_interval_comparisons() -> None:
    score = Interval(2, 5)
    assert score.compare(">=", 2) is T
    assert score.compare(">=", 6) is F
    assert score.compare(">=", 4) is U
    assert score.compare("<", 2) is F
    assert score.compare("==", 9) is F
    assert score.compare("==", 3) is U


def test_partial_set_meets() -> None:
    flags = PartialSet(frozenset({"a"}), frozenset({"b"}))
    assert flags.meets(frozenset({"a", "z"})) is T
    assert flags.meets(frozenset({"b"})) is U
    assert flags.meets(frozenset({"z"})) is F
