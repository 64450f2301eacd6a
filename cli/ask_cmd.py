"""``fast-genai ask`` and ``fast-genai chat``: the agent in the terminal.

Exit codes (cli/exit_codes.py): 0 answered; 1 a tool or the run failed otherwise; 2 bad input or a
missing setting (no model key: the message names GEMINI_API_KEY); 3 the answer came, but a write
was not approved; 4 the model endpoint failed after retries, timed out, or a usage limit stopped
the run; 5 the agent asked a question and there was no terminal to answer it; 130 interrupted.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli import exit_codes

if TYPE_CHECKING:
    from agent.errors import NeedsInput
    from agent.settings import AgentSettings
    from cli.agent_session import AgentSession, Approval

WorkspaceOption = Annotated[
    Path,
    typer.Option(
        "--workspace", "-w", help="Workspace root the file tools act in.", file_okay=False
    ),
]
YesOption = Annotated[
    bool, typer.Option("--yes", "-y", help="Approve every write the agent asks for.")
]
DryRunOption = Annotated[
    bool,
    typer.Option(
        "--dry-run", help="Run write tools as dry runs: show what they would do, change nothing."
    ),
]
ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model", "-m", help="Model to use (any pydantic-ai name, e.g. google:gemini-3.8-flash)."
    ),
]


def ask(
    instruction: Annotated[
        str | None,
        typer.Argument(
            help="What to do. With --preset: extra context for the preset.", show_default=False
        ),
    ] = None,
    workspace: WorkspaceOption = Path(),
    preset: Annotated[
        str | None,
        typer.Option("--preset", "-p", help="A named task: explain, review, document or tests."),
    ] = None,
    path: Annotated[
        str | None, typer.Option("--path", help="The file or directory the preset works on.")
    ] = None,
    yes: YesOption = False,
    dry_run: DryRunOption = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object (answer, tool calls, usage).")
    ] = False,
    model: ModelOption = None,
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            envvar="FAST_GENAI_SERVER",
            help="Run on this fast-genai server (its URL, e.g. http://127.0.0.1:8000) instead "
            "of locally; --workspace then names one of the server's workspaces (default: its "
            "default).",
            show_default=False,
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="FAST_GENAI_TOKEN",
            help="Access token for --server (create one in the web app: POST /api/v1/tokens).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Give the agent one instruction; the answer streams to stdout as it arrives.

    Each tool call is one short line on stderr.

    Before any write the exact call is shown and you are asked y/N.

    --yes approves writes, --dry-run runs them as dry runs. No terminal and no --yes: denied.

    When the agent needs a choice it asks you with numbered options.

    Exit codes: 0 answered, 1 failed, 2 bad input or missing key, 3 a write was denied,
    4 the model endpoint failed or a usage limit was reached, 5 the agent asked a question and
    there was no terminal to answer it.
    """
    import asyncio

    from cli import render

    prompt = _prompt(instruction, preset, path)
    if server:
        remote_workspace = None if workspace == Path() else str(workspace)
        approval = _approval(yes, dry_run)
        raise typer.Exit(_remote(server, token, prompt, approval, as_json, model, remote_workspace))
    try:
        code = asyncio.run(_ask(prompt, workspace, _approval(yes, dry_run), as_json, model))
    except KeyboardInterrupt:
        render.error("interrupted")
        raise typer.Exit(130) from None
    raise typer.Exit(code)


def chat(
    workspace: WorkspaceOption = Path(),
    yes: YesOption = False,
    dry_run: DryRunOption = False,
    model: ModelOption = None,
) -> None:
    """A conversation in the terminal: type a message, read the streamed answer, repeat.

    Commands: /retry resumes after an error, /reset starts over, /exit (or Ctrl-D) quits.

    Writes are approved, and questions of the agent answered, as in `ask`.
    """
    import asyncio

    try:
        code = asyncio.run(_chat(workspace, _approval(yes, dry_run), model))
    except KeyboardInterrupt:
        code = 130
    raise typer.Exit(code)


def _remote(
    server: str,
    token: str | None,
    prompt: str,
    approval: Approval,
    as_json: bool,
    model: str | None,
    workspace: str | None,
) -> int:
    import asyncio

    from cli import render
    from cli.remote_ask import RemoteAsk

    if model:
        render.error("--model does not go with --server: the server chooses its model")
        return exit_codes.BAD_INPUT
    if not token:
        render.error("--server needs an access token: pass --token or set FAST_GENAI_TOKEN")
        return exit_codes.BAD_INPUT
    try:
        remote = RemoteAsk(server, token, approval, as_json, workspace)
        return asyncio.run(remote.run(prompt))
    except KeyboardInterrupt:
        render.error("interrupted")
        return 130


