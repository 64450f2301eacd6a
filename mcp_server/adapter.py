"""The one adapter from a registry ``ToolSpec`` to MCP: its listing and its call result.

Listing: name, title, description, input schema, output schema and annotations, all taken from
the spec. Calling: validated arguments, the tool's pydantic result as structured content (plus
the same JSON as text for clients that read only text), and every failure as an ``isError``
result with a clear message, never a protocol error.
"""

from __future__ import annotations

import logging
from typing import Any

import mcp_types as types
from pydantic import BaseModel

from tools.context import ToolContext
from tools.errors import ToolError
from tools.spec import ToolSpec

logger = logging.getLogger(__name__)


def hints(spec: ToolSpec) -> types.ToolAnnotations:
    """MCP hints, set truthfully: destructive/idempotent only mean something on writes."""
    if not spec.writes:
        return types.ToolAnnotations(
            title=spec.title,
            read_only_hint=True,
            open_world_hint=spec.open_world,
        )
    return types.ToolAnnotations(
        title=spec.title,
        read_only_hint=False,
        destructive_hint=spec.destructive,
        idempotent_hint=spec.idempotent,
        open_world_hint=spec.open_world,
    )


def describe(spec: ToolSpec) -> types.Tool:
    """The MCP listing of one tool."""
    return types.Tool(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        input_schema=spec.parameters_schema(),
        output_schema=spec.output_schema(),
        annotations=hints(spec),
    )


def success(result: BaseModel) -> types.CallToolResult:
    """Structured content, and the same JSON as text for clients that read only text."""
    structured = result.model_dump(mode="json", by_alias=True)
    text = result.model_dump_json(by_alias=True)
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)],
        structured_content=structured,
        is_error=False,
    )


def failure(message: str, *, code: str = "tool_error") -> types.CallToolResult:
    """An ``isError`` result the model (and the person) can read and act on."""
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=message)],
        is_error=True,
        meta={"fast-genai/error": code},
    )


async def call(
    spec: ToolSpec, ctx: ToolContext, arguments: dict[str, Any] | None
) -> types.CallToolResult:
    """Run one tool; expected failures (and bugs) come back as ``isError`` results."""
    try:
        kwargs = spec.validate(arguments or {})
        result = await spec.func(ctx, **kwargs)
    except ToolError as exc:
        return failure(f"{spec.name} failed: {exc}", code=exc.code)
    except Exception as exc:
        logger.exception("tool %s raised an unexpected error", spec.name)
        return failure(
            f"{spec.name} failed with an internal error ({type(exc).__name__}: {exc})",
            code="internal_error",
        )
    if not isinstance(result, spec.output_model):
        return failure(
            f"{spec.name} returned {type(result).__name__}, not {spec.output_model.__name__}",
            code="internal_error",
        )
    return success(result)
