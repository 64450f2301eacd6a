"""Refusing a decision on a write the server no longer holds, in words a person can act on.

Checked before the claim (``web.runs.approvals.claim_for_conversation``), so the 409 says what
happened to the call (expired, decided already, unknown) without naming its internal id.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from tools.errors import Conflict
from web.models import PendingApproval, User


class ApprovalExpired(Conflict):
    code = "approval_expired"


async def refuse_stale(
    session: AsyncSession, user: User, conversation_id: uuid.UUID, decisions: Mapping[str, bool]
) -> None:
    """Raise a 409 unless every decided call is still pending in this conversation."""
    query = select(PendingApproval).where(
        PendingApproval.user_id == user.id,
        PendingApproval.conversation_id == conversation_id,
        PendingApproval.tool_call_id.in_(list(decisions)),  # type: ignore[attr-defined]
    )
    seen: dict[str, set[str]] = {}
    for row in (await session.execute(query)).scalars():
        seen.setdefault(row.tool_call_id, set()).add(row.status)
    stale = {
        call: seen.get(call, set()) for call in decisions if "pending" not in seen.get(call, ())
    }
    if not stale:
        return
    if any(not statuses for statuses in stale.values()):
        raise Conflict(
            "this approval does not match a write waiting in this conversation",
            hint="reload the conversation to see what is still waiting",
        )
    if any("expired" in statuses for statuses in stale.values()):
        raise ApprovalExpired(
            "this write is no longer waiting for approval (a later message replaced it, or it "
            "waited too long), so it was not run",
            hint="ask again if you still want it written",
        )
    raise Conflict(
        "this write was already approved or denied",
        hint="a decision is accepted once; ask again to write it again",
    )