def _prompt(instruction: str | None, preset: str | None, path: str | None) -> str:
    from agent.presets import preset_prompt
    from cli import render
    from tools.errors import InvalidArgument

    if preset is None:
        if path is not None:
            render.error("--path goes with --preset")
            raise typer.Exit(exit_codes.BAD_INPUT)
        if not instruction or not instruction.strip():
            render.error('give an instruction: fast-genai ask "explain src/app.py"')
            raise typer.Exit(exit_codes.BAD_INPUT)
        return instruction
    try:
        return preset_prompt(preset, path=path, context=instruction)
    except InvalidArgument as exc:
        render.error(str(exc))
        raise typer.Exit(exit_codes.BAD_INPUT) from None


def _approval(yes: bool, dry_run: bool) -> Approval:
    from cli import render

    if yes and dry_run:
        render.error("choose one of --yes and --dry-run")
        raise typer.Exit(exit_codes.BAD_INPUT)
    return "dry_run" if dry_run else "yes" if yes else "ask"


def _settings(model: str | None) -> AgentSettings:
    from agent.settings import AgentSettings

    settings = AgentSettings()
    return settings.model_copy(update={"model": model}) if model else settings


def _session(
    workspace: Path, approval: Approval, model: str | None, *, quiet: bool = False
) -> AgentSession:
    from cli.agent_session import AgentSession
    from cli.stream_view import StreamView

    return AgentSession(
        settings=_settings(model),
        workspace=workspace,
        approval=approval,
        view=StreamView(quiet=quiet),
    )


async def _ask(
    prompt: str, workspace: Path, approval: Approval, as_json: bool, model: str | None
) -> int:
    from agent.errors import NeedsInput, RunFailed
    from cli import render
    from cli.stream_view import call_json
    from tools.errors import ToolError

    session = _session(workspace, approval, model, quiet=as_json)
    try:
        async with session:
            turn = await session.turn(prompt)
    except NeedsInput as exc:
        return _needs_input(exc, as_json)
    except RunFailed as exc:
        return _fail(exc, exit_codes.MODEL_ERROR, as_json)
    except ToolError as exc:
        return _fail(exc, _error_code(exc), as_json)
    if as_json:
        render.print_json(
            {
                "output": turn.output,
                "model": session.settings.model,
                "tool_calls": [call_json(line) for line in session.view.calls.values()],
                "denied": turn.denied,
                "usage": _usage(turn.usage),
            }
        )
    return exit_codes.DENIED if turn.denied else exit_codes.OK


async def _chat(workspace: Path, approval: Approval, model: str | None) -> int:
    from agent.errors import NeedsInput, RunFailed
    from cli import render
    from tools.errors import ToolError

    session = _session(workspace, approval, model)
    try:
        async with session:
            render.err.print(
                f"[dim]fast-genai chat on {session.settings.model} in "
                f"{session.workspace.resolve()} — /exit to quit[/]",
                markup=True,
            )
            while True:
                line = _read_line()
                if line is None or line.strip() in {"/exit", "/quit"}:
                    return exit_codes.OK
                text = line.strip()
                if not text:
                    continue
                if text == "/reset":
                    session.history = []
                    render.err.print("[dim]conversation cleared[/]", markup=True)
                    continue
                prompt = None if text == "/retry" else text
                try:
                    await session.turn(prompt)
                except NeedsInput as exc:
                    return _needs_input(exc, as_json=False)
                except RunFailed as exc:
                    render.error(str(exc))
                    render.err.print(
                        "[dim]the conversation is kept: /retry to resume, or type on[/]",
                        markup=True,
                    )
    except ToolError as exc:
        return _fail(exc, _error_code(exc), as_json=False)


def _read_line() -> str | None:
    from cli import render

    try:
        return render.err.input("[bold cyan]you>[/] ")
    except EOFError:
        render.err.print()
        return None


def _error_code(exc: Exception) -> int:
    from tools.errors import InvalidArgument, MissingCredential, NotFound

    if isinstance(exc, MissingCredential | InvalidArgument | NotFound):
        return exit_codes.BAD_INPUT
    return exit_codes.TOOL_ERROR


def _fail(exc: Exception, code: int, as_json: bool) -> int:
    from cli import render

    render.error(str(exc))
    if as_json:
        render.print_json({"error": {"code": getattr(exc, "code", "error"), "message": str(exc)}})
    return code


def _needs_input(exc: NeedsInput, as_json: bool) -> int:
    """The question the run stopped on, on stderr (and as JSON): exit code 6."""
    from cli import render

    render.error(str(exc))
    if as_json:
        render.print_json(
            {
                "error": {"code": exc.code, "message": str(exc)},
                "needs_input": [question.as_json() for question in exc.questions],
            }
        )
    return exit_codes.NEEDS_INPUT


def _usage(usage: Any) -> dict[str, int]:
    return {
        "requests": usage.requests,
        "tool_calls": usage.tool_calls,
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
    }
