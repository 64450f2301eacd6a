"""A conversation's pydantic-ai messages in the ``message`` table, one row per message.

Seqs run 1, 2, 3... without gaps: rows are only appended, or cut after a seq.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from pydantic_ai.messages import ModelMessage, ModelMessagesTypeAdapter, ModelRequest
from sqlalchemy import delete, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from web.models import Message


async def load(
    session: AsyncSession, conversation_id: uuid.UUID, *, upto: int | None = None
) -> list[ModelMessage]:
    """The conversation's messages (``upto``: those of rows ``1...upto`` only)."""
    rows = await rows_of(session, conversation_id, upto=upto)
    return [one for row in rows for one in ModelMessagesTypeAdapter.validate_json(row.data)]


async def rows_of(
    session: AsyncSession, conversation_id: uuid.UUID, *, upto: int | None = None
) -> list[Message]:
    query = select(Message).where(Message.conversation_id == conversation_id)
    if upto is not None:
        query = query.where(col(Message.seq) <= upto)
    return list((await session.execute(query.order_by(col(Message.seq)))).scalars())


async def last_seq(session: AsyncSession, conversation_id: uuid.UUID) -> int:
    """The seq of the conversation's last row (0 when it has none)."""
    found = await session.scalar(
        select(func.max(Message.seq)).where(Message.conversation_id == conversation_id)
    )
    return int(found or 0)


async def append(
    session: AsyncSession,
    conversation_id: uuid.UUID,
    messages: Sequence[ModelMessage],
    *,
    status: str = "complete",
    after: int | None = None,
) -> int | None:
    """Add messages after the last one stored (``after``: its seq, when the caller knows it);
    the seq of the last one added (``None`` when there are none)."""
    if not messages:
        return None
    if after is None:
        after = await last_seq(session, conversation_id)
    seq = after + 1
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
    return seq + len(messages) - 1


async def truncate(session: AsyncSession, conversation_id: uuid.UUID, keep: int) -> None:
    """Delete the messages after the first ``keep`` (a run's provisional rows)."""
    await session.execute(
        delete(Message)
        .where(col(Message.conversation_id) == conversation_id, col(Message.seq) > keep)
        .execution_options(synchronize_session=False)
    )
