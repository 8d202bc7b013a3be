"""The interview on a terminal: answers echoed, progress, step headings, Ctrl-C keeping the
answers with --save, and the final explanation paged or written to a file."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml
from click.testing import CliRunner

import carepath
from carepath.cli import main
from carepath.cli.interview import Interview

ROOT = Path(__file__).resolve().parents[1]
PALERMO = carepath.load("intl/palermo")
ARGS = ["interview", "-r", "intl/palermo", "--as-of", "2026-11-23"]
AS_OF = dt.date(2026, 11, 23)
PROGRESS = re.compile(r"\[question (\d+) of about (\d+)\]")


def label(name: str, value: str) -> str:
    spec = PALERMO.inputs[name]
    return next(c.label["en"] for c in spec.choices or [] if c.value == value)


def test_each_answer_is_echoed_as_recorded() -> None:
    out = CliRunner().invoke(main, ARGS, input="1\n16\n1,2\nquit\n").output
    first, second = label("purpose", "prostitution_of_others"), label("act", "transportation")
    assert f"recorded: {first}" in out  # the choice by its label, not its number
    assert "recorded: 16" in out  # a number as typed
    assert f"recorded: {label('act', 'recruitment')}; {second}" in out
    assert out.count("recorded: ") == 3


def test_a_sensitive_answer_is_masked_in_the_echo_when_redacting() -> None:
    age = PALERMO.inputs["age"]
    assert age.sensitive
    plain = age.model_copy(update={"sensitive": False})
    assert Interview(PALERMO, AS_OF).shown(age, 16, " 16 ") == "16"  # the user's own screen
    masked = Interview(PALERMO, AS_OF, redact=True)
    assert masked.shown(age, 16, "16") == "[redacted]"
    assert masked.shown(plain, 16, "16") == "16"
    out = CliRunner().invoke(main, [*ARGS, "--redact"], input="1\n24\nquit\n").output
    assert "recorded: [redacted]" in out and "recorded: 24" not in out


def test_progress_counts_the_questions_answered_and_those_still_open() -> None:
    out = CliRunner().invoke(main, ARGS, input="1\n16\nback\n17\nquit\n").output
    shown = [(int(n), int(total)) for n, total in PROGRESS.findall(out)]
    assert [n for n, _ in shown] == [1, 2, 3, 2, 3]  # back at the third: the second again
    for n, total in shown:
        assert n <= total
    # "about": the questions still open that could be asked, as the interview sees them
    first = Interview(PALERMO, AS_OF).open_questions()[0]
    assert shown[0][1] == len(first)


def test_a_pipeline_interview_has_a_heading_per_step() -> None:
    case = str(ROOT / "examples/care_path/girl-unsafe-family.yaml")
    args = ["interview", "--pipeline", "intl/care_path", "--case", case, "--as-of", "2026-11-23"]
    out = CliRunner().invoke(main, args, input="unknown\n" * 80).output
    pipe = carepath.load_pipeline("intl/care_path")
    headings = re.findall(r"^== (.*) \((\w+)\) ==$", out, flags=re.MULTILINE)
    assert len(headings) >= 2
    steps = [step for _, step in headings]
    assert all(a != b for a, b in itertools.pairwise(steps))  # a heading when the step changes
    for title, step in headings:
        assert title == pipe.rulesets[step].title
    # every question comes under the heading of a step that waits on it
    assert out.index("== ") < out.index("[question 1 of about")


def test_the_explanation_is_written_to_a_file_with_o(tmp_path: Path) -> None:
    out_file = tmp_path / "explanation.txt"
    lines = "1\n16\n1,2\nsexual_exploitation\nyes\nunknown\n"
    result = CliRunner().invoke(main, [*ARGS, "-o", str(out_file)], input=lines)
    assert result.exit_code == 0, result.output
    text = out_file.read_text(encoding="utf-8")
    assert "(palermo.child_no_means): applies [hard]" in text and "source: palermo, Art. 3(c)" in text
    assert (
        "palermo.child_no_means" not in result.output
        and f"explanation written to {out_file}" in result.output
    )


def test_ctrl_c_keeps_the_answers_with_save(tmp_path: Path) -> None:
    saved = tmp_path / "case.yaml"

    class Interrupted(io.BytesIO):
        """Standard input that gives its lines, then Ctrl-C (as a read interrupted by SIGINT)."""

        def read(self, size: int | None = -1) -> bytes:
            if size == 0:  # click's probe for a binary stream
                return b""
            line = super().readline()
            if not line:
                raise KeyboardInterrupt
            return line

        read1 = read

    result = CliRunner().invoke(main, [*ARGS, "--save", str(saved)], input=Interrupted(b"1\n30\n"))
    assert result.exit_code == 130
    assert f"the answers so far are saved to {saved}" in result.stderr
    assert yaml.safe_load(saved.read_text(encoding="utf-8")) == {
        "answers": {"purpose": ["prostitution_of_others"], "age": 30}
    }
    lost = CliRunner().invoke(main, ARGS, input=Interrupted(b"1\n"))
    assert lost.exit_code == 130 and "the answers were not saved (use --save FILE)" in lost.stderr


def test_an_interrupted_session_keeps_its_answers() -> None:
    replies = iter(["1", "30"])

    def ask(_prompt: str) -> str:
        try:
            return next(replies)
        except StopIteration:
            raise KeyboardInterrupt from None

    session = Interview(PALERMO, AS_OF)
    said: list[str] = []
    try:
        session.run(ask, said.append)
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError("the interrupt was swallowed")
    assert session.answers == {"purpose": ["prostitution_of_others"], "age": 30}


# -- on a real terminal (a pseudo-terminal), Ctrl-C as a signal --------------------------------


class Terminal:
    """``carepath`` on a pseudo-terminal: read what it shows, type, send signals."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.leader, follower = pty.openpty()
        environment = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "dumb", **(env or {})}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "carepath", *args],
            stdin=follower,
            stdout=follower,
            stderr=follower,
            env=environment,
            close_fds=True,
        )
        os.close(follower)
        self.shown = ""

    def expect(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.shown:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} not shown; shown: {self.shown[-400:]!r}")
            ready, _, _ = select.select([self.leader], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.leader, 4096)
                except OSError:  # the program ended
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"{text!r} not shown before the end; shown: {self.shown[-400:]!r}")
                self.shown += chunk.decode("utf-8", "replace")
        return self.shown

    def type(self, line: str) -> None:
        os.write(self.leader, line.encode("utf-8") + b"\n")

    def finish(self, timeout: float = 60) -> int:
        code = self.process.wait(timeout)
        try:
            while chunk := os.read(self.leader, 4096):
                self.shown += chunk.decode("utf-8", "replace")
        except OSError:
            pass
        os.close(self.leader)
        return code


