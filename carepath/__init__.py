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

from carepath import report
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
    RuleFileError,
    RuleSetError,
    RuleSetNotFoundError,
    UnknownFieldError,
    UnsourcedRuleError,
    YamlError,
)
from carepath.rules.registry import bundled_ids
from carepath.rules.result import Evaluation, Outcome
from carepath.rules.ruleset import RuleSet, load
from carepath.rules.trace import Trace
from carepath.schema import case_schema, result_schema, rule_file_schema
from carepath.validate import validate

__version__ = "0.1.0"

__all__ = [
    "CarepathError",
    "CaseError",
    "CaseFormatError",
    "CycleError",
    "Evaluation",
    "EvaluationError",
    "FieldTypeError",
    "LayerError",
    "OutOfRangeError",
    "Outcome",
    "RuleFileError",
    "RuleSet",
    "RuleSetError",
    "RuleSetNotFoundError",
    "Trace",
    "UnknownFieldError",
    "UnsourcedRuleError",
    "YamlError",
    "__version__",
    "bundled_ids",
    "case_schema",
    "load",
    "read_case",
    "read_case_text",
    "report",
    "result_schema",
    "rule_file_schema",
    "validate",
]
