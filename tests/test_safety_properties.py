"""Properties of the safety and risk assessments, over generated cases (hypothesis).

- adding a threat never makes a decision safer;
- removing a protective capacity never makes it safer;
- an unknown or declined threat never yields `safe`;
- adding a warning sign never lowers the risk.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import carepath
from carepath.authoring.strategies import cases

DAY = dt.date(2026, 11, 23)
SAFETY = {"safe": 0, "safe_with_plan": 1, "unsafe": 2}
RISK = {"low": 0, "moderate": 1, "high": 2, "very_high": 3}

# (rule set, outcome, its order from best to worst, inputs that make it worse when true,
#  inputs that make it better when true)
FAMILY_THREATS = [
    "family_involved_in_trafficking", "perpetrator_in_household", "sexual_abuse_in_home",
    "caregiver_serious_harm", "domestic_violence", "caregiver_substance_abuse", "perpetrator_threats",
    "perpetrator_in_community", "debt_bondage_family", "caregiver_unable_to_protect",
    "family_intends_to_resend", "pressure_to_earn", "community_stigma_violence",
]  # fmt: skip
FAMILY_CAPACITIES = ["protective_caregiver", "willing_to_change", "relatives_support", "income_livelihood"]

MONOTONE: list[tuple[str, str, dict[str, int], list[str], list[str]]] = [
    ("intl/family_safety", "family_safety", SAFETY, FAMILY_THREATS, FAMILY_CAPACITIES),
    ("intl/community_safety", "community_safety", SAFETY, ["perpetrator_in_community", "remigration_pressure"],
     ["local_protector"]),
    ("intl/reintegration_risk", "risk_level", RISK,
     ["land_sold", "child_left_school", "no_job_or_income", "divorce", "debt", "intends_to_migrate_again",
      "previously_trafficked", "border_area"], []),
]  # fmt: skip


def _load(rid: str) -> carepath.RuleSet:
    return carepath.load(rid)


@pytest.mark.parametrize(("rid", "outcome", "order", "worse", "better"), MONOTONE)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_worse_answer_never_makes_the_outcome_better(
    rid: str, outcome: str, order: dict[str, int], worse: list[str], better: list[str], data: Any
) -> None:
    ruleset = _load(rid)
    case = data.draw(cases(ruleset))
    flip = data.draw(st.sampled_from([(n, True) for n in worse] + [(n, False) for n in better]))
    name, bad = flip
    good_case, bad_case = {**case, name: not bad}, {**case, name: bad}
    good = ruleset.evaluate(good_case, as_of=DAY, trace=False)[outcome]
    bad_ = ruleset.evaluate(bad_case, as_of=DAY, trace=False)[outcome]
    if good.determined and bad_.determined:
        assert order[bad_.value] >= order[good.value], (name, good.value, bad_.value)


@pytest.mark.parametrize(
    ("rid", "outcome", "threats"), [(r, o, w) for r, o, order, w, _ in MONOTONE if order is SAFETY]
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_an_unknown_threat_never_yields_safe(rid: str, outcome: str, threats: list[str], data: Any) -> None:
    ruleset = _load(rid)
    case = data.draw(cases(ruleset))
    threat = data.draw(st.sampled_from(threats))
    word = data.draw(st.sampled_from(["unknown", "declined", None]))
    if word is None:
        case.pop(threat, None)
    else:
        case[threat] = word
    result = ruleset.evaluate(case, as_of=DAY, trace=False)[outcome]
    assert result.value != "safe" or not result.determined
