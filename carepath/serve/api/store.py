"""The rule sets and pipelines an app serves (loaded once each), and a request body read as
a case."""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

from carepath.assessments import Pipeline, load_pipeline
from carepath.cases import Case, case_from_data
from carepath.cases.jsonl import strict_json
from carepath.errors import CaseFormatError, RuleSetNotFoundError
from carepath.rules.registry import PIPELINE_SUFFIX, bundled_ids, bundled_pipelines
from carepath.rules.ruleset import RuleSet, load

T = TypeVar("T")


# -- loaded once per app ------------------------------------------------------------------------


class _Store:
    """The rule sets and pipelines this app serves, each loaded once on first use."""

    def __init__(self, preload: Iterable[str]) -> None:
        self._lock = threading.Lock()
        self._rulesets: dict[str, RuleSet] = {}
        self._pipelines: dict[str, Pipeline] = {}
        self.ruleset_ids = set(bundled_ids())
        self.pipeline_ids = set(bundled_pipelines())
        for name in preload:
            if name in self.pipeline_ids or name.endswith(PIPELINE_SUFFIX):
                pipe = load_pipeline(name)
                for key in (name, pipe.id):
                    self._pipelines[key] = pipe
                    self.pipeline_ids.add(key)
            else:
                rules = load(name)
                for key in (name, rules.id):
                    self._rulesets[key] = rules
                    self.ruleset_ids.add(key)

    def ruleset(self, name: str) -> RuleSet:
        return self._get(name, self._rulesets, self.ruleset_ids, load, "rule set")

    def pipeline(self, name: str) -> Pipeline:
        return self._get(name, self._pipelines, self.pipeline_ids, load_pipeline, "pipeline")

    def _get(
        self, name: str, cache: dict[str, T], known: set[str], loader: Callable[[str], T], kind: str
    ) -> T:
        found = cache.get(name)
        if found is not None:
            return found
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise RuleSetNotFoundError(f"no {kind} {name!r} is served here{hint}")
        with self._lock:
            found = cache.get(name)
            if found is None:
                found = cache[name] = loader(name)
        return found


# -- request bodies -----------------------------------------------------------------------------


def _case(body: bytes) -> Case:
    """The request body as a case: parsed as JSON (strictly, :func:`carepath.cases.jsonl.strict_json`,
    with the depth and size bounds of a case file), then checked as a case file is."""
    data = strict_json(body, "request body")
    if not isinstance(data, dict):
        raise CaseFormatError("request body: a case is a JSON object")
    return case_from_data(data, "request body")
