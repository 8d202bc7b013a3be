"""Many cases assessed at once: one result row per case, for joining back to the case records.

The cases come from a JSON Lines file (one case document per line), a folder of case files
(``.yaml``, ``.yml``, ``.json``), or a submissions export of the form (CSV, or ODK Central's
and KoboToolbox's JSON; :func:`carepath.exchange.submissions.import_submissions`), which is also
how a CSV of cases (one column per input, and ``case_id``) is read.

Each row holds the case id, where the case came from (``FILE:LINE``, a file name), every
outcome with its status, the first choice (``determined`` or ``provisional``: never acted on
before its open questions are answered), the blocked options and the open questions, most
needed first. A case that cannot be read or assessed is reported by where it came from (never
a value) and skipped; the others are kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from carepath.assessments.pipeline import Pipeline
from carepath.cases import Case, case_from_data, read_case
from carepath.cases.jsonl import LineFault, lines_or_faults, strict_json
from carepath.errors import CarepathError, CaseError, CaseFormatError
from carepath.exchange.submissions import MAX_JSON_BYTES, import_submissions
from carepath.rules.result import Outcome, plain
from carepath.rules.ruleset import RuleSet
from carepath.safeio import read_bounded

__all__ = [
    "CASE_SUFFIXES",
    "LINES_SUFFIXES",
    "CaseResult",
    "Source",
    "assess_case",
    "csv_header",
    "csv_line",
    "is_batch",
    "jsonl_line",
    "read_batch",
    "run_batch",
]

LINES_SUFFIXES = frozenset({".jsonl", ".ndjson"})
CASE_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
UNDETERMINED = "undetermined"

Subject = RuleSet | Pipeline
Item = tuple[str, str | None, Case | CaseError]
"""Where a case came from, its id if known, and the case (or why it cannot be read)."""


@dataclass(frozen=True)
class Source:
    """The cases of one input, and how many there are (for a progress bar)."""

    total: int
    items: Iterator[Item]
    skipped_rows: tuple[str, ...] = ()
    """Rows of a submissions export that could not be read (already counted out of ``total``)."""
    rejected: int = 0
    """Submissions rejected by their reviewer, skipped."""


@dataclass(frozen=True)
class CaseResult:
    """One case's result row."""

    case_id: str | None
    source: str
    outcomes: dict[str, Outcome]
    """``step.outcome`` (or, for one rule set, ``outcome``) -> the outcome."""
    first_choice: str | None
    first_choice_status: Literal["determined", "provisional"] | None
    blocked: tuple[str, ...]
    open_questions: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "source": self.source,
            "outcomes": {
                name: {"value": plain(o.value), "status": o.status} for name, o in self.outcomes.items()
            },
            "first_choice": (
                None
                if self.first_choice_status is None
                else {"option": self.first_choice, "status": self.first_choice_status}
            ),
            "blocked": list(self.blocked),
            "open_questions": list(self.open_questions),
        }

    def csv_cells(self, outcomes: list[str]) -> list[str]:
        """The row under :func:`csv_header`: a determined value as text, else ``undetermined``."""
        return [
            self.case_id or "",
            self.source,
            *(_cell(self.outcomes.get(name)) for name in outcomes),
            self.first_choice or "",
            self.first_choice_status or "",
            " ".join(self.blocked),
            " ".join(self.open_questions),
        ]


def csv_header(outcomes: list[str]) -> list[str]:
    """The columns of a CSV of results: one per outcome, between the ids and the choices."""
    return [
        "case_id",
        "source",
        *outcomes,
        "first_choice",
        "first_choice_status",
        "blocked",
        "open_questions",
    ]


def csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def _cell(outcome: Outcome | None) -> str:
    if outcome is None:
        return ""
    if not outcome.determined:
        return UNDETERMINED
    value = plain(outcome.value)
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def assess_case(subject: Subject, case: Case, as_of: dt.date, case_id: str | None, source: str) -> CaseResult:
    """One case's result row (raises :class:`CaseError` if the case does not fit the rules)."""
    if isinstance(subject, RuleSet):
        answers = subject.check(case.on(as_of, subject.inputs))
        evaluation = subject.evaluate(answers, as_of=as_of, trace=False)
        questions = subject.next_questions(answers, as_of=as_of) if evaluation.missing else ()
        return CaseResult(
            case_id, source, dict(evaluation.outcomes), None, None, (), tuple(q.name for q in questions)
        )
    result = subject.assess(case, as_of=as_of, trace=False, reasons=False)
    outcomes = {
        f"{step}.{name}": o for step in result.order for name, o in result.steps[step].outcomes.items()
    }
    first: str | None = None
    status: Literal["determined", "provisional"] | None = None
    blocked: tuple[str, ...] = ()
    if result.ranking is not None:
        blocked = tuple(b.option for b in result.ranking.blocked)
        if (choice := result.ranking.first_choice) is not None:
            first, status = choice
    return CaseResult(case_id, source, outcomes, first, status, blocked, result.next_questions)


