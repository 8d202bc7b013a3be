"""An open number outcome feeds later steps the interval it can still take.

A warning-sign score (locally weighted, as in ``intl/reintegration_risk``) with some signs still
open lies between the points known and those plus the open signs' weights. The later steps
read it as that interval: how often to visit (a FIRST table on the score, with a written value
and a parameter), whether to refer to safety planning, and flags; services reading it as a
``number`` with a threshold between whole numbers; and a balance comparing it with another
input (not decidable from the interval alone).

Properties, over generated partial cases:

- **the same as one value at a time**: each fed step agrees with evaluating its rule set once
  for every whole number in the interval (same outcomes determined, same values, same missing
  inputs, same truth of every rule);
- **the interval is sound and, for independent signs, exact**: answering the score's open
  questions every way gives values inside it, and its ends among them;
- **sound**: answering any open question never changes an outcome already determined.
"""

from __future__ import annotations

import datetime as dt
import itertools
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carepath import load_pipeline
from carepath.assessments.pipeline import Pipeline
from carepath.authoring.strategies import cases, value
from carepath.report.assessment import assessment_markdown, assessment_text

DAY = dt.date(2026, 11, 23)
RUNS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_HEAD = """\
schema_version: 1
title: {title}
version: 1.0.0
jurisdiction: test
in_force: {{valid_from: 2020-01-01}}
languages: [en]
sources:
  study: {{publisher: a reintegration study, title: Warning signs after return, where: test}}
"""

_SOURCE = '{document: study, locator: "L1", confidence: inferred, note: "No quote: written for this test."}'

SIGNS = (
    _HEAD.format(title="Warning signs of re-trafficking")
    + f"""
inputs:
  debt: {{type: bool, question: {{en: "Is the family in debt?"}}}}
  no_income: {{type: bool, question: {{en: "Is the household without an income?"}}}}
  migrate_again: {{type: bool, question: {{en: "Does the person want to migrate again?"}}}}
  trafficked_before: {{type: bool, question: {{en: "Was the person trafficked before?"}}}}
  border_area: {{type: bool, question: {{en: "Does the family live near the border?"}}}}
parameters:
  weight_trafficked_before:
    description: "Points for an earlier trafficking. LOCAL SETTING: no source gives weights."
    local_setting: true
    values: [{{valid_from: 2020-01-01, value: 2}}]
outcomes:
  risk_score: {{type: number, default: 0, label: {{en: Warning-sign score}}}}
rules:
  - id: signs
    title: Add up the warning signs present, each with its local weight
    score:
      target: risk_score
      items:
        - {{id: debt, when: {{is_true: debt}}, weight: 1}}
        - {{id: no_income, when: {{is_true: no_income}}, weight: 1}}
        - {{id: migrate_again, when: {{is_true: migrate_again}}, weight: 3}}
        - {{id: trafficked_before, when: {{is_true: trafficked_before}}, weight: {{param: weight_trafficked_before}}}}
        - {{id: border_area, when: {{is_true: border_area}}, weight: 1}}
    source: {_SOURCE}
"""
)

VISITS = (
    _HEAD.format(title="Follow-up visits")
    + f"""
inputs:
  risk_score: {{type: int, min: 0, max: 50, question: {{en: "What is the warning-sign score?"}}}}
  lives_alone: {{type: bool, question: {{en: "Does the person live alone?"}}}}
parameters:
  monthly_from:
    description: "Score from which visits are monthly. LOCAL SETTING."
    local_setting: true
    values: [{{valid_from: 2020-01-01, value: 3}}]
outcomes:
  visits: {{type: enum, values: [weekly, monthly, quarterly], label: {{en: How often to visit}}}}
  refer_to_safety_planning: {{type: bool, default: false, label: {{en: Refer to safety planning}}}}
  flags: {{type: set, values: [no_sign, several_signs], label: {{en: Flags}}}}
  peer_group: {{type: bool, default: false, label: {{en: Offer a peer support group}}}}
rules:
  - id: visits.peer_group
    title: A middling score (more than 2, under 5) is offered a peer support group
    when: {{all: [{{">": [risk_score, 2]}}, {{"<": [risk_score, 5]}}]}}
    then: {{peer_group: true}}
    source: {_SOURCE}
  - id: visits.by_score
    title: The higher the score, the more often the visits
    table:
      hit_policy: FIRST
      inputs: [risk_score, lives_alone]
      output: visits
      rows:
        - {{when: [{{">=": 6}}, "-"], then: weekly}}
        - {{when: [{{">=": {{param: monthly_from}}}}, true], then: weekly}}
        - {{when: [{{">=": {{param: monthly_from}}}}, "-"], then: monthly}}
        - {{when: ["-", "-"], then: quarterly}}
    source: {_SOURCE}
  - id: visits.refer
    title: A high score, or a middling one for a person alone, calls for safety planning
    when:
      any:
        - {{">": [risk_score, 4]}}
        - {{all: [{{"in": [risk_score, [2, 3]]}}, {{is_true: lives_alone}}]}}
    then: {{refer_to_safety_planning: true}}
    source: {_SOURCE}
  - id: visits.no_sign
    title: No warning sign at all
    when: {{"==": [risk_score, 0]}}
    then: {{flags: [no_sign]}}
    source: {_SOURCE}
  - id: visits.several
    title: Several warning signs
    when: {{all: [{{"!=": [risk_score, 0]}}, {{">=": [risk_score, 2]}}]}}
    then: {{flags: [several_signs]}}
    source: {_SOURCE}
"""
)

