"""JSON Schema of the rule-file and pipeline-file formats (for editors), of a case's input, and
of the results: one rule set's evaluation and a whole pipeline's assessment (for embedders)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Required

from pydantic import BaseModel, TypeAdapter
from typing_extensions import TypedDict

from carepath.rules.model import ANSWER_WORDS, SCHEMA_VERSION, TEXT_MAX, InputSpec, RuleFile
from carepath.rules.result import Evaluation
from carepath.rules.ruleset import RuleSet

if TYPE_CHECKING:
    from carepath.assessments.pipeline import Pipeline

__all__ = [
    "FILE_KINDS",
    "RESULT_SCHEMA_VERSION",
    "assessment_schema",
    "case_schema",
    "file_model",
    "file_schema",
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


# The other kinds of file an author writes: kind -> (module, model, the files' name ending).
FILE_KINDS: dict[str, tuple[str, str, str]] = {
    "test": ("carepath.authoring.testing", "TestFile", ".test.yaml"),
    "invariants": ("carepath.authoring.invariants", "InvariantFile", ".invariants.yaml"),
    "population": ("carepath.authoring.synth", "Population", ".population.yaml"),
    "mapping": ("carepath.exchange.vocabulary", "MappingFile", ".mapping.yaml"),
    "pipeline": ("carepath.assessments.model", "PipelineFile", ".pipeline.yaml"),
    "fields": ("carepath.rules.model", "CaseFieldsFile", ".fields.yaml"),
}


# Fields whose loader reads one item as a list of it (a `before` validator the schema cannot see).
_ONE_OR_LIST = {"invariants": (("Invariant", "when"), ("DerivedCase", "when"))}


def file_model(kind: str) -> type[BaseModel]:
    """The pydantic model of a kind of file (a key of :data:`FILE_KINDS`)."""
    import importlib

    module, name, _ = FILE_KINDS[kind]
    model = getattr(importlib.import_module(module), name)
    assert isinstance(model, type) and issubclass(model, BaseModel)
    return model


def file_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of a test, invariants, population, mapping or pipeline file, generated from
    the pydantic model that validates it."""
    if kind == "pipeline":
        return pipeline_file_schema()
    schema = file_model(kind).model_json_schema(by_alias=True)
    for model, name in _ONE_OR_LIST.get(kind, ()):  # a single item is read as a list of one
        spec = schema["$defs"][model]["properties"][name]
        items = spec.pop("items")
        spec["anyOf"] = [items, {"type": "array", "items": items}]
        spec.pop("type")
    schema["$schema"] = DIALECT
    schema["$id"] = f"urn:carepath:{kind}-file:v1"
    schema["title"] = f"carepath {kind} file (*{FILE_KINDS[kind][2]})"
    return schema


class _Source(TypedDict, total=False):
    document: Required[str]
    locator: Required[str]
    confidence: Required[str]
    quote: str
    note: str


class _Reason(TypedDict, total=False):
    rule: Required[str]
    title: Required[str]
    status: Required[Literal["fired", "unknown"]]
    hard: bool
    source: _Source
    missing: list[str]
    held: list[str]


class _Above(TypedDict):
    option: str
    why_not: Literal["blocked", "pending", "not_found"]


class _Ranked(TypedDict):
    option: str
    label: str
    rank: int
    preference: int
    because: list[_Reason]
    above: list[_Above]


class _Blocked(TypedDict):
    option: str
    label: str
    hard: bool
    blocked_by: list[_Reason]


class _Pending(TypedDict):
    option: str
    label: str
    fits: bool
    may_fit: list[_Reason]
    may_block: list[_Reason]
    missing: list[str]


class _Provisional(TypedDict):
    option: str
    label: str
    provisional: Literal[True]
    because: list[_Reason]
    may_block: list[_Reason]
    open: list[str]
    next_if_blocked: str | None


class _Ranking(TypedDict):
    step: str
    ranked: list[_Ranked]
    blocked: list[_Blocked]
    pending: list[_Pending]
    not_found: list[str]
    order: list[str]
    order_source: _Source
    provisional: _Provisional | None


class _NotMet(TypedDict):
    rule: str
    checks: list[str]


class _Move(TypedDict, total=False):
    to: Required[str]
    label: Required[str]
    status: Required[Literal["allowed", "blocked", "pending"]]
    allowed_by: Required[str]
    because: list[_Reason]
    not_met: list[_NotMet]
    missing: list[str]