def is_batch(path: Path) -> bool:
    """Whether ``path`` holds many cases: a folder, a JSON Lines or CSV file, or a JSON file that is
    a list of submissions (or ODK Central's ``{"value": [...]}``) rather than one case."""
    if path.is_dir():
        return True
    suffix = path.suffix.lower()
    if suffix in LINES_SUFFIXES or suffix == ".csv":
        return True
    if suffix != ".json":
        return False
    try:
        size = path.stat().st_size
        if size > MAX_JSON_BYTES:
            return True  # no case file is that large: an export (refused by its reader, with why)
        data = strict_json(read_bounded(path, MAX_JSON_BYTES), str(path), max_values=None)
    except (CarepathError, OSError):
        return False  # left to the one-case reader, which says why it cannot be read
    if isinstance(data, list):
        return True
    return (
        isinstance(data, dict)
        and isinstance(data.get("value"), list)
        and not {"answers", "contacts"} & set(data)
    )


def read_batch(path: Path, subject: Subject, *, strict: bool = True) -> Source:
    """The cases of ``path`` (see the module docstring), one at a time where the input allows."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in CASE_SUFFIXES and p.is_file())
        return Source(len(files), _files(files))
    if path.suffix.lower() in LINES_SUFFIXES:
        total = sum(1 for _ in _raw_lines(path))
        return Source(total, _lines(path))
    done = import_submissions(subject, path, strict=strict)
    items: list[Item] = []
    for row, data in zip(done.rows, done.cases, strict=True):
        where = f"{path.name}:{row}"
        items.append((where, data["case_id"], _parsed(data, where)))
    return Source(len(items), iter(items), tuple(done.skipped), done.rejected)


def _files(files: list[Path]) -> Iterator[Item]:
    for file in files:
        try:
            case = read_case(file)
        except CaseError as exc:
            yield file.name, file.stem, exc
            continue
        yield file.name, _id(case.case_id) or file.stem, case


def _lines(path: Path) -> Iterator[Item]:
    for number, line in _raw_lines(path):
        where = f"{path.name}:{number}"
        try:
            if isinstance(line, CaseError):
                raise line
            case = case_from_data(strict_json(line, where), where)
        except CaseError as exc:
            yield where, None, exc
            continue
        yield where, _id(case.case_id), case


def _raw_lines(path: Path) -> Iterator[tuple[int, str | CaseError]]:
    """Each non-blank line with its number; a line that is not UTF-8 or is too long is its error
    (the lines after it are still read)."""
    for number, line in lines_or_faults(path):
        if isinstance(line, LineFault):
            yield number, CaseFormatError(f"{path.name}:{number}: {line.reason}")
        else:
            yield number, line


def _parsed(data: Any, where: str) -> Case | CaseError:
    try:
        return case_from_data(data, where)
    except CaseError as exc:
        return exc


def _id(raw: Any) -> str | None:
    return None if raw is None else str(raw)


def run_batch(
    subject: Subject,
    source: Source,
    as_of: dt.date,
    emit: Callable[[CaseResult], None],
    on_error: Callable[[str], None],
    step: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Assess every case of ``source``: each result to ``emit``, each case that cannot be read or
    assessed to ``on_error`` as ``WHERE: message`` (the message names fields, never values).
    Returns how many were assessed and how many skipped."""
    assessed = skipped = 0
    for where, case_id, case in source.items:
        try:
            if isinstance(case, CaseError):
                raise case
            result = assess_case(subject, case, as_of, case_id, where)
        except CaseError as exc:
            text = str(exc)
            on_error(text if text.startswith(where) else f"{where}: {text}")
            skipped += 1
        else:
            emit(result)
            assessed += 1
        if step is not None:
            step(1)
    return assessed, skipped


def jsonl_line(result: CaseResult) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False) + "\n"
