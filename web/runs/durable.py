"""The agent's durability: pydantic-ai's ``DBOSDurability`` plus two capabilities of ours.

``DBOSDurability`` checkpoints model requests as DBOS steps. Function tools are not steps there
(pydantic-ai leaves that to the application), so ``ToolCallSteps`` runs each tool call as one: a
tool result already checkpointed is returned on recovery instead of calling the tool again (the
write log stays as a second guard for a write that ran but crashed before its checkpoint).
``HistorySteps`` stores the conversation after every node of the run that added a message, in a
step, so what was said is in the ``message`` table as it happens, not only when the run ends (a
node that added none, such as the user prompt's or a tool-calling node's, costs no step, and
neither does the final answer: a response that calls no tool ends the run, and the run's
``finish`` step stores it with the outcome next).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from pydantic_ai import RunContext
from pydantic_ai.capabilities import AbstractCapability

from agent.deps import AgentDeps

if TYPE_CHECKING:
    from pydantic_ai import Agent, DeferredToolRequests
    from pydantic_ai.capabilities.abstract import AgentNode, NodeResult, WrapToolExecuteHandler
    from pydantic_ai.messages import ModelMessage, ToolCallPart
    from pydantic_ai.models import Model
    from pydantic_ai.tools import ToolDefinition

    from agent.settings import AgentSettings
    from tools.spec import ToolSpec


@dataclass
class HistoryTarget:
    """Where the run in progress stores its messages: the conversation, after ``base`` rows."""

    conversation_id: str
    base: int
    save: Callable[[str, int, list[ModelMessage]], Awaitable[None]]
    stored: tuple[int, int] | None = None
    """The run's messages as last stored (their count and the last one's ``id``), so a node
    that added none is not stored again."""

    def changed(self, messages: Sequence[ModelMessage]) -> bool:
        """Whether ``messages`` differ from what was last stored (the run started from
        ``base`` stored rows). The same on a replay: the messages come from checkpoints."""
        mark = (len(messages), id(messages[-1]) if messages else 0)
        if self.stored is None and len(messages) <= self.base:
            self.stored = mark
        if mark == self.stored:
            return False
        self.stored = mark
        return True


CURRENT_HISTORY: ContextVar[HistoryTarget | None] = ContextVar("fast_genai_history", default=None)
CURRENT_EVENTS: ContextVar[asyncio.Queue[Any] | None] = ContextVar(
    "fast_genai_events", default=None
)
"""Where the run in progress delivers its stream events, live (a chat turn's queue)."""


async def deliver_events(ctx: RunContext[AgentDeps], events: AsyncIterable[Any]) -> None:
    """DBOSDurability's event handler: model events arrive live from inside the model step."""
    queue = CURRENT_EVENTS.get()
    async for event in events:
        if queue is not None:
            queue.put_nowait(event)


def _in_workflow() -> bool:
    from dbos import DBOS

    return DBOS.workflow_id is not None and DBOS.step_id is None


@dataclass
class ToolCallSteps(AbstractCapability[AgentDeps]):
    """Each tool call is one DBOS step inside a workflow (a plain call outside one)."""

    async def wrap_tool_execute(
        self,
        ctx: RunContext[AgentDeps],
        *,
        call: ToolCallPart,
        tool_def: ToolDefinition,
        args: Any,
        handler: WrapToolExecuteHandler,
    ) -> Any:
        if not _in_workflow():
            return await handler(args)
        from dbos import DBOS

        async def tool_call() -> Any:
            return await handler(args)

        return await DBOS.run_step_async({"name": f"tool.{call.tool_name}"}, tool_call)


@dataclass
class HistorySteps(AbstractCapability[AgentDeps]):
    """Stores the run's messages after each node, as a DBOS step (see ``CURRENT_HISTORY``)."""

    async def after_node_run(
        self,
        ctx: RunContext[AgentDeps],
        *,
        node: AgentNode[AgentDeps],
        result: NodeResult[AgentDeps],
    ) -> NodeResult[AgentDeps]:
        target = CURRENT_HISTORY.get()
        if (
            target is not None
            and _in_workflow()
            and target.changed(ctx.messages)
            and not _final_answer(ctx.messages)
        ):
            from dbos import DBOS

            await DBOS.run_step_async(
                {"name": "history.save"},
                target.save,
                target.conversation_id,
                target.base,
                list(ctx.messages),
            )
        return result


def _final_answer(messages: Sequence[ModelMessage]) -> bool:
    """Whether the last message is a model response that calls no tool: the run ends with it
    (or retries, and the next response stores it), and ``run.finish`` stores it at once."""
    from pydantic_ai.messages import ModelResponse

    last = messages[-1] if messages else None
    return isinstance(last, ModelResponse) and not last.tool_calls


def durability() -> list[AbstractCapability[AgentDeps]]:
    """The capabilities that make the agent's runs durable inside a DBOS workflow."""
    from pydantic_ai.durable_exec.dbos import DBOSDurability, StepConfig

    # A model request is preemptible: a stop (DBOS cancellation) ends it at once, not when the
    # answer is complete. Tool calls are not: a write runs to its end and is recorded.
    model_steps = cast(StepConfig, {"preemptible": True})
    return [
        DBOSDurability(
            parallel_execution_mode="sequential",
            model_step_config=model_steps,
            event_stream_handler=deliver_events,
        ),
        ToolCallSteps(),
        HistorySteps(),
    ]


def build_durable_agent(
    settings: AgentSettings,
    *,
    model: Model | str | None = None,
    tools: Sequence[ToolSpec] | None = None,
) -> Agent[AgentDeps, str | DeferredToolRequests]:
    """``agent.build.build_agent`` with the durability capabilities (for chat and runs); the
    model may ask the user (``ask_user``): chat and runs hold the question and resume on the
    answer (``web.runs.questions``)."""
    from agent.build import build_agent

    return build_agent(settings, model=model, tools=tools, can_ask=True, capabilities=durability())
