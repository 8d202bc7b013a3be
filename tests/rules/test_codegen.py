"""The generated values pass agrees with its definition, on every bundled rule set.

``codegen`` writes conditions out inline and computes supports as it goes. Here a plain
interpreter over the compiled closures (``CNode.ev``, ``table_into``, ``score_into``) computes
the same values step by step, and :func:`walk_supports` the supports by walking back from the
open facts. Generated cases must give the same truths, contributions, settled values,
environment and supports.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import carepath
from carepath.authoring.strategies import cases
from carepath.rules.compiler import CompiledBands, CompiledRule, CompiledTable, CompiledTarget
from carepath.rules.evaluator import (
    Run,
    Settled,
    bands_into,
    run,
    score_truths_into,
    settle_number,
    settle_one,
    settle_set,
    table_truths_into,
    walk_supports,
)
from carepath.rules.logic import and3, not3, or3
from carepath.rules.nodes import ANSWERS_KEY

ROOT = Path(__file__).resolve().parents[2]
DAYS = (dt.date(2026, 11, 23), dt.date(2019, 6, 1))
HEADER = """\
schema_version: 1
title: Edge cases of the generated pass
version: 0.0.1
jurisdiction: test
sources:
  doc: {title: A test document, where: tests}"""

# What the bundled rule sets do not show: a chain of exceptions, rules, a table and a score out
# of force, an optional input, comparisons on an open score and between two inputs, a partial
# set, `is_known` on a fact, `is_declined`, `elapsed`, `count_at_least` with a parameter, and a
# band that another rule also concludes.
EDGES = (
    HEADER
    + """
inputs:
  a: {type: bool, question: {en: A}, accepts: [unknown, declined]}
  b: {type: bool, question: {en: B}, accepts: [unknown]}
  n: {type: int, min: 0, max: 100, question: {en: N}, accepts: [unknown]}
  m: {type: int, min: 0, max: 100, question: {en: M}}
  tags: {type: set, choices: [x, y, z], question: {en: Tags}, accepts: [unknown]}
  since: {type: date, question: {en: Since}, accepts: [unknown]}
  note: {type: text, question: {en: Note}, optional: true, sensitive: true}
  c: {type: bool, question: {en: C}, accepts: [unknown]}
parameters:
  two:
    description: how many
    values: [{valid_from: 2000-01-01, value: 2, source: SRC}]
  w:
    description: a weight
    values: [{valid_from: 2000-01-01, value: 4, source: SRC}]
facts:
  flags: {type: set, values: [p, q]}
  total: {type: number}
  level: {type: enum, values: [low, high]}
outcomes:
  o: {type: enum, values: [general, special, narrower, none], default: none}
  t: {type: enum, values: [yes, no], default: no}
  s: {type: number}
  band: {type: enum, values: [low, high]}
  hit: {type: bool, default: false}
  settled_level: {type: bool, default: false}
  noted: {type: bool, default: false}
rules:
  - {id: x.general, title: g, when: {is_true: a}, then: {o: general}, source: SRC}
  - {id: x.special, title: s, when: {is_true: b}, then: {o: special}, exception_to: [x.general], source: SRC}
  - id: x.narrower
    title: n
    when: {all: [{is_true: b}, {">": [n, {ref: m}]}]}
    then: {o: narrower}
    exception_to: [x.special]
    source: SRC
  - id: x.old
    title: old
    when: {is_true: a}
    then: {hit: true}
    valid_to: 2020-12-31
    source: SRC
  - id: x.old_exception
    title: old exception
    when: {is_declined: a}
    then: {hit: false}
    exception_to: [x.old]
    source: SRC
  - {id: x.p, title: p, when: {intersects: [tags, [x, y]]}, then: {flags: [p]}, source: SRC}
  - {id: x.q, title: q, when: {elapsed: {since: since, at_least: {months: 6}}}, then: {flags: [q]}, source: SRC}
  - id: x.total
    title: total
    source: SRC
    score:
      target: total
      items:
        - {id: a, when: {is_true: a}, weight: 3}
        - {id: n, when: {">=": [n, 50]}, weight: {param: w}}
        - {id: flags, when: {contains: [flags, q]}, weight: 2}
  - {id: x.level_low, title: low, when: {"<": [total, 5]}, then: {level: low}, source: SRC}
  - {id: x.level_high, title: high, when: {">=": [total, 5]}, then: {level: high}, source: SRC}
  - {id: x.settled, title: settled, when: {is_known: level}, then: {settled_level: true}, source: SRC}
  - id: x.table
    title: table
    source: SRC
    valid_to: 2020-12-31
    table:
      hit_policy: FIRST
      inputs: [a]
      output: t
      rows:
        - {when: [true], then: yes}
  - id: x.score
    title: score
    source: SRC
    score:
      target: s
      items:
        - {id: count, when: {count_at_least: {n: {param: two}, of: [{is_true: a}, {is_true: b}, {contains: [flags, p]}]}}, weight: 1}
        - {id: any_flag, when: {any: [{contains: [flags, p]}, {not: {is_true: b}}]}, weight: 2}
      bands:
        target: band
        below: low
        thresholds: [{at_least: 2, value: high}]
  - {id: x.band_c, title: another way to the high band, when: {is_true: c}, then: {band: high}, source: SRC}
  - {id: x.noted, title: noted, when: {all: [{is_known: note}, {is_true: a}]}, then: {noted: true}, source: SRC}
