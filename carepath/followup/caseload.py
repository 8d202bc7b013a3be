"""The caseload of a social worker or an office: every open case, most urgent first.

Each case runs through a follow-up pipeline (``intl/follow_up``: the visits' measures and
warning signs, then the case path) on one date. A row says where the case stands: its stage,
the next visit due and what is overdue, the deterioration flag and the responses it calls for,
whether the rules allow closing it (and as what), what keeps it open, and a referral to make
when the client moved district. Rows are sorted by urgency, then overdue dates, then the
next date due. Cases are read one at a time, so a large file is never held whole.

The rows hold codes and dates, never answers: a caseload can be shared with a supervisor
without the case data behind it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from carepath.assessments.pipeline import Pipeline, load_pipeline
from carepath.assessments.result import Assessment
from carepath.cases import Case, case_from_data, read_case
from carepath.cases.jsonl import chunks, numbered_lines, strict_json
from carepath.errors import CaseError

__all__ = ["CaseRow", "Caseload", "caseload", "caseload_file", "read_cases"]

CHUNK = 500

DEFAULT_PIPELINE = "intl/follow_up"
URGENCY = {"urgent": 0, "soon": 1, "routine": 2}
HEADER = [
    "case",
    "stage",
    "urgency",
    "next visit or review",
    "overdue",
    "deterioration",
    "responses",
    "closure",
    "keeps it open",
    "to confirm",
    "first choice",
]


@dataclass(frozen=True)
class CaseRow:
    """One case in the caseload."""

    case_id: str
    worker: str | None
    office: str | None
    stage: str | None
    urgency: str | None
    next_visit_due: dt.date | None
    """The next follow-up visit due, or for a placement the next review."""
    overdue: tuple[str, ...]
    deterioration: bool | None
    responses: tuple[str, ...]
    next_contact_step: str | None
    ready_to_close: str | None
    """The kind of closure the rules allow now (successful, unsuccessful_lost_contact,
    unsuccessful_died, unsuccessful_absent, unsuccessful_cannot_be_found, ended_by_refusal,
    transferred), or None."""
    not_yet: tuple[str, ...]
    """Why the case may not close yet, where the rules say so."""
    referral: bool
    actions: tuple[str, ...]
    to_confirm: tuple[str, ...] = ()
    """Actions the rules give unless already done (confirm, then act)."""
    first_choice: str | None = None
    """The first care option, determined or provisional (a pipeline with a ranking)."""
    first_choice_provisional: bool = False
    error: str | None = None

    def sort_key(self) -> tuple[Any, ...]:
        # an open urgency is never read as routine: it sorts with "soon"
        rank = URGENCY.get(self.urgency or "", URGENCY["soon"])
        return (
            self.error is None,
            rank,
            not self.overdue,
            self.next_visit_due or dt.date.max,
            self.case_id,
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["next_visit_due"] = self.next_visit_due.isoformat() if self.next_visit_due else None
        for key in ("overdue", "responses", "not_yet", "actions", "to_confirm"):
            data[key] = list(data[key])
        return data


@dataclass(frozen=True)
class Caseload:
    """The rows of a caseload, most urgent first, on one date."""

    as_of: dt.date
    pipeline: str
    rows: tuple[CaseRow, ...]

    @property
    def ready_to_close(self) -> tuple[CaseRow, ...]:
        return tuple(r for r in self.rows if r.ready_to_close)

    @property
    def referrals(self) -> tuple[CaseRow, ...]:
        return tuple(r for r in self.rows if r.referral)

    def to_json(self) -> str:
        return json.dumps(
            {
                "as_of": self.as_of.isoformat(),
                "pipeline": self.pipeline,
                "cases": [r.to_dict() for r in self.rows],
            },
            indent=2,
            ensure_ascii=False,
        )

    def to_csv(self) -> str:
        out = io.StringIO()
        fields = list(CaseRow.__dataclass_fields__)
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for row in self.rows:
            data = row.to_dict()
            writer.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in data.items()})
        return out.getvalue()

    def to_markdown(self) -> str:
        lines = [
            f"# Caseload as of {self.as_of.isoformat()}",
            "",
            f"{len(self.rows)} cases; {len(self.ready_to_close)} may close; {len(self.referrals)} to refer "
            "to another district. Most urgent first.",
            "",
        ]
        header = self._header
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for r in self.rows:
            lines.append("| " + " | ".join(_cells(r)[: len(header)]) + " |")
        return "\n".join(lines) + "\n"

    def to_table(self) -> str:
        """A plain table for a terminal."""
        header = self._header
        body = [_cells(r)[: len(header)] for r in self.rows]
        widths = [max(len(str(x)) for x in column) for column in zip(header, *body, strict=True)]
        lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in body]
        return "\n".join(lines) + "\n"

    @property
    def _header(self) -> list[str]:
        """The columns; "first choice" only when a case has one (a pipeline with a ranking)."""
        return HEADER if any(r.first_choice for r in self.rows) else HEADER[:-1]


def _cells(r: CaseRow) -> list[str]:
    if r.error:
        return [r.case_id, "-", "ERROR", "-", "-", "-", r.error, "-", "-", "-", "-"]
    deterioration = {True: "yes", False: "no", None: "open"}[r.deterioration]
    closure = r.ready_to_close or ("refer first" if r.referral else "-")
    return [
        r.case_id,
        r.stage or "?",
        r.urgency or "open",
        r.next_visit_due.isoformat() if r.next_visit_due else "-",
        ", ".join(r.overdue) or "-",
        deterioration,
        ", ".join(r.responses) or "-",
        closure,
        ", ".join(r.not_yet) or "-",
        ", ".join(r.to_confirm) or "-",
        (f"{r.first_choice} (provisional)" if r.first_choice_provisional else r.first_choice)
        if r.first_choice
        else "-",
    ]


def caseload_file(
    source: str | Path,
    as_of: dt.date,
    pipeline: str = DEFAULT_PIPELINE,
    worker: str | None = None,
    office: str | None = None,
    workers: int = 1,
) -> Caseload:
    """The caseload of a folder of case files or a JSON Lines file; a JSON Lines file is shared
    among ``workers`` processes, in chunks, so memory stays flat."""
    path = Path(source)
    if workers <= 1 or path.is_dir():
        return caseload(read_cases(path), as_of, pipeline, worker, office)
    rows: list[CaseRow] = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: list[Future[list[CaseRow]]] = []
        for chunk in chunks(path, CHUNK):
            pending.append(pool.submit(_chunk_rows, str(pipeline), path.name, chunk, as_of, worker, office))
            while len(pending) >= 2 * workers:  # a bounded number in flight
                rows += pending.pop(0).result()
        for future in pending:
            rows += future.result()
    rows.sort(key=CaseRow.sort_key)
    return Caseload(as_of, load_pipeline(pipeline).id, tuple(rows))


_PIPELINES: dict[str, Pipeline] = {}


def _chunk_rows(
    pipeline: str,
    name: str,
    chunk: list[tuple[int, str]],
    as_of: dt.date,
    worker: str | None,
    office: str | None,
) -> list[CaseRow]:
    """One process's share; the pipeline is loaded once per process."""
    if pipeline not in _PIPELINES:
        _PIPELINES[pipeline] = load_pipeline(pipeline)
    cases = (_parse_line(f"{name}:{number}", line) for number, line in chunk)
    return list(caseload(cases, as_of, _PIPELINES[pipeline], worker, office).rows)


