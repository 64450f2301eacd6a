"""``build_server``: an MCP ``Server`` (the SDK's low-level server) over the tool registry.

The low-level server lets every listing and result come from our own specs: JSON input and
output schemas, annotations, structured content and ``isError`` results, without the SDK
re-deriving schemas from function signatures. Each call gets a ``ToolContext`` from a provider
(one per process for stdio, per authenticated request for HTTP) with progress wired to MCP
progress notifications; cancellation cancels the running tool and silences its progress at once
(``mcp_server.cancellation``). ``ask_user`` puts the model's question to the client's user by
elicitation (``mcp_server.questions``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterable, Mapping
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError
from starlette.requests import Request

from agent.questions import ASK_USER
from agent.summary_model import LazySummaryModel
from mcp_server import adapter, logs, options, prompts, questions, resources
from mcp_server.auth import PRINCIPAL_SCOPE_KEY, Principal
from mcp_server.cancellation import CallState, run_call
from mcp_server.listing_cache import cached_listing
from mcp_server.options import ToolFilter
from tools.context import ToolContext
from tools.errors import ToolError
from tools.spec import ToolSpec

RequestContext = ServerRequestContext[Any, Any]
ContextProvider = Callable[[RequestContext], Awaitable[ToolContext]]
"""Builds the tool context for one request (the workspace, credentials and actor it acts for)."""

SERVER_NAME = "fast-genai"
INSTRUCTIONS = (
    "Tools to list, read, search, outline and summarize the files of one workspace, and to create "
    "files there, on GitHub, in Notion and in Jira. Paths are relative to the workspace root. "
    "Tools marked readOnlyHint=false write: check their arguments (try dry_run=true) first."
)


def static_context(ctx: ToolContext) -> ContextProvider:
    """A provider that gives every request the same context (stdio: one user, one workspace)."""

    async def provide(_: RequestContext) -> ToolContext:
        return ctx

    return provide


def _version() -> str:
    try:
        return metadata.version("fast-genai")
    except metadata.PackageNotFoundError:
        return "0"


def build_server(
    context: ContextProvider,
    *,
    tool_filter: ToolFilter | None = None,
    specs: Iterable[ToolSpec] | None = None,
    summary_model: LazySummaryModel | None = None,
    log_gate: logs.LogGate | None = None,
    listing_cache: Path | None = None,
) -> Server[Any]:
    """An MCP server for the registry's tools (or ``specs``), as ``tool_filter`` allows.

    Tools that use a model (``credential="model"``) get ``summary_model``'s when the context has
    none; it is built on their first call. ``log_gate`` keeps the level ``logging/setLevel``
    chose: give one per connection (stdio); without it (stateless HTTP, one server for every
    request) each request starts at the default level. ``listing_cache`` is a file where the
    registry's tool listing is kept between processes (``mcp_server.listing_cache``); it is
    used only for the registry's own tools, not for ``specs``.
    """
    if specs is not None:
        listing_cache = None
    if specs is None:
        from tools.registry import TOOLS

        specs = TOOLS
    all_specs = tuple(specs)
    tool_filter = tool_filter or ToolFilter()
    enabled: Mapping[str, ToolSpec] = tool_filter.select(all_specs)
    connection_gate = log_gate

    def gate_for(rctx: RequestContext) -> logs.LogGate:
        return connection_gate if connection_gate is not None else logs.LogGate()

    async def set_level(
        rctx: RequestContext, params: types.SetLevelRequestParams
    ) -> types.EmptyResult:
        return await gate_for(rctx).set_level(rctx, params)

    def token_read_only(rctx: RequestContext) -> bool:
        """Whether the caller's token allows no writes (an OAuth grant without mcp:write)."""
        request = rctx.request
        principal = request.scope.get(PRINCIPAL_SCOPE_KEY) if isinstance(request, Request) else None
        return isinstance(principal, Principal) and principal.read_only

    def asked_for(rctx: RequestContext) -> ToolFilter | None:
        """The narrower choice an HTTP request makes (headers or query, and its token's
        scope); none on stdio."""
        request = rctx.request
        if not isinstance(request, Request):
            return None
        narrowed = options.request_filter(request.headers, request.query_params)
        if token_read_only(rctx):
            narrowed = dataclasses.replace(narrowed or ToolFilter(), read_only=True)
        return narrowed

    def describe_all() -> list[types.Tool]:
        return [adapter.describe(spec) for spec in all_specs]

    @cache
    def listing() -> list[types.Tool]:
        if listing_cache is None:
            return [adapter.describe(spec) for spec in enabled.values()]
        names = [spec.name for spec in all_specs]
        every = cached_listing(listing_cache, names, describe_all)
        return [tool for tool in every if tool.name in enabled]

    def input_schema(name: str) -> dict[str, Any] | None:
        return next((tool.input_schema for tool in listing() if tool.name == name), None)

    async def list_tools(
        rctx: RequestContext, params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        try:
            narrowed = asked_for(rctx)
        except ToolError as exc:
            raise MCPError(code=types.INVALID_PARAMS, message=str(exc)) from None
        tools = listing()
        if narrowed is not None:
            tools = [tool for tool in tools if narrowed.allows(enabled[tool.name])]
        if offers_ask_user(narrowed) and questions.can_elicit(rctx):
            tools = [*tools, questions.tool()]
        return types.ListToolsResult(tools=tools)

    def offers_ask_user(narrowed: ToolFilter | None) -> bool:
        """``ask_user`` comes with the full tool set, not with a list of named tools/toolsets."""
        chosen = (tool_filter, narrowed) if narrowed is not None else (tool_filter,)
        return all(f.only is None and f.toolsets is None for f in chosen)

    async def call_tool(
        rctx: RequestContext, params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        spec = enabled.get(params.name)
        if spec is None and params.name == ASK_USER:
            try:
                narrowed = asked_for(rctx)
            except ToolError as exc:
                return adapter.failure(str(exc), code=exc.code)
            if offers_ask_user(narrowed):
                return await questions.ask(rctx, params)
        if spec is None:
            return adapter.failure(tool_filter.refusal(params.name, all_specs), code="unknown_tool")
        try:
            narrowed = asked_for(rctx)
        except ToolError as exc:
            return adapter.failure(str(exc), code=exc.code)
        if narrowed is not None and not narrowed.allows(spec):
            if spec.writes and token_read_only(rctx):
                why = "this client was authorized without writes (ask again with mcp:write)"
            else:
                why = f"{options.TOOLSETS_HEADER} / {options.READONLY_HEADER}"
            return adapter.failure(
                f"tool {spec.name!r} is not enabled for this request ({why})",
                code="unknown_tool",
            )
        try:
            base = await context(rctx)
        except ToolError as exc:
            return adapter.failure(f"{spec.name} failed: {exc}", code=exc.code)
        session = rctx.session
        gate = gate_for(rctx)
        state = CallState()

        async def progress(done: float, total: float | None, message: str | None) -> None:
            if not state.live:  # cancelled or answered: nothing more is sent about it
                return
            await session.report_progress(done, total, message)
            of = f"/{total:g}" if total is not None else ""
            step = f"{spec.name}: {done:g}{of}" + (f" {message}" if message else "")
            await logs.send(rctx, gate, "debug", step)

        ctx = dataclasses.replace(base, progress=progress)
        if spec.credential == "model" and ctx.summary_model is None and summary_model is not None:
            try:
                ctx.summary_model = await summary_model.get()
            except ToolError as exc:
                return adapter.failure(f"{spec.name} failed: {exc}", code=exc.code)
        with logs.collecting() as log:
            result = await run_call(lambda: adapter.call(spec, ctx, params.arguments), state)
        await logs.flush(rctx, gate, log)
        return result

    async def list_resources(
        rctx: RequestContext, params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        ctx = await context(rctx)
        return types.ListResourcesResult(resources=await resources.list_files(ctx))

    async def list_templates(
        rctx: RequestContext, params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        ctx = await context(rctx)
        return types.ListResourceTemplatesResult(
            resource_templates=[resources.template(ctx.workspace)]
        )

    async def read_resource(
        rctx: RequestContext, params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        return await resources.read(await context(rctx), str(params.uri))

    async def list_prompts(
        rctx: RequestContext, params: types.PaginatedRequestParams | None
    ) -> types.ListPromptsResult:
        return types.ListPromptsResult(prompts=prompts.listing())

    async def get_prompt(
        rctx: RequestContext, params: types.GetPromptRequestParams
    ) -> types.GetPromptResult:
        return prompts.get(params)

    async def complete(
        rctx: RequestContext, params: types.CompleteRequestParams
    ) -> types.CompleteResult:
        if not prompts.completes_a_path(params):
            return types.CompleteResult(completion=types.Completion(values=[]))
        ctx = await context(rctx)
        return types.CompleteResult(
            completion=await prompts.workspace_paths(ctx, params.argument.value)
        )

    server: Server[Any] = Server(
        SERVER_NAME,
        version=_version(),
        title="fast-genai",
        instructions=INSTRUCTIONS,
        get_tool_input_schema=input_schema,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_list_resource_templates=list_templates,
        on_read_resource=read_resource,
        on_list_prompts=list_prompts,
        on_get_prompt=get_prompt,
        on_completion=complete,
    )
    # Registered directly: the constructor's on_set_logging_level warns that 2026-07-28 dropped
    # logging, while the handshake revisions our clients speak still have it.
    server.add_request_handler("logging/setLevel", types.SetLevelRequestParams, set_level)
    return server
