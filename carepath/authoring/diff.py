"""What a rule change does to a population of cases: evaluate two rule sets on the same cases.

For each outcome it counts the cases that move, in a transition matrix (old -> new). For each
move it names the rules that explain it: rules that did something different (a truth, a
contribution) under the two rule sets, or which exist in only one of them. Cases are read one
line at a time from a JSON Lines file, and only counters and a few sample case references
(case_id or line number, never case data) are kept, so memory stays flat. Large files are split
across processes.

Values are shown as labels: ``yes`` / ``no``, a set's values joined by commas, ``none`` for no
value; an open outcome as ``value?`` (``possible_victim?``, or ``?`` when it has no value).

A move is blamed on the rules that differ between the two sides and can reach the outcome that
moved (they conclude it, or something it is concluded from); a rule only one side has (an
overlay's new rule) did nothing on the other side. A case that cannot be evaluated is counted
with its reason (for example an input one side does not declare, named only where a rule set
declares it); ``drop_undeclared`` (``--drop-undeclared``) gives each side only the fields it
declares, and counts what it drops.

``settings`` (``carepath diff --set NAME=VALUE``) apply to the new side only, as an in-memory
overlay (:func:`carepath.rules.ruleset.with_parameters`): a base compared with a reform of itself
needs no file.
"""

from __future__ import annotations

import datetime as dt
import html
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carepath.cases.jsonl import chunks, numbered_lines, strict_json
from carepath.errors import CarepathError, CaseFormatError, UnknownFieldError
from carepath.rules.reform import settings_text
from carepath.rules.result import Outcome
from carepath.rules.ruleset import RuleSet, load, with_parameters

__all__ = ["DiffReport", "OutcomeDiff", "diff_cases", "diff_file"]

SAMPLES = 3
NONE = "none"  # the label of no value
UNDECLARED_BY_BOTH = "a field neither rule set declares"
CHUNK = 2000
MATRIX_MAX = 8  # a transition table wider than this is listed as its largest moves
TOP_MOVES = 10


@dataclass
class OutcomeDiff:
    """How one outcome moved between the old and the new rule set."""

    changed: int = 0
    matrix: Counter[tuple[str, str]] = field(default_factory=Counter)
    rules: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)
    samples: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def merge(self, other: OutcomeDiff) -> None:
        self.changed += other.changed
        self.matrix.update(other.matrix)
        for move, rules in other.rules.items():
            self.rules.setdefault(move, Counter()).update(rules)
        for move, samples in other.samples.items():
            mine = self.samples.setdefault(move, [])
            mine.extend(samples[: SAMPLES - len(mine)])


