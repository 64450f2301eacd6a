"""``POST /chat``: streamed answers in the Vercel AI SDK UI-message stream protocol (SSE).

The conversation lives on the server: the request's ``id`` names it (a UUID, or any string,
mapped per user), its history is loaded from the database, and of the client's messages only the
new user message, approval decisions and answers to questions are used. ``trigger:
"regenerate-message"`` answers the last (or ``messageId``'s) user message again, and a submit
whose ``messageId`` names a stored user message replaces it (an edit); either drops what followed
(``web.runs.branches``). One answer is one assistant message id on the stream and after a reload
(``web.runs.answer_stream``).

An approval must answer a write call this server holds for the same user and conversation
(claimed once; a forged, replayed or expired one is refused with 409 before anything runs); the
executed arguments are the stored ones, or edited ones sent in ``edits`` (validated again). An
``ask_user`` question is streamed as a tool part without output; the page answers it with
``addToolOutput`` and the answer is matched to the held question the same way
(``web.runs.questions``). The user's message is stored before the answer starts; the turn is a
durable workflow (``web.runs.workflows``) that stores the rest as it goes.
A conversation runs one turn at a time on every instance (409 ``run_in_progress``). A run can be
stopped with ``/conversations/{id}/stop``; a client that goes away does not stop it, and can
re-attach to it with ``GET /chat/{id}/stream`` on any instance (the turn's UI events are a DBOS
stream, ``web.runs.streams``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sse_starlette import EventSourceResponse

from tools.errors import Conflict, InvalidArgument
from web import limits
from web.auth.users import CurrentUser
from web.db import SessionDep
from web.models import PendingApproval
from web.runs import (
    answers,
    approvals,
    branches,
    control,
    history,
    questions,
    stale_approvals,
    streams,
    waiting,
    workflows,
)
from web.runs.agent_runs import (
    get_agent,
    open_conversation,
    own_conversation,
    parse_conversation_id,
    title_from,
)
from web.runs.answer_stream import model_name, start_chunk
from web.runs.answers import current_answer_id
from web.state import StateDep, WebState

if TYPE_CHECKING:
    from pydantic_ai.messages import ModelMessage
    from pydantic_ai.ui.vercel_ai import VercelAIAdapter
    from pydantic_ai.ui.vercel_ai.request_types import RequestData

log = logging.getLogger("fast_genai.web")

router = APIRouter(tags=["chat"])

SDK_VERSION: Literal[6] = 6
STREAM_HEADERS = {"x-vercel-ai-ui-message-stream": "v1", "Cache-Control": "no-cache"}


class ChatRequest(BaseModel):
    """A Vercel AI SDK chat request (``useChat``): only the last user message and approval
    responses are read; ``edits`` optionally replaces the arguments of approved calls."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1, max_length=200, description="The conversation (chat) id.")
    trigger: Literal["submit-message", "regenerate-message"] = "submit-message"
    messages: list[dict[str, Any]] = Field(min_length=1, max_length=1000)
    edits: dict[str, dict[str, Any]] | None = Field(
        default=None, description="Edited arguments per approved tool call id."
    )
    message_id: str | None = Field(
        default=None,
        max_length=200,
        validation_alias="messageId",
        description="Regenerate: the answer (or the user message it answers) to regenerate, "
        "the last by default. Submit: a stored user message this one replaces (an edit).",
    )


