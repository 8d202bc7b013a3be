"""Stage 2: the rule-file model. A YAML rule file validates into a :class:`RuleFile`.

The pydantic models are the single source of the format: the JSON Schema editors use, the
reference docs and an error's field path (``rules[3].when.all[1]``) all come from them.
Every rule carries a :class:`Source` (document, locator, confidence) unless it is marked as a
``local_setting``; every dated parameter value does too.

The parts: :mod:`~carepath.rules.model.base` (the format version, annotated types, the bound on
numbers), :mod:`~carepath.rules.model.sources` (documents and sources),
:mod:`~carepath.rules.model.inputs` (inputs, facts and outcomes),
:mod:`~carepath.rules.model.parameters` (dated parameters), :mod:`~carepath.rules.model.rules`
(conclusion rules, decision tables, scores) and :mod:`~carepath.rules.model.files` (the rule file
and the shared case-fields file).
"""

from carepath.rules.model.base import (
    ANSWER_WORDS,
    MAX_MAGNITUDE,
    SCHEMA_VERSION,
    TEXT_MAX,
    Confidence,
    InputType,
    RuleId,
    Text,
    bounded_number,
)
from carepath.rules.model.files import CaseFieldsFile, InForce, RuleFile
from carepath.rules.model.inputs import Choice, InputSpec, TargetSpec
from carepath.rules.model.parameters import Parameter, ParamValue
from carepath.rules.model.rules import (
    Band,
    Bands,
    ConclusionRule,
    DecisionTable,
    Rule,
    ScoreItem,
    ScoreRule,
    ScoreSpec,
    TableRow,
    TableSpec,
)
from carepath.rules.model.sources import Document, Source

__all__ = [
    "ANSWER_WORDS",
    "SCHEMA_VERSION",
    "MAX_MAGNITUDE",
    "TEXT_MAX",
    "Band",
    "Bands",
    "CaseFieldsFile",
    "Choice",
    "Confidence",
    "ConclusionRule",
    "DecisionTable",
    "Document",
    "InForce",
    "InputSpec",
    "InputType",
    "ParamValue",
    "Parameter",
    "Rule",
    "RuleFile",
    "RuleId",
    "ScoreItem",
    "ScoreRule",
    "ScoreSpec",
    "Source",
    "TableRow",
    "TableSpec",
    "TargetSpec",
    "Text",
    "bounded_number",
]
