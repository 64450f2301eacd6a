"""Pending writes held by the server, and how a decision claims one (exactly once).

A decision names a pending call by id (direct tool calls) or by tool call id within a
conversation (chat, one-shot runs); it only matches a call of the same user that is still
pending. Claiming is one ``UPDATE ... WHERE status = 'pending'``, so a replayed or concurrent
second decision finds nothing to claim and is refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tools.errors import Conflict, NotFound
from tools.spec import ToolSpec
from web.models import PendingApproval, User, utcnow


class ApprovalView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tool: str
    tool_call_id: str
    arguments: dict[str, Any] = Field(validation_alias="args")
    workspace: str
    conversation_id: uuid.UUID | None
    status: str
    created_at: datetime

    @classmethod
    def of(cls, row: PendingApproval) -> ApprovalView:
        return cls.model_validate(row)


def json_arguments(spec: ToolSpec, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Validated keyword arguments in their JSON form, as stored."""
    return spec.params_model.model_validate(dict(kwargs)).model_dump(mode="json")


async def hold_direct_call(
    session: AsyncSession, user: User, spec: ToolSpec, kwargs: Mapping[str, Any], workspace: str
) -> ApprovalView:
    row = PendingApproval(
        user_id=user.id,
        tool_call_id=f"direct-{uuid.uuid4().hex}",
        tool=spec.name,
        args=json_arguments(spec, kwargs),
        workspace=workspace,
    )
    session.add(row)
    await session.flush()
    return ApprovalView.of(row)


async def hold_calls(
    session: AsyncSession,
    user: User,
    conversation_id: uuid.UUID,
    workspace: str,
    calls: Iterable[tuple[str, str, dict[str, Any]]],
) -> list[PendingApproval]:
    """Store the write calls a run paused on: ``(tool_call_id, tool, arguments)`` each."""
    rows = [
        PendingApproval(
            user_id=user.id,
            conversation_id=conversation_id,
            tool_call_id=call_id,
            tool=tool,
            args=args,
            workspace=workspace,
        )
        for call_id, tool, args in calls
    ]
    session.add_all(rows)
    await session.flush()
    return rows


async def pending_for(
    session: AsyncSession, user: User, conversation_id: uuid.UUID | None = None
) -> list[PendingApproval]:
    query = select(PendingApproval).where(
        PendingApproval.user_id == user.id, PendingApproval.status == "pending"
    )
    if conversation_id is not None:
        query = query.where(PendingApproval.conversation_id == conversation_id)
    query = query.order_by(col(PendingApproval.created_at))
    return list((await session.execute(query)).scalars())


async def get_own(session: AsyncSession, user: User, approval_id: uuid.UUID) -> PendingApproval:
    row = await session.get(PendingApproval, approval_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"no approval {approval_id}")
    return row


async def claim(session: AsyncSession, row_id: uuid.UUID, *, approved: bool) -> None:
    """Mark a pending call decided; ``Conflict`` if it was decided already (a replay)."""
    result = await session.execute(
        update(PendingApproval)
        .where(col(PendingApproval.id) == row_id, col(PendingApproval.status) == "pending")
        .values(status="approved" if approved else "denied", decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise Conflict(
            "this call was already approved or denied",
            hint="a decision is accepted once; start a new request to write again",
        )


async def claim_for_conversation(
    session: AsyncSession,
    user: User,
    conversation_id: uuid.UUID,
    decisions: Mapping[str, bool],
) -> dict[str, PendingApproval]:
    """Claim the pending calls the decisions name; refuse any that match no pending call."""
    held = await pending_for(session, user, conversation_id)
    pending = {row.tool_call_id: row for row in held if row.tool != "ask_user"}  # not a write
    unknown = sorted(set(decisions) - set(pending))
    if unknown:
        raise Conflict(  # no internal ids in the message: a person reads it
            f"{len(unknown)} of these approvals match no write waiting in this conversation",
            hint="approvals must answer a write this server is holding; it may be decided already",
        )
    claimed: dict[str, PendingApproval] = {}
    for call_id, approved in decisions.items():
        row = pending[call_id]
        await claim(session, row.id, approved=approved)
        claimed[call_id] = row
    return claimed


async def expire_conversation(session: AsyncSession, conversation_id: uuid.UUID) -> None:
    """A new message makes the calls still pending in a conversation void."""
    await session.execute(
        update(PendingApproval)
        .where(
            col(PendingApproval.conversation_id) == conversation_id,
            col(PendingApproval.status) == "pending",
        )
        .values(status="expired", decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
