"""``fast-genai eval``: run the eval set and print a table per case, then totals.

``--model scripted`` plays each case's reference script (no key needed: what CI runs, to test
the harness); any other model name (or the configured model) runs the real agent. The exit code
is 1 when a case fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli import exit_codes

if TYPE_CHECKING:
    from agent.evals.runner import ModelFor
    from agent.settings import AgentSettings

SCRIPTED = "scripted"


def evaluate(
    model: Annotated[
        str | None,
        typer.Option(
            help="A pydantic-ai model name, or 'scripted'; the configured model by default."
        ),
    ] = None,
    case: Annotated[
        list[str] | None, typer.Option(help="Run only this case (repeatable), or a category.")
    ] = None,
    cases_file: Annotated[
        Path | None, typer.Option("--cases", help="A cases TOML file (the checkout's by default).")
    ] = None,
    workspace: Annotated[
        Path | None, typer.Option(help="The sample workspace (the checkout's by default).")
    ] = None,
) -> None:
    """Run the eval set: does the agent choose the right tools and answer right?"""
    import asyncio

    from agent.evals.cases import load_cases
    from agent.evals.runner import CaseResult, run_cases
    from agent.settings import AgentSettings
    from cli import render
    from tools.errors import ToolError

    try:
        cases = load_cases(cases_file)
        settings = AgentSettings(mcp_servers=[])
        model_for = _model_for(settings, model)
    except ToolError as exc:
        render.error(str(exc))
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    if case:
        cases = [c for c in cases if c.name in case or c.category in case]
        if not cases:
            render.error(f"no eval case or category named {', '.join(case)}")
            raise typer.Exit(exit_codes.BAD_INPUT)
    label = model or settings.model

    async def shown(result: CaseResult) -> None:
        mark = "pass" if result.passed else "FAIL"
        render.err.print(f"{mark} {result.name}", markup=False, highlight=False)

    report = asyncio.run(
        run_cases(cases, settings, model_for, workspace=workspace, on_result=shown)
    )
    _table(report, label)
    if report.passed != len(report.results):
        raise typer.Exit(exit_codes.TOOL_ERROR)


def _model_for(settings: AgentSettings, name: str | None) -> ModelFor:
    from agent.evals.scripted import scripted_model
    from agent.model import build_model

    if name == SCRIPTED:
        return lambda case: scripted_model(case.script)
    model = build_model(settings, name)  # MissingModelKey names the setting
    return lambda case: model


def _table(report: object, label: str) -> None:
    from rich.table import Table

    from agent.evals.runner import Report
    from cli import render

    assert isinstance(report, Report)
    table = Table(title=f"eval: {label}", box=None, pad_edge=False, header_style="bold")
    for column in ("case", "category", "result", "tool calls", "tokens", "time", "why"):
        table.add_column(column, justify="right" if column in ("tokens", "time") else "left")
    for r in report.results:
        table.add_row(
            r.name,
            r.category,
            "pass" if r.passed else "[red]FAIL[/]",
            ", ".join(r.tools) or "-",
            str(r.input_tokens + r.output_tokens),
            f"{r.seconds:.1f}s",
            "; ".join(r.failures),
        )
    total = len(report.results)
    table.add_row(
        "total",
        "",
        f"{report.passed}/{total}",
        "",
        str(report.tokens),
        f"{report.seconds:.1f}s",
        "",
    )
    render.out.print(table)
