"""Every registered tool's parameters are a flat object schema Gemini accepts.

Checked after pydantic-ai's Google transformers: ``GoogleJsonSchemaTransformer`` (what
``GoogleModel`` sends as ``parametersJsonSchema``) and ``GoogleOpenAPISchemaTransformer`` (the
narrower OpenAPI subset of Gemini's ``Schema``, used by the Live API), which turns an optional
``X | None`` into ``X`` with ``nullable: true``. Covers tools added later as well.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic_ai.profiles.google import (
    GoogleJsonSchemaTransformer,
    GoogleOpenAPISchemaTransformer,
)

from tools.registry import TOOLS
from tools.spec import ToolSpec

PRIMITIVES = frozenset({"string", "integer", "number", "boolean"})
COMBINATORS = ("anyOf", "oneOf", "allOf")


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair anywhere in a JSON value."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _is_flat(schema: dict[str, Any]) -> bool:
    """A primitive, or an array of primitives."""
    if schema.get("type") in PRIMITIVES:
        return True
    items = schema.get("items")
    return schema.get("type") == "array" and isinstance(items, dict) and _is_flat(items)


def _is_optional_flat(schema: dict[str, Any]) -> bool:
    """``X`` or ``X | None`` as plain JSON Schema: an ``anyOf`` of one flat type and null."""
    if "anyOf" not in schema:
        return _is_flat(schema)
    options = schema["anyOf"]
    non_null = [option for option in options if option.get("type") != "null"]
    return len(options) == 2 and len(non_null) == 1 and _is_flat(non_null[0])


@pytest.fixture(params=TOOLS, ids=lambda spec: spec.name)
def spec(request: pytest.FixtureRequest) -> ToolSpec:
    return request.param  # type: ignore[no-any-return]


def test_there_are_tools_to_check() -> None:
    assert len(TOOLS) >= 3


def test_parameters_are_an_object(spec: ToolSpec) -> None:
    schema = spec.parameters_schema()
    assert schema["type"] == "object"
    assert isinstance(schema.get("properties", {}), dict)


def test_openapi_form_is_flat_and_described(spec: ToolSpec) -> None:
    schema = GoogleOpenAPISchemaTransformer(spec.parameters_schema()).walk()
    assert schema["type"] == "object"
    keys = {key for key, _ in _walk(schema)}
    forbidden = keys & {"$ref", "$defs", *COMBINATORS}
    assert not forbidden, f"{spec.name}: {sorted(forbidden)} in {schema}"
    for name, prop in schema.get("properties", {}).items():
        assert str(prop.get("description", "")).strip(), f"{spec.name}.{name} has no description"
        assert _is_flat(prop), f"{spec.name}.{name} is not a primitive or array of them: {prop}"


def test_json_schema_form_has_only_optional_unions(spec: ToolSpec) -> None:
    schema = GoogleJsonSchemaTransformer(spec.parameters_schema()).walk()
    keys = {key for key, _ in _walk(schema)}
    forbidden = keys & {"$ref", "$defs", "oneOf", "allOf"}
    assert not forbidden, f"{spec.name}: {sorted(forbidden)} in {schema}"
    for name, prop in schema.get("properties", {}).items():
        assert str(prop.get("description", "")).strip(), f"{spec.name}.{name} has no description"
        assert _is_optional_flat(prop), f"{spec.name}.{name} is not flat or optional-flat: {prop}"


def test_the_checks_catch_what_gemini_rejects() -> None:
    """The helpers above refuse nested models and real unions (so the tests can fail)."""
    nested = {"type": "object", "properties": {"x": {"type": "string"}}}
    assert not _is_flat(nested)
    assert not _is_flat({"type": "array", "items": nested})
    assert not _is_optional_flat({"anyOf": [{"type": "string"}, {"type": "integer"}]})
    assert _is_optional_flat({"anyOf": [{"type": "array", "items": {"type": "string"}},
                                         {"type": "null"}]})  # fmt: skip
