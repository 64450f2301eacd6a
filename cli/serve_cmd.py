"""``fast-genai serve`` (the web server), ``fast-genai db upgrade``, ``fast-genai users create``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli import exit_codes

db_app = typer.Typer(help="The server's database.", no_args_is_help=True)
users_app = typer.Typer(help="Users of the web server.", no_args_is_help=True)


def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)
    ] = 8000,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            help="Serve this directory as the workspace 'default' (else FAST_GENAI_WORKSPACES, "
            "else the current directory).",
            file_okay=False,
        ),
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "info",
) -> None:
    """Run the web API (SQLite by default; DATABASE_URL for PostgreSQL). Migrations run first."""
    import logging

    import uvicorn

    from cli import render
    from tools.errors import ToolError
    from web.app import create_app
    from web.migrate import upgrade
    from web.settings import WebSettings
    from web.startup import report

    overrides = {"workspaces": {"default": str(workspace)}} if workspace is not None else {}
    try:
        settings = WebSettings(**overrides)  # type: ignore[arg-type]
        if settings.executor_id is None:  # stable per host and port: a restart resumes its runs
            from web.runs.engine import default_executor_id

            settings.executor_id = default_executor_id(port)
        upgrade(settings.database_url)
        app = create_app(settings, allowed_hosts=_public_hosts(host, port))
    except ToolError as exc:
        render.error(str(exc))
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    facts, problems = report(app.state.web, host=host, port=port)
    for line in facts:
        render.err.print(line, markup=False)
    for line in problems:
        render.err.print(f"[bold yellow]missing:[/] {line}", markup=True)
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s:     %(name)s %(message)s")
    # fast_genai.web.access logs each request with its duration; uvicorn's own line is redundant
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)


def _public_hosts(host: str, port: int) -> list[str]:
    """The Host values ``/mcp`` accepts besides loopback names: the address ``serve`` binds."""
    if host in ("0.0.0.0", "::", "127.0.0.1", "localhost", "::1"):  # noqa: S104 - compared
        return []
    return [host, f"{host}:{port}"]


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Option("--revision", help="Target revision.")] = "head",
) -> None:
    """Apply the database migrations (also done by `serve` at start)."""
    from cli import render
    from web.migrate import current, upgrade
    from web.settings import WebSettings

    url = WebSettings().database_url
    upgrade(url, revision)
    render.err.print(f"database at revision {current(url)}", markup=False)


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option("--email", help="The user's e-mail (login name).")],
    superuser: Annotated[
        bool, typer.Option("--superuser", help="Make the user an administrator.")
    ] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a user (the first administrator, for example); the password is prompted."""
    import asyncio

    from cli import render
    from tools.errors import ToolError
    from web.admin import create_user
    from web.migrate import upgrade
    from web.settings import WebSettings

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    url = WebSettings().database_url
    try:
        upgrade(url)
        user = asyncio.run(create_user(url, email, password, superuser=superuser))
    except ToolError as exc:
        render.error(str(exc))
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    kind = "superuser" if user.is_superuser else "user"
    render.out.print(f"created {kind} {user.email} ({user.id})", markup=False)
