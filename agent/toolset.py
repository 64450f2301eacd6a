"""The one adapter from the tool registry to pydantic-ai tools.

Every ``ToolSpec`` becomes a ``Tool`` with the spec's name, description and parameter schema. The
arguments are validated by the spec before the call runs (and before a write is put to the user
for approval). Write tools need approval (``requires_approval=True``): the run ends with
``DeferredToolRequests`` and resumes only with the caller's decisions.

Tool errors reach the model in one of two ways:

- errors about the arguments (``InvalidArgument``, ``NotFound``, ``AlreadyExists``, a path
  outside the workspace, a file too large...) become ``ModelRetry``: the model may correct the call
  (``tool_retries`` times);
- errors about the environment (``MissingCredential``, ``Unsupported``, ``UpstreamError``) become
  ``ToolFailed``: retrying the same call would not help, the model tells the user instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from agent.deps import AgentDeps
from tools.errors import (
    InvalidArgument,
    MissingCredential,
    ToolError,
    Unsupported,
    UpstreamError,
    WriteInterrupted,
)
from tools.spec import ToolSpec

if TYPE_CHECKING:
    from pydantic_ai import RunContext, Tool

TERMINAL_ERRORS: tuple[type[ToolError], ...] = (
    MissingCredential,
    Unsupported,
    UpstreamError,
    WriteInterrupted,
)


def tool_message(error: ToolError) -> str:
    """The text the model sees for a failed tool call."""
    return f"{error.code}: {error}"


def registry_tools(specs: Iterable[ToolSpec], *, retries: int = 2) -> list[Tool[AgentDeps]]:
    """pydantic-ai tools for ``specs`` (the registry's ``TOOLS`` by default in ``build_agent``)."""
    return [_tool(spec, retries) for spec in specs]


def _tool(spec: ToolSpec, retries: int) -> Tool[AgentDeps]:
    from pydantic_ai import ModelRetry, Tool, ToolFailed

    def check_arguments(ctx: RunContext[AgentDeps], **arguments: Any) -> None:
        try:
            spec.validate(arguments)
        except InvalidArgument as exc:
            raise ModelRetry(tool_message(exc)) from exc

    async def call(ctx: RunContext[AgentDeps], **arguments: Any) -> Any:
        try:
            return await spec.call(ctx.deps.tools, arguments)
        except TERMINAL_ERRORS as exc:
            raise ToolFailed(tool_message(exc)) from exc
        except ToolError as exc:
            raise ModelRetry(tool_message(exc)) from exc

    call.__name__ = spec.name
    tool: Tool[AgentDeps] = Tool.from_schema(
        call,
        name=spec.name,
        description=spec.description,
        json_schema=spec.parameters_schema(),
        takes_ctx=True,
        args_validator=check_arguments,
    )
    tool.requires_approval = spec.writes
    tool.max_retries = retries
    tool.metadata = {
        "writes": spec.writes,
        "credential": spec.credential,
        "title": spec.title,
        "long_running": spec.long_running,
    }
    return tool
