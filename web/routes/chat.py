"""``POST /chat``: streamed answers in the Vercel AI SDK UI-message stream protocol (SSE).

The conversation lives on the server: the request's ``id`` names it (a UUID, or any string,
mapped per user), its history is loaded from the database, and of the client's messages only the
new user message and approval decisions are used. An approval must answer a write call this
server holds for the same user and conversation (claimed once; a forged or replayed one is
refused with 409 before anything runs); the executed arguments are the stored ones, or edited
ones sent in ``edits`` (validated again). A run can be stopped with ``/conversations/{id}/stop``;
a client disconnect stops it too. The run itself is a task of its own that streams into a
queue, so a cancelled or failed run still records what was said.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import update
from sqlmodel import col
from sse_starlette import EventSourceResponse

from tools.errors import Conflict, InvalidArgument, Unsupported
from web import limits
from web.auth.users import CurrentUser
from web.context import tool_context
from web.models import Conversation, PendingApproval, utcnow
from web.runs import approvals, history
from web.runs.agent_runs import (
    Recorder,
    agent_settings,
    get_agent,
    open_conversation,
    parse_conversation_id,
    title_from,
)
from web.state import StateDep, WebState

if TYPE_CHECKING:
    from pydantic_ai import AgentRunResult, CancellationToken, DeferredToolResults
    from pydantic_ai.exceptions import RunCancelled
    from pydantic_ai.messages import ModelMessage
    from pydantic_ai.ui.vercel_ai import VercelAIAdapter
    from pydantic_ai.ui.vercel_ai.request_types import RequestData
    from pydantic_ai.ui.vercel_ai.response_types import BaseChunk

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

    run_input = _run_input(body.model_dump_json(exclude={"edits"}).encode())
    if run_input.trigger == "regenerate-message":
        raise Unsupported(
            "regenerating an answer is not supported", hint="send the message again instead"
        )
    agent = get_agent(state)
    conversation_id = parse_conversation_id(run_input.id, user)
    adapter = VercelAIAdapter(
        agent=agent,
        run_input=run_input,
        sdk_version=SDK_VERSION,
        manage_message_history="server",
        accept=request.headers.get("accept"),
    )
    new_turn = _new_user_turn(adapter)
    requested = _decisions(adapter)
    if not new_turn and not requested:
        raise InvalidArgument("send a new user message or approval decisions")
    await limits.enforce(state, user)  # 429 before anything is stored or streamed

    token: CancellationToken | None = None
    try:
        # Checks before the stream starts (404, 409 for a forged or replayed approval); the
        # writes that open the run happen in the run's task, so the stream starts at once.
        async with state.db.sessions() as session, session.begin():
            conversation, created = await open_conversation(
                session,
                user,
                conversation_id,
                kind="chat",
                workspace=state.workspaces.get(workspace, user).name,
                title=title_from(_text_of(new_turn)),
            )
            ctx = await tool_context(state, user, conversation.workspace, session)
            stored = [] if created else await history.load(session, conversation.id)
            results = None
            if requested:
                claimed = await approvals.claim_for_conversation(
                    session, user, conversation.id, requested
                )
                results = _results(state, claimed, requested, body.edits or {})
            token = state.runs.start(conversation.id)
            if token is None:
                raise Conflict(
                    "a run is already in progress in this conversation",
                    hint=f"wait, or stop it: POST /api/v1/conversations/{conversation_id}/stop",
                )
    except BaseException:
        if token is not None:  # the run never started: free the conversation
            state.runs.finish(conversation_id, token)
        raise

    from agent.deps import AgentDeps

    opening = _Opening(
        conversation=conversation,
        created=created,
        expire=not requested and conversation.status == "needs_approval",
        new_turn=new_turn,
    )
    recorder = Recorder(state, user, conversation.id, conversation.workspace, len(stored))
    queue: asyncio.Queue[BaseChunk | None] = asyncio.Queue()
    run = _ChatRun(state, adapter, recorder, queue, opening)
    task = asyncio.create_task(
        run.produce(stored, results, AgentDeps(tools=ctx), token),
        name=f"chat-{conversation.id}",
    )
    state.runs.keep(conversation.id, task)

    async def events() -> AsyncIterator[dict[str, str]]:
        finished = False
        try:
            while (chunk := await queue.get()) is not None:
                yield {"data": chunk.encode(SDK_VERSION)}
            finished = True
        finally:
            if not finished:  # the client went away: stop the model, keep what was said
                token.cancel()

    return EventSourceResponse(
        events(),
        ping=state.settings.sse_ping_seconds,
        headers={**STREAM_HEADERS, "X-Conversation-Id": str(conversation.id)},
    )


@dataclass
class _Opening:
    """What a run writes when it starts: the new conversation, or its new status; the user's
    message (stored at once, so a failed run keeps it); pending writes it voids."""

    conversation: Conversation
    created: bool
    expire: bool
    new_turn: list[ModelMessage]


class _ChatRun:
    def __init__(
        self,
        state: WebState,
        adapter: VercelAIAdapter[Any, Any],
        recorder: Recorder,
        queue: asyncio.Queue[BaseChunk | None],
        opening: _Opening,
    ) -> None:
        self.state = state
        self.adapter = adapter
        self.recorder = recorder
        self.queue = queue
        self.opening = opening

    async def _open(self) -> None:
        opening = self.opening
        conversation_id = opening.conversation.id
        async with self.state.db.write() as session:
            if opening.created:
                opening.conversation.status = "running"
                session.add(opening.conversation)
            else:
                await session.execute(
                    update(Conversation)
                    .where(col(Conversation.id) == conversation_id)
                    .values(status="running", error=None, updated_at=utcnow())
                    .execution_options(synchronize_session=False)
                )
                if opening.expire:  # a new message voids the writes still held
                    await approvals.expire_conversation(session, conversation_id)
            await history.append(
                session, conversation_id, opening.new_turn, after=self.recorder.stored
            )

    async def produce(
        self,
        stored: list[ModelMessage],
        results: DeferredToolResults | None,
        deps: Any,
        token: Any,
    ) -> None:
        from pydantic_ai import capture_run_messages

        from agent.run import usage_limits

        conversation_id = self.recorder.conversation_id
        try:
            with capture_run_messages() as captured:
                native = self.adapter.run_stream_native(
                    message_history=stored,
                    deferred_tool_results=results,
                    deps=deps,
                    cancellation_token=token,
                    usage_limits=usage_limits(agent_settings(self.state)),
                    timeout=self.state.settings.run_timeout_seconds,
                )
                stream = self.adapter.transform_stream(
                    self._recording_failures(native, captured),
                    on_complete=self._completed,
                    on_cancel=self._cancelled,
                )
                async for chunk in stream:
                    await self.queue.put(chunk)
        finally:
            self.state.runs.finish(conversation_id, token)
            await self.queue.put(None)

    async def _recording_failures(
        self, native: AsyncIterator[Any], captured: list[ModelMessage]
    ) -> AsyncIterator[Any]:
        from pydantic_ai.exceptions import RunCancelled

        from agent.run import run_failure

        try:
            await self._open()
            async for event in native:
                yield event
        except RunCancelled:
            raise
        except Exception as exc:
            failure = run_failure(exc, agent_settings(self.state))
            message = str(failure or exc)
            log.warning("chat run %s failed: %s", self.recorder.conversation_id, message)
            await self.recorder.finish(captured, status="failed", error=message)
            if failure is not None:
                raise failure from exc
            raise

    async def _completed(self, result: AgentRunResult[Any]) -> AsyncIterator[BaseChunk]:
        from pydantic_ai.ui.vercel_ai.response_types import DataChunk

        held = await self.recorder.finish(
            result.all_messages(), status="idle", output=result.output, usage=result.usage
        )
        yield DataChunk(
            type="data-conversation",
            data={
                "id": str(self.recorder.conversation_id),
                "status": "needs_approval" if held else "idle",
                "approvals": [str(row.id) for row in held],
            },
        )

    async def _cancelled(self, cancelled: RunCancelled) -> None:
        await self.recorder.finish(
            cancelled.all_messages(),
            status="cancelled",
            error="stopped before the answer ended",
            usage=cancelled.usage,
        )


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
    return adapter.sanitize_messages(loaded)


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


def _results(
    state: WebState,
    claimed: dict[str, PendingApproval],
    requested: dict[str, bool],
    edits: dict[str, dict[str, Any]],
) -> DeferredToolResults:
    from pydantic_ai import DeferredToolResults, ToolApproved, ToolDenied

    decided: dict[str, bool | ToolApproved | ToolDenied] = {}
    for call_id, approved in requested.items():
        row = claimed[call_id]
        if not approved:
            decided[call_id] = ToolDenied("The user denied this call.")
        elif call_id in edits:
            spec = state.tools[row.tool]
            decided[call_id] = ToolApproved(
                override_args=approvals.json_arguments(spec, spec.validate(edits[call_id]))
            )
        else:
            decided[call_id] = True
    return DeferredToolResults(approvals=dict(decided))


def _text_of(messages: list[ModelMessage]) -> str:
    from pydantic_ai.messages import ModelRequest, UserPromptPart

    for message in messages:
        if isinstance(message, ModelRequest):
            for part in message.parts:
                if isinstance(part, UserPromptPart) and isinstance(part.content, str):
                    return part.content
    return ""
