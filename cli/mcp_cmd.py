"""``fast-genai mcp``: serve the tools to MCP clients (stdio by default, or streamable HTTP), and
``fast-genai mcp install-config``: the entry a client needs to start it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli import exit_codes

if TYPE_CHECKING:
    from cli.mcp_clients import ClientName
    from mcp_server.options import ToolFilter
    from tools.context import ToolContext

app = typer.Typer(rich_markup_mode=None, help="Serve the tools over MCP (stdio, or --http).")


@app.callback(invoke_without_command=True)
def mcp(
    context: typer.Context,
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
    if context.invoked_subcommand is not None:
        return
    import anyio

    from mcp_server.options import ToolFilter
    from tools.context import ToolContext
    from tools.errors import ToolError
    from tools.registry import TOOLS
    from tools.settings import ToolSettings, server_tool_settings

    try:
        tool_filter = ToolFilter.parse(read_only=read_only, tools=tools, toolsets=toolsets)
        tool_filter.select(TOOLS)
        ctx = ToolContext.local(str(workspace), settings=server_tool_settings(ToolSettings()))
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


@app.command("install-config")
def install_config(
    client: Annotated[
        str,
        typer.Option("--client", "-c", help="claude-desktop, claude-code, cursor or vscode."),
    ] = "claude-desktop",
    workspace: Annotated[
        Path,
        typer.Option(
            "--workspace", "-w", help="Workspace root the file tools act in.", file_okay=False
        ),
    ] = Path(),
    read_only: Annotated[
        bool, typer.Option("--read-only", help="The entry serves only read tools.")
    ] = False,
    tools: Annotated[
        str | None, typer.Option("--tools", help="The entry serves only these tools.")
    ] = None,
    toolsets: Annotated[
        str | None, typer.Option("--toolsets", help="The entry serves only these tool groups.")
    ] = None,
    name: Annotated[str, typer.Option("--name", help="The server's name in the client.")] = (
        "fast-genai"
    ),
    write: Annotated[
        bool,
        typer.Option("--write", help="Add the entry to the client's config file (kept otherwise)."),
    ] = False,
    config_file: Annotated[
        Path | None,
        typer.Option("--config-file", help="With --write: this file instead of the client's own."),
    ] = None,
) -> None:
    """Print (or --write) a client's MCP entry for this fast-genai, with absolute paths."""
    import json

    from cli import mcp_clients, render
    from mcp_server.options import ToolFilter
    from tools.errors import ToolError
    from tools.registry import TOOLS

    if client not in mcp_clients.CLIENTS:
        render.error(f"unknown client {client!r}; choose one of: {', '.join(mcp_clients.CLIENTS)}")
        raise typer.Exit(exit_codes.BAD_INPUT)
    chosen: ClientName = client
    try:
        ToolFilter.parse(read_only=read_only, tools=tools, toolsets=toolsets).select(TOOLS)
        entry = mcp_clients.server_entry(
            workspace, name=name, read_only=read_only, tools=tools, toolsets=toolsets
        )
        snippet = mcp_clients.document(chosen, entry)
        if write:
            target = config_file or mcp_clients.default_path(chosen, workspace)
            mcp_clients.write(target, mcp_clients.merged(target, snippet))
    except ToolError as exc:
        render.error(str(exc))
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    if write:
        render.err.print(f"added the MCP server {name!r} to {target}; restart {client} to load it")
        return
    typer.echo(json.dumps(snippet, indent=2))
    if chosen == "claude-code":
        render.err.print(f"or run: {mcp_clients.claude_code_command(entry)}")
    else:
        where = mcp_clients.default_path(chosen, workspace)
        render.err.print(f"merge this into {where} (or run again with --write)")
    render.err.print(
        'credentials: add GITHUB_TOKEN, NOTION_TOKEN, JIRA_... to "env", or set them once '
        "with `fast-genai config set`"
    )
