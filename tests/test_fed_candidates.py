"""An open outcome feeds the values it can still take, and the later step reasons exactly over them.

Two properties, over generated partial cases of every bundled pipeline:

- **the same as one candidate at a time**: each step fed candidates agrees with evaluating its
  rule set once per combination of candidate values, here computed independently through the
  public API (same truth and values, same missing inputs);
- **sound**: answering the open questions never changes what was already determined, in any
  step, the ranking or the plan (answers read only for whether they are known are left out:
  knowing them is meant to change things).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import carepath
from carepath.assessments.candidates import MAX_WORLDS
from carepath.assessments.pipeline import Pipeline
from carepath.authoring.strategies import cases, value

DAY = dt.date(2026, 11, 23)
PIPELINES = {pid: carepath.load_pipeline(pid) for pid in ("intl/care_path", "kh/care_path")}
RUNS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _assess(pipe: Pipeline, case: dict[str, Any]) -> Any:
    return pipe.assess(case, as_of=DAY, trace=False)


# -- examples a social worker would recognise --------------------------------------------------


def test_a_readiness_that_can_only_allow_a_return_no_longer_holds_up_the_care_options() -> None:
    """Issue 14's intake case: an adult who agrees to go home, stable, views heard; the court
    case and schooling are not known yet. Readiness can only be ready or ready with support,
    both of which allow a return, so the return to the family waits on the family, not on them."""
    pipe = PIPELINES["intl/care_path"]
    case = {
        "age": 30,
        "consents_to_return": True,
        "views_heard": True,
        "physical_health": "stable",
        "psychosocial": "stable",
        "identity_documents": True,
        "legal_proceedings": "unknown",
        "schooling": "unknown",
        "family_involved_in_trafficking": False,
    }
    a = pipe.assess(case, as_of=DAY)
    readiness = a["readiness"]["readiness"]
    assert not readiness.determined
    assert set(readiness.candidates) == {"ready", "ready_with_support"}
    fed = a.fed["care_options"]["readiness"]
    assert set(fed.candidates) == {"ready", "ready_with_support"}
    assert set(fed.open_on) == {"legal_proceedings", "schooling"}
    trace = a["care_options"].trace
    assert trace is not None
    rule = trace.rule("care_options.family_reunification_adult")
    assert rule.status == "unknown"  # still open: on the family, no longer on readiness
    assert all(not c.text.startswith("readiness") for c in rule.checks)
    assert not {"legal_proceedings", "schooling", "readiness"} & set(rule.missing)
    # Fed nothing, as before: the same rule waits on readiness too.
    options = pipe.rulesets["care_options"]
    alone = options.evaluate(
        {"age": 30, "consents_to_return": True, "family_involved_in_trafficking": False}, as_of=DAY
    )
    assert alone.trace is not None
    assert "readiness" in alone.trace.rule("care_options.family_reunification_adult").missing


# A 15-year-old in danger with a vetted uncle: kinship care surely fits; the family is not
# assessed yet, so the return home may still come first.
KIN = {"age": 15, "stage": "assessment", "kinship_carer_available": True, "care_reasons": ["protection_risk"]}


def test_an_open_first_choice_feeds_the_case_path_the_options_that_may_come_first() -> None:
    pipe = PIPELINES["intl/care_path"]
    a = pipe.assess(KIN, as_of=DAY)
    assert a.ranking is not None and a.ranking.top is None
    ranked = [r.option for r in a.ranking.ranked]
    assert ranked and ranked[0] == "kinship_care"
    fed = a.fed["case_path"]["top_option"]
    order = a.ranking.order
    preferred = [p.option for p in a.ranking.pending if order.index(p.option) < order.index("kinship_care")]
    assert fed.candidates == (*preferred, "kinship_care")
    assert "family_reunification" in preferred
    # whichever comes first, a care option does: the move to placement needs no first choice
    # settled, only the family assessment it also reads
    rule = a["case_path"].trace.rule("path.placement") if a["case_path"].trace else None
    assert rule is not None and "top_option" not in rule.missing
    provisional = a.ranking.provisional
    assert provisional is not None and provisional.option == fed.candidates[0]
    assert provisional.next_if_blocked is not None


def test_with_no_option_surely_fitting_none_may_come_first_and_nothing_is_fed() -> None:
    a = PIPELINES["intl/care_path"].assess({"age": 15, "stage": "assessment"}, as_of=DAY)
    assert a.ranking is not None and not a.ranking.ranked
    assert a.fed["case_path"]["top_option"].candidates == ()
    assert not a["case_path"]["move_to_placement"].determined


def test_candidates_show_in_the_trace_as_what_was_fed() -> None:
    a = PIPELINES["intl/care_path"].assess(KIN, as_of=DAY)
    trace = a["case_path"].trace
    assert trace is not None
    step = next(s for s in trace.answers if s.name == "top_option")
    assert step.kind == "candidates"
    assert tuple(step.value) == a.fed["case_path"]["top_option"].candidates


# -- the same as one candidate at a time -----------------------------------------------------


def _combos(pipe: Pipeline, step: str, a: Any) -> Iterator[tuple[dict[str, Any], list[str]]]:
    """Every combination of the fed candidates of ``step`` (with the upstream missing of each)."""
    fed = [(n, f) for n, f in a.fed[step].items() if f.candidates]
    names = [n for n, _ in fed]
    choices = []
    for _name, f in fed:
        choices.append(list(f.candidates))
    for combo in itertools.product(*choices):
        yield dict(zip(names, combo, strict=True)), names


def _oracle(pipe: Pipeline, step: str, case: dict[str, Any], a: Any) -> None:
    ruleset = pipe.rulesets[step]
    base = {k: v for k, v in case.items() if k in ruleset.inputs}
    for name, f in a.fed[step].items():
        if f.determined:
            base[name] = list(f.value) if isinstance(f.value, list | tuple) else f.value
    worlds = list(_combos(pipe, step, a))
    if not worlds or len(worlds) > MAX_WORLDS:
        return
    names = worlds[0][1]
    evals = [ruleset.evaluate({**base, **w}, as_of=DAY, trace=False) for w, _ in worlds]
    merged = a[step]
    for name, outcome in merged.outcomes.items():
        each = [e[name] for e in evals]
        settled = {repr(o.value) for o in each if o.determined}
        if all(o.determined for o in each) and len(settled) == 1:
            assert outcome.determined, (step, name)
            assert outcome.value == each[0].value
            continue
        assert not outcome.determined, (step, name)
        # every world's questions are asked, and the upstream ones of each candidate input
        # that alone changes the outcome
        expected = {q for o in each for q in o.missing}
        for fed_name in names:
            f = a.fed[step][fed_name]
            by_rest: dict[str, set[str]] = {}
            for (w, _), o in zip(worlds, each, strict=True):
                rest = repr(sorted((k, repr(v)) for k, v in w.items() if k != fed_name))
                by_rest.setdefault(rest, set()).add(repr((o.value, o.status, o.candidates)))
            if any(len(states) > 1 for states in by_rest.values()):
                expected |= set(f.open_on)
        # an open input fed nothing is asked through its upstream questions instead
        assert set(outcome.missing) >= expected - set(a.fed[step]), (step, name)


@pytest.mark.parametrize("pid", sorted(PIPELINES))
def test_fed_candidates_agree_with_one_candidate_at_a_time(pid: str) -> None:
    pipe = PIPELINES[pid]

    @RUNS
    @given(case=cases(pipe))
    def check(case: dict[str, Any]) -> None:
        a = pipe.assess(case, as_of=DAY)  # traced: the traces of the worlds are merged too
        for step in a.order:
            if any(f.candidates for f in a.fed.get(step, {}).values()):
                _oracle(pipe, step, case, a)

    check()


# -- sound: answering never changes what was determined -----------------------------------------


def _known_only(pipe: Pipeline) -> frozenset[str]:
    """Inputs some rule reads for whether they are known or declined."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, sub in node.items():
                if key in ("is_known", "is_declined") and isinstance(sub, str):
                    found.add(sub)
                walk(sub)
        elif isinstance(node, list):
            for sub in node:
                walk(sub)

    for ruleset in pipe.rulesets.values():
        for rule in ruleset.merged.rules.values():
            walk(rule.model_dump(by_alias=True, mode="json"))
    assert found, "the bundled rule sets read some inputs only for whether they are known"
    return frozenset(found)


