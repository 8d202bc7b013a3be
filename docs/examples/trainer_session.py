"""Produce docs/trainer-session.md: a worked trainer session, the interview of a case through the
whole care path with its output. Run from the repository root:

    python docs/examples/trainer_session.py

The session resumes from examples/care_path/girl-shelter-review.yaml (a 13-year-old girl in a
shelter for five months) and answers what the interview asks, as a trainer would in class. The
tests and CI run it with --check, so the page always shows what carepath really says.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import carepath
from carepath.cli.interview import Interview

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "trainer-session.md"
CASE = "examples/care_path/girl-shelter-review.yaml"
AS_OF = dt.date(2026, 11, 23)

# What the trainer answers, by question; anything else is answered "unknown".
ANSWERS = {
    "harms": "sexual_exploitation, psychological_abuse",
    "caregiver_serious_harm": "no",
    "domestic_violence": "no",
    "caregiver_substance_abuse": "no",
    "perpetrator_threats": "no",
    "perpetrator_in_community": "yes",
    "debt_bondage_family": "no",
    "caregiver_unable_to_protect": "no",
    "family_intends_to_resend": "no",
    "pressure_to_earn": "no",
    "community_stigma_violence": "no",
    "protective_caregiver": "yes",
    "willing_to_change": "yes",
    "safety_plan_agreed": "no",
    "physical_health": "stable",
    "psychosocial": "care_in_community",
    "family_risk_factors_addressed": "no",
    "care_reasons": "protection_risk",
    "kinship_carer_available": "yes",
    "foster_family_available": "no",
    "needs_protective_care": "no",
    "placement_need": "temporary",
    "community_care_available": "",
    "small_group_home_available": "no",
}


def transcript() -> str:
    pipeline = carepath.load_pipeline("intl/care_path")
    start = dict(carepath.read_case(ROOT / CASE))
    session = Interview(pipeline, AS_OF, answers=start)
    lines: list[str] = []

    def ask(prompt: str) -> str:
        name = session.next_question()
        reply = ANSWERS.get(name or "", "unknown")
        lines.append(f"{prompt}{reply}")
        return reply

    session.run(ask, lines.append)
    return "\n".join(lines).rstrip() + "\n"


def page() -> str:
    return f"""# A worked trainer session

A trainer shows how carepath reasons about one case, step by step. The case is
[`{CASE}`](../{CASE}): a 13-year-old girl in an NGO shelter for five months after sexual
exploitation. The family assessment is not finished, and her placement has never been
reviewed. The trainer resumes the interview from the case file, through the whole care path:

```sh
carepath interview --pipeline intl/care_path --case {CASE} --as-of {AS_OF.isoformat()}
```

The interview asks one question at a time, and only the questions that can still change an
outcome: the open question that the most outcomes wait on comes first. The trainer answers
what the class knows and `unknown` for the rest, and an unknown answer is never read as "no".
`back` would undo an answer, and `quit` would stop. At the end carepath shows every
assessment, the care options (ranked, blocked and pending, each with its rule and source) and
the care plan.

Points to draw out in class:

- The recruiter lives in the community and no safety plan is agreed yet, so the family is not
  safe now. Two hard rules block a return home: no return to an unsafe family, and no return of a
  child before the family's risk factors are addressed. Kinship care comes first, and the move to
  it is allowed. It is a reintegration with a vetted relative, not another shelter stay.
- Her placement has not been reviewed in five months. A child's temporary placement is reviewed
  at least every three months (UN Guidelines para 67), so the review is flagged OVERDUE.
- Questions answered `unknown` stay open. Each one is listed with what it could still change.

This page is produced by `docs/examples/trainer_session.py` and checked in CI, so it shows
what carepath really says.

## The session

```text
{transcript()}```
"""


def main(argv: list[str]) -> int:
    text = page()
    if "--check" in argv:
        if not PAGE.exists() or PAGE.read_text(encoding="utf-8") != text:
            print("out of date: run python docs/examples/trainer_session.py")
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
