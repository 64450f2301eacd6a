"""A conversation's pydantic-ai messages in the ``message`` table, one row per message."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from pydantic_ai.messages import ModelMessage, ModelMessagesTypeAdapter, ModelRequest
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from web.models import Message


async def load(session: AsyncSession, conversation_id: uuid.UUID) -> list[ModelMessage]:
    rows = await rows_of(session, conversation_id)
    return [one for row in rows for one in ModelMessagesTypeAdapter.validate_json(row.data)]


async def rows_of(session: AsyncSession, conversation_id: uuid.UUID) -> list[Message]:
    query = (
        select(Message).where(Message.conversation_id == conversation_id).order_by(col(Message.seq))
    )
    return list((await session.execute(query)).scalars())


async def append(
    session: AsyncSession,
    conversation_id: uuid.UUID,
    messages: Sequence[ModelMessage],
    *,
    status: str = "complete",
) -> None:
    """Add messages after the last one stored."""
    if not messages:
        return
    last = await session.scalar(
        select(func.max(Message.seq)).where(Message.conversation_id == conversation_id)
    )
    seq = (last or 0) + 1
    for offset, message in enumerate(messages):
        data = ModelMessagesTypeAdapter.dump_json([message]).decode()
        kind = "request" if isinstance(message, ModelRequest) else "response"
        session.add(
            Message(
                conversation_id=conversation_id,
                seq=seq + offset,
                kind=kind,
                status=status,
                data=data,
            )
        )
    await session.flush()


async def replace_tail(session: AsyncSession, conversation_id: uuid.UUID, from_seq: int) -> None:
    """Delete messages from ``from_seq`` on (a run's provisional rows, replaced by its result)."""
    rows = await rows_of(session, conversation_id)
    for row in rows:
        if row.seq >= from_seq:
            await session.delete(row)
    await session.flush()
