"""``fast-genai runs list|recover|cancel``: the server's runs (DBOS workflows), for operators."""

from __future__ import annotations

from typing import Annotated

import typer

from cli import exit_codes

app = typer.Typer(
    rich_markup_mode=None,
    help="Chat turns and one-shot runs on the server (operators).",
    no_args_is_help=True,
)


@app.command("list")
def list_runs(
    every: Annotated[bool, typer.Option("--all", help="Finished runs too.")] = False,
) -> None:
    """Active runs (running, or waiting for their instance to recover them), failed runs, and
    conversations waiting for an approval: id, status, kind, conversation, user, executor."""
    from cli import render
    from tools.settings import ToolSettings
    from web.runs.operators import list_runs as rows_of
    from web.settings import WebSettings

    rows = rows_of(WebSettings(), ToolSettings().data_dir, every=every)
    if not rows:
        render.out.print("no runs", markup=False)
        return
    for row in rows:
        started = row.started.strftime("%Y-%m-%d %H:%M:%S") if row.started else "-"
        render.out.print(
            f"{row.id}  {row.status:<14} {row.kind:<4} {row.conversation_id}  {row.user}  "
            f"{row.executor}  {started}",
            markup=False,
        )


@app.command("recover")
def recover(
    executor: Annotated[
        str,
        typer.Option(
            "--executor",
            help="The executor id of the instance that is gone (the executor column of `runs "
            "list`). Never the id of an instance still running: its runs would run twice.",
        ),
    ],
) -> None:
    """Hand the unfinished runs of an instance that will not come back to the running ones: the
    first live instance to pick each up resumes it from its last completed step."""
    from cli import render
    from tools.settings import ToolSettings
    from web.runs.operators import recover_runs
    from web.settings import WebSettings

    handed = recover_runs(WebSettings(), ToolSettings().data_dir, executor)
    for workflow_id in handed:
        render.out.print(f"recovering {workflow_id}", markup=False)
    render.err.print(
        f"{len(handed)} run(s) of executor {executor} handed to the running instances",
        markup=False,
    )


@app.command("cancel")
def cancel(run_id: Annotated[str, typer.Argument(help="The run id, from `runs list`.")]) -> None:
    """Cancel a run, wherever it executes; what was said is kept and it ends ``cancelled``."""
    from cli import render
    from tools.settings import ToolSettings
    from web.runs.operators import cancel_run
    from web.settings import WebSettings

    if not cancel_run(WebSettings(), ToolSettings().data_dir, run_id):
        render.error(f"run {run_id} is not active")
        raise typer.Exit(exit_codes.BAD_INPUT)
    render.out.print(f"cancelled {run_id}", markup=False)