@router.post(
    "/chat",
    response_class=EventSourceResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "UI-message stream"},
        429: {"description": "Rate limit or daily token quota exceeded (Retry-After)."},
    },
)
async def chat(
    body: ChatRequest,
    request: Request,
    state: StateDep,
    user: CurrentUser,
    workspace: str | None = Query(default=None, max_length=100),
) -> EventSourceResponse:
    """Send a message (or approval decisions) and stream the answer."""
    from pydantic_ai.ui.vercel_ai import VercelAIAdapter

    run_input = _run_input(body.model_dump_json(exclude={"edits", "message_id"}).encode())
    regenerating = run_input.trigger == "regenerate-message"
    agent = get_agent(state)
    conversation_id = parse_conversation_id(run_input.id, user)
    adapter = VercelAIAdapter(
        agent=agent,
        run_input=run_input,
        sdk_version=SDK_VERSION,
        manage_message_history="server",
        accept=request.headers.get("accept"),
    )
    # a regenerate request ends with the user message to answer again: it is stored already
    new_turn = [] if regenerating else branches.with_new_answer(_new_user_turn(adapter))
    requested = {} if regenerating else _decisions(adapter)
    # answers to ask_user (addToolOutput)
    replies = {} if regenerating else questions.chat_replies(run_input)
    if not new_turn and not requested and not replies and not regenerating:
        raise InvalidArgument("send a new user message, approval decisions or an answer")
    await limits.enforce(state, user)  # 429 before anything is stored or streamed

    async with state.db.write() as session:
        # 404, 409 for a forged or replayed approval or a run in progress: before anything is
        # stored. The user's message is stored in this transaction, before the answer starts.
        conversation, created = await open_conversation(
            session,
            user,
            conversation_id,
            kind="chat",
            workspace=state.workspaces.get(workspace, user).name,
            title=title_from(_text_of(new_turn)),
        )
        if created:
            session.add(conversation)
            await session.flush()
        decisions: dict[str, workflows.Decision] = {}
        voided: str | None = None
        if requested:  # 409 with a sentence for an expired, decided or unknown call
            await stale_approvals.refuse_stale(session, user, conversation.id, requested)
        if (requested or replies) and waiting.waits(conversation):
            # the run waits inside its workflow: deliver the decisions and answers to it (below);
            # they are claimed by the delivery, exactly once (web.runs.waiting)
            if new_turn:
                raise InvalidArgument(
                    "decide the writes awaiting approval (or answer the question) first, "
                    "then send a new message"
                )
            if requested:
                held = await approvals.pending_for(session, user, conversation.id)
                matched = _matching(held, requested)
                decisions = _decisions_of(state, matched, requested, body.edits or {})
            if replies:
                answers = await questions.chat_answers(session, user, conversation.id, replies)
                decisions.update(_answered(answers))
            waiting_run = conversation.active_run
        else:
            waiting_run = None
            if requested:  # a run paused by an earlier version: continue it in a new workflow
                claimed = await approvals.claim_for_conversation(
                    session, user, conversation.id, requested
                )
                decisions = _decisions_of(state, claimed, requested, body.edits or {})
            if replies:
                answers = await questions.claim_chat_answers(
                    session, user, conversation.id, replies
                )
                decisions.update(_answered(answers))
            paused = conversation.status in waiting.WAITING
            workflow_id = control.new_workflow_id("chat", conversation.id)
            decided = bool(requested or replies)
            voided = await control.claim(
                session, conversation, workflow_id, take_waiting=not decided
            )
            if not decided and paused:
                await approvals.expire_conversation(session, conversation.id)  # voided by a message
            if regenerating:  # the old answer is dropped (web.runs.branches)
                await branches.regenerate(session, conversation.id, body.message_id)
            elif new_turn:  # an edited user message replaces it and what followed: named by
                # ``messageId``, or sent with the id of a stored message (the AI SDK's
                # ``sendMessage({text, messageId})`` sends the edited message under its old id)
                edited = body.message_id or run_input.messages[-1].id
                await branches.cut_for_edit(session, conversation.id, edited)
            last = await history.append(session, conversation.id, new_turn)
            rows = last if last is not None else await history.last_seq(session, conversation.id)

    if waiting_run is not None:
        key = waiting.new_stream_key()
        wake = waiting.Wake(kind="results", approvals=decisions, stream=key)
        await waiting.deliver(user, conversation.id, waiting_run, wake)
        return _sse(state, waiting_run, conversation.id, key)
    if voided is not None:
        await waiting.void(voided)
    turn = workflows.Turn(
        user_id=str(user.id),
        conversation_id=str(conversation.id),
        workspace=conversation.workspace,
        decisions=decisions,
        history_rows=rows,
    )
    await control.start(workflows.chat_turn, workflow_id, turn)
    # The message is stored and the turn started: the answer's ``start`` goes out now, not once
    # the workflow has loaded the history and the user's credentials (it writes the same chunk
    # first, which this response skips; a re-attached reader gets it from the stream).
    answer_id = current_answer_id(new_turn) if new_turn else None
    start = None
    if answer_id is not None:
        start = start_chunk(answer_id, model_name(agent)).encode(SDK_VERSION)
    return _sse(state, workflow_id, conversation.id, start=start)


@router.get(
    "/chat/{chat_id}/stream",
    response_class=EventSourceResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "The running answer"},
        204: {"description": "Nothing is running in this conversation."},
    },
)
async def resume(chat_id: str, state: StateDep, user: CurrentUser, session: SessionDep) -> Any:
    """Re-attach to the answer being streamed (from its start), on any instance; 204 when
    nothing runs. This is the route the AI SDK's ``useChat({resume: true})`` calls."""
    conversation = await own_conversation(session, user, parse_conversation_id(chat_id, user))
    workflow_id = conversation.active_run
    if (
        workflow_id is None
        or waiting.waits(conversation)  # nothing streams while a write awaits approval
        or not await control.is_active(workflow_id)
    ):
        return Response(status_code=204)
    return _sse(state, workflow_id, conversation.id, await streams.current_key(workflow_id))


