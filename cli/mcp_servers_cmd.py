"""``fast-genai mcp-servers list|test|add|remove``: the user's MCP servers the agent may use.

They are the ``mcp_servers`` setting: the config file (``add``/``remove`` edit it) or
``FAST_GENAI_MCP_SERVERS`` (a JSON list, which then wins over the file).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cli import exit_codes

if TYPE_CHECKING:
    from agent.settings import AgentSettings

app = typer.Typer(help="Other MCP servers whose tools the agent may use.", no_args_is_help=True)


@app.command("list")
def list_servers() -> None:
    """The configured servers: name, transport, target, read-only and allow-list."""
    from cli import render

    servers = _settings().mcp_servers
    if not servers:
        render.out.print(
            "no MCP servers configured (fast-genai mcp-servers add NAME --command ... | --url ...)",
            markup=False,
        )
        return
    for server in servers:
        kind = "http" if server.url else "stdio"
        flags = ["read-only"] if server.read_only else []
        if server.tools is not None:
            flags.append("tools: " + ", ".join(server.tools))
        extra = f"  ({'; '.join(flags)})" if flags else ""
        render.out.print(f"{server.name}  {kind}  {server.target}{extra}", markup=False)


@app.command("test")
def test_servers(
    name: Annotated[str | None, typer.Argument(help="One server; every one by default.")] = None,
) -> None:
    """Connect to the servers and list the tools the agent would get (exit 1 if one fails)."""
    import asyncio

    from agent.mcp_sources import probe
    from cli import render

    servers = _settings().mcp_servers
    chosen = [s for s in servers if name is None or s.name == name]
    if not chosen:
        render.error(f"no MCP server {name!r} is configured" if name else "no MCP servers")
        raise typer.Exit(exit_codes.BAD_INPUT)
    failed = False
    for server in chosen:
        found = asyncio.run(probe(server))
        if found.error is not None:
            failed = True
            from rich.markup import escape

            render.error(escape(f"{server.name}: cannot use {server.target}: {found.error}"))
            continue
        render.out.print(f"{server.name}: ok, {len(found.tools)} tool(s)", markup=False)
        for tool in found.tools:
            gate = "read-only" if tool.read_only else "needs approval"
            render.out.print(f"  {tool.name}  [{gate}]  {tool.description}", markup=False)
        if found.hidden:
            render.out.print(f"  not offered: {', '.join(found.hidden)}", markup=False)
    if failed:
        raise typer.Exit(exit_codes.TOOL_ERROR)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Short lowercase name: tools become NAME_<tool>.")],
    command: Annotated[str | None, typer.Option(help="Program to start (stdio).")] = None,
    arg: Annotated[list[str] | None, typer.Option(help="An argument (repeatable).")] = None,
    env: Annotated[list[str] | None, typer.Option(help="KEY=VALUE (repeatable).")] = None,
    url: Annotated[str | None, typer.Option(help="Streamable-HTTP endpoint.")] = None,
    header: Annotated[list[str] | None, typer.Option(help="KEY=VALUE (repeatable).")] = None,
    read_only: Annotated[bool, typer.Option("--read-only", help="Only its read-only tools.")] = (
        False
    ),
    tool: Annotated[list[str] | None, typer.Option(help="Offer only this tool (repeatable).")] = (
        None
    ),
) -> None:
    """Add (or replace) a server in the config file."""
    from pydantic import ValidationError

    from agent.mcp_config import McpServerConfig
    from cli import render

    try:
        server = McpServerConfig(
            name=name,
            command=command,
            args=arg or [],
            env=_pairs(env, "--env"),
            url=url,
            headers=_pairs(header, "--header"),
            read_only=read_only,
            tools=tool or None,
        )
    except ValidationError as exc:
        from rich.markup import escape

        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or name}: {e['msg']}"
            for e in exc.errors(include_url=False)
        )
        render.error(escape(problems))
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    entries = [e for e in _stored() if e.get("name") != name]
    entries.append(server.model_dump(exclude_defaults=True))
    path = _store(entries)
    render.out.print(f"added {name} to {path}", markup=False)


@app.command("remove")
def remove(name: Annotated[str, typer.Argument(help="The server's name.")]) -> None:
    """Remove a server from the config file."""
    from cli import render

    entries = _stored()
    kept = [e for e in entries if e.get("name") != name]
    if len(kept) == len(entries):
        render.error(f"no MCP server {name!r} in the config file")
        raise typer.Exit(exit_codes.BAD_INPUT)
    path = _store(kept)
    render.out.print(f"removed {name} from {path}", markup=False)


def _settings() -> AgentSettings:
    from pydantic import ValidationError

    from agent.settings import AgentSettings
    from cli import render

    try:
        return AgentSettings()
    except ValidationError as exc:
        render.error(f"invalid settings: {exc.errors(include_url=False)[0]['msg']}")
        raise typer.Exit(exit_codes.BAD_INPUT) from None


def _pairs(values: list[str] | None, option: str) -> dict[str, str]:
    from cli import render

    pairs: dict[str, str] = {}
    for value in values or []:
        key, sep, rest = value.partition("=")
        if not sep or not key:
            render.error(f"{option} takes KEY=VALUE, not {value!r}")
            raise typer.Exit(exit_codes.BAD_INPUT)
        pairs[key] = rest
    return pairs


def _stored() -> list[dict[str, object]]:
    from cli import config_file
    from tools.settings import config_path

    entries = config_file.load(config_path()).get("mcp_servers", [])
    return [dict(e) for e in entries if isinstance(e, dict)]


def _store(entries: list[dict[str, object]]) -> str:
    from cli import config_file
    from tools.settings import config_path

    path = config_path()
    values = config_file.load(path)
    if entries:
        values["mcp_servers"] = entries
    else:
        values.pop("mcp_servers", None)
    config_file.save(path, values)
    return str(path)