def _parse_line(name: str, line: str) -> tuple[str, Case | CaseError]:
    try:
        return name, case_from_data(strict_json(line, name), name)  # JSON Lines: one document per line
    except CaseError as exc:
        return name, exc


def read_cases(source: str | Path) -> Iterator[tuple[str, Case | CaseError]]:
    """The cases of a folder of case files (``.yaml``, ``.yml``, ``.json``) or a JSON Lines
    file, one at a time, each with its name; a case that cannot be read is yielded as its error."""
    path = Path(source)
    if path.is_dir():
        for file in sorted(
            p for p in path.iterdir() if p.suffix in (".yaml", ".yml", ".json") and p.is_file()
        ):
            try:
                yield file.stem, read_case(file)
            except CaseError as exc:
                yield file.stem, exc
        return
    for number, line in numbered_lines(path):
        yield _parse_line(f"{path.name}:{number}", line)


def caseload(
    cases: Iterable[tuple[str, Case | CaseError]],
    as_of: dt.date,
    pipeline: str | Pipeline = DEFAULT_PIPELINE,
    worker: str | None = None,
    office: str | None = None,
) -> Caseload:
    """The caseload of the cases given (only one worker's or office's, if named)."""
    pipe = pipeline if isinstance(pipeline, Pipeline) else load_pipeline(pipeline)
    rows: list[CaseRow] = []
    for name, case in cases:
        if isinstance(case, CaseError):
            rows.append(_error_row(name, case))
            continue
        if (worker and case.worker != worker) or (office and case.office != office):
            continue
        case_id = case.case_id or name
        try:
            result = pipe.assess(case, as_of=as_of, trace=False, reasons=False)
        except CaseError as exc:
            rows.append(_error_row(case_id, exc))
            continue
        if result.plan is not None and result.plan.stage == "closure":
            continue  # a closed case is no longer in the caseload
        rows.append(_row(case_id, case, result))
    rows.sort(key=CaseRow.sort_key)
    return Caseload(as_of, pipe.id, tuple(rows))


