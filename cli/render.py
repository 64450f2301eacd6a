"""Human output of the CLI: rich tables, highlighted snippets, errors on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel
    from rich.console import Console

    from tools.spec import ToolSpec

    out: Console
    err: Console


@cache
def _console(stderr: bool) -> Console:
    """A rich console, made on first use: ``--json`` output and ``--help`` never load rich."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def __getattr__(name: str) -> Console:
    """``out`` and ``err``: the consoles for stdout and stderr."""
    if name in ("out", "err"):
        return _console(name == "err")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def print_json(value: Any) -> None:
    """Plain JSON on stdout (no colour codes), for scripts."""
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def print_model_json(model: BaseModel) -> None:
    """A tool result as indented JSON on stdout, serialized once straight from the model (no
    intermediate dict: a large result is held as objects plus one string, not three copies).
    The UTF-8 bytes go to the binary stream as they are (no decode, copy and encode again)."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream
        sys.stdout.write(model.model_dump_json(indent=2) + "\n")
        return
    sys.stdout.flush()
    buffer.write(model.__pydantic_serializer__.to_json(model, indent=2))
    buffer.write(b"\n")
    buffer.flush()


def error(message: str) -> None:
    _console(True).print(f"[bold red]error:[/] {message}", markup=True)


def tool_table(specs: Iterable[ToolSpec]) -> None:
    from rich.table import Table

    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("name", style="cyan", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("title")
    table.add_column("description")
    for spec in specs:
        kind = "[yellow]write[/]" if spec.writes else "read"
        table.add_row(spec.name, kind, spec.title, spec.summary)
    _console(False).print(table)


def pending_write(name: str, kwargs: dict[str, Any]) -> None:
    console = _console(True)
    console.print(f"[bold yellow]{name}[/] wants to write with these arguments:", markup=True)
    console.print_json(json.dumps(kwargs, ensure_ascii=False, default=str))


def result(model: BaseModel) -> None:
    """Print a tool result: a specific view where one exists, else the model as JSON."""
    from cli.views import VIEWS

    view = VIEWS.get(type(model).__name__)
    if view is None:
        _console(False).print_json(model.model_dump_json())
    else:
        view(_console(False), model)
