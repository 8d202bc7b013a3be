"""carepath: anti-trafficking case-work standards as declarative, tested, explainable YAML rules.

The data path, one stage per module under ``carepath/rules``::

    YAML file -> validated model -> compiled rules -> evaluation -> trace -> report

>>> import carepath
>>> palermo = carepath.load("intl/palermo")
>>> result = palermo.evaluate({"age": 16, "act": ["recruitment"], "purpose": ["forced_labour"]})
>>> result["identification"].value
'victim'

Outputs are recommendations with reasons, never determinations.
"""

import datetime as _dt
import importlib as _importlib
import sys as _sys
import warnings as _warnings
from collections.abc import Mapping as _Mapping
from functools import lru_cache as _lru_cache
from importlib import abc as _abc
from importlib.machinery import ModuleSpec as _ModuleSpec
from types import ModuleType as _ModuleType
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from carepath.authoring.validate import validate  # eager: carepath.validate stays the function
from carepath.errors import (
    CarepathError,
    CaseError,
    CaseFormatError,
    CycleError,
    EvaluationError,
    FieldTypeError,
    LayerError,
    OutOfRangeError,
    PipelineError,
    RuleFileError,
    RuleSetError,
    RuleSetNotFoundError,
    UnknownFieldError,
    UnsourcedRuleError,
    YamlError,
)

if _TYPE_CHECKING:
    from carepath import report
    from carepath.assessments import Assessment, Pipeline, load_pipeline
    from carepath.authoring import testing
    from carepath.cases import read_case, read_case_text
    from carepath.exchange import vocabulary
    from carepath.exchange.schema import case_schema, result_schema, rule_file_schema
    from carepath.plans.path import CarePlan
    from carepath.plans.ranking import Ranking
    from carepath.rules.questions import Question
    from carepath.rules.registry import bundled_ids, bundled_pipelines
    from carepath.rules.result import Evaluation, Outcome
    from carepath.rules.ruleset import RuleSet, load, with_parameters
    from carepath.rules.trace import Trace

from carepath._version import __version__

DEFAULT_PIPELINE = "intl/care_path"

_LAZY = {
    "report": "carepath",
    **dict.fromkeys(("Assessment", "Pipeline", "load_pipeline"), "carepath.assessments"),
    **dict.fromkeys(("read_case", "read_case_text"), "carepath.cases"),
    "CarePlan": "carepath.plans.path",
    "Ranking": "carepath.plans.ranking",
    "Question": "carepath.rules.questions",
    "with_parameters": "carepath.rules.ruleset",
    **dict.fromkeys(("bundled_ids", "bundled_pipelines"), "carepath.rules.registry"),
    **dict.fromkeys(("Evaluation", "Outcome"), "carepath.rules.result"),
    **dict.fromkeys(("RuleSet", "load"), "carepath.rules.ruleset"),
    "Trace": "carepath.rules.trace",
    **dict.fromkeys(("case_schema", "result_schema", "rule_file_schema"), "carepath.exchange.schema"),
    "testing": "carepath.authoring.testing",
    "vocabulary": "carepath.exchange.vocabulary",
}
"""Where each public name lives: imported when first used, so that ``import carepath`` stays
quick (pydantic, YAML, networkx and jinja2 load with the modules that need them)."""


