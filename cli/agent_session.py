"""One terminal conversation with the agent: turns, approvals of writes, questions, the history.

Used by ``ask`` (one turn) and ``chat`` (many). Before any write the exact call is shown on stderr
and the user decides: ``--yes`` approves, ``--dry-run`` runs write tools with ``dry_run=true``
(tools without a dry run are not run), no terminal and no ``--yes`` means deny.

When the model asks the user (``ask_user``), the question and its numbered options are shown on
stderr and the answer is read from the terminal (a number, an option, or free text when allowed).
Without a terminal the turn ends with ``NeedsInput`` naming the question.
"""

from __future__ import annotations

import sys
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import typer

from agent.approvals import Decision, decide_all
from agent.build import build_agent
from agent.deps import AgentDeps
from agent.errors import NeedsInput
from agent.model import build_model
from agent.questions import Question, UserAnswer, pending_questions
from agent.run import run_agent
from agent.settings import AgentSettings
from cli.stream_view import StreamView, args_text
from tools.context import ToolContext
from tools.registry import TOOLS

if TYPE_CHECKING:
    from pydantic_ai import Agent, AgentRunResult, DeferredToolRequests
    from pydantic_ai.messages import ModelMessage, ToolCallPart
    from pydantic_ai.usage import RunUsage

Approval = Literal["ask", "yes", "dry_run"]


def stdin_is_terminal() -> bool:
    """Whether there is someone at a terminal to ask (approvals and questions)."""
    return sys.stdin.isatty()


def usage_line(usage: RunUsage) -> str:
    """``(2 model requests, 1,234 + 56 tokens, 1 tool call)``: the cost of a turn."""
    calls = "1 tool call" if usage.tool_calls == 1 else f"{usage.tool_calls} tool calls"
    requests = "1 model request" if usage.requests == 1 else f"{usage.requests} model requests"
    return (
        f"({requests}, {usage.input_tokens:,} input + {usage.output_tokens:,} output tokens, "
        f"{calls})"
    )


@dataclass
class TurnResult:
    output: str
    usage: RunUsage
    denied: list[str] = field(default_factory=list)
    """Tools whose writes were not approved in this turn."""


@dataclass
class AgentSession:
    """A conversation: open it with ``async with``, then ``await session.turn(prompt)``."""

    settings: AgentSettings
    workspace: Path
    approval: Approval = "ask"
    view: StreamView = field(default_factory=StreamView)
    history: list[ModelMessage] = field(default_factory=list)

    _stack: AsyncExitStack = field(default_factory=AsyncExitStack)
    _agent: Agent[AgentDeps, str | DeferredToolRequests] | None = None
    _deps: AgentDeps | None = None

    async def __aenter__(self) -> AgentSession:
        from tools.settings import ToolSettings

        model = build_model(self.settings)
        tools = ToolContext.local(str(self.workspace), settings=ToolSettings())
        if self.settings.summary_model:
            summary = build_model(self.settings, self.settings.summary_model)
            tools.summary_model = await self._stack.enter_async_context(summary)
        else:
            tools.summary_model = model  # entered with the agent
        tools.progress = self._progress
        agent = build_agent(self.settings, model=model, can_ask=True)
        self._agent = await self._stack.enter_async_context(agent)
        self._deps = AgentDeps(tools=tools)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    async def turn(self, prompt: str | None) -> TurnResult:
        """Run one user turn to its answer, asking about writes on the way.

        On failure the history keeps the conversation so far (``RunFailed`` is re-raised), so a
        later ``turn(None)`` resumes it.
        """
        from pydantic_ai import DeferredToolRequests

        from agent.errors import RunFailed

        assert self._agent is not None and self._deps is not None, "open the session first"
        denied: list[str] = []
        results = None
        usage_total: RunUsage | None = None
        while True:
            try:
                result: AgentRunResult[str | DeferredToolRequests] = await run_agent(
                    self._agent,
                    prompt,
                    deps=self._deps,
                    settings=self.settings,
                    message_history=self.history,
                    deferred_tool_results=results,
                    on_event=self.view,
                )
            except RunFailed as failure:
                self.history = failure.messages
                self.view.end_answer()
                raise
            self.history = result.all_messages()
            usage_total = result.usage if usage_total is None else usage_total + result.usage
            if not isinstance(result.output, DeferredToolRequests):
                self.view.end_answer()
                self.view.note(usage_line(usage_total))
                return TurnResult(output=result.output, usage=usage_total, denied=denied)
            prompt = None
            questions = pending_questions(result.output)
            if questions and not stdin_is_terminal():
                self.view.end_answer()
                raise NeedsInput(questions, messages=self.history)

            async def decide(call: ToolCallPart) -> Decision:
                decision = self._decide(call)
                if decision == "deny":
                    denied.append(call.tool_name)
                return decision

            servers = [server.name for server in self.settings.mcp_servers]
            results = await decide_all(result.output, decide, TOOLS, ask=self._ask, servers=servers)

    def _decide(self, call: ToolCallPart) -> Decision:
        note = self.view.note
        note(f"{call.tool_name} wants to write:\n{args_text(call.args_as_dict())}", always=True)
        if self.approval == "dry_run":
            note("  --dry-run: running it as a dry run", always=True)
            return "dry_run"
        if self.approval == "yes":
            note("  approved (--yes)", always=True)
            return "approve"
        if not stdin_is_terminal():
            note("  denied: no terminal to ask; pass --yes to approve writes", always=True)
            return "deny"
        approved = typer.confirm("Run this write?", default=False, err=True)
        return "approve" if approved else "deny"

    async def _ask(self, question: Question) -> UserAnswer:
        """The question with numbered options on stderr; the answer read from the terminal."""
        from cli import render
        from tools.errors import InvalidArgument

        self.view.end_answer()
        lines = [f"[bold]?[/] {question.question}"]
        lines += [f"  [cyan]{n}[/]) {option}" for n, option in enumerate(question.options, 1)]
        render.err.print("\n".join(lines), markup=True)
        if not question.options:
            hint = "your answer"
        elif question.allow_free_text:
            hint = f"1-{len(question.options)} or your own answer"
        else:
            hint = f"1-{len(question.options)}"
        while True:
            try:
                reply = render.err.input(f"[bold cyan]answer ({hint})>[/] ")
            except EOFError:
                raise NeedsInput([question], messages=self.history) from None
            try:
                return question.answer(reply)
            except InvalidArgument as exc:
                render.error(str(exc))

    async def _progress(self, done: float, total: float | None, message: str | None) -> None:
        self.view.progress(done, total, message)