@dataclass
class DiffReport:
    """The comparison of two rule sets over a population of cases."""

    old: str
    new: str
    as_of: dt.date
    cases: int = 0
    changed: int = 0
    errors: int = 0
    outcomes: dict[str, OutcomeDiff] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)  # parameters set on the new side
    drop_undeclared: bool = False
    reasons: Counter[str] = field(default_factory=Counter)  # why cases were not evaluated
    reason_samples: dict[str, list[str]] = field(default_factory=dict)
    dropped: dict[str, Counter[str]] = field(default_factory=dict)  # side -> field -> cases

    def not_evaluated(self, reason: str, ref: str) -> None:
        """Count a case that could not be evaluated, and why."""
        self.errors += 1
        self.reasons[reason] += 1
        samples = self.reason_samples.setdefault(reason, [])
        if len(samples) < SAMPLES:
            samples.append(ref)

    def merge(self, other: DiffReport) -> None:
        self.cases += other.cases
        self.changed += other.changed
        self.errors += other.errors
        for name, part in other.outcomes.items():
            self.outcomes.setdefault(name, OutcomeDiff()).merge(part)
        self.reasons.update(other.reasons)
        for reason, samples in other.reason_samples.items():
            mine = self.reason_samples.setdefault(reason, [])
            mine.extend(samples[: SAMPLES - len(mine)])
        for side, counts in other.dropped.items():
            self.dropped.setdefault(side, Counter()).update(counts)

    # -- renderings ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        settings = {"settings": {k: _plain(v) for k, v in self.settings.items()}} if self.settings else {}
        extra: dict[str, Any] = {}
        if self.errors:
            extra["not_evaluated"] = [
                {"reason": reason, "cases": count, "samples": self.reason_samples.get(reason, [])}
                for reason, count in _ranked(self.reasons)
            ]
        if self.drop_undeclared:
            extra["dropped"] = {
                side: dict(_ranked(self.dropped.get(side, Counter()))) for side in ("old", "new")
            }
        return {
            "old": self.old,
            "new": self.new,
            **settings,
            "as_of": self.as_of.isoformat(),
            "cases": self.cases,
            "changed": self.changed,
            "errors": self.errors,
            **extra,
            "outcomes": {
                name: {
                    "changed": d.changed,
                    "transitions": [
                        {
                            "old": old,
                            "new": new,
                            "cases": count,
                            "rules": dict(_ranked(d.rules.get((old, new), Counter()))),
                            "samples": d.samples.get((old, new), []),
                        }
                        for (old, new), count in _by_count(d.matrix)
                    ],
                }
                for name, d in self.outcomes.items()
            },
        }

    def markdown(self) -> str:
        lines = [
            f"# {self.old} -> {self.new}",
            "",
            f"{self.cases} cases as of {self.as_of.isoformat()}; {self.changed} change at least one outcome"
            + (f"; {self.errors} could not be evaluated" if self.errors else "")
            + ".",
        ]
        if self.settings:
            lines[2:2] = [f"{self.new} sets {settings_text(self.settings)}.", ""]
        notes = self._notes()
        if notes:
            lines += ["", *(f"- {note}" for note in notes)]
        for name, d in self.outcomes.items():
            lines += ["", f"## {name}: {d.changed} cases change", ""]
            olds = sorted({o for o, _ in d.matrix})
            news = sorted({n for _, n in d.matrix})
            if len(olds) <= MATRIX_MAX and len(news) <= MATRIX_MAX:
                lines.append("| old \\ new | " + " | ".join(f"`{n}`" for n in news) + " |")
                lines.append("|---" * (len(news) + 1) + "|")
                for old in olds:
                    cells = [str(d.matrix.get((old, new), "")) for new in news]
                    lines.append(f"| `{old}` | " + " | ".join(cells) + " |")
            else:
                lines.append(f"{len(olds)} values before, {len(news)} after: the largest moves only.")
            moves = sorted(d.rules.items(), key=lambda kv: (-d.matrix[kv[0]], kv[0]))
            for (old, new), rules in moves[:TOP_MOVES]:
                explained = ", ".join(f"`{r}` ({c})" for r, c in _ranked(rules)[:5]) or "no rule differs"
                samples = ", ".join(d.samples.get((old, new), []))
                lines.append("")
                lines.append(f"- `{old}` -> `{new}` ({d.matrix[(old, new)]}): {explained}; e.g. {samples}")
        return "\n".join(lines) + "\n"

    def _notes(self) -> list[str]:
        """The cases not evaluated, by reason, and the fields dropped, by side."""
        notes = [
            f"not evaluated, {reason}: {count}; e.g. {', '.join(self.reason_samples.get(reason, []))}"
            for reason, count in _ranked(self.reasons)
        ]
        for side in ("old", "new"):
            for name, count in _ranked(self.dropped.get(side, Counter())):
                notes.append(f"dropped from {side}'s cases, {name}: {count}")
        return notes

    def html(self) -> str:
        body = [f"<h1>{html.escape(self.old)} &rarr; {html.escape(self.new)}</h1>"]
        if self.settings:
            body.append(f"<p>{html.escape(self.new)} sets {html.escape(settings_text(self.settings))}.</p>")
        body.append(
            f"<p>{self.cases} cases as of {self.as_of.isoformat()}; {self.changed} change at least one"
            f" outcome; {self.errors} could not be evaluated.</p>"
        )
        notes = self._notes()
        if notes:
            body.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
        for name, d in self.outcomes.items():
            body.append(f"<h2>{html.escape(name)}: {d.changed} cases change</h2>")
            body.append(
                "<table><tr><th>old</th><th>new</th><th>cases</th><th>explained by</th><th>e.g.</th></tr>"
            )
            for (old, new), count in _by_count(d.matrix):
                rules = ", ".join(f"{r} ({c})" for r, c in _ranked(d.rules.get((old, new), Counter()))[:5])
                samples = ", ".join(d.samples.get((old, new), []))
                cells = [old, new, str(count), rules, samples]
                body.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
            body.append("</table>")
        style = (
            "body{font-family:sans-serif}table{border-collapse:collapse}"
            "td,th{border:1px solid #999;padding:4px}"
        )
        return (
            "<!doctype html><html><head><meta charset='utf-8'><title>carepath diff</title>"
            f"<style>{style}</style></head><body>" + "".join(body) + "</body></html>\n"
        )


