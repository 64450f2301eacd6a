"""``fast-genai mcp``: serve the tools to MCP clients (stdio by default, or streamable HTTP)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli import exit_codes

if TYPE_CHECKING:
    from mcp_server.options import ToolFilter
    from tools.context import ToolContext


def mcp(
    workspace: Annotated[
        Path,
        typer.Option(
            "--workspace", "-w", help="Workspace root the file tools act in.", file_okay=False
        ),
    ] = Path(),
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Serve only read tools: writes are not listed.")
    ] = False,
    tools: Annotated[
        str | None,
        typer.Option("--tools", help="Serve only these tools (comma-separated names)."),
    ] = None,
    toolsets: Annotated[
        str | None,
        typer.Option(
            "--toolsets",
            help="Serve only these tool groups: files, code, integrations or all "
            "(comma-separated; adds to --tools).",
        ),
    ] = None,
    http: Annotated[
        bool,
        typer.Option("--http", help="Serve streamable HTTP (bearer token) instead of stdio."),
    ] = False,
    host: Annotated[
        str | None, typer.Option("--host", help="HTTP: interface to bind (default 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option("--port", help="HTTP: port (default 8765).")] = None,
) -> None:
    """Serve the tools over MCP: stdio for Claude Desktop, or `--http` on 127.0.0.1."""
    import anyio

    from mcp_server.options import ToolFilter
    from tools.context import ToolContext
    from tools.errors import ToolError
    from tools.registry import TOOLS

    try:
        tool_filter = ToolFilter.parse(read_only=read_only, tools=tools, toolsets=toolsets)
        tool_filter.select(TOOLS)
        ctx = ToolContext.local(str(workspace))
        if http:
            serve_http = _http_server(ctx, tool_filter, host, port)
    except ToolError as exc:
        from cli import render  # only now: rich is not needed to serve

        render.error(str(exc))
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    try:
        if http:
            anyio.run(serve_http)
        else:
            from mcp_server import stdio

            anyio.run(stdio.serve, ctx, tool_filter)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


def _http_server(
    ctx: ToolContext, tool_filter: ToolFilter, host: str | None, port: int | None
) -> Callable[[], Awaitable[None]]:
    """The standalone HTTP server, or ``MissingCredential`` when no token is configured."""
    from functools import partial

    from agent.summary_model import LazySummaryModel
    from cli import render
    from mcp_server import http
    from mcp_server.auth import StaticTokenVerifier
    from mcp_server.settings import McpSettings
    from tools.errors import MissingCredential

    settings = McpSettings()
    if settings.mcp_token is None or not settings.mcp_token.get_secret_value():
        raise MissingCredential(
            "fast-genai mcp --http needs a bearer token: set FAST_GENAI_MCP_TOKEN "
            "(or `fast-genai config set mcp_token ...`)"
        )
    bind = host or settings.mcp_host
    listen = settings.mcp_port if port is None else port
    allowed_hosts = list(settings.mcp_allowed_hosts)
    if bind not in ("0.0.0.0", "::", *http.LOOPBACK_HOSTS):  # noqa: S104 - compared, not bound
        allowed_hosts += [bind, f"{bind}:*"]  # the address it was asked to serve on
    app = http.create_mcp_app(
        StaticTokenVerifier(settings.mcp_token, ctx),
        tool_filter=tool_filter,
        summary_model=LazySummaryModel(),
        allowed_hosts=allowed_hosts,
        allowed_origins=settings.mcp_allowed_origins,
    )
    render.err.print(f"MCP server on http://{bind}:{listen}/mcp (Authorization: Bearer <token>)")
    return partial(http.serve, app, bind, listen)
