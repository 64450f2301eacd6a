"""The ``fast-genai`` command. Start-up stays fast: every command imports what it needs lazily."""

from __future__ import annotations

import typer

from cli import (
    ask_cmd,
    config_cmd,
    eval_cmd,
    integrations_cmd,
    mcp_cmd,
    mcp_servers_cmd,
    runs_cmd,
    serve_cmd,
    tools_cmd,
)

app = typer.Typer(
    rich_markup_mode=None,
    name="fast-genai",
    help="A Gemini-backed agent with typed code and integration tools: CLI, web API, MCP server.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(tools_cmd.app, name="tools")
app.add_typer(config_cmd.app, name="config")
app.add_typer(mcp_cmd.app, name="mcp")
app.add_typer(mcp_servers_cmd.app, name="mcp-servers")
app.command("ask")(ask_cmd.ask)
app.command("chat")(ask_cmd.chat)
app.command("serve")(serve_cmd.serve)
app.command("eval")(eval_cmd.evaluate)
app.add_typer(serve_cmd.db_app, name="db")
app.add_typer(serve_cmd.users_app, name="users")
app.add_typer(integrations_cmd.app, name="integrations")
app.add_typer(runs_cmd.app, name="runs")


def main() -> None:
    app()
