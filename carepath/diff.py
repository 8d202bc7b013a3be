"""What a rule change does to a population of cases: evaluate two rule sets on the same cases.

For each outcome it counts the cases that move, in a transition matrix (old -> new). For each
move it names the rules that explain it: rules that did something different (a truth, a
contribution) under the two rule sets, or which exist in only one of them. Cases are read one
line at a time from a JSON Lines file, and only counters and a few sample case references
(case_id or line number, never case data) are kept, so memory stays flat. Large files are split
across processes.

An open outcome is shown as ``value?`` (``possible_victim?``, or ``?`` when it has no value).

``settings`` (``carepath diff --set NAME=VALUE``) apply to the new side only, as an in-memory
overlay (:func:`carepath.rules.reform.with_parameters`): a base compared with a reform of itself
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

from carepath.errors import CarepathError, CaseFormatError
from carepath.jsonl import chunks, numbered_lines, strict_json
from carepath.rules.reform import settings_text, with_parameters
from carepath.rules.result import Outcome
from carepath.rules.ruleset import RuleSet, load

__all__ = ["DiffReport", "OutcomeDiff", "diff_cases", "diff_file"]

SAMPLES = 3
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

    def merge(self, other: DiffReport) -> None:
        self.cases += other.cases
        self.changed += other.changed
        self.errors += other.errors
        for name, part in other.outcomes.items():
            self.outcomes.setdefault(name, OutcomeDiff()).merge(part)

    # -- renderings ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        settings = {"settings": {k: _plain(v) for k, v in self.settings.items()}} if self.settings else {}
        return {
            "old": self.old,
            "new": self.new,
            **settings,
            "as_of": self.as_of.isoformat(),
            "cases": self.cases,
            "changed": self.changed,
            "errors": self.errors,
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

    def html(self) -> str:
        body = [f"<h1>{html.escape(self.old)} &rarr; {html.escape(self.new)}</h1>"]
        if self.settings:
            body.append(f"<p>{html.escape(self.new)} sets {html.escape(settings_text(self.settings))}.</p>")
        body.append(
            f"<p>{self.cases} cases as of {self.as_of.isoformat()}; {self.changed} change at least one"
            f" outcome; {self.errors} could not be evaluated.</p>"
        )
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


def diff_cases(
    old: RuleSet, new: RuleSet, cases: Iterator[tuple[str, dict[str, Any]]], as_of: dt.date
) -> DiffReport:
    """Compare two loaded rule sets over ``(reference, case)`` pairs."""
    report = DiffReport(old.id, new.id, as_of)
    names = [n for n in old.merged.outcomes if n in new.merged.outcomes]
    for name in names:
        report.outcomes[name] = OutcomeDiff()
    for ref, case in cases:
        report.cases += 1
        try:
            before = old.evaluate(case, as_of=as_of, trace=False)
            after = new.evaluate(case, as_of=as_of, trace=False)
        except CarepathError:
            report.errors += 1
            continue
        moved = [n for n in names if _key(before[n]) != _key(after[n])]
        for name in names:
            report.outcomes[name].matrix[(_key(before[name]), _key(after[name]))] += 1
        if not moved:
            continue
        report.changed += 1
        explaining = _explaining(old.rule_states(case, as_of), new.rule_states(case, as_of))
        for name in moved:
            move = (_key(before[name]), _key(after[name]))
            part = report.outcomes[name]
            part.changed += 1
            part.rules.setdefault(move, Counter()).update(explaining)
            samples = part.samples.setdefault(move, [])
            if len(samples) < SAMPLES:
                samples.append(ref)
    return report


def diff_file(
    old_name: str | Path,
    new_name: str | Path,
    cases_path: str | Path,
    as_of: dt.date,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    *,
    settings: Mapping[str, Any] | None = None,
) -> DiffReport:
    """Compare two rule sets (ids or paths) over a JSON Lines file of cases; ``settings`` set
    parameters of the new one (:func:`carepath.rules.reform.with_parameters`)."""
    settings = dict(settings or {})
    old, new = load(old_name), with_parameters(load(new_name), settings)
    if workers <= 1:
        report = diff_cases(old, new, _read_lines(Path(cases_path), progress), as_of)
        report.settings = settings
        return report
    report = DiffReport(old.id, new.id, as_of, settings=settings)
    for name in (n for n in old.merged.outcomes if n in new.merged.outcomes):
        report.outcomes[name] = OutcomeDiff()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: list[Future[DiffReport]] = []
        for chunk in chunks(Path(cases_path), CHUNK):
            pending.append(pool.submit(_diff_chunk, str(old_name), str(new_name), chunk, as_of, settings))
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
    old: str, new: str, chunk: list[tuple[int, str]], as_of: dt.date, settings: dict[str, Any]
) -> DiffReport:
    """One worker's share: the rule sets are loaded once per process."""
    old_rs, new_rs = _cached(old, {}), _cached(new, settings)
    return diff_cases(old_rs, new_rs, (_parse(n, line) for n, line in chunk), as_of)


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
    value = outcome.value
    shown = ",".join(map(str, value)) if isinstance(value, list) else ("" if value is None else str(value))
    return shown if outcome.determined else f"{shown}?"


def _explaining(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    """Rules that did something different under the two rule sets, or that only one has."""
    return {rid for rid in old.keys() | new.keys() if old.get(rid) != new.get(rid)}


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    """Most frequent first, ties by name: the same report on every run."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _by_count(matrix: Counter[tuple[str, str]]) -> list[tuple[tuple[str, str], int]]:
    return sorted(matrix.items(), key=lambda kv: (-kv[1], kv[0]))
