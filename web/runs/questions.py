"""Questions the agent put to the user (``ask_user``), held by the server like pending writes.

A run that pauses on ``ask_user`` stores the call in ``pending_approval`` (tool ``ask_user``,
its question and options as the arguments), next to any write it paused on. An answer names the
call by its tool call id (chat) or row id (one-shot runs); it is validated against the stored
question (an option's number or text, or free text when allowed) and claimed once with one
``UPDATE ... WHERE status = 'pending'``: a forged answer (no such held question) or a replayed
one (answered already) is refused with 409 and nothing runs.

In chat the page answers with the AI SDK's ``addToolOutput``: the last (assistant) message then
carries the ``tool-ask_user`` part in state ``output-available`` with ``output: {answer}``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from agent.questions import ASK_USER, Question
from tools.errors import Conflict, InvalidArgument
from web.models import PendingApproval, User, utcnow

if TYPE_CHECKING:
    from pydantic_ai.messages import ToolCallPart
    from pydantic_ai.ui.vercel_ai.request_types import RequestData

ANSWERED = "answered"


class QuestionView(BaseModel):
    """A question waiting for the user's answer (``id`` answers it in ``/runs/{id}/approvals``)."""

    id: uuid.UUID
    tool_call_id: str
    question: str
    options: list[str]
    allow_free_text: bool

    @classmethod
    def of(cls, row: PendingApproval) -> QuestionView:
        question = question_of(row)
        return cls(
            id=row.id,
            tool_call_id=row.tool_call_id,
            question=question.question,
            options=list(question.options),
            allow_free_text=question.allow_free_text,
        )


def is_question(row: PendingApproval) -> bool:
    return row.tool == ASK_USER


def question_calls(calls: Iterable[ToolCallPart]) -> list[ToolCallPart]:
    """The ``ask_user`` calls among a run's external calls."""
    return [call for call in calls if call.tool_name == ASK_USER]


def question_of(row: PendingApproval) -> Question:
    """The held question, from the server's own record."""
    from pydantic_ai.messages import ToolCallPart

    return Question.from_call(ToolCallPart(ASK_USER, row.args, tool_call_id=row.tool_call_id))


def answer_of(row: PendingApproval, reply: str) -> dict[str, Any]:
    """The tool result for ``reply`` (``InvalidArgument`` when the question does not allow it)."""
    return question_of(row).answer(reply).model_dump(mode="json")


async def _rows(
    session: AsyncSession, user: User, conversation_id: uuid.UUID
) -> list[PendingApproval]:
    query = select(PendingApproval).where(
        PendingApproval.user_id == user.id,
        PendingApproval.conversation_id == conversation_id,
        PendingApproval.tool == ASK_USER,
    )
    return list((await session.execute(query)).scalars())


async def chat_answers(
    session: AsyncSession, user: User, conversation_id: uuid.UUID, replies: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """Check the answers a chat request carries: ``{tool_call_id: tool result}``, nothing claimed.

    Answers to questions answered in an earlier request are ignored when the request answers a
    pending one too (the page resends the whole assistant message); a request whose answers
    are all old is a replay (409), and an answer to a question this server never held is forged
    (409)."""
    rows = {row.tool_call_id: row for row in await _rows(session, user, conversation_id)}
    forged = sorted(call_id for call_id in replies if call_id not in rows)
    if forged:
        raise Conflict(
            f"no question {', '.join(forged)} was asked in this conversation",
            hint="an answer must answer a question this server is holding",
        )
    pending = {call_id: rows[call_id] for call_id in replies if rows[call_id].status == "pending"}
    if not pending:
        raise Conflict(
            "these questions were already answered (or voided by a newer message)",
            hint="an answer is accepted once; send a new message to go on",
        )
    return {call_id: answer_of(row, replies[call_id]) for call_id, row in pending.items()}


async def claim_chat_answers(
    session: AsyncSession, user: User, conversation_id: uuid.UUID, replies: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """``chat_answers``, then claim them (a run paused by an earlier version goes on anew)."""
    answers = await chat_answers(session, user, conversation_id, replies)
    await claim_held(session, user, conversation_id, answers)
    return answers


async def claim_held(
    session: AsyncSession, user: User, conversation_id: uuid.UUID, call_ids: Iterable[str]
) -> None:
    """Claim held questions by tool call id, each exactly once (``Conflict`` for one that is
    not pending: answered already, voided or never asked)."""
    for call_id in call_ids:
        result = await session.execute(
            update(PendingApproval)
            .where(
                col(PendingApproval.user_id) == user.id,
                col(PendingApproval.conversation_id) == conversation_id,
                col(PendingApproval.tool) == ASK_USER,
                col(PendingApproval.tool_call_id) == call_id,
                col(PendingApproval.status) == "pending",
            )
            .values(status=ANSWERED, decided_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) != 1:
            raise Conflict(
                "this question was already answered",
                hint="an answer is accepted once; send a new message to go on",
            )


def chat_replies(run_input: RequestData) -> dict[str, str]:
    """The answers in a chat request: ``tool-ask_user`` outputs of its last (assistant) message."""
    from pydantic_ai.ui.vercel_ai.request_types import ToolOutputAvailablePart

    messages = run_input.messages
    if not messages or messages[-1].role != "assistant":
        return {}
    replies: dict[str, str] = {}
    for part in messages[-1].parts:
        if isinstance(part, ToolOutputAvailablePart) and part.type == f"tool-{ASK_USER}":
            replies[part.tool_call_id] = _reply_text(part.output)
    return replies


def _reply_text(output: Any) -> str:
    if isinstance(output, Mapping):
        output = output.get("answer")
    if isinstance(output, bool) or not isinstance(output, str | int):
        raise InvalidArgument('an ask_user answer is {"answer": "<text or option number>"}')
    return str(output)


def held_ids(rows: Sequence[PendingApproval]) -> tuple[list[str], list[str]]:
    """``(write row ids, question row ids)`` of rows a run just held."""
    writes = [str(row.id) for row in rows if not is_question(row)]
    asked = [str(row.id) for row in rows if is_question(row)]
    return writes, asked


def as_awaiting_input(message: dict[str, Any]) -> dict[str, Any]:
    """A stored UI message with its unanswered ``ask_user`` parts in state ``input-available``
    (as streamed), not ``approval-requested`` (what a call without a result reloads as)."""
    parts = message.get("parts")
    if not isinstance(parts, list):
        return message
    for part in parts:
        if part.get("type") == f"tool-{ASK_USER}" and part.get("state") == "approval-requested":
            part["state"] = "input-available"
            part.pop("approval", None)
    return message