SERVICES = (
    _HEAD.format(title="Services")
    + f"""
inputs:
  risk_score: {{type: number, question: {{en: "What is the warning-sign score?"}}}}
outcomes:
  livelihood_support: {{type: bool, default: false, label: {{en: Livelihood support}}}}
  case_conference: {{type: bool, default: false, label: {{en: Case conference}}}}
rules:
  - id: services.livelihood
    title: Half the points or more call for livelihood support
    when: {{">=": [risk_score, 2.5]}}
    then: {{livelihood_support: true}}
    source: {_SOURCE}
  - id: services.conference
    title: A score below the top calls for a case conference only where it is not low
    when: {{all: [{{"<": [risk_score, 8]}}, {{">": [risk_score, 1.5]}}]}}
    then: {{case_conference: true}}
    source: {_SOURCE}
"""
)

BALANCE = (
    _HEAD.format(title="Signs against protective factors")
    + f"""
inputs:
  risk_score: {{type: int, question: {{en: "What is the warning-sign score?"}}}}
  protective_points: {{type: int, min: 0, max: 9, question: {{en: "How many protective factors?"}}}}
outcomes:
  outweighed: {{type: bool, default: false, label: {{en: Signs outweigh protective factors}}}}
rules:
  - id: balance.outweighed
    title: More warning points than protective factors
    when: {{">": [risk_score, {{ref: protective_points}}]}}
    then: {{outweighed: true}}
    source: {_SOURCE}
"""
)

PIPELINE = """\
schema_version: 1
title: Warning signs, then visits, services and balance
version: 1.0.0
steps:
  signs: {ruleset: signs.yaml}
  visits:
    ruleset: visits.yaml
    feeds: {risk_score: signs.risk_score}
  services:
    ruleset: services.yaml
    feeds: {risk_score: signs.risk_score}
  balance:
    ruleset: balance.yaml
    feeds: {risk_score: signs.risk_score}
"""


def _write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder / "follow.pipeline.yaml"


