"""The chat turn's UI chunks as a client keeps them: one message id, usage, no stale parts.

pydantic-ai's ``VercelAIAdapter`` makes the chunks; this shapes them for a client that keeps
state between requests (the AI SDK's ``Chat``):

- ``start`` carries the answer's id (``web.runs.answers``) and the model's name, so a
  continuation after approvals streams into the same message, the one a reload restores;
- ``message-metadata`` and ``finish`` carry ``model`` and the whole answer's ``usage``;
- ``data-conversation`` is transient (with an id): a client reads it in ``onData`` and does not
  keep a copy per request, so no stale ``needs_approval`` status outlives the approval;
- each ``tool-approval-request`` is followed by a ``data-approval`` part (``web.runs.previews``:
  for ``create_file``, the dry run's diff against the current content);
- an ``error`` chunk's text is a sentence for people: internal ids are taken out.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic_ai.messages import ModelResponse, ToolCallPart
from pydantic_ai.ui.vercel_ai.response_types import (
    BaseChunk,
    DataChunk,
    ErrorChunk,
    FinishChunk,
    MessageMetadataChunk,
    StartChunk,
    ToolApprovalRequestChunk,
)

from tools.errors import ToolError
from web.models import User
from web.runs import answers, previews

if TYPE_CHECKING:
    from pydantic_ai.messages import ModelMessage

    from web.runs.workflows import Outcome, Turn
    from web.state import WebState

CONVERSATION_DATA = "data-conversation"
INTERNAL_IDS = re.compile(
    r"\b(?:pyd_ai_[0-9A-Za-z_-]+|(?:chat|run)-[0-9a-f]{8}-[0-9a-f-]{27}-[0-9a-f]{12}|"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b"
)
"""Tool call ids the framework makes up, workflow ids and UUIDs: nothing a person can use."""
ERROR_CHARS = 600


def friendly_error(text: str) -> str:
    """``text`` without internal ids, in one bounded paragraph."""
    cleaned = INTERNAL_IDS.sub("(internal id)", text).strip()
    cleaned = re.sub(r"\s+", " ", cleaned)
    if not cleaned:
        return "The answer failed. Try again."
    return cleaned if len(cleaned) <= ERROR_CHARS else cleaned[: ERROR_CHARS - 1] + "…"


def unexpected_failure(exc: Exception) -> Exception:
    """What a client is told of a failure that is no run failure: a ``ToolError`` as it is (it is
    written for people), anything else as a sentence (the details are in the server's log)."""
    from agent.errors import RunFailed

    if isinstance(exc, ToolError):
        return exc
    return RunFailed(
        "the answer failed because of an error on the server",
        hint="try again; the server's log has the details",
    )


def model_name(agent: Any) -> str | None:
    """The name of the agent's model, as a person would recognise it."""
    from pydantic_ai.models import Model

    model = getattr(agent, "model", None)
    if isinstance(model, Model):
        return model.model_name
    return str(model) if model else None


def start_chunk(answer_id: str | None, model: str | None) -> StartChunk:
    """The answer's ``start`` chunk: its id and the model's name. The chat route sends the same
    one as soon as the turn is started (``web.routes.chat``), before the workflow writes it."""
    return StartChunk(message_id=answer_id, message_metadata={"model": model} if model else None)


@dataclass
class AnswerStream:
    state: WebState
    turn: Turn
    answer_id: str | None
    model: str | None

    @classmethod
    def of(cls, state: WebState, turn: Turn, stored: Sequence[ModelMessage]) -> AnswerStream:
        from web.runs.agent_runs import get_agent

        return cls(state, turn, answers.current_answer_id(stored), model_name(get_agent(state)))

    async def shape(self, chunk: BaseChunk, outcome: Outcome | None) -> list[BaseChunk]:
        """What to send for ``chunk`` (``outcome``: the turn's, once it has recorded one)."""
        if isinstance(chunk, StartChunk):
            return [start_chunk(self.answer_id or chunk.message_id, self.model)]
        if isinstance(chunk, DataChunk) and chunk.type == CONVERSATION_DATA:
            return [chunk.model_copy(update={"id": "conversation", "transient": True})]
        if isinstance(chunk, MessageMetadataChunk) and outcome is not None:
            merged = {**(chunk.message_metadata or {}), **self._metadata(outcome)}
            return [MessageMetadataChunk(message_metadata=merged)]
        if isinstance(chunk, FinishChunk) and outcome is not None:
            return [chunk.model_copy(update={"message_metadata": self._metadata(outcome)})]
        if isinstance(chunk, ErrorChunk):
            return [ErrorChunk(error_text=friendly_error(chunk.error_text))]
        if isinstance(chunk, ToolApprovalRequestChunk) and outcome is not None:
            return [chunk, *await self._approval(chunk.tool_call_id, outcome)]
        return [chunk]

    def _metadata(self, outcome: Outcome) -> dict[str, Any]:
        return answers.metadata(answers.current_answer(list(outcome.messages)), self.model)

    async def _approval(self, call_id: str, outcome: Outcome) -> list[BaseChunk]:
        call = _find_call(outcome.messages, call_id)
        if call is None:
            return []
        async with self.state.db.sessions() as session:
            user = await session.get(User, uuid.UUID(self.turn.user_id))
            if user is None:
                return []
            data = await previews.preview(
                self.state,
                user,
                self.turn.workspace,
                call.tool_name,
                call_id,
                call.args_as_dict(),
                session,
            )
        return [DataChunk(type=previews.DATA_TYPE, id=call_id, data=data.model_dump(mode="json"))]


def _find_call(messages: Sequence[Any], call_id: str) -> ToolCallPart | None:
    for message in reversed(messages):
        if isinstance(message, ModelResponse):
            for part in message.parts:
                if isinstance(part, ToolCallPart) and part.tool_call_id == call_id:
                    return part
    return None
