"""Regenerating an answer and editing a user message: the stored history is cut, not branched.

- Regenerate (``trigger: "regenerate-message"``, optional ``messageId`` naming an answer or the
  user message it answers; the last answer by default): the answer and everything after it are
  deleted; the user message stays and gets a new answer id, and the turn answers it again.
- Edit (``trigger: "submit-message"`` with ``messageId`` naming a stored user message, which is
  what the AI SDK's ``sendMessage({text, messageId})`` sends): that message and everything after
  it are deleted, and the edited message is stored in its place.

The old branch is dropped, not kept: the AI SDK client drops it from its own list too, and a
branch the page cannot show would only be data kept without a way to see it. The tokens it
spent stay in the usage records.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic_ai.messages import ModelMessage, ModelMessagesTypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from tools.errors import InvalidArgument, NotFound
from web.models import Message
from web.runs import answers, history


@dataclass(frozen=True)
class _Prompt:
    row: Message
    message: ModelMessage
    ui_id: str
    answer_id: str


def user_message_id(prompt: ModelMessage) -> str:
    """The UI id a user's request is restored with (``web.runs.restore`` dumps it alone): the
    client's own id for it, or the framework's id from its content."""
    from pydantic_ai.ui.vercel_ai import VercelAIAdapter

    return answers.ui_id_of(prompt) or VercelAIAdapter.dump_messages([prompt], sdk_version=6)[-1].id


async def _prompts(session: AsyncSession, conversation_id: uuid.UUID) -> list[_Prompt]:
    prompts: list[_Prompt] = []
    for row in await history.rows_of(session, conversation_id):
        if row.kind != "request":
            continue
        for message in ModelMessagesTypeAdapter.validate_json(row.data):
            if answers.is_prompt(message):
                prompts.append(
                    _Prompt(row, message, user_message_id(message), answers.answer_id_of(message))
                )
    return prompts


async def regenerate(
    session: AsyncSession, conversation_id: uuid.UUID, message_id: str | None
) -> None:
    """Delete the answer to regenerate and what follows it; its prompt gets a new answer id."""
    prompts = await _prompts(session, conversation_id)
    if not prompts:
        raise InvalidArgument("there is no answer to regenerate in this conversation")
    if message_id is None:
        target = prompts[-1]
    else:
        found = [p for p in prompts if message_id in (p.answer_id, p.ui_id)]
        if not found:
            raise NotFound(
                "the message to regenerate is not in this conversation",
                hint="reload the conversation and try again",
            )
        target = found[-1]
    await history.truncate(session, conversation_id, target.row.seq)
    renewed = answers.with_answer_id(target.message, answers.new_answer_id())
    target.row.data = ModelMessagesTypeAdapter.dump_json([renewed]).decode()
    session.add(target.row)


async def cut_for_edit(
    session: AsyncSession, conversation_id: uuid.UUID, message_id: str | None
) -> bool:
    """Delete the stored user message ``message_id`` and what follows it (its edited version
    is stored next); ``False`` when no stored user message has that id (a new message)."""
    if message_id is None:
        return False
    found = [p for p in await _prompts(session, conversation_id) if p.ui_id == message_id]
    if not found:
        return False
    await history.truncate(session, conversation_id, found[-1].row.seq - 1)
    return True


def with_new_answer(turn: Sequence[ModelMessage]) -> list[ModelMessage]:
    """The user's new turn, its prompt carrying the id of the answer about to start."""
    out = list(turn)
    for index in range(len(out) - 1, -1, -1):
        if answers.is_prompt(out[index]):
            out[index] = answers.with_answer_id(out[index], answers.new_answer_id())
            break
    return out
