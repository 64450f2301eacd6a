"""The user's MCP servers as tool sources, next to the registry's tools.

Each configured server (``mcp_servers`` in the settings: a stdio command with its arguments and
environment, or a streamable-HTTP URL with headers) becomes a pydantic-ai ``MCPToolset`` whose
tools are named ``<server>_<tool>``. A tool the server does not annotate ``readOnlyHint: true``
needs approval exactly like our write tools (the run pauses with ``DeferredToolRequests``). A
server can be ``read_only`` (only its read-only tools are offered) and can have an allow-list
(``tools``: the server's own tool names).

An external server's failures never crash a run: a server that cannot start or list its tools
offers no tools (logged; ``fast-genai mcp-servers test`` says why); a
failed call (an ``isError`` result, a dropped connection, a timeout) is a ``ToolFailed`` result
the model sees. The environment of a stdio server is the MCP SDK's default (PATH, HOME...) plus
its ``env``: our own keys are not passed on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from pydantic_ai import RunContext
from pydantic_ai.toolsets import AbstractToolset, ToolsetTool, WrapperToolset

from agent.deps import AgentDeps
from agent.mcp_config import McpServerConfig, is_read_only

if TYPE_CHECKING:
    from pydantic_ai.tools import ToolDefinition

log = logging.getLogger("fast_genai.agent")


def _external_failures() -> tuple[type[Exception], ...]:
    import anyio
    import httpx
    from fastmcp.exceptions import FastMCPError
    from mcp.shared.exceptions import MCPError

    return (
        OSError,  # cannot start the command, connection refused, broken pipe
        TimeoutError,
        RuntimeError,  # fastmcp: "client failed to connect", a session that went away
        ValueError,  # a reply that does not validate
        httpx.HTTPError,
        anyio.BrokenResourceError,  # the server's process or stream went away
        anyio.ClosedResourceError,
        anyio.EndOfStream,
        FastMCPError,
        MCPError,
        ExceptionGroup,  # a transport task group that failed
    )


EXTERNAL_FAILURES = _external_failures()
"""What a misbehaving external server can raise at us: turned into tool errors."""


def _annotations(tool_def: ToolDefinition) -> dict[str, Any] | None:
    metadata = tool_def.metadata or {}
    found = metadata.get("annotations")
    return found if isinstance(found, dict) else None


def mcp_toolset(config: McpServerConfig) -> AbstractToolset[AgentDeps]:
    """The toolset of one server: filtered, prefixed, approval-gated and guarded."""
    from pydantic_ai.mcp import MCPToolset

    base: MCPToolset[AgentDeps] = MCPToolset(
        _transport(config),
        id=config.name,
        tool_error_behavior="failed",
        init_timeout=config.timeout,
        read_timeout=config.timeout,
    )

    def offered(ctx: RunContext[AgentDeps], tool_def: ToolDefinition) -> bool:
        return config.allows(tool_def.name, _annotations(tool_def))

    def needs_approval(
        ctx: RunContext[AgentDeps], tool_def: ToolDefinition, args: dict[str, Any]
    ) -> bool:
        return not is_read_only(_annotations(tool_def))

    shaped = base.filtered(offered).prefixed(config.name).approval_required(needs_approval)
    return GuardedToolset(shaped, server=config.name)


def mcp_toolsets(configs: Sequence[McpServerConfig]) -> list[AbstractToolset[AgentDeps]]:
    return [mcp_toolset(config) for config in configs]


def _transport(config: McpServerConfig) -> Any:
    if config.url is not None:
        from fastmcp.client.transports import StreamableHttpTransport

        return StreamableHttpTransport(config.url, headers=dict(config.headers))
    from fastmcp.client.transports import StdioTransport
    from mcp.client.stdio import get_default_environment

    assert config.command is not None
    env = {**get_default_environment(), **config.env}
    return StdioTransport(config.command, list(config.args), env=env, cwd=config.cwd)


@dataclass
class _State:
    entered: bool = False
    reason: str | None = None
    """Why the server is unavailable, when it is."""


@dataclass
class GuardedToolset(WrapperToolset[AgentDeps]):
    """An external server's failures as tool errors: never an exception out of a run."""

    server: str = ""
    state: _State = field(default_factory=_State)

    async def __aenter__(self) -> Self:
        try:
            await self.wrapped.__aenter__()
            self.state.entered = True
            self.state.reason = None
        except EXTERNAL_FAILURES as exc:  # any failure to start: the server offers nothing
            self.state.reason = _reason(exc)
            log.warning("MCP server %s is unavailable: %s", self.server, self.state.reason)
        return self

    async def __aexit__(self, *args: Any) -> bool | None:
        if not self.state.entered:
            return None
        self.state.entered = False
        try:
            await self.wrapped.__aexit__(*args)
        except EXTERNAL_FAILURES as exc:  # a server that dies on the way out must not fail the run
            log.warning("MCP server %s did not close cleanly: %s", self.server, _reason(exc))
        return None

    async def get_tools(self, ctx: RunContext[AgentDeps]) -> dict[str, ToolsetTool[AgentDeps]]:
        if not self.state.entered:
            return {}
        try:
            tools: dict[str, ToolsetTool[AgentDeps]] = await self.wrapped.get_tools(ctx)
        except EXTERNAL_FAILURES as exc:  # listing failed: no tools this step
            self.state.reason = _reason(exc)
            log.warning("MCP server %s lists no tools: %s", self.server, self.state.reason)
            return {}
        return tools

    async def call_tool(
        self,
        name: str,
        tool_args: dict[str, Any],
        ctx: RunContext[AgentDeps],
        tool: ToolsetTool[AgentDeps],
    ) -> Any:
        from pydantic_ai import ModelRetry, ToolFailed
        from pydantic_ai.exceptions import ApprovalRequired, CallDeferred

        try:
            return await self.wrapped.call_tool(name, tool_args, ctx, tool)
        except (ToolFailed, ModelRetry, ApprovalRequired, CallDeferred):
            raise
        except EXTERNAL_FAILURES as exc:  # the server broke mid-call: the model sees why
            raise ToolFailed(
                f"upstream_error: MCP server {self.server!r} failed on {name}: {_reason(exc)}"
            ) from exc


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 300 else text[:300] + "..."


@dataclass
class ProbedTool:
    name: str
    read_only: bool
    description: str


@dataclass
class Probe:
    """What ``fast-genai mcp-servers test`` found on a server."""

    server: str
    tools: list[ProbedTool] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    error: str | None = None


async def probe(config: McpServerConfig) -> Probe:
    """Connect to the server and list its tools as the agent would offer them."""
    from pydantic_ai.mcp import MCPToolset

    found = Probe(server=config.name)
    toolset: MCPToolset[Any] = MCPToolset(
        _transport(config), id=config.name, init_timeout=config.timeout
    )
    try:
        async with toolset:
            listed = await toolset.list_tools()
    except EXTERNAL_FAILURES as exc:  # reported, with the exit code of a failed check
        found.error = _reason(exc)
        return found
    for tool in listed:
        annotations = tool.annotations.model_dump(by_alias=True) if tool.annotations else None
        if config.allows(tool.name, annotations):
            found.tools.append(
                ProbedTool(
                    name=f"{config.name}_{tool.name}",
                    read_only=is_read_only(annotations),
                    description=(tool.description or "").strip().split("\n")[0][:100],
                )
            )
        else:
            found.hidden.append(tool.name)
    return found