def _sse(
    state: WebState,
    workflow_id: str,
    conversation_id: uuid.UUID,
    key: str = streams.KEY,
    *,
    start: str | None = None,
) -> EventSourceResponse:
    """The answer's UI stream as SSE. A client that goes away does not stop the turn (stop it
    with ``/conversations/{id}/stop``); it can re-attach with ``GET /chat/{id}/stream``.

    ``start``: the answer's ``start`` chunk, sent at once; the same chunk when it comes first
    from the stream is not sent again."""

    async def events() -> AsyncIterator[dict[str, str]]:
        expected = start
        if start is not None:
            yield {"data": start}
        async for chunk in streams.read(workflow_id, key):
            if expected is not None:
                duplicate, expected = chunk == expected, None
                if duplicate:
                    continue
            yield {"data": chunk}

    return EventSourceResponse(
        events(),
        ping=state.settings.sse_ping_seconds,
        headers={**STREAM_HEADERS, "X-Conversation-Id": str(conversation_id)},
    )


def _answered(answers: dict[str, dict[str, Any]]) -> dict[str, workflows.Decision]:
    """Answers to ``ask_user`` questions as the run's decisions (their tool results)."""
    return {call_id: workflows.Decision(True, answer=a) for call_id, a in answers.items()}


def _run_input(body: bytes) -> RequestData:
    from pydantic_ai.ui.vercel_ai import VercelAIAdapter

    try:
        return VercelAIAdapter.build_run_input(body)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()[:5]
        )
        raise InvalidArgument(f"not a valid chat request: {problems}") from None


def _new_user_turn(adapter: VercelAIAdapter[Any, Any]) -> list[ModelMessage]:
    """The client's new user message (the last message, when it is the user's)."""
    messages = adapter.run_input.messages
    if not messages or messages[-1].role != "user":
        return []
    loaded = type(adapter).load_messages([messages[-1]])
    turn = adapter.sanitize_messages(loaded)
    ui_id = messages[-1].id
    # remember the client's id for the message, so an edit that names it finds it
    return [answers.with_ui_id(m, ui_id) if answers.is_prompt(m) and ui_id else m for m in turn]


def _decisions(adapter: VercelAIAdapter[Any, Any]) -> dict[str, bool]:
    from pydantic_ai import ToolApproved
    from pydantic_ai.exceptions import UserError

    try:
        results = adapter.deferred_tool_results
    except UserError as exc:
        raise InvalidArgument(f"invalid approval responses: {exc}") from None
    if results is None:
        return {}
    return {
        call_id: decision is True or isinstance(decision, ToolApproved)
        for call_id, decision in results.approvals.items()
    }


def _matching(
    held: list[PendingApproval], requested: dict[str, bool]
) -> dict[str, PendingApproval]:
    """The held calls the decisions name; 409 for any that names none (forged or replayed)."""
    by_call = {row.tool_call_id: row for row in held}
    unknown = sorted(set(requested) - set(by_call))
    if unknown:
        raise Conflict(
            f"{len(unknown)} of these approvals match no write waiting in this conversation",
            hint="approvals must answer a write this server is holding; it may be decided already",
        )
    return {call_id: by_call[call_id] for call_id in requested}


def _decisions_of(
    state: WebState,
    claimed: dict[str, PendingApproval],
    requested: dict[str, bool],
    edits: dict[str, dict[str, Any]],
) -> dict[str, workflows.Decision]:
    decided: dict[str, workflows.Decision] = {}
    for call_id, approved in requested.items():
        row = claimed[call_id]
        if not approved:
            decided[call_id] = workflows.Decision(False, message="The user denied this call.")
        elif call_id in edits:
            spec = state.tools[row.tool]
            arguments = approvals.json_arguments(spec, spec.validate(edits[call_id]))
            decided[call_id] = workflows.Decision(True, override_args=arguments)
        else:
            decided[call_id] = workflows.Decision(True)
    return decided


def _text_of(messages: list[ModelMessage]) -> str:
    from pydantic_ai.messages import ModelRequest, UserPromptPart

    for message in messages:
        if isinstance(message, ModelRequest):
            for part in message.parts:
                if isinstance(part, UserPromptPart) and isinstance(part.content, str):
                    return part.content
    return ""
