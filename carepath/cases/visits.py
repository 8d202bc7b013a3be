"""Follow-up visits: what a case records at each visit, and the answers the rules read from them.

A case file may hold dated ``visits`` after the survivor's return::

    visits:
      - date: 2026-02-10
        contact_made: true           # the person was met; a visit without contact never counts
        visitor: social_worker       # a role, never a name
        where: home
        measures:
          wp_socio_economic: slightly_improved     # Whole Person areas (002:L233-236, L960-984)
          aht_safety: 3                            # the 1-4 anti-trafficking client scale
        warning_signs: [new_debt]
        services_received: [income_support]
        new_issues: "..."            # Form 5 free text: sensitive, never logged
      - date: 2026-03-12
        contact_made: false
        attempt: second_try          # escalation: second_try, family_visit, commune_office, district_office
      - date: 2026-04-10
        contact_made: true
        declined: follow_up          # reached, and declined this visit (visit) or any follow-up

From the visits dated on or before the evaluation date, :func:`visit_answers` derives the
answers the follow-up and case-path rules read: the last visit with contact, the failed
attempts since and the escalation steps tried, the measures below their best earlier reading
or at their lowest, the warning signs and new issues of the latest visit with contact, and
whether the person declined further follow-up (``follow_up_refused``). Before any visit has met
the person, what a visit would show stays unknown, never "none".

A visit the person declined (``declined: visit`` or ``follow_up``) reached the person, so it is
never a failed attempt and ends an escalation; it is not a visit with contact either (nothing
was followed up), so it never counts towards the visits a closure needs. ``declined: follow_up``
stands until a later visit meets the person again. Whether a refusal is respected (an adult) or
is a reason to see the child and the family is the rules' decision, by age (004:L3237-3239).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

__all__ = [
    "AHT_LEVELS",
    "MEASURES",
    "WARNING_SIGNS",
    "WP_LEVELS",
    "Visit",
    "read_visits",
    "visit_answers",
]

WP_LEVELS = ["much_worse", "worse", "equally_difficult", "slightly_improved", "much_better"]
"""Whole Person answer labels, lowest first (002:L960-984)."""
AHT_LEVELS = [1, 2, 3, 4]
"""The anti-trafficking client scale: no awareness, knowledge and awareness, developing plans,
stability and competence (standards.md §4.7)."""
MEASURES: dict[str, list[Any]] = {
    "wp_socio_economic": WP_LEVELS,
    "wp_social_networks": WP_LEVELS,
    "wp_wellbeing": WP_LEVELS,
    "wp_resilience": WP_LEVELS,
    "aht_safety": AHT_LEVELS,
    "aht_health": AHT_LEVELS,
    "aht_economic": AHT_LEVELS,
    "aht_emotional": AHT_LEVELS,
    "aht_social": AHT_LEVELS,
    "aht_justice": AHT_LEVELS,
}
WARNING_SIGNS = [
    "land_sold",
    "child_out_of_school",
    "job_or_income_lost",
    "divorce",
    "new_debt",
    "intends_to_migrate",
    "perpetrator_back",
]
Attempt = Literal["scheduled", "second_try", "family_visit", "commune_office", "district_office"]
Declined = Literal["visit", "follow_up"]


class Visit(BaseModel):
    """One follow-up visit (or attempt)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    date: dt.date
    contact_made: bool = Field(description="The person was met. A visit without contact never counts.")
    visitor: Literal["social_worker", "ngo_worker", "joint", "commune_worker", "other"] | None = None
    where: Literal["home", "community", "office", "phone", "school", "workplace", "other"] | None = None
    attempt: Attempt = Field(default="scheduled", description="For a failed contact: the escalation step.")
    declined: Declined | None = Field(
        default=None,
        description="The person was reached and declined this visit (`visit`) or all follow-up.",
    )
    measures: dict[str, int | str] = Field(default_factory=dict)
    warning_signs: list[Literal[tuple(WARNING_SIGNS)]] = Field(default_factory=list)  # type: ignore[valid-type]
    services_received: list[str] = Field(default_factory=list, max_length=50)
    changes: str | None = Field(
        default=None, max_length=4000, description="Form 5: what changed (sensitive)."
    )
    new_issues: str | None = Field(
        default=None, max_length=4000, description="Form 5: new issues (sensitive)."
    )

    @field_validator("measures")
    @classmethod
    def _known_measures(cls, value: dict[str, int | str]) -> dict[str, int | str]:
        for name, level in value.items():
            if name not in MEASURES:
                raise ValueError(f"an unknown measure ({len(name)} characters): one of {sorted(MEASURES)}")
            if level not in MEASURES[name]:
                raise ValueError(f"{name}: not one of {MEASURES[name]}")
        return value

    @field_validator("declined")
    @classmethod
    def _declined_when_reached(cls, value: Declined | None, info: ValidationInfo) -> Declined | None:
        if value is not None and info.data.get("contact_made") is not True:
            raise ValueError("only a person reached can decline (contact_made: true)")
        return value


