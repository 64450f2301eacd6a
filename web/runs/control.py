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
from sqlalchemy import ColumnElement, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tools.errors import Conflict
from web.models import Conversation, utcnow
from web.runs import approvals, waiting, workflows

ACTIVE = {"PENDING", "ENQUEUED", "DELAYED"}


class RunInProgress(Conflict):
    code = "run_in_progress"


class DecisionFirst(Conflict):
    """A stop that lost to a decision on the same waiting run: the run goes on with it."""

    code = "decision_accepted"


def new_workflow_id(kind: str, conversation_id: uuid.UUID) -> str:
    return f"{kind}-{conversation_id}-{uuid.uuid4().hex[:12]}"


async def is_active(workflow_id: str | None) -> bool:
    if workflow_id is None:
        return False
    status = await DBOS.get_workflow_status_async(workflow_id)
    return status is not None and status.status in ACTIVE


async def claim(
    session: AsyncSession, row: Conversation, workflow_id: str, *, take_waiting: bool = False
) -> str | None:
    """Make ``workflow_id`` the conversation's run, or raise ``RunInProgress`` (409).

    With ``take_waiting``, a run that waits for a decision (``web.runs.waiting``) is taken over:
    its id is returned, and the caller voids it once this transaction is committed."""
    previous = row.active_run
    waiting_run = take_waiting and previous is not None and row.status in waiting.WAITING
    if previous is not None and not waiting_run and await is_active(previous):
        raise _busy(row.id)
    free: ColumnElement[bool]
    if waiting_run:  # only while it still waits: a decision claimed at the same time wins
        free = (col(Conversation.active_run) == previous) & (
            col(Conversation.status).in_(waiting.WAITING)
        )
    elif previous is not None:
        free = or_(col(Conversation.active_run).is_(None), col(Conversation.active_run) == previous)
    else:
        free = col(Conversation.active_run).is_(None)
    result = await session.execute(
        update(Conversation)
        .where(col(Conversation.id) == row.id, free)
        .values(active_run=workflow_id, status="running", error=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:  # another request (any instance) claimed it first
        raise _busy(row.id)
    row.active_run = workflow_id
    row.status = "running"
    return previous if waiting_run else None


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
        waits = row is not None and waiting.waits(row)
    if workflow_id is None:
        return False
    if waits:
        return await stop_waiting(state, conversation_id, workflow_id)
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


async def stop_waiting(state: Any, conversation_id: uuid.UUID, workflow_id: str) -> bool:
    """Stop a run that waits for a decision: its held calls expire and the run ends.

    The conditional ``UPDATE`` is the one a decision's claim makes (``web.runs.waiting``), so
    exactly one of the two wins. A stop that loses to a decision raises ``DecisionFirst`` (409)
    and leaves the run to execute what was decided; one that wins expires the calls, and the
    decision is refused ``approval_expired``."""
    async with state.db.write() as session:
        freed = await session.execute(
            update(Conversation)
            .where(
                col(Conversation.id) == conversation_id,
                col(Conversation.active_run) == workflow_id,
                col(Conversation.status).in_(waiting.WAITING),
            )
            .values(
                active_run=None,
                status="cancelled",
                error="stopped while a write awaited approval",
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        stopped = getattr(freed, "rowcount", 0) == 1
        if stopped:
            await approvals.expire_conversation(session, conversation_id)
    if stopped:
        await waiting.void(workflow_id)
        return True
    async with state.db.sessions() as session:
        row = await session.get(Conversation, conversation_id)
        decided = row is not None and row.active_run == workflow_id and row.status == "running"
    if decided:  # only a decision's claim moves this run from waiting to running
        raise DecisionFirst(
            "a decision on the write this run waited for was accepted just before the stop; "
            "the run goes on with it",
            hint=f"stop again to end the answer: POST /api/v1/conversations/{conversation_id}/stop",
        )
    return await stop(state, conversation_id)  # the wait ended otherwise meanwhile


def view_status(row: Conversation) -> str:
    """A conversation's status for the API: ``needs_approval`` while its run waits for a
    decision, ``running`` while a turn is claimed."""
    if row.status in waiting.WAITING:
        return row.status
    return "running" if row.active_run is not None else row.status
