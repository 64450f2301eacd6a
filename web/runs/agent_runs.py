"""What chat and one-shot runs share: the agent, the conversation, and recording an outcome.

A run's messages are stored as they become known: the new user message when the run starts,
then, when it ends, everything the run added (replacing the provisional rows), marked
``complete``, ``cancelled`` or ``failed``. Usage is recorded per run; write calls the run paused
on become pending approvals.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tools.errors import NotFound, ToolError
from web.models import Conversation, PendingApproval, Usage, User, utcnow
from web.runs import approvals, history
from web.state import WebState

if TYPE_CHECKING:
    from pydantic_ai import Agent, DeferredToolRequests
    from pydantic_ai.messages import ModelMessage
    from pydantic_ai.usage import RunUsage

    from agent.deps import AgentDeps
    from agent.settings import AgentSettings

log = logging.getLogger("fast_genai.web")

TITLE_CHARS = 80


def agent_settings(state: WebState) -> AgentSettings:
    from agent.settings import AgentSettings

    cached = state.extra.get("agent_settings")
    if cached is None:
        cached = AgentSettings()
        state.extra["agent_settings"] = cached
    settings: AgentSettings = cached
    return settings


def get_agent(state: WebState) -> Agent[AgentDeps, str | DeferredToolRequests]:
    """The agent for chat and runs, built on first use; ``MissingModelKey`` names the setting."""
    if state.agent is None:
        from agent.build import build_agent

        state.agent = build_agent(
            agent_settings(state), model=state.settings.model, tools=list(state.tools.values())
        )
    agent: Agent[AgentDeps, str | DeferredToolRequests] = state.agent
    return agent


def agent_problem(state: WebState) -> str | None:
    """Why chat would fail right now (for the start-up message), or ``None``."""
    try:
        get_agent(state)
    except ToolError as exc:
        return str(exc)
    return None


def parse_conversation_id(raw: str, user: User) -> uuid.UUID:
    """A client's chat id as a conversation id: a UUID as is, other strings per user."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        return uuid.uuid5(user.id, raw)


async def own_conversation(
    session: AsyncSession, user: User, conversation_id: uuid.UUID, *, kind: str | None = None
) -> Conversation:
    """The user's conversation, or 404 (also for another user's id)."""
    row = await session.get(Conversation, conversation_id)
    if row is None or row.user_id != user.id or (kind is not None and row.kind != kind):
        raise NotFound(f"no conversation {conversation_id}")
    return row


async def open_conversation(
    session: AsyncSession,
    user: User,
    conversation_id: uuid.UUID,
    *,
    kind: str,
    workspace: str,
    title: str,
) -> tuple[Conversation, bool]:
    """``(conversation, created)``: the user's one with this id, or a new one (not added to the
    session: the caller stores it); another user's id is 404."""
    row = await session.get(Conversation, conversation_id)
    if row is not None:
        if row.user_id != user.id or row.kind != kind:
            raise NotFound(f"no conversation {conversation_id}")
        return row, False
    row = Conversation(
        id=conversation_id,
        user_id=user.id,
        kind=kind,
        workspace=workspace,
        title=title[:TITLE_CHARS].strip() or "New conversation",
    )
    return row, True


def title_from(text: str) -> str:
    line = " ".join(text.split())
    return line[: TITLE_CHARS - 1] + "…" if len(line) > TITLE_CHARS else line


@dataclass
class Recorder:
    """Stores one run's outcome for a conversation, in a transaction of its own."""

    state: WebState
    user: User
    conversation_id: uuid.UUID
    workspace: str
    stored: int
    """How many messages the conversation had before the run (the provisional rows follow)."""

    async def finish(
        self,
        all_messages: Sequence[ModelMessage],
        *,
        status: str,
        output: Any = None,
        usage: RunUsage | None = None,
        error: str | None = None,
    ) -> list[PendingApproval]:
        """Replace the provisional rows by what the run added; hold its write calls."""
        from pydantic_ai import DeferredToolRequests

        held: list[PendingApproval] = []
        calls = output.approvals if isinstance(output, DeferredToolRequests) else []
        final = "needs_approval" if calls else status
        async with self.state.db.write() as session:
            updated = await session.execute(
                update(Conversation)
                .where(col(Conversation.id) == self.conversation_id)
                .values(status=final, error=error, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            if getattr(updated, "rowcount", 0) != 1:  # deleted while it ran
                return held
            added = list(all_messages[self.stored :])
            if added:  # else a failed run that captured nothing keeps its provisional rows
                await history.truncate(session, self.conversation_id, self.stored)
                message_status = "complete" if status == "idle" else status
                await history.append(
                    session, self.conversation_id, added, status=message_status, after=self.stored
                )
            if calls:
                held = await approvals.hold_calls(
                    session,
                    self.user,
                    self.conversation_id,
                    self.workspace,
                    [(c.tool_call_id, c.tool_name, c.args_as_dict()) for c in calls],
                )
            if usage is not None and (usage.requests or usage.input_tokens or usage.output_tokens):
                session.add(
                    Usage(
                        user_id=self.user.id,
                        conversation_id=self.conversation_id,
                        requests=usage.requests,
                        input_tokens=usage.input_tokens,
                        output_tokens=usage.output_tokens,
                    )
                )
        return held