@dataclass(frozen=True)
class _Sides:
    """What the per-case comparison needs of the two rule sets, prepared once."""

    old: RuleSet
    new: RuleSet
    names: tuple[str, ...]
    upstream: dict[str, frozenset[str]]  # per outcome: the rules (of either side) it depends on
    drop_undeclared: bool = False

    @classmethod
    def of(cls, old: RuleSet, new: RuleSet, drop_undeclared: bool = False) -> _Sides:
        names = tuple(n for n in old.merged.outcomes if n in new.merged.outcomes)
        upstream = {n: _rules_upstream(old, n) | _rules_upstream(new, n) for n in names}
        return cls(old, new, names, upstream, drop_undeclared)


def diff_cases(
    old: RuleSet,
    new: RuleSet,
    cases: Iterator[tuple[str, dict[str, Any]]],
    as_of: dt.date,
    *,
    drop_undeclared: bool = False,
) -> DiffReport:
    """Compare two loaded rule sets over ``(reference, case)`` pairs; with ``drop_undeclared``
    each side is given only the fields it declares (what it drops is counted)."""
    report = DiffReport(old.id, new.id, as_of, drop_undeclared=drop_undeclared)
    sides = _Sides.of(old, new, drop_undeclared)
    for name in sides.names:
        report.outcomes[name] = OutcomeDiff()
    for ref, case in cases:
        diff_one(report, sides, ref, case)
    return report


def diff_one(report: DiffReport, sides: _Sides, ref: str, case: dict[str, Any]) -> None:
    """Evaluate one case under both rule sets and count what moved, and why, into ``report``."""
    report.cases += 1
    old_case = _declared(report, "old", sides.old, sides.new, case) if sides.drop_undeclared else case
    new_case = _declared(report, "new", sides.new, sides.old, case) if sides.drop_undeclared else case
    try:
        before = sides.old.evaluate(old_case, as_of=report.as_of, trace=False)
    except CarepathError as exc:
        report.not_evaluated(_reason("old", sides.old, sides.new, exc), ref)
        return
    try:
        after = sides.new.evaluate(new_case, as_of=report.as_of, trace=False)
    except CarepathError as exc:
        report.not_evaluated(_reason("new", sides.new, sides.old, exc), ref)
        return
    moves = [(name, (_key(before[name]), _key(after[name]))) for name in sides.names]
    for name, move in moves:
        report.outcomes[name].matrix[move] += 1
    moved = [(name, move) for name, move in moves if move[0] != move[1]]
    if not moved:
        return
    report.changed += 1
    differing = _explaining(
        sides.old.rule_states(old_case, report.as_of), sides.new.rule_states(new_case, report.as_of)
    )
    for name, move in moved:
        part = report.outcomes[name]
        part.changed += 1
        part.rules.setdefault(move, Counter()).update(differing & sides.upstream[name])
        samples = part.samples.setdefault(move, [])
        if len(samples) < SAMPLES:
            samples.append(ref)


def _declared(
    report: DiffReport, side: str, this: RuleSet, other: RuleSet, case: dict[str, Any]
) -> dict[str, Any]:
    """``case`` without the fields ``this`` side does not declare, each one dropped counted (by
    name where the other side declares it: a field neither declares is the case's own word)."""
    kept = {k: v for k, v in case.items() if k in this.inputs}
    if len(kept) < len(case):
        for k in case.keys() - kept.keys():
            shown = k if k in other.inputs else UNDECLARED_BY_BOTH
            report.dropped.setdefault(side, Counter())[shown] += 1
    return kept


def _reason(side: str, this: RuleSet, other: RuleSet, exc: CarepathError) -> str:
    """Why a case could not be evaluated, in words that hold no case value: the field's name
    only where a rule set declares it."""
    if isinstance(exc, UnknownFieldError):
        if exc.field is not None and exc.field in other.inputs:
            return f"an input {side} ({this.id}) does not declare: {exc.field}"
        return f"{side} ({this.id}): {UNDECLARED_BY_BOTH}"
    return f"{side} ({this.id}): {exc}"


def _rules_upstream(ruleset: RuleSet, outcome: str) -> frozenset[str]:
    """The rules whose result can reach ``outcome``: those that conclude it and all they read."""
    import networkx as nx

    graph = ruleset.compiled.graph
    node = ("target", outcome)
    if node not in graph:
        return frozenset()
    return frozenset(n[1] for n in nx.ancestors(graph, node) if n[0] == "rule")