_MOVED = {
    "carepath.batch": "carepath.exchange.batch",
    "carepath.columnar": "carepath.authoring.columnar",
    "carepath.coverage": "carepath.authoring.coverage",
    "carepath.diff": "carepath.authoring.diff",
    "carepath.docgen": "carepath.exchange.docgen",
    "carepath.export": "carepath.exchange",
    "carepath.followup.visits": "carepath.cases.visits",
    "carepath.interview": "carepath.cli.interview",
    "carepath.invariants": "carepath.authoring.invariants",
    "carepath.jsonl": "carepath.cases.jsonl",
    "carepath.labels": "carepath.exchange.labels",
    "carepath.lint": "carepath.authoring.lint",
    "carepath.reach": "carepath.rules.reach",
    "carepath.schema": "carepath.exchange.schema",
    "carepath.server": "carepath.serve.api",
    "carepath.service_schemas": "carepath.serve.schemas",
    "carepath.strategies": "carepath.authoring.strategies",
    "carepath.synth": "carepath.authoring.synth",
    "carepath.testing": "carepath.authoring.testing",
    "carepath.translations": "carepath.rules.translations",
    "carepath.translations_po": "carepath.exchange.po",
    "carepath.vocabulary": "carepath.exchange.vocabulary",
    "carepath.web": "carepath.serve.web",
}
"""Module paths of 0.1 and where each lives now. Importing an old path still works, with a
:class:`DeprecationWarning`, until the next version; ``carepath.validate`` stays the function
(its module is ``carepath.authoring.validate``)."""


def _moved_to(name: str) -> str | None:
    for old, new in _MOVED.items():
        if name == old or name.startswith(old + "."):
            return new + name[len(old) :]
    return None


class _MovedFinder(_abc.MetaPathFinder, _abc.Loader):
    """Finds an old module path and hands back the module now at the new one (no second copy)."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> _ModuleSpec | None:
        return None if _moved_to(fullname) is None else _ModuleSpec(fullname, self)

    def create_module(self, spec: _ModuleSpec) -> _ModuleType:
        new = _moved_to(spec.name)
        assert new is not None
        _warnings.warn(
            f"{spec.name} is now {new}: the old module path goes in the next version",
            DeprecationWarning,
            stacklevel=2,
        )
        module = _importlib.import_module(new)
        spec.loader_state = module.__spec__  # the import system sets the alias's spec on the module
        return module

    def exec_module(self, module: _ModuleType) -> None:
        alias = module.__spec__
        assert alias is not None
        module.__spec__ = alias.loader_state  # the module keeps its own spec


if not any(isinstance(f, _MovedFinder) for f in _sys.meta_path):
    _sys.meta_path.insert(0, _MovedFinder())
_sys.modules.setdefault("carepath.validate", _sys.modules["carepath.authoring.validate"])


def __getattr__(name: str) -> _Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'carepath' has no attribute {name!r}")
    if module == "carepath":  # a subpackage
        value: _Any = _importlib.import_module(f"carepath.{name}")
    elif module.endswith(f".{name}"):  # a module
        value = _importlib.import_module(module)
    else:
        value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


@_lru_cache(maxsize=8)
def _pipeline(name: str) -> "Pipeline":
    from carepath.assessments import load_pipeline

    return load_pipeline(name)


def assess(
    case: _Mapping[str, _Any],
    as_of: _dt.date | None = None,
    *,
    pipeline: str = DEFAULT_PIPELINE,
    trace: bool = True,
    redact: bool = False,
) -> "Assessment":
    """Run the whole care path for one case: identification, safety, readiness, risk, ranked
    care options, services and the care plan with its dates, with one trace across all.

    ``pipeline`` is a bundled pipeline id or a path; it is loaded once per process.
    """
    return _pipeline(str(pipeline)).assess(case, as_of, trace=trace, redact=redact)


__all__ = [
    "Assessment",
    "CarePlan",
    "CarepathError",
    "CaseError",
    "CaseFormatError",
    "CycleError",
    "DEFAULT_PIPELINE",
    "Evaluation",
    "EvaluationError",
    "FieldTypeError",
    "LayerError",
    "OutOfRangeError",
    "Outcome",
    "Pipeline",
    "PipelineError",
    "Question",
    "Ranking",
    "RuleFileError",
    "RuleSet",
    "RuleSetError",
    "RuleSetNotFoundError",
    "Trace",
    "UnknownFieldError",
    "UnsourcedRuleError",
    "YamlError",
    "__version__",
    "assess",
    "bundled_ids",
    "bundled_pipelines",
    "case_schema",
    "load",
    "load_pipeline",
    "read_case",
    "read_case_text",
    "report",
    "result_schema",
    "rule_file_schema",
    "testing",
    "validate",
    "vocabulary",
    "with_parameters",
]