def read_visits(raw: Any, where: str) -> tuple[Visit, ...]:
    """Validate a case file's ``visits`` list; errors name the visit and field, never the value."""
    from carepath.errors import CaseFormatError

    if not isinstance(raw, list):
        raise CaseFormatError(f"{where}: `visits` is a list of visits")
    visits: list[Visit] = []
    for i, item in enumerate(raw):
        try:
            visits.append(Visit.model_validate(item))
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            field = ".".join(str(p) for p in first["loc"])
            message = str(first["msg"]).removeprefix("Value error, ")
            raise CaseFormatError(f"{where}: visits[{i}].{field}: {message}") from None
    return tuple(sorted(visits, key=lambda v: v.date))


def visit_answers(visits: Sequence[Visit], as_of: dt.date) -> dict[str, Any]:
    """The answers the rules read, from the visits dated on or before ``as_of``."""
    seen = [v for v in visits if v.date <= as_of]
    reached = [v for v in seen if v.contact_made]
    contact = [v for v in reached if v.declined is None]
    answers: dict[str, Any] = {"visits_with_contact": len(contact)}
    since = contact[-1].date if contact else None
    if since is not None:
        answers["last_contact_visit"] = since
    last_reached = reached[-1].date if reached else None
    failed = [v for v in seen if not v.contact_made and (last_reached is None or v.date > last_reached)]
    answers["failed_contact_attempts"] = len(failed)
    answers["follow_up_refused"] = any(
        v.declined == "follow_up" and (since is None or v.date > since) for v in reached
    )
    answers["escalation_done"] = sorted({v.attempt for v in failed if v.attempt != "scheduled"})
    if not contact:  # nobody has met the person yet: what a visit would show stays unknown
        return answers
    fallen, lowest = _measures(contact)
    answers["measures_fallen"] = fallen
    answers["measures_lowest"] = lowest
    latest = contact[-1]
    answers["warning_signs"] = sorted(set(latest.warning_signs))
    answers["new_issues_reported"] = bool(latest.new_issues and latest.new_issues.strip())
    return answers


def _measures(contact: Iterable[Visit]) -> tuple[list[str], list[str]]:
    """The measures whose latest reading is below their best earlier one (a fall stays flagged
    until the measure recovers), and those at the lowest level at their latest reading."""
    history: dict[str, list[Any]] = {}
    for visit in contact:
        for name, level in visit.measures.items():
            history.setdefault(name, []).append(level)
    fallen, lowest = [], []
    for name, levels in history.items():
        scale = MEASURES[name]
        if len(levels) >= 2 and scale.index(levels[-1]) < max(scale.index(x) for x in levels[:-1]):
            fallen.append(name)
        if scale.index(levels[-1]) == 0:
            lowest.append(name)
    return sorted(fallen), sorted(lowest)