def diff_file(
    old_name: str | Path,
    new_name: str | Path,
    cases_path: str | Path,
    as_of: dt.date,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    *,
    settings: Mapping[str, Any] | None = None,
    drop_undeclared: bool = False,
) -> DiffReport:
    """Compare two rule sets (ids or paths) over a JSON Lines file of cases; ``settings`` set
    parameters of the new one (:func:`carepath.rules.ruleset.with_parameters`);
    ``drop_undeclared`` gives each side only the fields it declares."""
    settings = dict(settings or {})
    old, new = load(old_name), with_parameters(load(new_name), settings)
    if workers <= 1:
        report = diff_cases(
            old, new, _read_lines(Path(cases_path), progress), as_of, drop_undeclared=drop_undeclared
        )
        report.settings = settings
        return report
    report = DiffReport(old.id, new.id, as_of, settings=settings, drop_undeclared=drop_undeclared)
    for name in (n for n in old.merged.outcomes if n in new.merged.outcomes):
        report.outcomes[name] = OutcomeDiff()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: list[Future[DiffReport]] = []
        for chunk in chunks(Path(cases_path), CHUNK):
            pending.append(
                pool.submit(
                    _diff_chunk, str(old_name), str(new_name), chunk, as_of, settings, drop_undeclared
                )
            )
            while len(pending) >= 2 * workers:  # a bounded number in flight: flat memory
                done = pending.pop(0).result()
                report.merge(done)
                if progress:
                    progress(done.cases)
        for future in pending:
            done = future.result()
            report.merge(done)
            if progress:
                progress(done.cases)
    return report


def _diff_chunk(
    old: str,
    new: str,
    chunk: list[tuple[int, str]],
    as_of: dt.date,
    settings: dict[str, Any],
    drop_undeclared: bool = False,
) -> DiffReport:
    """One worker's share: the rule sets are loaded once per process."""
    old_rs, new_rs = _cached(old, {}), _cached(new, settings)
    cases = (_parse(n, line) for n, line in chunk)
    return diff_cases(old_rs, new_rs, cases, as_of, drop_undeclared=drop_undeclared)


_LOADED: dict[tuple[str, str], RuleSet] = {}


def _cached(name: str, settings: dict[str, Any]) -> RuleSet:
    key = (name, repr(sorted(settings.items())))
    if key not in _LOADED:  # per worker process
        _LOADED[key] = with_parameters(load(name), settings)
    return _LOADED[key]


def _read_lines(path: Path, progress: Callable[[int], None] | None) -> Iterator[tuple[str, dict[str, Any]]]:
    for number, line in numbered_lines(path):
        yield _parse(number, line)
        if progress:
            progress(1)


def _parse(number: int, line: str) -> tuple[str, dict[str, Any]]:
    data = strict_json(line, f"line {number}")  # a repeated key is an error, not a dropped answer
    if not isinstance(data, dict):
        raise CaseFormatError(f"line {number}: a case is a JSON object")
    answers = data["answers"] if isinstance(data.get("answers"), dict) else data
    ref = str(data.get("case_id") or f"line {number}")
    return ref, {k: v for k, v in answers.items() if k not in ("case_id", "description")}


def _plain(value: Any) -> Any:
    """A setting's value as JSON holds it (a date as YYYY-MM-DD)."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


def _key(outcome: Outcome) -> str:
    """An outcome's value as a label: ``yes`` / ``no``, values of a set joined by commas, ``none``
    for no value; an open one ends in ``?`` (``?`` alone when it has no value yet)."""
    value = outcome.value
    if outcome.determined:
        return _label(value) or NONE
    return f"{_label(value)}?"


def _label(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | frozenset | set):
        return ",".join(_label(v) for v in value)
    return "" if value is None else str(value)


_ABSENT = object()


def _explaining(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    """Rules that did something different under the two rule sets. A rule only one side has did
    nothing on the other: it is named where it applies, or may apply, or contributes."""
    return {
        rid for rid in old.keys() | new.keys() if _did(old.get(rid, _ABSENT)) != _did(new.get(rid, _ABSENT))
    }


def _did(state: Any) -> Any:
    """A rule's state, with "absent" read as "did nothing" (does not apply, contributes nothing)."""
    return False if state is _ABSENT else state


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    """Most frequent first, ties by name: the same report on every run."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _by_count(matrix: Counter[tuple[str, str]]) -> list[tuple[tuple[str, str], int]]:
    return sorted(matrix.items(), key=lambda kv: (-kv[1], kv[0]))
