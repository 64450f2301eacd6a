"""One-shot runs: ``POST /run`` answers JSON; a paused write continues at ``/runs/{id}/approvals``.

A run is stored like a conversation (``kind="run"``). When the model calls a write tool the run
pauses: the answer has ``status: "needs_approval"``, the run id and the held calls. When the
model asks the user (``ask_user``) the status is ``needs_input`` with the ``questions``; the
answers go to the same route (``{"approval_id": <question id>, "answer": "2"}``). Writes of
tools named in ``auto_approve`` go ahead without asking; with ``dry_run`` every write runs as a
dry run (and a write tool without one is denied), so nothing is written.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING, Any, Literal

from dbos import DBOS, WorkflowHandleAsync
from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator

from tools.errors import Conflict, InvalidArgument, NotFound
from web import limits
from web.auth.users import CurrentUser
from web.models import Conversation, PendingApproval, User
from web.runs import approvals, control, history, questions, waiting, workflows
from web.runs.agent_runs import get_agent, own_conversation, title_from
from web.runs.engine import current
from web.runs.questions import QuestionView
from web.state import StateDep

if TYPE_CHECKING:
    from pydantic_ai.messages import ModelMessage, ToolCallPart

router = APIRouter(tags=["runs"])

EVENT_GRACE_SECONDS = 5.0
LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"description": "Rate limit or daily token quota exceeded (Retry-After)."}
}


class RunRequest(BaseModel):
    instruction: str | None = Field(default=None, max_length=20_000)
    workspace: str | None = Field(default=None, max_length=100)
    preset: Literal["explain", "review", "document", "tests"] | None = Field(
        default=None, description="A preset task on ``path``; ``instruction`` adds context."
    )
    path: str | None = Field(default=None, max_length=4096)
    auto_approve: list[str] = Field(default_factory=list, max_length=50)
    dry_run: bool = False

    @model_validator(mode="after")
    def _has_task(self) -> RunRequest:
        if self.preset is None and not (self.instruction and self.instruction.strip()):
            raise ValueError("give an instruction, or a preset and a path")
        if self.preset is not None and not self.path:
            raise ValueError(f"the {self.preset} preset needs a path")
        return self

    def prompt(self) -> str:
        from agent.presets import preset_prompt

        if self.preset is not None:
            return preset_prompt(self.preset, path=self.path, context=self.instruction)
        assert self.instruction is not None
        if self.path:
            return f"{self.instruction.strip()}\n\nFocus on the workspace path {self.path!r}."
        return self.instruction.strip()


class RunDecision(BaseModel):
    """A decision on a held write (``approved``), or the answer to a question (``answer``)."""

    approval_id: uuid.UUID = Field(description="A held write's id, or a question's id.")
    approved: bool | None = Field(default=None, description="For a held write.")
    answer: str | None = Field(
        default=None,
        max_length=20_000,
        description="For a question: an option's number or text, or free text when allowed.",
    )
    arguments: dict[str, Any] | None = Field(
        default=None, description="Edited arguments to run instead of the held ones."
    )
    message: str | None = Field(default=None, max_length=2000, description="Why it was denied.")


class RunDecisions(BaseModel):
    decisions: list[RunDecision] = Field(min_length=1, max_length=100)


class ToolCallMade(BaseModel):
    id: str
    tool: str
    arguments: dict[str, Any]
    result: Any = None
    outcome: str | None = None


class RunUsageView(BaseModel):
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0


class RunResult(BaseModel):
    run_id: uuid.UUID
    status: Literal["done", "needs_approval", "needs_input"]
    output: str | None
    tool_calls: list[ToolCallMade]
    usage: RunUsageView
    pending: list[approvals.ApprovalView]
    questions: list[QuestionView] = Field(
        default_factory=list,
        description="With needs_input: what the agent asks; answer with /runs/{id}/approvals.",
    )


@router.post("/run", responses=LIMITED)
async def run(body: RunRequest, state: StateDep, user: CurrentUser) -> RunResult:
    """Run one instruction to its end (or until a write needs approval)."""
    from pydantic_ai.messages import ModelRequest, UserPromptPart

    for name in body.auto_approve:
        if name not in state.tools:
            raise NotFound(f"auto_approve names no tool {name!r}")
    get_agent(state)
    await limits.enforce(state, user)
    prompt = body.prompt()
    async with state.db.write() as session:
        workspace = state.workspaces.get(body.workspace, user).name
        conversation = Conversation(
            user_id=user.id,
            kind="run",
            workspace=workspace,
            title=title_from(prompt),
            options={"auto_approve": body.auto_approve, "dry_run": body.dry_run},
        )
        session.add(conversation)
        await session.flush()
        workflow_id = control.new_workflow_id("run", conversation.id)
        await control.claim(session, conversation, workflow_id)
        turn: list[ModelMessage] = [ModelRequest(parts=[UserPromptPart(prompt)])]
        rows = await history.append(session, conversation.id, turn, after=0)  # a new one
    return await _execute(user, conversation, workflow_id, {}, history_rows=rows)


@router.post("/runs/{run_id}/approvals", responses=LIMITED)
async def decide(
    run_id: uuid.UUID, body: RunDecisions, state: StateDep, user: CurrentUser
) -> RunResult:
    """Approve or deny the writes a run paused on, and continue it."""
    get_agent(state)
    await limits.enforce(state, user)
    async with state.db.write() as session:
        conversation = await own_conversation(session, user, run_id, kind="run")
        waiting_run = conversation.active_run if waiting.waits(conversation) else None
        by_id = {row.id: row for row in await approvals.pending_for(session, user, run_id)}
        decided: dict[str, workflows.Decision] = {}
        for decision in body.decisions:
            row = by_id.get(decision.approval_id)
            if row is None:
                raise Conflict(
                    f"approval {decision.approval_id} is not pending in this run",
                    hint="it may be decided already, or belong to another run",
                )
            if questions.is_question(row):
                if decision.answer is None:
                    raise InvalidArgument(f"{decision.approval_id} is a question: give an answer")
                answer = questions.answer_of(row, decision.answer)  # claimed below, once
                decided[row.tool_call_id] = workflows.Decision(True, answer=answer)
                continue
            if decision.approved is None:
                raise InvalidArgument(f"{decision.approval_id} is a write: give approved")
            if not decision.approved:
                decided[row.tool_call_id] = workflows.Decision(
                    False, message=decision.message or "The user denied it."
                )
            elif decision.arguments is not None:
                spec = state.tools[row.tool]
                arguments = approvals.json_arguments(spec, spec.validate(decision.arguments))
                decided[row.tool_call_id] = workflows.Decision(True, override_args=arguments)
            else:
                decided[row.tool_call_id] = workflows.Decision(True)
        left = set(by_id) - {d.approval_id for d in body.decisions}
        if left:
            raise InvalidArgument(
                f"decide every pending call of the run; undecided: {', '.join(map(str, left))}"
            )
        if waiting_run is None:  # a run paused by an earlier version: a new workflow goes on
            for decision in body.decisions:
                row = by_id[decision.approval_id]
                if questions.is_question(row):
                    await questions.claim_held(session, user, run_id, [row.tool_call_id])
                else:
                    await approvals.claim(session, row.id, approved=bool(decision.approved))
            workflow_id = control.new_workflow_id("run", conversation.id)
            await control.claim(session, conversation, workflow_id)
    if waiting_run is None:
        return await _execute(user, conversation, workflow_id, decided)
    key = waiting.new_stream_key()  # names this continuation's outcome
    wake = waiting.Wake(kind="results", approvals=decided, stream=key)
    await waiting.deliver(user, conversation.id, waiting_run, wake)
    handle: WorkflowHandleAsync[workflows.Outcome] = await DBOS.retrieve_workflow_async(waiting_run)
    return await _answer(user, conversation, handle, workflows.outcome_key(key))


async def _execute(
    user: User,
    conversation: Conversation,
    workflow_id: str,
    decisions: dict[str, workflows.Decision],
    *,
    history_rows: int | None = None,
) -> RunResult:
    options = conversation.options
    turn = workflows.Turn(
        user_id=str(user.id),
        conversation_id=str(conversation.id),
        workspace=conversation.workspace,
        decisions=decisions,
        auto_approve=tuple(options.get("auto_approve", [])),
        dry_run=bool(options.get("dry_run")),
        history_rows=history_rows,
    )
    handle = await control.start(workflows.run_turn, workflow_id, turn)
    return await _answer(user, conversation, handle, workflows.outcome_key(workflows.RUN_START))


async def _answer(
    user: User,
    conversation: Conversation,
    handle: WorkflowHandleAsync[workflows.Outcome],
    key: str,
) -> RunResult:
    """The run's answer: the outcome its part ``key`` published (or the workflow's result)."""
    event = asyncio.ensure_future(_outcome_event(handle.workflow_id, key))
    ended = asyncio.ensure_future(handle.get_result())
    try:
        done, _ = await asyncio.wait({event, ended}, return_when=asyncio.FIRST_COMPLETED)
        if event not in done:
            ended.result()  # a workflow that failed outright raises here
            # it published its last outcome before it returned
            await asyncio.wait({event}, timeout=EVENT_GRACE_SECONDS)
        outcome: workflows.Outcome = event.result() if event.done() else ended.result()
    finally:
        event.cancel()
        ended.cancel()
    if outcome.status == "failed":
        raise _failure(outcome)
    async with current().state.db.sessions() as session:
        held = [
            row
            for row in await approvals.pending_for(session, user, conversation.id)
            if str(row.id) in outcome.approvals or str(row.id) in outcome.questions
        ]
    return _view(conversation.id, outcome, held)


async def _outcome_event(workflow_id: str, key: str) -> workflows.Outcome:
    while True:  # the event outlives the wait; a long run publishes it late
        outcome: workflows.Outcome | None = await DBOS.get_event_async(
            workflow_id, key, timeout_seconds=60
        )
        if outcome is not None:
            return outcome


def _failure(outcome: workflows.Outcome) -> Exception:
    from agent.errors import ModelUnavailable, RunFailed, UsageLimitReached

    kinds: dict[str | None, type[RunFailed]] = {
        ModelUnavailable.code: ModelUnavailable,
        UsageLimitReached.code: UsageLimitReached,
    }
    return kinds.get(outcome.error_code, RunFailed)(outcome.error or "the run failed")


def _made(part: ToolCallPart) -> ToolCallMade:
    return ToolCallMade(id=part.tool_call_id, tool=part.tool_name, arguments=part.args_as_dict())


def _view(run_id: uuid.UUID, outcome: workflows.Outcome, held: list[PendingApproval]) -> RunResult:
    from pydantic_ai.messages import ModelRequest, ModelResponse, ToolCallPart, ToolReturnPart

    known: dict[str, ToolCallPart] = {}
    calls: dict[str, ToolCallMade] = {}
    for index, message in enumerate(outcome.messages):
        new = index >= outcome.base
        if isinstance(message, ModelResponse):
            for part in message.parts:
                if isinstance(part, ToolCallPart):
                    known[part.tool_call_id] = part
                    if new:
                        calls[part.tool_call_id] = _made(part)
        elif isinstance(message, ModelRequest) and new:
            for req_part in message.parts:
                if isinstance(req_part, ToolReturnPart) and req_part.tool_call_id in known:
                    made = calls.setdefault(
                        req_part.tool_call_id, _made(known[req_part.tool_call_id])
                    )
                    made.result = req_part.model_response_object()
                    made.outcome = req_part.outcome
    asked = [row for row in held if questions.is_question(row)]
    writes = [row for row in held if not questions.is_question(row)]
    status: Literal["done", "needs_approval", "needs_input"] = "done"
    if asked:
        status = "needs_input"
    elif writes:
        status = "needs_approval"
    return RunResult(
        run_id=run_id,
        status=status,
        output=outcome.output,
        tool_calls=list(calls.values()),
        usage=RunUsageView(
            requests=outcome.requests,
            input_tokens=outcome.input_tokens,
            output_tokens=outcome.output_tokens,
        ),
        pending=[approvals.ApprovalView.of(row) for row in writes],
        questions=[questions.QuestionView.of(row) for row in asked],
    )
