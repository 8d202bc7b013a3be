"""JSON Schema of the rule-file format (for editors) and of a rule set's case input (for embedders)."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from carepath.rules.model import ANSWER_WORDS, SCHEMA_VERSION, TEXT_MAX, InputSpec, RuleFile
from carepath.rules.result import Evaluation
from carepath.rules.ruleset import RuleSet

__all__ = [
    "RESULT_SCHEMA_VERSION",
    "case_schema",
    "pipeline_file_schema",
    "result_schema",
    "rule_file_schema",
]

RESULT_SCHEMA_VERSION = 1

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def rule_file_schema() -> dict[str, Any]:
    """The JSON Schema of a carepath rule file, generated from the pydantic models."""
    schema = RuleFile.model_json_schema(by_alias=True)
    schema["$schema"] = DIALECT
    schema["$id"] = f"urn:carepath:rule-file:v{SCHEMA_VERSION}"
    schema["title"] = f"carepath rule file (schema_version {SCHEMA_VERSION})"
    return schema


def pipeline_file_schema() -> dict[str, Any]:
    """The JSON Schema of a carepath pipeline file, generated from the pydantic models."""
    from carepath.assessments.model import PipelineFile

    schema = PipelineFile.model_json_schema(by_alias=True)
    schema["$schema"] = DIALECT
    schema["$id"] = "urn:carepath:pipeline-file:v1"
    schema["title"] = "carepath pipeline file (schema_version 1)"
    return schema


def result_schema() -> dict[str, Any]:
    """The JSON Schema of an evaluation's JSON (``Evaluation.to_dict`` / ``--format json``)."""
    schema: dict[str, Any] = TypeAdapter(Evaluation).json_schema(mode="serialization")
    schema["properties"]["notice"] = {
        "type": "string",
        "description": "Recommendations with reasons, not determinations.",
    }
    schema["required"] = [*schema.get("required", []), "notice"]
    schema["$schema"] = DIALECT
    schema["$id"] = f"urn:carepath:result:v{RESULT_SCHEMA_VERSION}"
    schema["title"] = f"carepath evaluation result (v{RESULT_SCHEMA_VERSION})"
    return schema


def case_schema(ruleset: RuleSet) -> dict[str, Any]:
    """The JSON Schema of a case for ``ruleset``: one property per declared input."""
    return {
        "$schema": DIALECT,
        "$id": f"urn:carepath:case:{ruleset.id}:{ruleset.version}",
        "title": f"Case input for {ruleset.title}",
        "type": "object",
        "additionalProperties": False,
        "properties": {name: _input(spec) for name, spec in ruleset.inputs.items()},
    }


def _input(spec: InputSpec) -> dict[str, Any]:
    words = [w for w in ANSWER_WORDS if w in spec.accepts]
    value: dict[str, Any]
    if spec.type == "bool":
        value = {"oneOf": [{"type": "boolean"}, {"enum": ["yes", "no"]}]}
    elif spec.type in ("int", "number"):
        value = {"type": "integer" if spec.type == "int" else "number"}
        if spec.min is not None:
            value["minimum"] = spec.min
        if spec.max is not None:
            value["maximum"] = spec.max
    elif spec.type == "date":
        value = {"type": "string", "format": "date"}
    elif spec.type == "text":
        value = {"type": "string", "maxLength": TEXT_MAX}
    elif spec.type == "enum":
        value = {"enum": list(spec.choice_values)}
    else:
        value = {"type": "array", "items": {"enum": list(spec.choice_values)}, "uniqueItems": True}
    options: list[dict[str, Any]] = [value, {"type": "null"}]
    if words:
        options.append({"enum": words})
    schema: dict[str, Any] = {"anyOf": options, "description": spec.question.get("en", "")}
    if spec.label.get("en"):
        schema["title"] = spec.label["en"]
    if spec.sensitive:
        schema["x-sensitive"] = True
    return schema
