"""A stored conversation as the AI SDK UI messages a client restores it from (SDK 6).

The same shape the stream built: each user message, then ONE assistant message per answer
(``web.runs.answers``), whose id is the ``messageId`` its stream started with, holding every
model response, tool call, approval and continuation of that answer (``step-start`` between
model responses), with the answer's ``model`` and ``usage`` in its metadata.

A tool call that waited for approval is shown as what the server holds now: still pending
(``approval-requested`` and a ``data-approval`` part with the dry run's preview), decided and
running (``approval-responded``), or no longer held (voided by a later message, replaced, or its
run ended without a result): ``output-error`` with a sentence saying so, and a ``data-approval``
part with status ``expired``, so no Approve button is offered for a call the server would refuse.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlmodel import select

from web.models import Conversation, PendingApproval, User
from web.runs import answers, history, previews

if TYPE_CHECKING:
    from pydantic_ai.messages import ModelMessage
    from sqlalchemy.ext.asyncio import AsyncSession

    from web.state import WebState

EXPIRED = (
    "This write was not run: it is no longer awaiting approval (a later message replaced it, "
    "it waited too long, or its answer ended)."
)
UNFINISHED = "This write was decided, but its answer stopped before the result was recorded."


async def ui_messages(
    state: WebState, session: AsyncSession, user: User, conversation: Conversation
) -> list[dict[str, Any]]:
    """The conversation's UI messages, as JSON objects."""
    messages = await history.load(session, conversation.id)
    rows = await _approval_rows(session, conversation)
    running = conversation.active_run is not None
    out: list[dict[str, Any]] = []
    for prompt, answer in _groups(messages):
        if prompt is not None:
            dumped = _dump([prompt], user_turn=True)
            ui_id = answers.ui_id_of(prompt)
            if ui_id is not None and dumped:
                dumped[-1]["id"] = ui_id  # the id the client knows it by
            out.extend(dumped)
        if not answer:
            continue
        parts: list[dict[str, Any]] = []
        kept_after: list[dict[str, Any]] = []
        last_metadata: dict[str, Any] = {}
        first_id: str | None = None
        for ui in _dump(answer):
            if ui["role"] != "assistant":
                # a summary of earlier turns (``data-compaction``) is kept; retry feedback the
                # framework sent the model is not the user's words and is left out
                if any(str(p.get("type", "")).startswith("data-") for p in ui["parts"]):
                    if parts:
                        kept_after.append(ui)
                    else:
                        out.append(ui)
                continue
            first_id = first_id or ui["id"]
            if parts:
                parts.append({"type": "step-start"})
            parts.extend(ui["parts"])
            last_metadata = ui.get("metadata") or {}
        if not parts:
            out.extend(kept_after)
            continue
        answer_id = answers.answer_id_of(prompt) if prompt is not None else first_id
        out.append(
            {
                "id": answer_id,
                "role": "assistant",
                "metadata": {**last_metadata, **answers.metadata(answer)},
                "parts": await _approval_states(state, session, user, parts, rows, running),
            }
        )
        out.extend(kept_after)
    return out


def _groups(
    messages: Sequence[ModelMessage],
) -> list[tuple[ModelMessage | None, list[ModelMessage]]]:
    groups: list[tuple[ModelMessage | None, list[ModelMessage]]] = []
    for message in messages:
        if answers.is_prompt(message):
            groups.append((message, []))
        else:
            if not groups:
                groups.append((None, []))
            groups[-1][1].append(message)
    return groups


def _dump(messages: Sequence[ModelMessage], *, user_turn: bool = False) -> list[dict[str, Any]]:
    from pydantic_ai.ui.vercel_ai import VercelAIAdapter

    dumped = [
        m.model_dump(mode="json", by_alias=True, exclude_none=True)
        for m in VercelAIAdapter.dump_messages(messages, sdk_version=6)
    ]
    if user_turn:
        for ui in dumped:
            metadata = answers.without_answer_key(ui.get("metadata"))
            if metadata is None:
                ui.pop("metadata", None)
            else:
                ui["metadata"] = metadata
    return dumped


async def _approval_rows(
    session: AsyncSession, conversation: Conversation
) -> dict[str, PendingApproval]:
    """Every write held in the conversation, by tool call id (the latest row per call)."""
    query = select(PendingApproval).where(PendingApproval.conversation_id == conversation.id)
    rows = sorted((await session.execute(query)).scalars(), key=lambda r: r.created_at)
    return {row.tool_call_id: row for row in rows}


async def _approval_states(
    state: WebState,
    session: AsyncSession,
    user: User,
    parts: list[dict[str, Any]],
    rows: dict[str, PendingApproval],
    running: bool,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for part in parts:
        tool = str(part.get("type", "")).removeprefix("tool-")
        spec = state.tools.get(tool)
        if part.get("state") != "approval-requested" or spec is None or not spec.writes:
            out.append(part)  # (a question to the user, ask_user, is no write: left as it is)
            continue
        call_id = str(part.get("toolCallId"))
        row = rows.get(call_id)
        if row is not None and row.status == "pending":
            out.append(part)
            data = await previews.preview(
                state, user, row.workspace, row.tool, call_id, row.args, session
            )
            out.append(previews.part(data))
        elif row is not None and row.status in ("approved", "denied") and running:
            approved = row.status == "approved"
            responded = {"id": call_id, "approved": approved}
            out.append({**part, "state": "approval-responded", "approval": responded})
            decided_data = previews.ApprovalData(toolCallId=call_id, tool=tool, status="decided")
            out.append(previews.part(decided_data))
        else:
            decided = row is not None and row.status in ("approved", "denied")
            error = {k: v for k, v in part.items() if k not in ("approval", "state")}
            text = UNFINISHED if decided else EXPIRED
            out.append({**error, "state": "output-error", "errorText": text})
            status: previews.ApprovalStatus = "decided" if decided else "expired"
            out.append(
                previews.part(previews.ApprovalData(toolCallId=call_id, tool=tool, status=status))
            )
    return out
