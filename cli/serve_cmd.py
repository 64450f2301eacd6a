"""``fast-genai serve`` (the web server), ``fast-genai db upgrade``, ``fast-genai users create``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from cli import exit_codes

db_app = typer.Typer(rich_markup_mode=None, help="The server's database.", no_args_is_help=True)
users_app = typer.Typer(
    rich_markup_mode=None, help="Users of the web server.", no_args_is_help=True
)


def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", help="Port to listen on (0: any free port).", min=0, max=65535)
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
    from sqlalchemy.exc import SQLAlchemyError

    from cli import render
    from cli.listen import ListenError, listen
    from tools.errors import ToolError
    from web.app import create_app
    from web.migrate import upgrade
    from web.settings import WebSettings
    from web.startup import report
    from web.workspaces import Workspaces

    overrides = {"workspaces": {"default": str(workspace)}} if workspace is not None else {}
    try:
        settings = WebSettings(**overrides)  # type: ignore[arg-type]
    except ToolError as exc:
        render.error(str(exc))
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    missing = Workspaces.open(settings.workspaces, {}).problems
    if missing:  # a configured root that does not exist is a mistake, not something to serve
        _startup_failed("; ".join(missing))
    try:
        sock = listen(host, port)
    except ListenError as exc:
        _startup_failed(str(exc))
    port = sock.getsockname()[1]
    if settings.executor_id is None:  # stable per host and port: a restart resumes its runs
        from web.runs.engine import default_executor_id

        settings.executor_id = default_executor_id(port)
    try:
        upgrade(settings.database_url)
        app = create_app(settings, allowed_hosts=_public_hosts(host, port))
    except ToolError as exc:
        sock.close()
        render.error(str(exc))
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    except (SQLAlchemyError, OSError) as exc:
        sock.close()
        _startup_failed(f"the database cannot be opened: {exc.__cause__ or exc}".splitlines()[0])
    facts, problems = report(app.state.web, host=host, port=port)
    for line in facts:
        render.err.print(line, markup=False)
    for line in problems:
        render.err.print(f"[bold yellow]missing:[/] {line}", markup=True)
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s:     %(name)s %(message)s")
    # fast_genai.web.access logs each request with its duration; uvicorn's own line is redundant
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,
            # h11 refuses (400) a head still incomplete past this size; the app answers 431 to
            # one that arrived whole (web.middleware.HeaderLimit)
            h11_max_incomplete_event_size=settings.max_header_bytes,
        )
    )
    server.run(sockets=[sock])
    if not server.started:  # the app's start-up failed; uvicorn logged why
        raise typer.Exit(exit_codes.STARTUP)


def _startup_failed(message: str) -> NoReturn:
    from cli import render

    render.error(f"cannot start: {message}")
    raise typer.Exit(exit_codes.STARTUP)


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
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from standard input (the default without a terminal).",
        ),
    ] = False,
) -> None:
    """Create a user (the first administrator, for example).

    The password is prompted in a terminal, else read from the first line of standard input."""
    import asyncio

    from cli import render
    from tools.errors import ToolError
    from web.admin import create_user
    from web.migrate import upgrade
    from web.settings import WebSettings

    if password_stdin or not sys.stdin.isatty():  # piped: read it, no prompt, no getpass warning
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            render.error(
                "users create needs a password: pipe it on standard input "
                "(printf '%s\\n' \"$PASSWORD\" | fast-genai users create --email ...) "
                "or run it in a terminal to be prompted"
            )
            raise typer.Exit(exit_codes.BAD_INPUT)
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


@users_app.command("invite")
def users_invite(
    days: Annotated[
        float, typer.Option("--days", min=0.01, help="How long the code stays valid, in days.")
    ] = 7.0,
) -> None:
    """Print a one-use invite code (for FAST_GENAI_REGISTRATION=invite)."""
    import asyncio

    from cli import render
    from web.admin import create_invite_code
    from web.migrate import upgrade
    from web.settings import WebSettings

    settings = WebSettings()
    upgrade(settings.database_url)
    code = asyncio.run(create_invite_code(settings.database_url, days=days))
    render.out.print(code, markup=False)
    render.err.print(f'valid for {days:g} days, once; register with it as "invite"', markup=False)
    if settings.registration != "invite":
        render.err.print(
            f"note: registration is {settings.registration!r}; codes are needed only with "
            "FAST_GENAI_REGISTRATION=invite",
            markup=False,
        )
