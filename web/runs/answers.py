"""Answers: what one user message gets back, as one assistant UI message with one id.

An answer is every model message after a user's prompt up to the next one: model responses, the
tool calls and their results, the approval continuations. It has one id, the ``messageId`` of its
stream's ``start`` chunk, of every continuation's, and of the assistant message the conversation
restores with (``web.runs.restore``). The id is kept on the user's stored request (application
metadata, never sent to the model); a regenerated answer gets a new one. Requests stored before
answer ids existed get a deterministic one from the request itself.

Its metadata (``model``, ``usage``) sums every model response of the answer, so a continuation
reports the whole answer's tokens, on the stream and after a reload alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, UserPromptPart

ANSWER_KEY = "fast_genai_answer"
UI_ID_KEY = "fast_genai_ui_id"
"""The id the client gave the user's message: it is restored with it, so an edit sent before a
reload names the stored message (the framework drops its own copy of it from client input)."""
"""The ``ModelRequest.metadata`` key of a user's request that holds its answer's id."""


def new_answer_id() -> str:
    return f"answer-{uuid.uuid4().hex}"


def is_prompt(message: ModelMessage) -> bool:
    """Whether ``message`` is a user's prompt (a request with a user prompt part)."""
    return isinstance(message, ModelRequest) and any(
        isinstance(part, UserPromptPart) for part in message.parts
    )


def with_answer_id(request: ModelMessage, answer_id: str) -> ModelMessage:
    """``request`` with ``answer_id`` as its answer's id (whatever a client put there)."""
    return replace(request, metadata={**(request.metadata or {}), ANSWER_KEY: answer_id})


def with_ui_id(request: ModelMessage, ui_id: str) -> ModelMessage:
    """``request`` (a user's prompt) remembering the client's id for it."""
    return replace(request, metadata={**(request.metadata or {}), UI_ID_KEY: ui_id})


def ui_id_of(prompt: ModelMessage) -> str | None:
    """The client's id for a user's prompt, when it was sent with one."""
    stored = (prompt.metadata or {}).get(UI_ID_KEY)
    return stored if isinstance(stored, str) and stored else None


def answer_id_of(prompt: ModelMessage) -> str:
    """The id of the answer to ``prompt`` (a user's request)."""
    stored = (prompt.metadata or {}).get(ANSWER_KEY)
    if isinstance(stored, str) and stored:
        return stored
    stamp = prompt.timestamp.isoformat() if prompt.timestamp else ""
    texts = [
        part.content
        for part in getattr(prompt, "parts", ())
        if isinstance(part, UserPromptPart) and isinstance(part.content, str)
    ]
    return f"answer-{uuid.uuid5(uuid.NAMESPACE_OID, stamp + '|' + '|'.join(texts)).hex}"


def last_prompt_index(messages: Sequence[ModelMessage]) -> int | None:
    for index in range(len(messages) - 1, -1, -1):
        if is_prompt(messages[index]):
            return index
    return None


def current_answer_id(messages: Sequence[ModelMessage]) -> str | None:
    """The id of the answer being given: the one to the conversation's last prompt."""
    index = last_prompt_index(messages)
    return None if index is None else answer_id_of(messages[index])


def current_answer(messages: Sequence[ModelMessage]) -> list[ModelMessage]:
    """The messages of the last answer (after the last prompt)."""
    index = last_prompt_index(messages)
    return list(messages[index + 1 :]) if index is not None else []


def metadata(answer: Sequence[ModelMessage], model: str | None = None) -> dict[str, Any]:
    """``{"model", "usage": {inputTokens, outputTokens, totalTokens}}`` for an answer's
    messages; ``model`` is the name the last response reports (``model`` when none does)."""
    responses = [m for m in answer if isinstance(m, ModelResponse)]
    input_tokens = sum(r.usage.input_tokens for r in responses)
    output_tokens = sum(r.usage.output_tokens for r in responses)
    named = [r.model_name for r in responses if r.model_name]
    out: dict[str, Any] = {
        "usage": {
            "inputTokens": input_tokens,
            "outputTokens": output_tokens,
            "totalTokens": input_tokens + output_tokens,
        }
    }
    name = named[-1] if named else model
    if name:
        out["model"] = name
    return out


def without_answer_key(ui_metadata: Any) -> Any:
    """A user UI message's metadata without the answer and client ids (the server's bookkeeping)."""
    if isinstance(ui_metadata, dict) and (ANSWER_KEY in ui_metadata or UI_ID_KEY in ui_metadata):
        rest = {k: v for k, v in ui_metadata.items() if k not in (ANSWER_KEY, UI_ID_KEY)}
        return rest or None
    return ui_metadata