""".replace("SRC", "{document: doc, locator: s1, confidence: verbatim}")
)


def _rulesets(tmp: Path) -> dict[str, carepath.RuleSet]:
    edges = tmp / "edges.yaml"
    edges.write_text(EDGES, encoding="utf-8")
    overlays = sorted((ROOT / "examples" / "overlays").glob("*.yaml"))
    found = {rid: carepath.load(rid) for rid in carepath.bundled_ids()}
    for path in overlays:
        if not path.name.endswith(".test.yaml"):
            try:
                found[f"examples/overlays/{path.name}"] = carepath.load(path)
            except carepath.CarepathError:  # an overlay kept as an example of a refused layer
                continue
    found["edges"] = carepath.load(edges)
    return found


RULESETS = _rulesets(Path(tempfile.mkdtemp()))


def reference(rs: carepath.RuleSet, case: dict[str, Any], day: dt.date) -> dict[str, Any]:
    """The values pass as a plain interpreter over the compiled closures."""
    compiled = rs.compiled
    answers = rs.check(case)
    env: dict[str, Any] = dict(answers.values)
    env[ANSWERS_KEY] = answers.kinds
    env.update(rs.params_on(day))
    off = {rid for rid, rule in compiled.rules.items() if not rule.in_force(day)}
    wins: dict[str, Any] = {}
    yields: dict[str, Any] = {}
    contrib: dict[str, list[Any]] = {name: [] for name in compiled.merged.targets}
    settled: dict[str, Settled] = {}
    for step in compiled.steps:
        if isinstance(step, CompiledRule):
            cond = False if step.id in off else (True if step.cond is None else step.cond.ev(env))
            if step.exceptions:
                beaten = or3(yields[e] for e in step.exceptions)
                win = and3((cond, not3(beaten)))
                yielded = win if beaten is False else or3((win, beaten))
            else:
                win = yielded = cond
            wins[step.id], yields[step.id] = win, yielded
            if win is not False:
                contrib_of = [(value, win, step.id) for _, value in step.then]
                for (name, _), item in zip(step.then, contrib_of, strict=True):
                    contrib[name].append(item)
        elif isinstance(step, CompiledTarget):
            items, kind, default = contrib[step.name], step.spec.type, step.spec.default
            if kind == "set":
                settled[step.name] = settle_set(items)
            elif kind == "number":
                settled[step.name] = settle_number(items, default)
            else:
                settled[step.name] = settle_one(items, default)
            env[step.name] = settled[step.name].value
        elif step.id not in off:
            if isinstance(step, CompiledBands):
                bands_into(step, env, contrib[step.target])
                continue
            rows = step.rows if isinstance(step, CompiledTable) else step.items
            truths = [True if row.cond is None else row.cond.ev(env) for row in rows]
            if isinstance(step, CompiledTable):
                table_truths_into(step, env, truths, contrib[step.output])
            else:
                score_truths_into(step, env, truths, contrib[step.target])
    return {"wins": wins, "yields": yields, "contrib": contrib, "settled": settled, "env": env}


def generated(rs: carepath.RuleSet, case: dict[str, Any], day: dt.date) -> Run:
    params, values = rs._day(day)
    return run(values, rs.check(case), params)


@pytest.mark.parametrize("rid", sorted(RULESETS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_generated_pass_agrees_with_the_closures_and_the_walk(rid: str, data: Any) -> None:
    rs = RULESETS[rid]
    case = data.draw(cases(rs), label="case")
    days = [d for d in DAYS if _in_force(rs, d)]
    for day in days:
        state = generated(rs, case, day)
        expected = reference(rs, case, day)
        assert state.wins == expected["wins"]
        assert state.yields == expected["yields"]
        assert state.contrib == expected["contrib"]
        assert state.settled == expected["settled"]
        assert state.env == expected["env"]
        walked, found = walk_supports(rs.compiled, state), state.supports()
        assert found.rules == walked.rules
        for name in rs.merged.targets:
            assert found.targets.get(name, frozenset()) == walked.targets.get(name, frozenset()), name


def _in_force(rs: carepath.RuleSet, day: dt.date) -> bool:
    span = rs.merged.in_force
    return (span.valid_from is None or span.valid_from <= day) and (
        span.valid_to is None or day <= span.valid_to
    )


def test_the_edge_rule_set_reaches_what_the_bundled_ones_do_not() -> None:
    """The edges above do occur: an open chain of exceptions, a partial set and an open score
    read by later rules, and a table that is open in 2019 and out of force by 2026."""
    rs = RULESETS["edges"]
    case = {"a": "declined", "b": True, "n": "unknown", "m": 10, "tags": "unknown", "since": "unknown"}
    now, before = (generated(rs, case, day) for day in DAYS)
    found = now.supports()
    # b holds, so `special` beats `general` unless `narrower` (n > m, n unknown) beats it
    assert now.wins["x.special"] is None and found.rules["x.special"] == {"n"}
    assert found.targets["o"] == {"a", "n"}
    # an open set read by `contains`, then an open score compared with numbers
    assert not now.settled["flags"].determined and not now.settled["total"].determined
    assert found.targets["level"] == {"a", "n", "since", "tags"}
    # the table is out of force in 2026 (its output falls back to its default), open in 2019
    assert now.settled["t"] == Settled("no", True) and "t" not in found.targets
    assert before.supports().targets["t"] == {"a"}


BANDS = (
    HEADER
    + """
