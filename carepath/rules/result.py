"""Stage 5: the typed result of an evaluation: outcomes, facts, missing inputs and the trace.

Outputs are recommendations with reasons, never determinations: the competent authority
decides status and placement. An outcome is ``determined`` when no unknown answer could
change it, ``undetermined`` otherwise, with the inputs that could still settle it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from carepath.rules.trace import Trace

__all__ = ["NOTICE", "Evaluation", "Outcome", "plain"]

Status = Literal["determined", "undetermined"]
NOTICE = "Recommendations with reasons, not determinations: the competent authority decides."


@dataclass(slots=True)
class Outcome:
    """One outcome: its value (``None`` while undetermined), status and reasons."""

    name: str
    value: Any
    status: Status
    decided_by: tuple[str, ...] = ()
    candidates: tuple[Any, ...] = ()
    missing: tuple[str, ...] = ()
    conflict: tuple[str, ...] = ()
    label: str | None = None

    @property
    def determined(self) -> bool:
        return self.status == "determined"


@dataclass(slots=True)
class Evaluation:
    """What one rule set concluded for one case on one date."""

    ruleset: str
    version: str
    as_of: dt.date
    outcomes: dict[str, Outcome]
    facts: dict[str, Any]
    missing: tuple[str, ...]
    trace: Trace | None = None

    def __getitem__(self, name: str) -> Outcome:
        return self.outcomes[name]

    @property
    def determined(self) -> bool:
        """Every outcome is determined."""
        return all(o.determined for o in self.outcomes.values())

    def redacted(self) -> Evaluation:
        """A copy whose trace masks the values of sensitive inputs."""
        if self.trace is None:
            return self
        return dataclasses.replace(self, trace=self.trace.redacted())

    def to_dict(self, redact: bool = False) -> dict[str, Any]:
        """Plain JSON-ready data."""
        ev = self.redacted() if redact else self
        data: dict[str, Any] = plain(dataclasses.asdict(ev))
        data["notice"] = NOTICE
        return data

    def to_json(self, redact: bool = False, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(redact=redact), indent=indent, ensure_ascii=False)


def plain(value: Any) -> Any:
    """Plain JSON-ready data from dataclasses-as-dicts, models, sets and dates."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted((plain(v) for v in value), key=str)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
