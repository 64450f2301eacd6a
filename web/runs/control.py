"""Starting, finding and stopping runs: one per conversation, across every instance.

A conversation's ``active_run`` names the workflow running its turn. Starting a turn claims it
with one conditional ``UPDATE`` in the transaction that stores the user's message, so two
instances cannot both start one; a claim whose workflow the engine no longer runs (it ended,
was cancelled, or never started because the process died first) is taken over. Stop is a DBOS
cancellation, which reaches the workflow on whichever instance runs it.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from dbos import DBOS, SetWorkflowID
from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tools.errors import Conflict
from web.models import Conversation, utcnow
from web.runs import workflows

ACTIVE = {"PENDING", "ENQUEUED", "DELAYED"}


class RunInProgress(Conflict):
    code = "run_in_progress"


def new_workflow_id(kind: str, conversation_id: uuid.UUID) -> str:
    return f"{kind}-{conversation_id}-{uuid.uuid4().hex[:12]}"


async def is_active(workflow_id: str | None) -> bool:
    if workflow_id is None:
        return False
    status = await DBOS.get_workflow_status_async(workflow_id)
    return status is not None and status.status in ACTIVE


async def claim(session: AsyncSession, row: Conversation, workflow_id: str) -> None:
    """Make ``workflow_id`` the conversation's run, or raise ``RunInProgress`` (409)."""
    previous = row.active_run
    if previous is not None and await is_active(previous):
        raise _busy(row.id)
    result = await session.execute(
        update(Conversation)
        .where(
            col(Conversation.id) == row.id,
            or_(col(Conversation.active_run).is_(None), col(Conversation.active_run) == previous)
            if previous is not None
            else col(Conversation.active_run).is_(None),
        )
        .values(active_run=workflow_id, error=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:  # another request (any instance) claimed it first
        raise _busy(row.id)
    row.active_run = workflow_id


def _busy(conversation_id: uuid.UUID) -> RunInProgress:
    return RunInProgress(
        "a run is already in progress in this conversation",
        hint=f"wait for it to end, or stop it: POST /api/v1/conversations/{conversation_id}/stop",
    )


async def start(workflow: Any, workflow_id: str, turn: workflows.Turn) -> Any:
    """Start ``workflow`` for ``turn`` under ``workflow_id`` (its handle)."""
    with SetWorkflowID(workflow_id):
        return await DBOS.start_workflow_async(workflow, turn)


async def stop(state: Any, conversation_id: uuid.UUID, *, wait_seconds: float = 5.0) -> bool:
    """Cancel the conversation's run, wherever it runs; ``False`` when none runs.

    The workflow records what was said as it ends ``cancelled``; if it does not within
    ``wait_seconds`` (its process is gone), the conversation is freed and marked here."""
    async with state.db.sessions() as session:
        row = await session.get(Conversation, conversation_id)
        workflow_id = row.active_run if row is not None else None
    if workflow_id is None:
        return False
    active = await is_active(workflow_id)
    if active:
        await DBOS.cancel_workflow_async(workflow_id)
    deadline = asyncio.get_running_loop().time() + wait_seconds
    while asyncio.get_running_loop().time() < deadline:
        async with state.db.sessions() as session:
            row = await session.get(Conversation, conversation_id)
            if row is None or row.active_run != workflow_id:
                return active
        await asyncio.sleep(0.05)
    async with state.db.write() as session:
        await session.execute(
            update(Conversation)
            .where(
                col(Conversation.id) == conversation_id,
                col(Conversation.active_run) == workflow_id,
            )
            .values(
                active_run=None,
                status="cancelled",
                error="stopped before the answer ended",
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
    return active


def view_status(row: Conversation) -> str:
    """A conversation's status for the API: ``running`` while a turn is claimed."""
    return "running" if row.active_run is not None else row.status