inputs:
  a: {type: bool, question: {en: A}, accepts: [unknown]}
  b: {type: bool, question: {en: B}}
  c: {type: bool, question: {en: C}, accepts: [unknown]}
facts:
  s: {type: number}
outcomes:
  band: {type: enum, values: [low, high]}
rules:
  - id: x.score
    title: score
    source: {document: doc, locator: s1, confidence: verbatim}
    score:
      target: s
      items:
        - {id: a, when: {is_true: a}, weight: 1}
        - {id: b, when: {is_true: b}, weight: 10}
      bands: {target: band, below: low, thresholds: [{at_least: 5, value: high}]}
  - {id: x.other, title: other, when: {is_true: c}, then: {band: high}, source: {document: doc, locator: s1, confidence: verbatim}}
"""
)


def test_an_open_score_inside_one_band_does_not_keep_the_band_open(tmp_path: Path) -> None:
    """The score (0 or 1) is open on `a` but stays below 5: only `c` can still change the band."""
    path = tmp_path / "bands.yaml"
    path.write_text(BANDS, encoding="utf-8")
    rs = carepath.load(path)
    case = {"a": "unknown", "b": False, "c": "unknown"}
    result = rs.evaluate(case, as_of=DAYS[0], trace=False)
    assert result["band"].missing == ("c",) and result.missing == ("c",)
    state = generated(rs, case, DAYS[0])
    assert state.supports().targets["band"] == walk_supports(rs.compiled, state).targets["band"] == {"c"}


def test_a_very_wide_condition_is_evaluated_through_its_closure(tmp_path: Path) -> None:
    """Thousands of parts would overflow CPython's compiler as one inline expression."""
    parts = ", ".join("{is_true: a}" for _ in range(3000))
    text = BANDS.split("facts:")[0] + (
        "outcomes:\n  o: {type: bool, default: false}\nrules:\n"
        f"  - {{id: x.wide, title: wide, when: {{any: [{parts}]}}, then: {{o: true}}, local_setting: true}}\n"
    )
    path = tmp_path / "wide.yaml"
    path.write_text(text, encoding="utf-8")
    rs = carepath.load(path)
    assert rs.evaluate({"a": True}, as_of=DAYS[0], trace=False)["o"].value is True
    assert rs.evaluate({"a": "unknown"}, as_of=DAYS[0], trace=False)["o"].missing == ("a",)