@pytest.fixture(scope="module")
def pipe(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    folder = tmp_path_factory.mktemp("intervals")
    files = {"signs.yaml": SIGNS, "visits.yaml": VISITS, "services.yaml": SERVICES, "balance.yaml": BALANCE}
    return load_pipeline(_write(folder, {**files, "follow.pipeline.yaml": PIPELINE}))


# -- examples a caseworker would recognise ----------------------------------------------------


def test_an_open_score_feeds_its_interval_and_the_trace_and_report_show_it(pipe: Pipeline) -> None:
    a = pipe.assess({"debt": True, "lives_alone": True}, as_of=DAY)
    assert not a["signs"]["risk_score"].determined
    fed = a.fed["visits"]["risk_score"]
    assert fed.interval == (1, 8) and fed.candidates == ()
    assert set(fed.open_on) == {"no_income", "migrate_again", "trafficked_before", "border_area"}
    trace = a["visits"].trace
    assert trace is not None
    step = next(s for s in trace.answers if s.name == "risk_score")
    assert (step.kind, step.value) == ("candidates", {"between": [1, 8]})
    assert "fed `risk_score`: 1 to 8" in assessment_markdown(a, pipe)
    assert "fed risk_score: 1 to 8" in assessment_text(a, pipe)
    data = a.to_dict()
    assert data["fed"]["visits"]["risk_score"]["interval"] == [1, 8]
    # open on the score: the later step asks the score's own questions, never the score
    assert "risk_score" not in a["visits"].missing
    assert {"no_income", "migrate_again"} <= set(a["visits"]["visits"].missing)


def test_a_score_that_can_only_be_high_settles_the_visits_while_a_sign_is_still_open(pipe: Pipeline) -> None:
    """Debt, no income and a wish to migrate again: 5 points at least, whatever the earlier
    trafficking and the border; 6 or more with either. A person alone is visited weekly from
    3 points, so weekly it is, and safety planning is called for (more than 4)."""
    case = {"debt": True, "no_income": True, "migrate_again": True, "lives_alone": True}
    a = pipe.assess(case, as_of=DAY)
    assert a.fed["visits"]["risk_score"].interval == (5, 8)
    visits = a["visits"]
    assert (visits["visits"].value, visits["visits"].status) == ("weekly", "determined")
    assert visits["refer_to_safety_planning"].value is True
    assert visits["flags"].value == ["several_signs"] and visits["flags"].determined
    assert a["services"]["livelihood_support"].value is True
    # fed nothing, as before: the same case waits on the score
    before = pipe.assess(case, as_of=DAY, candidates=False)
    assert not before["visits"]["visits"].determined
    assert "risk_score" not in before.fed["visits"] or before.fed["visits"]["risk_score"].interval is None


def test_an_interval_that_straddles_a_threshold_stays_open_and_names_the_upstream_questions(
    pipe: Pipeline,
) -> None:
    """Only the wish to migrate again is open: 2 or 5 points, read as 2 to 5. Monthly from 3,
    weekly for a person alone: open. Several signs (2 or more): surely."""
    case = {"debt": True, "no_income": True, "trafficked_before": False, "border_area": False}
    a = pipe.assess({**case, "lives_alone": False}, as_of=DAY)
    assert a.fed["visits"]["risk_score"].interval == (2, 5)
    visits = a["visits"]
    assert not visits["visits"].determined
    assert set(visits["visits"].candidates) == {"quarterly", "monthly"}
    assert visits["visits"].missing == ("migrate_again",)
    assert visits["flags"].determined and visits["flags"].value == ["several_signs"]
    assert visits.trace is not None
    assert visits.trace.rule("visits.refer").status == "unknown"
    assert visits.trace.rule("visits.no_sign").status == "not_fired"


def test_a_comparison_with_another_input_is_read_value_by_value_when_few_and_unknown_otherwise(
    pipe: Pipeline, tmp_path: Path
) -> None:
    # 1 to 8: eight whole numbers, each its own candidate; with no protective factor, every
    # one of them outweighs them, and with four, some do and some do not
    a = pipe.assess({"debt": True, "protective_points": 0}, as_of=DAY)
    assert a.fed["balance"]["risk_score"].interval == (1, 8)
    assert a["balance"]["outweighed"].value is True
    b = pipe.assess({"debt": True, "protective_points": 4}, as_of=DAY)
    assert not b["balance"]["outweighed"].determined
    assert "migrate_again" in b["balance"]["outweighed"].missing
    # a weight of 70 points: 1 to 75 is too many whole numbers to try one by one, so the
    # balance is fed nothing and stays unknown; the visits accept at most 50: fed nothing;
    # the services compare it with written values only: fed 1 to 75
    heavy = SIGNS.replace("weight: 3}", "weight: 70}")
    files = {"signs.yaml": heavy, "visits.yaml": VISITS, "services.yaml": SERVICES, "balance.yaml": BALANCE}
    wide = load_pipeline(_write(tmp_path, {**files, "follow.pipeline.yaml": PIPELINE}))
    c = wide.assess({"debt": True, "protective_points": 0}, as_of=DAY)
    assert c.fed["balance"]["risk_score"].interval is None
    assert not c["balance"]["outweighed"].determined
    assert "migrate_again" in c["balance"]["outweighed"].missing
    assert c.fed["visits"]["risk_score"].interval is None
    assert not c["visits"]["flags"].determined
    assert c.fed["services"]["risk_score"].interval == (1, 75)
    assert c["services"]["case_conference"].status == "undetermined"


EXCLUSIVE = (
    _HEAD.format(title="Housing points")
    + f"""
inputs:
  housing: {{type: enum, choices: [{{value: own}}, {{value: rented}}, {{value: none}}], question: {{en: "Housing?"}}}}
outcomes:
  risk_score: {{type: number, default: 0, label: {{en: Housing points}}}}
rules:
  - id: housing.points
    title: Points for the housing
    table:
      hit_policy: COLLECT
      aggregate: sum
      inputs: [housing]
      output: risk_score
      rows:
        - {{when: [rented], then: 2}}
        - {{when: [none], then: 5}}
    source: {_SOURCE}
"""
)


def test_answering_the_few_open_questions_gives_the_exact_interval(tmp_path: Path) -> None:
    """Rows that exclude each other: the values pass bounds the sum by 0 to 7 (either row may
    count), answering the housing question every way gives 0, 2 or 5: fed 0 to 5."""
    one = PIPELINE.split("  services:")[0]
    path = _write(tmp_path, {"signs.yaml": EXCLUSIVE, "visits.yaml": VISITS, "follow.pipeline.yaml": one})
    pipe = load_pipeline(path)
    assert pipe.rulesets["signs"].number_bounds({}, DAY) == {"risk_score": (0, 7)}
    assert pipe.rulesets["signs"].number_bounds({"housing": "none"}, DAY) == {"risk_score": (5, 5)}
    a = pipe.assess({"lives_alone": True}, as_of=DAY)
    assert a.fed["visits"]["risk_score"].interval == (0, 5)
    assert a["visits"]["visits"].candidates  # open: 0 is quarterly, 5 weekly
    assert not a["visits"]["visits"].determined


# -- the same as one value at a time ------------------------------------------------------------


POINTS = (
    _HEAD.format(title="Visit points")
    + f"""
inputs:
  risk_score: {{type: int, question: {{en: "What is the warning-sign score?"}}}}
  lives_alone: {{type: bool, question: {{en: "Does the person live alone?"}}}}
outcomes:
  visit_points: {{type: number, default: 0, label: {{en: Visit points}}}}
rules:
  - id: points.visit
    title: Points that call for more visits
    score:
      target: visit_points
      items:
        - {{id: score, when: {{">=": [risk_score, 3]}}, weight: 2}}
        - {{id: alone, when: {{is_true: lives_alone}}, weight: 1}}
    source: {_SOURCE}
"""
)

TEAM = (
    _HEAD.format(title="Team visits")
    + f"""
inputs:
  visit_points: {{type: int, question: {{en: "How many visit points?"}}}}
outcomes:
  two_workers: {{type: bool, default: false, label: {{en: Visit with two workers}}}}
rules:
  - id: team.two
    title: Two visit points or more call for two workers
    when: {{">=": [visit_points, 2]}}
    then: {{two_workers: true}}
    source: {_SOURCE}
"""
)

CHAIN = """\
schema_version: 1
title: Warning signs, then visit points, then the team
version: 1.0.0
steps:
  signs: {ruleset: signs.yaml}
  points:
    ruleset: points.yaml
    feeds: {risk_score: signs.risk_score}
  team:
    ruleset: team.yaml
    feeds: {visit_points: points.visit_points}
"""


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    folder = tmp_path_factory.mktemp("chain")
    files = {"signs.yaml": SIGNS, "points.yaml": POINTS, "team.yaml": TEAM, "follow.pipeline.yaml": CHAIN}
    return load_pipeline(_write(folder, files))


def test_a_number_computed_from_a_fed_interval_feeds_its_own_interval(chain: Pipeline) -> None:
    """Debt and no income: 2 to 7 points of warning signs. The visit points are 2 from 3 signs'
    points, plus 1 for a person alone: 0 to 3, open on the signs and on living alone."""
    a = chain.assess({"debt": True, "no_income": True}, as_of=DAY)
    points = a["points"]["visit_points"]
    assert not points.determined
    assert set(points.missing) == {"lives_alone", "migrate_again", "trafficked_before", "border_area"}
    fed = a.fed["team"]["visit_points"]
    assert fed.interval == (0, 3)
    assert set(fed.open_on) == set(points.missing)
    # with the wish to migrate again, 5 points or more: at least 2 visit points, two workers
    b = chain.assess({"debt": True, "no_income": True, "migrate_again": True}, as_of=DAY)
    assert b.fed["team"]["visit_points"].interval == (2, 3)
    assert b["team"]["two_workers"].value is True


STAFFING = (
    _HEAD.format(title="Staffing")
    + f"""
inputs:
  risk_score: {{type: int, question: {{en: "What is the warning-sign score?"}}}}
  visit_points: {{type: int, question: {{en: "How many visit points?"}}}}
outcomes:
  senior_worker: {{type: bool, default: false, label: {{en: A senior worker leads}}}}
rules:
  - id: staffing.senior
    title: Warning points beyond the visit points call for a senior worker
    when: {{">": [risk_score, {{ref: visit_points}}]}}
    then: {{senior_worker: true}}
    source: {_SOURCE}
"""
)


def test_two_fed_numbers_compared_with_each_other_are_read_pair_by_pair(tmp_path: Path) -> None:
    """Not decidable from either interval alone: every pair of whole numbers is tried (few here),
    as if the two were independent (wider, never narrower)."""
    steps = CHAIN.split("  team:")[0] + (
        "  staffing:\n    ruleset: staffing.yaml\n"
        "    feeds: {risk_score: signs.risk_score, visit_points: points.visit_points}\n"
    )
    files = {"signs.yaml": SIGNS, "points.yaml": POINTS, "staffing.yaml": STAFFING}
    pipe = load_pipeline(_write(tmp_path, {**files, "follow.pipeline.yaml": steps}))
    sure = pipe.assess({"debt": True, "no_income": True, "migrate_again": True}, as_of=DAY)
    fed = sure.fed["staffing"]
    assert (fed["risk_score"].interval, fed["visit_points"].interval) == ((5, 8), (2, 3))
    assert sure["staffing"]["senior_worker"].value is True
    open_ = pipe.assess({"debt": True}, as_of=DAY)
    assert not open_["staffing"]["senior_worker"].determined
    assert "lives_alone" in open_["staffing"]["senior_worker"].missing


def test_a_chained_interval_is_sound_and_agrees_with_each_value(chain: Pipeline) -> None:
    @RUNS
    @given(case=cases(chain))
    def check(case: dict[str, Any]) -> None:
        a = chain.assess(case, as_of=DAY)
        for step, name in (("points", "risk_score"), ("team", "visit_points")):
            if a.fed[step][name].interval is not None:
                _agrees_with_each_value(chain, step, case, a, name)
        fed = a.fed["team"]["visit_points"]
        if fed.interval is None:
            return
        low, high = fed.interval
        asked = [q for q in fed.open_on if chain.inputs[q].type == "bool"]
        assert len(asked) == len(fed.open_on)
        for combo in itertools.product([True, False], repeat=len(asked)):
            answered = chain.assess({**case, **dict(zip(asked, combo, strict=True))}, as_of=DAY, trace=False)
            points = answered["points"]["visit_points"]
            assert points.determined and low <= points.value <= high

    check()


def _state(o: Any, span: Any) -> str:
    return repr((o.value, o.status, o.candidates, span))


def _agrees_with_each_value(
    pipe: Pipeline, step: str, case: dict[str, Any], a: Any, fed_name: str = "risk_score"
) -> None:
    fed = a.fed[step][fed_name]
    assert fed.interval is not None
    low, high = fed.interval
    ruleset = pipe.rulesets[step]
    base = {k: v for k, v in case.items() if k in ruleset.inputs and k != fed_name}
    for name, other in a.fed[step].items():
        if other.determined:
            base[name] = other.value
    every = range(int(low), int(high) + 1)
    each = [ruleset.evaluate({**base, fed_name: v}, as_of=DAY) for v in every]
    spans = [ruleset.number_bounds({**base, fed_name: v}, DAY) for v in every]
    merged = a[step]
    for name, outcome in merged.outcomes.items():
        worlds = [e[name] for e in each]
        settled = {repr(o.value) for o in worlds if o.determined}
        if all(o.determined for o in worlds) and len(settled) == 1:
            assert outcome.determined and outcome.value == worlds[0].value, (step, name)
            continue
        assert not outcome.determined, (step, name)
        expected = {q for o in worlds for q in o.missing}
        # an open number differs between values by its bounds, too
        if len({_state(o, span.get(name)) for o, span in zip(worlds, spans, strict=True)}) > 1:
            expected |= set(fed.open_on)
        assert set(outcome.missing) == expected, (step, name)
    assert merged.trace is not None
    for rule in merged.trace.rules:
        statuses = {e.trace.rule(rule.rule_id).status for e in each if e.trace is not None}
        assert rule.status == (statuses.pop() if len(statuses) == 1 else "unknown"), (step, rule.rule_id)


def _upstream_values(pipe: Pipeline, case: dict[str, Any], open_on: tuple[str, ...]) -> set[Any]:
    signs = pipe.rulesets["signs"]
    base = {k: v for k, v in case.items() if k in signs.inputs}
    found = set()
    for combo in itertools.product([True, False], repeat=len(open_on)):
        answered = signs.evaluate({**base, **dict(zip(open_on, combo, strict=True))}, as_of=DAY, trace=False)
        assert answered["risk_score"].determined
        found.add(answered["risk_score"].value)
    return found


def test_the_fed_interval_agrees_with_every_whole_number_in_it_one_at_a_time(pipe: Pipeline) -> None:
    seen = {"fed": 0, "settled": 0}

    @RUNS
    @given(case=cases(pipe))
    def check(case: dict[str, Any]) -> None:
        a = pipe.assess(case, as_of=DAY)
        score = a["signs"]["risk_score"]
        if score.determined:
            return
        for step in ("visits", "services", "balance"):
            fed = a.fed[step]["risk_score"]
            if fed.interval is None:
                continue
            seen["fed"] += 1
            _agrees_with_each_value(pipe, step, case, a)
            seen["settled"] += sum(o.determined for o in a[step].outcomes.values())
        # the interval: every way of answering lands inside it, and its ends are reached
        values = _upstream_values(pipe, case, a.fed["visits"]["risk_score"].open_on)
        low, high = a.fed["visits"]["risk_score"].interval or (None, None)
        assert (low, high) == (min(values), max(values))

    check()
    assert seen["fed"] and seen["settled"]  # the property ran on fed intervals that settled things


@pytest.mark.parametrize("which", ["pipe", "chain"])
def test_answering_an_open_question_never_changes_a_determined_outcome(
    which: str, request: pytest.FixtureRequest
) -> None:
    pipe: Pipeline = request.getfixturevalue(which)
    inputs = pipe.inputs

    @RUNS
    @given(case=cases(pipe), data=st.data())
    def check(case: dict[str, Any], data: st.DataObject) -> None:
        before = pipe.assess(case, as_of=DAY, trace=False)
        asked = [q for q in before.missing if q in inputs]
        more = {q: data.draw(value(inputs[q]), label=q) for q in asked}
        after = pipe.assess({**case, **more}, as_of=DAY, trace=False)
        for step in before.order:
            for name, o in before[step].outcomes.items():
                if o.determined:
                    assert after[step][name].determined and after[step][name].value == o.value, (step, name)

    check()


# -- one value per class ----------------------------------------------------------------------

_OPS = st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in"])
_MARK = st.integers(-6, 20) | st.integers(-12, 40).map(lambda n: n / 2)


@settings(max_examples=300, deadline=None)
@given(
    low=st.integers(-4, 12),
    width=st.integers(0, 14),
    tests=st.lists(st.tuples(_OPS, _MARK, _MARK), max_size=5),
    whole=st.booleans(),
)
def test_the_values_standing_for_an_interval_meet_every_class_the_rules_tell_apart(
    low: int, width: int, tests: list[tuple[str, float, float]], whole: bool
) -> None:
    """Over whole numbers: the classes of the values chosen are the classes of every whole
    number in the interval. Over numbers: of every half and quarter too (the marks are halves)."""
    from carepath.assessments.intervals import interval_values
    from carepath.rules.logic import COMPARE
    from carepath.rules.model import InputSpec

    rules = [{"when": {op: ["x", [a, b] if op == "in" else a]}} for op, a, b in tests]
    spec = InputSpec(type="int" if whole else "number", question={"en": "x?"})
    found = interval_values((low, low + width), spec, "x", rules, {}, whole)
    assert found is not None
    values, bounds = found
    assert bounds == (low, low + width)

    def truths(v: float) -> tuple[bool, ...]:
        return tuple(v in (a, b) if op == "in" else COMPARE[op](v, a) for op, a, b in tests)

    step = 1 if whole else 0.25
    every = [low + i * step for i in range(int(width / step) + 1)]
    assert all(low <= v <= low + width for v in values)
    assert {truths(v) for v in values} == {truths(v) for v in every}
    assert len(values) == len({truths(v) for v in values})  # one value per class