def _determined(a: Any) -> dict[str, Any]:
    found = {
        f"{step}.{name}": o.value for step in a.order for name, o in a[step].outcomes.items() if o.determined
    }
    if a.ranking is not None:
        found |= {f"ranking.{k}": o.value for k, o in a.ranking.outcomes().items() if o.determined}
    return found


@pytest.mark.parametrize("pid", sorted(PIPELINES))
def test_answering_open_questions_never_changes_a_determined_outcome(pid: str) -> None:
    pipe = PIPELINES[pid]
    inputs = pipe.inputs
    skip = _known_only(pipe)

    @RUNS
    @given(case=cases(pipe), data=st.data())
    def check(case: dict[str, Any], data: st.DataObject) -> None:
        before = _assess(pipe, case)
        asked = [q for q in before.missing if q in inputs and q not in skip]
        more = {q: data.draw(value(inputs[q]), label=q) for q in asked}
        after = _assess(pipe, {**case, **more})
        was, now = _determined(before), _determined(after)
        changed = {k: (v, now.get(k)) for k, v in was.items() if k in now and now[k] != v}
        assert not changed

    check()


# -- one value per class the rules tell apart ----------------------------------------------------


def test_candidates_the_rules_treat_alike_are_one_class() -> None:
    from carepath.assessments.candidates import representatives, tests_of

    rules = [
        {"when": {"in": ["top_option", ["residential_care", "small_group_home"]]}},
        {"table": {"inputs": ["stage", "top_option"], "rows": [{"when": ["-", ["kinship_care"]]}]}},
    ]
    tests = tests_of(rules, "top_option")
    assert tests is not None and len(tests) == 2
    values = ("family_reunification", "kinship_care", "pagoda_care", "residential_care", "small_group_home")
    assert representatives(values, tests) == ("family_reunification", "kinship_care", "residential_care")
    # compared with a parameter or a reference, or by order: every value is its own class
    assert tests_of([{"when": {"==": ["top_option", {"param": "x"}]}}], "top_option") is None
    assert tests_of([{"when": {"<": ["top_option", "b"]}}], "top_option") is None
    assert tests_of([{"when": {"==": ["other", {"ref": "top_option"}]}}], "top_option") is None
    assert representatives(values, None) == values
