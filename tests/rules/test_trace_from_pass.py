"""The trace read from the traced values pass is the trace re-running every condition gives.

``explain.trace_steps`` reads each condition's truth from what the traced pass kept;
``replay.replayed_steps`` (the reference, how the trace was built before) explains every
condition again through its closure tree, from the untraced pass. On every bundled rule set,
the example overlays and the edge cases of ``test_codegen``, generated cases must give equal
traces, field by field, and the traced pass the same values and supports as the untraced one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_codegen import BANDS, DAYS, RULESETS, _in_force

import carepath
from carepath.authoring.strategies import cases
from carepath.rules.evaluator import Run, run
from carepath.rules.replay import replayed_steps
from carepath.rules.trace import Trace


def _passes(rs: carepath.RuleSet, case: dict[str, Any], day: dt.date) -> tuple[Run, Run]:
    answers = rs.check(case)
    params, plain = rs._day(day)
    _, traced, _ = rs._traced_day(day)
    return run(plain, answers, params), run(traced, answers, params)


@pytest.mark.parametrize("rid", sorted(RULESETS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_trace_from_the_pass_is_the_replayed_trace(rid: str, data: Any) -> None:
    rs = RULESETS[rid]
    case = data.draw(cases(rs), label="case")
    for day in (d for d in DAYS if _in_force(rs, d)):
        plain, traced = _passes(rs, case, day)
        assert traced.nodes and not plain.nodes
        for name in ("wins", "yields", "contrib", "settled", "env"):
            assert getattr(traced, name) == getattr(plain, name), name
        assert traced.supports() == plain.supports()
        rules, targets = replayed_steps(rs.compiled, plain, plain.supports())
        evaluation = rs.evaluate(case, as_of=day)
        assert evaluation.trace is not None
        assert evaluation.trace.rules == tuple(rules)
        assert evaluation.trace.targets == tuple(targets)
        reference = Trace((), tuple(rules), tuple(targets))
        lazy = rs.evaluate(case, as_of=day).trace
        assert lazy is not None
        for name in rs.merged.targets:  # built step by step, without the whole trace
            assert lazy.contributions(name) == reference.contributions(name), name
        assert "_build" in vars(lazy)
        for name in rs.merged.targets:
            assert evaluation.trace.contributions(name) == reference.contributions(name), name
        untraced = rs.evaluate(case, as_of=day, trace=False)
        assert dataclasses.replace(evaluation, trace=None) == untraced


def test_a_trace_is_built_when_first_read_and_then_kept() -> None:
    rs = RULESETS["intl/palermo"]
    evaluation = rs.evaluate({"age": 16, "act": ["recruitment"]}, as_of=DAYS[0])
    trace = evaluation.trace
    assert trace is not None and "rules" not in vars(trace)
    rules = trace.rules
    assert trace.rules is rules and "_build" not in vars(trace)
    assert [a.name for a in trace.answers] == list(rs.inputs)


def test_a_lazy_trace_redacts_pickles_and_compares_as_a_built_one() -> None:
    rs = RULESETS["intl/palermo"]
    case = {"age": 16, "consent": True}
    built = rs.evaluate(case, as_of=DAYS[0]).trace
    assert built is not None
    built.rules  # noqa: B018 (built now)
    lazy = rs.evaluate(case, as_of=DAYS[0], redact=True).trace
    assert lazy is not None and "_build" in vars(lazy)
    assert lazy == built.redacted() and lazy.redacted_fields == built.redacted().redacted_fields
    assert "age" in lazy.redacted_fields
    fresh = rs.evaluate(case, as_of=DAYS[0]).trace
    assert pickle.loads(pickle.dumps(fresh)) == built == fresh
    plain = Trace(built.answers, built.rules, built.targets)
    assert plain == built and plain.redacted() == built.redacted()


def test_a_very_wide_condition_is_traced_as_it_is_replayed(tmp_path: Path) -> None:
    """Thousands of parts: the traced pass keeps them in flat tuples, the builder as well."""
    parts = ", ".join("{is_true: a}" if i % 2 else "{is_true: b}" for i in range(3000))
    text = BANDS.split("facts:")[0] + (
        "outcomes:\n  o: {type: bool, default: false}\nrules:\n"
        f"  - {{id: x.wide, title: wide, when: {{all: [{parts}]}}, then: {{o: true}}, local_setting: true}}\n"
    )
    path = tmp_path / "wide.yaml"
    path.write_text(text, encoding="utf-8")
    rs = carepath.load(path)
    for case in ({"a": True, "b": True}, {"a": "unknown", "b": True}, {"a": False, "b": "unknown"}):
        plain, _ = _passes(rs, case, DAYS[0])
        rules, _ = replayed_steps(rs.compiled, plain, plain.supports())
        evaluation = rs.evaluate(case, as_of=DAYS[0])
        assert evaluation.trace is not None and evaluation.trace.rules == tuple(rules)
    assert len(evaluation.trace.rule("x.wide").checks) == 1500  # the 1,500 false parts
