"""``fast-genai config``: where the config file is, what is in force, and setting values."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli import exit_codes

app = typer.Typer(
    rich_markup_mode=None,
    help="Show and change settings (a TOML file; env variables win).",
    no_args_is_help=True,
)


@app.command("path")
def path() -> None:
    """Print the config file's path (FAST_GENAI_CONFIG overrides it)."""
    from tools.settings import config_path

    typer.echo(str(config_path()))


@app.command("show")
def show(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    reveal: Annotated[bool, typer.Option("--reveal", help="Show secret values.")] = False,
) -> None:
    """Every setting with the value in force (secrets masked) and its environment variable."""
    from pydantic import SecretStr
    from rich.table import Table

    from cli import render
    from cli.settings_catalog import SettingsError, catalog, load_settings

    infos = catalog()
    try:
        instances = {info.owner: load_settings(info.owner) for info in infos.values()}
    except SettingsError as exc:
        render.error(str(exc))
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    rows: list[dict[str, Any]] = []
    for info in infos.values():
        value = getattr(instances[info.owner], info.key)
        if isinstance(value, SecretStr):
            value = value.get_secret_value() if reveal else "********"
        rows.append(
            {"key": info.key, "env": info.env, "value": None if value is None else str(value)}
        )
    if as_json:
        render.print_json(rows)
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("key", "env", "value"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["key"], row["env"], row["value"] or "[dim](unset)[/]")
    render.out.print(table)


@app.command("set")
def set_value(
    key: Annotated[str, typer.Argument(help="Setting name, as `config show` lists it.")],
    value: Annotated[str, typer.Argument(help="New value.")],
) -> None:
    """Store a setting in the config file (validated first)."""
    import json

    from pydantic import BaseModel, ValidationError

    from cli import config_file, render
    from cli.settings_catalog import catalog
    from tools.settings import config_path

    info = _known(key, catalog())
    target = config_path()
    try:
        values = config_file.load(target)
    except config_file.ConfigFileError as exc:
        render.error(str(exc))
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    raw: Any = value
    if value.lstrip().startswith("["):  # a list setting (mcp_servers) as JSON
        try:
            raw = json.loads(value)
        except ValueError:
            render.error(f"{key}: not valid JSON")
            raise typer.Exit(exit_codes.BAD_INPUT) from None
    try:
        checked = info.owner.model_validate({key: raw})
    except ValidationError as exc:
        render.error(f"{key}: {exc.errors()[0]['msg']}")
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    stored: Any = getattr(checked, key)
    plain = stored.get_secret_value() if hasattr(stored, "get_secret_value") else stored
    if isinstance(plain, list | tuple) and all(isinstance(item, str) for item in plain):
        plain = ",".join(plain)  # comma-separated, as the setting reads it back
    elif isinstance(plain, list):
        plain = [
            item.model_dump(mode="json", exclude_defaults=True)
            if isinstance(item, BaseModel)
            else item
            for item in plain
        ]
    elif not isinstance(plain, bool | int | float | str):
        plain = str(plain)
    values[key] = plain
    config_file.save(target, values)
    typer.echo(f"{key} saved in {target}")


@app.command("unset")
def unset(key: Annotated[str, typer.Argument(help="Setting name.")]) -> None:
    """Remove a setting from the config file (its default or env variable applies again)."""
    from cli import config_file, render
    from cli.settings_catalog import catalog
    from tools.settings import config_path

    _known(key, catalog())
    target = config_path()
    try:
        values = config_file.load(target)
        if values.pop(key, None) is None:
            typer.echo(f"{key} was not set in {target}")
            return
        config_file.save(target, values)
    except config_file.ConfigFileError as exc:
        render.error(str(exc))
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    typer.echo(f"{key} removed from {target}")


def _known(key: str, infos: dict[str, Any]) -> Any:
    from cli import render

    if key not in infos:
        render.error(f"unknown setting {key!r}; `fast-genai config show` lists them")
        raise typer.Exit(exit_codes.BAD_INPUT)
    return infos[key]
