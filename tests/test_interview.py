"""`carepath interview`, driven as a user would, through its standard input."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from click.testing import CliRunner

from carepath.cli import main

PALERMO = ["interview", "-r", "intl/palermo", "--as-of", "2026-11-23"]
MEANS_Q = "Which means were used against the person?"
SMUGGLING_Q = "Did the person pay or agree with someone to arrange an irregular border crossing?"


def run(args: list[str], lines: list[str]) -> str:
    result = CliRunner().invoke(main, args, input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    return result.output


def test_it_asks_only_what_can_still_change_an_outcome_and_explains() -> None:
    # purpose, age, act, harms, consent (a wrong reply first), means (unknown)
    out = run(PALERMO, ["1", "16", "1,2", "sexual_exploitation", "maybe", "yes", "unknown"])
    assert (
        out.index("For what purpose")
        < out.index("How old is the person")
        < out.index("Was the person recruited")
    )
    assert "answer yes or no; please answer again" in out
    questions, explanation = out.split("carepath: intl/palermo 1.0.0, as of 2026-11-23")
    assert questions.count(MEANS_Q) == 1  # answered unknown: not asked again
    assert SMUGGLING_Q not in out  # once the test is met, it can no longer change anything
    assert "(identification): Meets the legal test of a victim of trafficking (determined)" in out
    assert "(palermo.child_no_means): applies [hard]" in explanation
    assert "source: palermo, Art. 3(c)" in explanation


def test_back_undoes_the_last_answer_and_asks_again() -> None:
    out = run(PALERMO, ["7", "back", "1", "quit"])
    assert "(undone: purpose)" in out
    assert out.count("For what purpose") == 2
    assert out.strip().endswith("interview stopped")


def test_a_value_out_of_range_is_refused_without_echoing_it() -> None:
    out = run(PALERMO, ["1", "130", "quit"])
    assert "age: outside the allowed range 0 to 120; please answer again" in out
    assert "130" not in out.replace("> 130", "")


def test_save_then_resume_from_the_case_file(tmp_path: Path) -> None:
    saved = tmp_path / "case.yaml"
    run([*PALERMO, "--save", str(saved)], ["1", "30", "quit"])
    answers = yaml.safe_load(saved.read_text(encoding="utf-8"))["answers"]
    assert answers == {"purpose": ["prostitution_of_others"], "age": 30}
    # resuming asks only what is still open: never the purpose or the age again
    out = run([*PALERMO, "--case", str(saved)], ["quit"])
    assert "For what purpose" not in out and "How old is the person" not in out
    assert out.strip().endswith("interview stopped")


def test_an_unknown_answer_in_a_resumed_case_is_asked_again(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text(
        "answers: {age: 30, act: [recruitment], purpose: [forced_labour], means: unknown}\n", encoding="utf-8"
    )
    out = run([*PALERMO, "--case", str(case)], ["5", "no", "[]", "quit"])
    progress, question = out.split("\n\n")[1].splitlines()[:2]
    assert re.fullmatch(r"\[question 1 of about \d+\]", progress) and question.startswith(MEANS_Q)
    assert "(identification): Meets the legal test" in out or "interview stopped" in out


def test_the_care_path_interview_resumes_a_case_asks_what_matters_and_ends_with_the_plan() -> None:
    case = str(Path(__file__).resolve().parents[1] / "examples/care_path/girl-unsafe-family.yaml")
    args = ["interview", "--pipeline", "intl/care_path", "--case", case, "--as-of", "2026-11-23"]
    out = CliRunner().invoke(main, args, input="unknown\n" * 80).output
    assert "Care path from identification to closure" in out
    assert "How old is the person" not in out  # answered in the case file: not asked again
    asked = out.count("\n> ")
    assert 0 < asked < 80  # only the open questions that can still change an outcome
    assert "1. Kinship care with a vetted relative (kinship_care) - first choice" in out
    assert "Current stage: Assessment (assessment)" in out
    assert "(`care_options.no_return_to_unsafe_family`) [hard]" in out or (
        "(care_options.no_return_to_unsafe_family) [hard]" in out
    )


def test_the_trainer_session_page_is_current() -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "docs/examples/trainer_session.py", "--check"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout


def test_redact_masks_sensitive_answers_in_the_final_report() -> None:
    lines = ["prostitution_of_others", "24", *["unknown"] * 10]
    out = run([*PALERMO, "--redact"], lines)
    assert "(age): [redacted]" in out
    assert "age = 24" not in out
