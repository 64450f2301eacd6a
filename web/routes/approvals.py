"""Pending writes of the current user, and deciding a held direct tool call."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from tools.errors import Conflict
from web.auth.users import CurrentUser
from web.context import tool_context
from web.db import SessionDep
from web.routes.tool_calls import ToolCallResult, find_tool
from web.runs.approvals import ApprovalView, claim, get_own, json_arguments, pending_for
from web.state import StateDep

router = APIRouter(tags=["approvals"])


class Decision(BaseModel):
    approved: bool
    arguments: dict[str, Any] | None = Field(
        default=None,
        description="Edited arguments to run instead of the held ones (validated again).",
    )


@router.get("/approvals")
async def list_approvals(user: CurrentUser, session: SessionDep) -> list[ApprovalView]:
    """Writes awaiting this user's decision (direct calls, chats and runs)."""
    return [ApprovalView.of(row) for row in await pending_for(session, user)]


@router.post("/approvals/{approval_id}")
async def decide(
    approval_id: uuid.UUID,
    decision: Decision,
    state: StateDep,
    user: CurrentUser,
    session: SessionDep,
) -> ToolCallResult:
    """Approve (runs the held arguments, or explicitly edited ones) or deny a direct call."""
    row = await get_own(session, user, approval_id)
    if row.conversation_id is not None:
        raise Conflict(
            "this write belongs to a chat or run",
            hint="answer it through /chat or /runs/{id}/approvals",
        )
    spec = find_tool(state, row.tool)
    arguments = row.args if decision.arguments is None else decision.arguments
    kwargs = spec.validate(arguments)
    await claim(session, row.id, approved=decision.approved)
    if not decision.approved:
        return ToolCallResult(status="denied", tool=spec.name)
    if decision.arguments is not None:
        row.args = json_arguments(spec, kwargs)
    ctx = await tool_context(state, user, row.workspace, session)
    await session.commit()  # the claim holds even if the tool fails
    result = await spec.func(ctx, **kwargs)
    return ToolCallResult(status="done", tool=spec.name, result=result.model_dump(mode="json"))