class _Due(TypedDict):
    name: str
    label: str
    due: str | None
    passed: bool | None
    overdue: bool | None
    counted_from: str | None
    needs: list[str]
    every: str


class _ToConfirm(TypedDict):
    step: str
    outcome: str
    value: str
    label: str
    questions: list[str]


class _Plan(TypedDict):
    stage: str | None
    stage_label: str | None
    next_moves: list[_Move]
    due: list[_Due]
    overdue: list[str]
    to_confirm: list[_ToConfirm]


class _Fed(TypedDict):
    ref: str
    value: Any
    determined: bool
    kept_case_answer: bool
    candidates: list[Any]
    open_on: list[str]
    interval: tuple[float, float] | None


class _Assessment(TypedDict):
    pipeline: str
    version: str
    as_of: str
    notice: str
    steps: dict[str, dict[str, Any]]
    fed: dict[str, dict[str, _Fed]]
    ranking: _Ranking | None
    plan: _Plan | None
    missing: list[str]
    next_questions: list[str]
    notes: list[str]


def assessment_schema() -> dict[str, Any]:
    """The JSON Schema of a pipeline run's JSON (``Assessment.to_dict`` / ``carepath assess
    --format json``); each step is an evaluation result (:func:`result_schema`)."""
    schema: dict[str, Any] = TypeAdapter(_Assessment).json_schema(mode="serialization")
    step = result_schema()
    step.pop("$schema", None)
    step.pop("$id", None)
    defs = step.pop("$defs", {})
    step["properties"].pop("notice", None)
    step["required"] = [r for r in step.get("required", []) if r != "notice"]
    schema.setdefault("$defs", {}).update(defs)
    schema["$defs"]["StepResult"] = step
    schema["properties"]["steps"] = {"type": "object", "additionalProperties": {"$ref": "#/$defs/StepResult"}}
    schema["$schema"] = DIALECT
    schema["$id"] = f"urn:carepath:assessment:v{RESULT_SCHEMA_VERSION}"
    schema["title"] = f"carepath assessment of a pipeline (v{RESULT_SCHEMA_VERSION})"
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


def case_schema(ruleset: RuleSet | Pipeline) -> dict[str, Any]:
    """The JSON Schema of a case for a rule set or a pipeline, in each shape a case file takes:
    a flat mapping of answers (one property per input it reads; for a pipeline, the inputs no
    feed fills), ``{case_id, description, answers, visits, worker, office}``, or the same with
    ``contacts`` (dated interviews) instead of ``answers``."""
    from carepath.cases.visits import Visit

    properties = {name: _input(spec) for name, spec in ruleset.inputs.items()}
    steps = [ruleset] if isinstance(ruleset, RuleSet) else list(ruleset.rulesets.values())
    for old, new in sorted({o: n for rs in steps for o, n in rs.merged.renamed.items()}.items()):
        if new in properties and old not in properties:  # still read, with a warning
            properties[old] = {**properties[new], "deprecated": True, "description": f"Renamed: use {new}."}
    answers = {"type": "object", "additionalProperties": False, "properties": properties}
    common = {
        "case_id": {"type": ["string", "integer"]},
        "description": {"type": "string"},
        "worker": {"type": ["string", "integer"], "description": "A code, never a name."},
        "office": {"type": ["string", "integer"], "description": "A code, never a name."},
        "visits": {"type": "array", "items": {"$ref": "#/$defs/Visit"}},
    }
    contact = {
        "type": "object",
        "additionalProperties": False,
        "required": ["answers"],
        "properties": {
            "id": {"type": ["string", "integer"]},
            "date": {"type": "string", "format": "date"},
            "answers": {"$ref": "#/$defs/Answers"},
        },
    }
    visit = Visit.model_json_schema()
    defs = {"Answers": answers, "Visit": visit, **visit.pop("$defs", {})}
    return {
        "$schema": DIALECT,
        "$id": f"urn:carepath:case:{ruleset.id}:{ruleset.version}",
        "title": f"Case input for {ruleset.title}",
        "$defs": defs,
        "anyOf": [
            {"$ref": "#/$defs/Answers"},
            {
                "type": "object",
                "additionalProperties": False,
                "required": ["answers"],
                "properties": {**common, "answers": {"$ref": "#/$defs/Answers"}},
            },
            {
                "type": "object",
                "additionalProperties": False,
                "required": ["contacts"],
                "properties": {**common, "contacts": {"type": "array", "minItems": 1, "items": contact}},
            },
        ],
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
