"""Produce the caseload example: examples/caseload/cases/*.yaml (36 synthetic case files of two
offices, with their follow-up visits) and examples/caseload/caseload.md (the caseload report
as of 2026-11-23). Run from the repository root:

    python docs/examples/caseload_example.py

The tests and CI run it with --check: it fails when a committed file is not what the script
and the rules now produce. The cases are synthetic (seeded), never real people: each follows
one of the situations the sources describe, so that every line of the report can be checked.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path
from typing import Any

import yaml

from carepath.followup.caseload import caseload, read_cases

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "examples" / "caseload"
AS_OF = dt.date(2026, 11, 23)
SEED = 2026

# (situation, how many): each one a story from the sources
SITUATIONS = [
    ("steady", 8),  # monthly visits, measures rising: may close after a year and the meeting
    ("deteriorating", 6),  # a measure falls or a warning sign appears at month 5 (002:L710)
    ("lost", 4),  # contact lost after escalation (000:L144)
    ("no_contact_visit", 4),  # the latest visits did not meet the person (000:L1269-1271)
    ("moved", 4),  # moved district (000:L157-160)
    ("new", 6),  # returned recently
    ("shelter", 4),  # a child still in a shelter, placement review due (UN Guidelines para 67)
]


def _month(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    return day.replace(year=year, month=month % 12 + 1, day=min(day.day, 28))


def _case(rng: random.Random, n: int, situation: str) -> dict[str, Any]:
    worker = rng.choice(["SW-01", "SW-02", "SW-03"])
    office = "BTB" if worker != "SW-03" else "SRP"
    age = rng.randint(14, 30)
    answers: dict[str, Any] = {"age": age, "stage": "follow_up", "current_placement": "family"}
    visits: list[dict[str, Any]] = []
    if situation == "shelter":
        start = AS_OF - dt.timedelta(days=rng.randint(40, 200))
        answers.update(
            stage="placement",
            current_placement="residential_care",
            placement_start=start.isoformat(),
            age=rng.randint(9, 16),
        )
        return _doc(n, situation, worker, office, answers, visits)
    months = {
        "steady": rng.randint(12, 15),
        "deteriorating": rng.randint(6, 9),
        "lost": rng.randint(6, 10),
        "no_contact_visit": rng.randint(3, 6),
        "moved": rng.randint(4, 8),
        "new": rng.randint(0, 2),
    }[situation]
    returned = _month(AS_OF, -months) - dt.timedelta(days=rng.randint(0, 20))
    answers["reintegration_date"] = returned.isoformat()
    answers["moved_district"] = situation == "moved"
    level = {"aht_safety": 3, "aht_economic": 2, "wp_socio_economic": "equally_difficult"}
    contact_months = months if situation in ("steady", "deteriorating", "new") else max(1, months - 3)
    for i in range(1, contact_months + 1):
        day = _month(returned, i)
        if day > AS_OF - dt.timedelta(days=rng.randint(0, 10)):
            break
        measures = dict(level)
        signs: list[str] = []
        if situation == "steady" and i >= 6:
            measures.update(aht_economic=3, wp_socio_economic="slightly_improved")
        if situation == "deteriorating" and i >= 5:
            if rng.random() < 0.5:
                measures.update(aht_economic=1)
            else:
                signs = [rng.choice(["land_sold", "new_debt", "intends_to_migrate", "child_out_of_school"])]
        visit: dict[str, Any] = {
            "date": day.isoformat(),
            "contact_made": True,
            "visitor": "social_worker",
            "where": "home",
            "measures": measures,
        }
        if signs:
            visit["warning_signs"] = signs
        visits.append(visit)
    last = dt.date.fromisoformat(visits[-1]["date"]) if visits else returned
    if situation == "lost":
        steps = ["scheduled", "second_try", "family_visit", "commune_office", "district_office"]
        for j, step in enumerate(steps[: rng.randint(3, 5)]):
            visits.append(
                {
                    "date": (last + dt.timedelta(days=20 * (j + 1))).isoformat(),
                    "contact_made": False,
                    "visitor": "social_worker",
                    "where": "home",
                    "attempt": step,
                }
            )
    if situation == "no_contact_visit":
        for j in range(rng.randint(1, 2)):
            visits.append(
                {
                    "date": (last + dt.timedelta(days=30 * (j + 1))).isoformat(),
                    "contact_made": False,
                    "visitor": "social_worker",
                    "where": "home",
                }
            )
    if situation == "moved":
        answers["referred_to_new_district"] = rng.random() < 0.5
        answers["coordination_meeting_approved"] = False
    if situation == "steady":
        answers["coordination_meeting_approved"] = rng.random() < 0.6
        answers["final_rating"] = "close_case"
        answers["closure_reason"] = "none"
    else:
        answers.setdefault("coordination_meeting_approved", False)
    return _doc(n, situation, worker, office, answers, visits)


def _doc(
    n: int, situation: str, worker: str, office: str, answers: dict[str, Any], visits: list[dict[str, Any]]
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "case_id": f"C{n:03d}",
        "description": f"Synthetic case ({situation.replace('_', ' ')}).",
        "worker": worker,
        "office": office,
        "answers": answers,
    }
    doc["visits"] = visits  # the visit record, even when empty: no visit yet is a fact here
    return doc


def outputs() -> dict[Path, str]:
    rng = random.Random(SEED)
    found: dict[Path, str] = {}
    n = 0
    for situation, count in SITUATIONS:
        for _ in range(count):
            n += 1
            doc = _case(rng, n, situation)
            text = "# Synthetic: written by docs/examples/caseload_example.py\n" + yaml.safe_dump(
                doc, sort_keys=False, allow_unicode=True, width=110
            )
            found[FOLDER / "cases" / f"C{n:03d}.yaml"] = text
    return found


def report() -> str:
    load = caseload(read_cases(FOLDER / "cases"), AS_OF)
    return load.to_markdown()


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale: list[str] = []
    for path, text in outputs().items():
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        if check:
            stale.append(path.relative_to(ROOT).as_posix())
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    page = FOLDER / "caseload.md"
    text = report() if not stale else ""
    if not stale and (not page.exists() or page.read_text(encoding="utf-8") != text):
        if check:
            stale.append(page.relative_to(ROOT).as_posix())
        else:
            page.write_text(text, encoding="utf-8")
    if stale:
        print("out of date (run python docs/examples/caseload_example.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