def test_ctrl_c_on_a_terminal_saves_the_answers(tmp_path: Path) -> None:
    saved = tmp_path / "case.yaml"
    term = Terminal([*ARGS, "--save", str(saved)])
    term.expect("> ")
    term.type("1")
    term.expect("recorded: ")
    term.expect("> ")
    term.process.send_signal(signal.SIGINT)
    assert term.finish() == 130
    assert f"saved to {saved}" in term.shown
    assert "Traceback" not in term.shown
    assert yaml.safe_load(saved.read_text(encoding="utf-8")) == {
        "answers": {"purpose": ["prostitution_of_others"]}
    }


def test_the_explanation_is_paged_on_a_terminal(tmp_path: Path) -> None:
    paged = tmp_path / "paged.txt"
    pager = tmp_path / "pager.py"  # a pager that keeps what it is given
    pager.write_text("import shutil, sys\nshutil.copyfileobj(sys.stdin, open(sys.argv[1], 'w'))\n")
    term = Terminal(ARGS, env={"PAGER": f"{sys.executable} {pager} {paged}"})
    for reply in ("1", "16", "1,2", "sexual_exploitation", "yes", "unknown"):
        term.expect("> ")
        term.type(reply)
    assert term.finish() == 0
    text = paged.read_text(encoding="utf-8")
    assert "(palermo.child_no_means): applies [hard]" in text
    assert "(palermo.child_no_means): applies" not in term.shown  # through the pager, not printed
