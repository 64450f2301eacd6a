"""Chat turns and one-shot runs as DBOS workflows.

A workflow receives identifiers only (``Turn``: user, conversation, workspace, the approval
decisions); the agent, the user's credentials and the workspace are rebuilt inside from the app
that launched the engine, so no credential is ever written into DBOS's tables. A turn reads the
conversation's rows up to the user's message (their count is in ``Turn``, so a replay sees the
same history without a step for it), model requests and tool calls are steps
(``web.runs.durable``), the history is stored after every model response that calls tools, and
each part of the run ends in a ``finish`` step that records the outcome, the last messages and
the usage, exactly once. Writes that need approval are held by that step and the workflow waits
for the decision inside (``web.runs.waiting``), then goes on with the same agent run.

The route stores the user's message before it starts the workflow: a message acknowledged is a
message stored. The UI events a chat turn makes go to a DBOS stream any instance can read
(``web.runs.streams``).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from dbos import DBOS
from dbos._error import DBOSWorkflowCancelledError, DBOSWorkflowConflictIDError
from pydantic_ai.messages import ModelResponse, TextPart
from sqlalchemy import update
from sqlmodel import col

from web.errors import DATABASE_DOWN
from web.models import Conversation, Usage, User, utcnow
from web.runs import approvals, faults, history, questions, streams, waiting
from web.runs.answer_stream import AnswerStream, friendly_error, unexpected_failure
from web.runs.durable import CURRENT_EVENTS, CURRENT_HISTORY, HistoryTarget
from web.runs.engine import current

if TYPE_CHECKING:
    from pydantic_ai import AgentRunResult, DeferredToolResults
    from pydantic_ai.exceptions import RunCancelled
    from pydantic_ai.messages import ModelMessage, ToolCallPart
    from pydantic_ai.ui.vercel_ai.response_types import BaseChunk
    from pydantic_ai.usage import RunUsage
    from sqlalchemy.ext.asyncio import AsyncSession

    from web.state import WebState

log = logging.getLogger("fast_genai.web")

SDK_VERSION: Literal[6] = 6
CANCELLATION = (DBOSWorkflowCancelledError, DBOSWorkflowConflictIDError)
"""What a DBOS cancellation raises in the workflow (as pydantic-ai's DBOSDurability knows)."""
MAX_AUTO_ROUNDS = 20


@dataclass(frozen=True)
class Decision:
    """The user's decision on one held write (as claimed by the route)."""

    approved: bool
    override_args: dict[str, Any] | None = None
    message: str | None = None
    answer: dict[str, Any] | None = None
    """The tool result of an answered ``ask_user`` question (``web.runs.questions``)."""


@dataclass(frozen=True)
class Turn:
    """A workflow's input: identifiers and decisions, nothing secret."""

    user_id: str
    conversation_id: str
    workspace: str
    decisions: dict[str, Decision] = field(default_factory=dict)
    auto_approve: tuple[str, ...] = ()
    dry_run: bool = False
    history_rows: int | None = None
    """The conversation's stored rows when the turn started (the user's message the last): the
    history it answers is rows ``1...history_rows``, the same on a replay, so it is read without
    a step of its own. ``None``: read in a ``history.load`` step (a run started by an earlier
    version, or continued in a new workflow after one)."""


@dataclass(frozen=True)
class Outcome:
    """What a finished turn recorded (a workflow's result)."""

    status: str
    output: str | None = None
    error: str | None = None
    error_code: str | None = None
    """The ``RunFailed`` code of a failed run (``model_unavailable``, ``usage_limit``...)."""
    approvals: tuple[str, ...] = ()
    base: int = 0
    questions: tuple[str, ...] = ()
    """The ids of the ``ask_user`` questions held (``status`` ``needs_input``)."""
    messages: tuple[Any, ...] = ()
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0


# --- steps -------------------------------------------------------------------------------------


async def load_history(conversation_id: str) -> list[ModelMessage]:
    state = current().state
    async with state.db.sessions() as session:
        return await history.load(session, uuid.UUID(conversation_id))


async def save_history(conversation_id: str, base: int, messages: list[ModelMessage]) -> None:
    """Make rows ``base+1...`` the run's messages (idempotent: replaces what a retry wrote)."""
    state = current().state
    added = list(messages[base:])
    if not added:
        return
    async with state.db.write() as session:
        await history.truncate(session, uuid.UUID(conversation_id), base)
        await history.append(session, uuid.UUID(conversation_id), added, after=base)


async def finish(
    turn: Turn,
    workflow_id: str,
    base: int,
    messages: list[ModelMessage],
    *,
    status: str,
    output: Any = None,
    usage: RunUsage | None = None,
    error: str | None = None,
) -> Outcome:
    """Record how the turn ended and free the conversation (``active_run``) for the next one."""
    from pydantic_ai import DeferredToolRequests

    state = current().state
    conversation_id = uuid.UUID(turn.conversation_id)
    calls: list[ToolCallPart] = []
    asked: list[ToolCallPart] = []
    if isinstance(output, DeferredToolRequests):
        asked = questions.question_calls(output.calls)
        calls = [*output.approvals, *asked]
    final = "needs_input" if asked else "needs_approval" if calls else status
    held: list[str] = []
    held_questions: list[str] = []
    async with state.db.write() as session:
        updated = await session.execute(
            update(Conversation)
            .where(
                col(Conversation.id) == conversation_id,
                col(Conversation.active_run) == workflow_id,
            )
            # a run that holds writes keeps the conversation: it waits for the decision
            .values(
                status=final,
                error=error,
                active_run=workflow_id if calls else None,
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(updated, "rowcount", 0) == 1:  # else deleted, or taken over after a stop
            added = list(messages[base:])
            if added:
                message_status = "complete" if status == "idle" else status
                await history.truncate(session, conversation_id, base)
                await history.append(
                    session, conversation_id, added, status=message_status, after=base
                )
            if calls:
                user = await session.get(User, uuid.UUID(turn.user_id))
                assert user is not None
                rows = await approvals.hold_calls(
                    session,
                    user,
                    conversation_id,
                    turn.workspace,
                    [(c.tool_call_id, c.tool_name, c.args_as_dict()) for c in calls],
                )
                held, held_questions = questions.held_ids(rows)
        if usage is not None and (usage.requests or usage.input_tokens or usage.output_tokens):
            session.add(
                Usage(
                    user_id=uuid.UUID(turn.user_id),
                    conversation_id=conversation_id,
                    requests=usage.requests,
                    input_tokens=usage.input_tokens,
                    output_tokens=usage.output_tokens,
                )
            )
    return Outcome(
        status=final,
        output=output if isinstance(output, str) else None,
        error=error,
        approvals=tuple(held),
        questions=tuple(held_questions),
        base=base,
        messages=tuple(messages),
        requests=usage.requests if usage else 0,
        input_tokens=usage.input_tokens if usage else 0,
        output_tokens=usage.output_tokens if usage else 0,
    )


# --- rebuilt inside the workflow (never checkpointed) -------------------------------------------


async def _deps(state: WebState, turn: Turn) -> Any:
    async with state.db.sessions() as session:
        return await _deps_in(state, turn, session)


async def _deps_in(state: WebState, turn: Turn, session: AsyncSession) -> Any:
    from agent.deps import AgentDeps
    from web.context import tool_context

    user = await session.get(User, uuid.UUID(turn.user_id))
    if user is None:
        raise LookupError(f"user {turn.user_id} is gone")
    return AgentDeps(tools=await tool_context(state, user, turn.workspace, session))


async def _opening(state: WebState, turn: Turn) -> tuple[list[ModelMessage], Any]:
    """The history the turn answers and its deps, read in one session (no step: the rows up
    to ``turn.history_rows`` do not change while the turn holds the conversation)."""
    if turn.history_rows is None:
        stored = await DBOS.run_step_async(
            {"name": "history.load"}, load_history, turn.conversation_id
        )
        return stored, await _deps(state, turn)
    async with state.db.sessions() as session:
        stored = await history.load(
            session, uuid.UUID(turn.conversation_id), upto=turn.history_rows
        )
        return stored, await _deps_in(state, turn, session)


def _results(
    decisions: dict[str, Decision], answers: dict[str, Any] | None = None
) -> DeferredToolResults | None:
    from pydantic_ai import DeferredToolResults, ToolApproved, ToolDenied

    if not decisions and not answers:
        return None
    decided: dict[str, bool | ToolApproved | ToolDenied] = {}
    calls: dict[str, Any] = dict(answers or {})
    for call_id, decision in decisions.items():
        if decision.answer is not None:  # an ask_user question's answer (web.runs.questions)
            calls[call_id] = decision.answer
        elif not decision.approved:
            decided[call_id] = ToolDenied(decision.message or "The user denied this call.")
        elif decision.override_args is not None:
            decided[call_id] = ToolApproved(override_args=decision.override_args)
        else:
            decided[call_id] = True
    return DeferredToolResults(approvals=dict(decided), calls=calls)


def _resumed(wake: waiting.Wake) -> DeferredToolResults | None:
    return _results(wake.approvals, wake.answers)


# --- chat turn ---------------------------------------------------------------------------------


@DBOS.workflow(name="fast_genai.chat_turn")
async def chat_turn(turn: Turn) -> Outcome:
    """One chat turn: the user's message is stored already; answer it, streaming UI events."""
    engine = current()
    workflow_id = DBOS.workflow_id
    assert workflow_id is not None
    key = streams.KEY
    publisher = streams.Publisher(workflow_id, key)
    ended = False  # whether the answer being written has its END
    try:
        stored, deps = await _opening(engine.state, turn)
        base = len(stored)
        results = _results(turn.decisions)
        shaped = AnswerStream.of(engine.state, turn, stored)  # one message id, usage, previews
        while True:  # one answer, then one more after each decision on the writes it held
            if key != streams.KEY:  # the first answer's stream needs no event to be found
                await DBOS.set_event_async(streams.CURRENT, key)
            run = _ChatTurn(engine.state, turn, workflow_id, base, deps)
            deps = None  # an answer after a decision rebuilds them (credentials may change)
            async for chunk in run.stream(stored, results):
                for out in await shaped.shape(chunk, run.outcome):
                    await publisher.send(out.encode(SDK_VERSION))
            ended = True
            await publisher.close()
            assert run.outcome is not None
            if run.outcome.status not in waiting.WAITING:
                return run.outcome
            wake = await waiting.wait(turn.conversation_id, workflow_id)
            if wake is None:  # expired, or voided by a newer message
                return replace(run.outcome, status="expired")
            stored, results, key = list(run.outcome.messages), _resumed(wake), wake.stream
            publisher, ended = streams.Publisher(workflow_id, key), False
    except DATABASE_DOWN as exc:  # the answer cannot be stored: end it clearly, then fail
        ended = True
        faults.abandon(workflow_id, turn.conversation_id, exc)
        raise
    finally:
        if not ended:
            await publisher.close()


class _ChatTurn:
    def __init__(
        self, state: WebState, turn: Turn, workflow_id: str, base: int, deps: Any = None
    ) -> None:
        self.state = state
        self.turn = turn
        self.workflow_id = workflow_id
        self.base = base
        self.deps = deps
        self.stored: list[ModelMessage] = []
        self.outcome: Outcome | None = None

    async def stream(
        self, stored: list[ModelMessage], results: DeferredToolResults | None
    ) -> AsyncIterator[BaseChunk]:
        from pydantic_ai import capture_run_messages
        from pydantic_ai.ui.vercel_ai import VercelAIAdapter

        from agent.run import usage_limits
        from web.runs.agent_runs import agent_settings, get_agent

        adapter = VercelAIAdapter(
            agent=get_agent(self.state),
            run_input=VercelAIAdapter.build_run_input(
                b'{"trigger": "submit-message", "id": "%s", "messages": []}'
                % self.turn.conversation_id.encode()
            ),
            sdk_version=SDK_VERSION,
            manage_message_history="server",
            # The history is the server's own (no client messages reach the workflow); the
            # agent's instructions apply on every request. (The server mode's per-run capability
            # cannot run inside a DBOS workflow.)
            manage_system_prompt="client",
        )
        self.stored = stored
        target = HistoryTarget(self.turn.conversation_id, self.base, save_history)
        token = CURRENT_HISTORY.set(target)
        try:
            with capture_run_messages() as captured:
                run = get_agent(self.state).run(
                    None,
                    message_history=stored,
                    deferred_tool_results=results,
                    deps=self.deps if self.deps is not None else await _deps(self.state, self.turn),
                    usage_limits=usage_limits(agent_settings(self.state)),
                    timeout=self.state.settings.run_timeout_seconds,
                )
                native = _live_events(run)
                async for chunk in adapter.transform_stream(
                    self._recording_failures(native, captured),
                    on_complete=self._completed,
                    on_cancel=self._cancelled,
                ):
                    yield chunk
        finally:
            CURRENT_HISTORY.reset(token)

    async def _recording_failures(
        self, native: AsyncIterator[Any], captured: list[ModelMessage]
    ) -> AsyncIterator[Any]:
        from pydantic_ai.exceptions import RunCancelled

        from agent.run import run_failure
        from web.runs.agent_runs import agent_settings

        partial: list[str] = []  # the text of the model response being streamed
        try:
            async for event in native:
                _follow_text(event, partial)
                yield event
        except RunCancelled:
            raise
        except CANCELLATION as exc:  # stop: DBOS cancelled the workflow (on any instance)
            cancelled = RunCancelled.from_cancellation(exc)
            said = list(cancelled.all_messages() if cancelled else captured)
            if len(said) < self.base:  # nothing captured: the history the run started from
                said = list(self.stored)
            last = said[-1] if len(said) > self.base else None
            if partial and not (
                isinstance(last, ModelResponse) and any(isinstance(p, TextPart) for p in last.parts)
            ):
                # the preempted model step recorded no text: keep what the user saw
                text = TextPart("".join(partial))
                if isinstance(last, ModelResponse):
                    said[-1] = replace(last, parts=[text, *last.parts])
                else:
                    said.append(ModelResponse(parts=[text]))
            raise RunCancelled(
                "stopped", messages=said, usage=cancelled.usage if cancelled else None
            ) from None
        except Exception as exc:
            failure = run_failure(exc, agent_settings(self.state))
            log.warning("chat run %s failed: %s", self.turn.conversation_id, failure or exc)
            message = friendly_error(str(failure or unexpected_failure(exc)))  # shown to people
            self.outcome = await DBOS.run_step_async(
                {"name": "run.finish"},
                _finish_step,
                self.turn,
                self.workflow_id,
                self.base,
                list(captured),
                "failed",
                None,
                None,
                message,
            )
            if failure is not None:
                raise failure from exc
            raise unexpected_failure(exc) from exc

    async def _completed(self, result: AgentRunResult[Any]) -> AsyncIterator[BaseChunk]:
        from pydantic_ai.ui.vercel_ai.response_types import DataChunk

        self.outcome = await DBOS.run_step_async(
            {"name": "run.finish"},
            _finish_step,
            self.turn,
            self.workflow_id,
            self.base,
            result.all_messages(),
            "idle",
            result.output,
            result.usage,
            None,
        )
        yield DataChunk(
            type="data-conversation",
            data={
                "id": self.turn.conversation_id,
                "status": self.outcome.status,
                "approvals": list(self.outcome.approvals),
                "questions": list(self.outcome.questions),
            },
        )

    async def _cancelled(self, cancelled: RunCancelled) -> None:
        # A cancelled workflow runs no more steps: record directly (a stop that finds the run
        # gone records the cancellation itself, see ``web.runs.control.stop``).
        self.outcome = await finish(
            self.turn,
            self.workflow_id,
            self.base,
            cancelled.all_messages(),
            status="cancelled",
            usage=cancelled.usage,
            error="stopped before the answer ended",
        )


def _follow_text(event: Any, partial: list[str]) -> None:
    from pydantic_ai.messages import (
        FunctionToolResultEvent,
        PartDeltaEvent,
        PartStartEvent,
        TextPartDelta,
    )

    if isinstance(event, PartStartEvent) and isinstance(event.part, TextPart):
        partial.append(event.part.content)
    elif isinstance(event, PartDeltaEvent) and isinstance(event.delta, TextPartDelta):
        partial.append(event.delta.content_delta)
    elif isinstance(event, FunctionToolResultEvent):
        partial.clear()  # a new model response follows the tool results


async def _live_events(run: Any) -> AsyncIterator[Any]:
    """The events of ``run`` (an ``agent.run`` coroutine) as they happen, then its result.

    DBOSDurability hands model events to ``deliver_events`` live, inside the model step; the run
    goes on in a task of its own (sharing this workflow's DBOS context) while they are read."""
    from pydantic_ai import AgentRunResultEvent

    queue: asyncio.Queue[Any] = asyncio.Queue()
    token = CURRENT_EVENTS.set(queue)
    try:
        task = asyncio.ensure_future(run)
    finally:
        CURRENT_EVENTS.reset(token)
    try:
        while True:
            getter = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                yield getter.result()
                continue
            getter.cancel()
            while not queue.empty():
                yield queue.get_nowait()
            break
        yield AgentRunResultEvent(task.result())
    finally:
        if not task.done():
            task.cancel()


async def _finish_step(
    turn: Turn,
    workflow_id: str,
    base: int,
    messages: list[ModelMessage],
    status: str,
    output: Any,
    usage: RunUsage | None,
    error: str | None,
) -> Outcome:
    return await finish(
        turn, workflow_id, base, messages, status=status, output=output, usage=usage, error=error
    )


# --- one-shot run ------------------------------------------------------------------------------


@DBOS.workflow(name="fast_genai.run_turn")
async def run_turn(turn: Turn) -> Outcome:
    """A one-shot run: to its end, waiting inside for the decisions on the writes it holds.

    Each part of the run (its start, then each continuation after a decision) publishes its
    outcome as the event ``outcome:<key>`` (``RUN_START`` first, then the key the delivering
    route chose), which that route answers with."""
    state = current().state
    workflow_id = DBOS.workflow_id
    assert workflow_id is not None
    stored, deps = await _opening(state, turn)
    base = len(stored)
    messages, results, key = list(stored), _results(turn.decisions), RUN_START
    while True:
        outcome = await _run_part(state, turn, workflow_id, base, messages, results, deps)
        # ``base`` of the published outcome: where this part's messages start (its view).
        await DBOS.set_event_async(outcome_key(key), replace(outcome, base=len(messages)))
        if outcome.status not in waiting.WAITING:
            return outcome
        wake = await waiting.wait(turn.conversation_id, workflow_id)
        if wake is None:  # expired
            return replace(outcome, status="expired")
        messages, results, key = list(outcome.messages), _resumed(wake), wake.stream


RUN_START = "start"


def outcome_key(key: str) -> str:
    return f"outcome:{key}"


async def _run_part(
    state: WebState,
    turn: Turn,
    workflow_id: str,
    base: int,
    messages: Sequence[ModelMessage],
    results: DeferredToolResults | None,
    deps: Any,
) -> Outcome:
    """Run the agent to its end or to writes that need a decision, then record the outcome."""
    from pydantic_ai import DeferredToolRequests

    from agent.errors import RunFailed
    from agent.run import run_agent
    from web.runs.agent_runs import agent_settings, get_agent

    target = HistoryTarget(turn.conversation_id, base, save_history)
    token = CURRENT_HISTORY.set(target)
    try:
        result: AgentRunResult[Any] | None = None
        for _ in range(MAX_AUTO_ROUNDS):
            try:
                result = await run_agent(
                    get_agent(state),
                    None,
                    deps=deps,
                    settings=agent_settings(state),
                    message_history=messages,
                    deferred_tool_results=results,
                )
            except RunFailed as exc:
                outcome: Outcome = await DBOS.run_step_async(
                    {"name": "run.finish"},
                    _finish_step,
                    turn,
                    workflow_id,
                    base,
                    list(exc.messages),
                    "failed",
                    None,
                    None,
                    str(exc),
                )
                return replace(outcome, error_code=exc.code)
            output = result.output
            automatic = (
                automatic_decisions(state, output, turn)
                if isinstance(output, DeferredToolRequests)
                else None
            )
            if automatic is None:
                break
            messages, results = result.all_messages(), _results(automatic)
    finally:
        CURRENT_HISTORY.reset(token)
    assert result is not None
    done: Outcome = await DBOS.run_step_async(
        {"name": "run.finish"},
        _finish_step,
        turn,
        workflow_id,
        base,
        result.all_messages(),
        "idle",
        result.output,
        result.usage,
        None,
    )
    return done


def automatic_decisions(state: WebState, requests: Any, turn: Turn) -> dict[str, Decision] | None:
    """Decisions made without asking (auto-approved tools, dry runs), if every call has one."""
    decided: dict[str, Decision] = {}
    for call in requests.approvals:
        spec = state.tools.get(call.tool_name)
        if turn.dry_run:
            if spec is not None and "dry_run" in spec.params_model.model_fields:
                decided[call.tool_call_id] = Decision(
                    True, override_args={**call.args_as_dict(), "dry_run": True}
                )
            else:
                decided[call.tool_call_id] = Decision(
                    False, message="Dry run: this write was not executed."
                )
        elif call.tool_name in turn.auto_approve:
            decided[call.tool_call_id] = Decision(True)
        else:
            return None
    if requests.calls:
        return None
    return decided
