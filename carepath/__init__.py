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
from collections.abc import Mapping as _Mapping
from functools import lru_cache as _lru_cache
from typing import Any as _Any

from carepath import report
from carepath.assessments import Assessment, Pipeline, load_pipeline
from carepath.cases import read_case, read_case_text
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
from carepath.rules.reform import with_parameters
from carepath.rules.registry import bundled_ids, bundled_pipelines
from carepath.rules.result import Evaluation, Outcome
from carepath.rules.ruleset import RuleSet, load
from carepath.rules.trace import Trace
from carepath.schema import case_schema, result_schema, rule_file_schema
from carepath.validate import validate

__version__ = "0.1.0"

DEFAULT_PIPELINE = "intl/care_path"


@_lru_cache(maxsize=8)
def _pipeline(name: str) -> Pipeline:
    return load_pipeline(name)


def assess(
    case: _Mapping[str, _Any],
    as_of: _dt.date | None = None,
    *,
    pipeline: str = DEFAULT_PIPELINE,
    trace: bool = True,
    redact: bool = False,
) -> Assessment:
    """Run the whole care path for one case: identification, safety, readiness, risk, ranked
    care options, services and the care plan with its dates, with one trace across all.

    ``pipeline`` is a bundled pipeline id or a path; it is loaded once per process.
    """
    return _pipeline(str(pipeline)).assess(case, as_of, trace=trace, redact=redact)


__all__ = [
    "Assessment",
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