def _error_row(case_id: str, exc: CaseError) -> CaseRow:
    message = exc.field or type(exc).__name__  # the field at fault, never the value
    return CaseRow(
        case_id, None, None, None, None, None, (), None, (), None, None, (), False, (), error=message
    )


def _value(result: Assessment, step: str, outcome: str) -> Any:
    if step not in result.steps or outcome not in result.steps[step].outcomes:
        return None
    found = result.steps[step].outcomes[outcome]
    return found.value if found.determined else None


def _row(case_id: str, case: Case, result: Assessment) -> CaseRow:
    plan = result.plan
    path = "case_path"
    closure = _value(result, path, "closure")
    allowed = plan is not None and "closure" in plan.allowed
    actions = tuple(_value(result, path, "actions") or ())
    due = {d.name: d for d in plan.due} if plan is not None else {}
    visit = due.get("follow_up_visit") or due.get("placement_review")
    not_yet: list[str] = []
    if not allowed:
        if _value(result, path, "follow_up_visit_overdue"):
            not_yet.append("visit overdue")
        if _value(result, "follow_up", "deterioration"):
            not_yet.append("deterioration open")
        if "continue_follow_up" in actions:
            not_yet.append("follow-up period not over")
        if "bring_to_coordination_meeting" in actions:
            not_yet.append("coordination meeting")
        if "refer_to_new_district" in actions:
            not_yet.append("referral to the new district")
        if result.steps[path].facts.get("lost_contact"):
            not_yet.insert(0, "contact lost")
        if "escalate_contact" in actions:
            not_yet.append("contact attempts failing")
        if "urgent_safety_response" in actions:
            not_yet.insert(0, "family unsafe after the return")
        if "see_child_and_family" in actions:
            not_yet.append("a child declined follow-up")
        found = result.steps[path].outcomes["closure"]
        if not found.determined:  # open questions, by name (never an answer)
            not_yet += [f"to answer: {name}" for name in found.missing]
    first, provisional = _first_choice(result)
    return CaseRow(
        case_id=case_id,
        worker=case.worker,
        office=case.office,
        stage=plan.stage if plan is not None else None,
        urgency=_value(result, "follow_up", "urgency"),
        next_visit_due=visit.due if visit is not None else None,
        overdue=tuple(d.name for d in due.values() if d.overdue),
        deterioration=_value(result, "follow_up", "deterioration"),
        responses=tuple(_value(result, "follow_up", "responses") or ()),
        next_contact_step=_value(result, "follow_up", "next_contact_step"),
        ready_to_close=closure if allowed and closure != "not_yet" else None,
        not_yet=tuple(not_yet),
        referral="refer_to_new_district" in actions,
        actions=actions,
        to_confirm=tuple(c.value for c in plan.to_confirm) if plan is not None else (),
        first_choice=first,
        first_choice_provisional=provisional,
    )


def _first_choice(result: Assessment) -> tuple[str | None, bool]:
    """The first care option and whether it is provisional (None without a ranking)."""
    choice = result.ranking.first_choice if result.ranking is not None else None
    return (choice[0], choice[1] == "provisional") if choice is not None else (None, False)
