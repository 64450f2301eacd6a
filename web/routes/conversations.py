"""Conversations of the current user: list (paged), get with messages, rename, delete, stop."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from dbos import DBOS
from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func
from sqlmodel import col, select

from web.auth.users import CurrentUser
from web.db import SessionDep
from web.models import Conversation, Message
from web.runs import approvals, control, history, questions, restore
from web.runs.agent_runs import own_conversation
from web.runs.questions import QuestionView
from web.state import StateDep

router = APIRouter(tags=["conversations"])


class ConversationView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    workspace: str
    status: str
    error: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Conversation) -> ConversationView:
        view = cls.model_validate(row)
        view.status = control.view_status(row)
        return view


class ConversationPage(BaseModel):
    items: list[ConversationView]
    total: int
    limit: int
    offset: int


class StoredMessage(BaseModel):
    seq: int
    kind: str
    status: str
    created_at: datetime


class ConversationDetail(ConversationView):
    messages: list[dict[str, Any]] = Field(
        description="The conversation as Vercel AI SDK UI messages (AI SDK 6): one assistant "
        "message per answer, with the id its stream started with."
    )
    stored: list[StoredMessage] = Field(
        description="Each stored model message with its status (complete, cancelled, failed)."
    )
    pending_approvals: list[approvals.ApprovalView]
    pending_questions: list[QuestionView] = Field(
        default_factory=list, description="ask_user questions awaiting the user's answer."
    )


class Rename(BaseModel):
    title: str = Field(min_length=1, max_length=200)


class StopResult(BaseModel):
    stopped: bool


@router.get("/conversations")
async def list_conversations(
    user: CurrentUser,
    session: SessionDep,
    limit: int = Query(default=20, ge=1, le=100),
    offset: int = Query(default=0, ge=0, le=1_000_000),
) -> ConversationPage:
    """The user's chats, most recently active first."""
    mine = (Conversation.user_id == user.id, Conversation.kind == "chat")
    total = await session.scalar(select(func.count()).select_from(Conversation).where(*mine))
    rows = (
        await session.execute(
            select(Conversation)
            .where(*mine)
            .order_by(col(Conversation.updated_at).desc(), col(Conversation.id))
            .limit(limit)
            .offset(offset)
        )
    ).scalars()
    return ConversationPage(
        items=[ConversationView.of(row) for row in rows],
        total=total or 0,
        limit=limit,
        offset=offset,
    )


@router.get("/conversations/{conversation_id}")
async def get_conversation(
    conversation_id: uuid.UUID, state: StateDep, user: CurrentUser, session: SessionDep
) -> ConversationDetail:
    """One conversation with its messages (one assistant message per answer, see
    ``web.runs.restore``) and the writes awaiting a decision."""
    row = await own_conversation(session, user, conversation_id)
    rows: list[Message] = await history.rows_of(session, row.id)
    ui = await restore.ui_messages(state, session, user, row)
    pending = await approvals.pending_for(session, user, row.id)
    return ConversationDetail(
        **ConversationView.of(row).model_dump(),
        messages=[questions.as_awaiting_input(m) for m in ui],
        stored=[
            StoredMessage(seq=m.seq, kind=m.kind, status=m.status, created_at=m.created_at)
            for m in rows
        ],
        pending_approvals=[
            approvals.ApprovalView.of(p) for p in pending if not questions.is_question(p)
        ],
        pending_questions=[
            questions.QuestionView.of(p) for p in pending if questions.is_question(p)
        ],
    )


@router.patch("/conversations/{conversation_id}")
async def rename_conversation(
    conversation_id: uuid.UUID, body: Rename, user: CurrentUser, session: SessionDep
) -> ConversationView:
    """Give a conversation a new title."""
    row = await own_conversation(session, user, conversation_id)
    row.title = body.title.strip() or row.title
    await session.flush()
    return ConversationView.of(row)


@router.delete("/conversations/{conversation_id}", status_code=204)
async def delete_conversation(
    conversation_id: uuid.UUID, state: StateDep, user: CurrentUser, session: SessionDep
) -> Response:
    """Delete a conversation, its messages and pending writes (a running answer is stopped)."""
    row = await own_conversation(session, user, conversation_id)
    if row.active_run is not None and await control.is_active(row.active_run):
        await DBOS.cancel_workflow_async(row.active_run)
    await session.delete(row)
    return Response(status_code=204)


@router.post(
    "/conversations/{conversation_id}/stop",
    responses={
        409: {
            "description": "``decision_accepted``: the run waited for a decision, and one was "
            "accepted just before the stop; the run goes on with it (stop again to end it)."
        }
    },
)
async def stop_conversation(
    conversation_id: uuid.UUID, state: StateDep, user: CurrentUser, session: SessionDep
) -> StopResult:
    """Stop the answer being streamed, on whichever instance runs it (a DBOS cancellation);
    what was said is kept and the conversation ends ``cancelled``. A run waiting for an approval
    ends at once and its held calls expire, unless a decision claimed it first (409)."""
    row = await own_conversation(session, user, conversation_id)
    await session.commit()  # the stop waits for the run to record its end: hold no lock
    return StopResult(stopped=await control.stop(state, row.id))
