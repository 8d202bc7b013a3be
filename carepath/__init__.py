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
from collections.abc import Mapping as _Mapping
from functools import lru_cache as _lru_cache
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

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
from carepath.validate import validate  # eager: the submodule of the same name would shadow it

if _TYPE_CHECKING:
    from carepath import report
    from carepath.assessments import Assessment, Pipeline, load_pipeline
    from carepath.cases import read_case, read_case_text
    from carepath.plans.path import CarePlan
    from carepath.plans.ranking import Ranking
    from carepath.rules.questions import Question
    from carepath.rules.reform import with_parameters
    from carepath.rules.registry import bundled_ids, bundled_pipelines
    from carepath.rules.result import Evaluation, Outcome
    from carepath.rules.ruleset import RuleSet, load
    from carepath.rules.trace import Trace
    from carepath.schema import case_schema, result_schema, rule_file_schema

__version__ = "0.1.0"

DEFAULT_PIPELINE = "intl/care_path"

_LAZY = {
    "report": "carepath",
    **dict.fromkeys(("Assessment", "Pipeline", "load_pipeline"), "carepath.assessments"),
    **dict.fromkeys(("read_case", "read_case_text"), "carepath.cases"),
    "CarePlan": "carepath.plans.path",
    "Ranking": "carepath.plans.ranking",
    "Question": "carepath.rules.questions",
    "with_parameters": "carepath.rules.reform",
    **dict.fromkeys(("bundled_ids", "bundled_pipelines"), "carepath.rules.registry"),
    **dict.fromkeys(("Evaluation", "Outcome"), "carepath.rules.result"),
    **dict.fromkeys(("RuleSet", "load"), "carepath.rules.ruleset"),
    "Trace": "carepath.rules.trace",
    **dict.fromkeys(("case_schema", "result_schema", "rule_file_schema"), "carepath.schema"),
}
"""Where each public name lives: imported when first used, so that ``import carepath`` stays
quick (pydantic, YAML, networkx and jinja2 load with the modules that need them)."""


def __getattr__(name: str) -> _Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'carepath' has no attribute {name!r}")
    if module == "carepath":  # a subpackage
        value: _Any = _importlib.import_module(f"carepath.{name}")
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
    "validate",
    "with_parameters",
]
