"""The result schemas carepath already has (:mod:`carepath.exchange.schema`), put into an OpenAPI
document: each becomes a component, its ``$defs`` components beside it, and every
``#/$defs/...`` reference one to ``#/components/schemas/...``, so that the service's 200
answers are described by the same JSON Schemas as ``carepath schema`` prints."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["CASE_SCHEMA", "add_result_schemas"]

COMPONENTS = "#/components/schemas/"

CASE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A JSON Schema (draft 2020-12) of a case for this rule set: one property per input.",
    "required": ["$schema", "$id", "anyOf"],
    "properties": {"$schema": {"type": "string"}, "$id": {"type": "string"}, "anyOf": {"type": "array"}},
}


def _refs(value: Any) -> Any:
    """``value`` with every ``#/$defs/X`` reference pointing at the component ``X``."""
    if isinstance(value, dict):
        out = {k: _refs(v) for k, v in value.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            out["$ref"] = COMPONENTS + ref.removeprefix("#/$defs/")
        return out
    if isinstance(value, list):
        return [_refs(v) for v in value]
    return value


def _register(components: dict[str, Any], name: str, schema: dict[str, Any]) -> None:
    existing = components.get(name)
    if existing is not None and existing != schema:
        raise ValueError(f"two different schemas are both named {name!r} in the OpenAPI document")
    components[name] = schema


def add_result_schemas(
    doc: dict[str, Any], results: Mapping[tuple[str, str], tuple[str, Callable[[], dict[str, Any]]]]
) -> dict[str, Any]:
    """Set the 200 answer of each ``(path, method)`` in ``results`` to its named schema, in place;
    ``doc`` is returned."""
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    for (path, method), (name, make) in results.items():
        schema = dict(make())
        for key in ("$schema", "$id"):
            schema.pop(key, None)
        for def_name, definition in schema.pop("$defs", {}).items():
            _register(components, def_name, _refs(definition))
        _register(components, name, _refs(schema))
        answer = doc["paths"][path][method]["responses"]["200"]
        answer["content"] = {"application/json": {"schema": {"$ref": COMPONENTS + name}}}
    return doc
