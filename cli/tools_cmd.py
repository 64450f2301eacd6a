"""``fast-genai tools``: list the tools and call one directly."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli import exit_codes

if TYPE_CHECKING:
    from pydantic import BaseModel

    from tools.spec import ToolSpec

app = typer.Typer(
    rich_markup_mode=None, help="List the tools and call one directly.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
WorkspaceOption = Annotated[
    Path,
    typer.Option(
        "--workspace", "-w", help="Workspace root the file tools act in.", file_okay=False
    ),
]


@app.command("list")
def list_tools(as_json: JsonOption = False) -> None:
    """List every tool: name, title, read or write, and what it does."""
    from cli import render
    from tools.registry import TOOLS

    if as_json:
        render.print_json([_describe(spec) for spec in TOOLS])
        return
    render.tool_table(TOOLS)


@app.command("call")
def call_tool(
    name: Annotated[str, typer.Argument(help="Tool name, as `tools list` shows it.")],
    pairs: Annotated[
        list[str] | None, typer.Argument(help="Arguments as key=value pairs.", show_default=False)
    ] = None,
    args: Annotated[
        str | None, typer.Option("--args", "-a", help="Arguments as a JSON object.")
    ] = None,
    workspace: WorkspaceOption = Path(),
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Approve a write tool.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what a write tool would do; do nothing.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Call one tool: `fast-genai tools call read_file path=README.md end_line=20`."""
    import asyncio

    from cli import render
    from cli.arguments import ArgumentError, parse_tool_arguments
    from cli.settings_catalog import SettingsError, load_settings
    from tools.context import ToolContext
    from tools.errors import InvalidArgument, NotFound, ToolError
    from tools.registry import get_tool
    from tools.settings import ToolSettings

    try:
        settings = load_settings(ToolSettings)
        spec = get_tool(name)
        arguments = parse_tool_arguments(args, pairs or [], string_fields=_string_fields(spec))
        if dry_run:
            if "dry_run" not in spec.params_model.model_fields:
                raise InvalidArgument(f"{name} has no dry run: it does not write anything")
            arguments["dry_run"] = True
        kwargs = spec.validate(arguments)
        ctx = ToolContext.local(str(workspace), settings=settings)
    except (ArgumentError, InvalidArgument, NotFound, SettingsError) as exc:
        render.error(str(exc))
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    except ToolError as exc:
        render.error(str(exc))
        raise typer.Exit(exit_codes.TOOL_ERROR) from None

    if spec.writes and not kwargs.get("dry_run") and not _approved(spec, kwargs, yes):
        render.error(f"{name} was not run: the write was not approved")
        raise typer.Exit(exit_codes.DENIED)
    results: list[BaseModel] = []

    async def run() -> None:  # returns nothing: asyncio.run would repr a large result
        if spec.credential != "model":
            results.append(await spec.func(ctx, **kwargs))
            return
        from agent.summary_model import LazySummaryModel

        async with LazySummaryModel() as provider:
            ctx.summary_model = await provider.get()
            results.append(await spec.func(ctx, **kwargs))

    try:
        asyncio.run(run())
    except ToolError as exc:
        render.error(str(exc))
        raise typer.Exit(exit_codes.TOOL_ERROR) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    result = results[0]
    if as_json:
        render.print_model_json(result)
    else:
        render.result(result)


def _describe(spec: ToolSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "title": spec.title,
        "kind": "write" if spec.writes else "read",
        "credential": spec.credential,
        "description": spec.summary,
        "parameters": spec.parameters_schema(),
    }


def _string_fields(spec: ToolSpec) -> frozenset[str]:
    properties = spec.parameters_schema().get("properties", {})
    return frozenset(
        name
        for name, schema in properties.items()
        if schema.get("type") == "string"
        or any(option.get("type") == "string" for option in schema.get("anyOf", []))
    )


def _approved(spec: ToolSpec, kwargs: dict[str, Any], yes: bool) -> bool:
    from cli import render

    render.pending_write(spec.name, kwargs)
    if yes:
        return True
    if not sys.stdin.isatty():
        render.error("no terminal to ask for approval; pass --yes to approve the write")
        return False
    return typer.confirm("Run this write?", default=False)
