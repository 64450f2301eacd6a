"""What chat and one-shot runs share: the agent and the conversation.

Running and recording a turn is ``web.runs.workflows``; one run per conversation and stop are
``web.runs.control``.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from tools.errors import NotFound, ToolError
from web.models import Conversation, User
from web.state import WebState

if TYPE_CHECKING:
    from pydantic_ai import Agent, DeferredToolRequests

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
        from web.runs.durable import build_durable_agent

        state.agent = build_durable_agent(
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
