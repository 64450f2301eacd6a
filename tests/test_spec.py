"""ToolSpec: parameters from the signature, validation errors, result models."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel, Field

from tools.context import ToolContext
from tools.errors import InvalidArgument, NotFound
from tools.registry import TOOLS, get_tool
from tools.spec import ToolSpec


class Echo(BaseModel):
    text: str
    times: int


async def echo(
    ctx: ToolContext,
    text: Annotated[str, Field(description="What to echo.")],
    times: Annotated[int, Field(ge=1, le=3, description="How often.")] = 1,
) -> Echo:
    """Echo text back.

    Longer explanation for the model."""
    return Echo(text=text * times, times=times)


async def no_ctx(text: str) -> Echo:
    return Echo(text=text, times=1)


async def returns_dict(ctx: ToolContext) -> dict[str, str]:  # type: ignore[type-var]
    return {}


SPEC = ToolSpec(echo, title="Echo")


def test_parameters_come_from_the_signature() -> None:
    schema = SPEC.parameters_schema()
    assert schema["required"] == ["text"]
    assert schema["properties"]["text"]["description"] == "What to echo."
    assert schema["properties"]["times"]["maximum"] == 3
    assert schema["additionalProperties"] is False
    assert SPEC.name == "echo"
    assert SPEC.summary == "Echo text back."
    assert "Longer explanation" in SPEC.description
    assert SPEC.output_model is Echo


@pytest.mark.anyio
async def test_call_validates_and_runs(ctx: ToolContext) -> None:
    result = await SPEC.call(ctx, {"text": "ab", "times": 2})
    assert result == Echo(text="abab", times=2)


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        ({}, "text: Field required"),
        ({"text": "a", "times": 9}, "times: Input should be less than or equal to 3"),
        ({"text": "a", "colour": "red"}, "colour: Extra inputs are not permitted"),
        ({"text": 5}, "text: Input should be a valid string"),
    ],
)
def test_invalid_arguments_name_every_problem(arguments: dict[str, object], fragment: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        SPEC.validate(arguments)
    assert fragment in str(info.value)
    assert str(info.value).startswith("invalid arguments for echo:")


def test_a_tool_must_take_ctx_and_return_a_model() -> None:
    with pytest.raises(TypeError, match="ctx: ToolContext"):
        _ = ToolSpec(no_ctx, title="x").params_model  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="pydantic model"):
        _ = ToolSpec(returns_dict, title="x").output_model  # type: ignore[arg-type]


def test_registry_names_are_unique_and_lookup_is_clear() -> None:
    names = [spec.name for spec in TOOLS]
    assert len(names) == len(set(names))
    for spec in TOOLS:
        assert get_tool(spec.name) is spec
        assert spec.output_model is not None
        assert spec.summary
        if spec.writes:
            assert "dry_run" in spec.params_model.model_fields, f"{spec.name} needs a dry run"
    with pytest.raises(NotFound, match="no tool named 'nope'"):
        get_tool("nope")
