"""One-shot runs: ``POST /run`` answers JSON; a paused write continues at ``/runs/{id}/approvals``.

A run is stored like a conversation (``kind="run"``). When the model calls a write tool the run
pauses: the answer has ``status: "needs_approval"``, the run id and the held calls. Writes of
tools named in ``auto_approve`` go ahead without asking; with ``dry_run`` every write runs as a
dry run (and a write tool without one is denied), so nothing is written.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator

from tools.errors import Conflict, InvalidArgument, NotFound
from web import limits
from web.auth.users import CurrentUser
from web.context import tool_context
from web.models import Conversation, PendingApproval, User, utcnow
from web.runs import approvals, history
from web.runs.agent_runs import Recorder, agent_settings, get_agent, own_conversation, title_from
from web.state import StateDep, WebState

if TYPE_CHECKING:
    from pydantic_ai import AgentRunResult, DeferredToolRequests, DeferredToolResults
    from pydantic_ai.messages import ModelMessage, ToolCallPart

router = APIRouter(tags=["runs"])

MAX_AUTO_ROUNDS = 20
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
    approval_id: uuid.UUID
    approved: bool
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
    status: Literal["done", "needs_approval"]
    output: str | None
    tool_calls: list[ToolCallMade]
    usage: RunUsageView
    pending: list[approvals.ApprovalView]


@router.post("/run", responses=LIMITED)
async def run(body: RunRequest, state: StateDep, user: CurrentUser) -> RunResult:
    """Run one instruction to its end (or until a write needs approval)."""
    from pydantic_ai.messages import ModelRequest, UserPromptPart

    for name in body.auto_approve:
        if name not in state.tools:
            raise NotFound(f"auto_approve names no tool {name!r}")
    agent_ready = get_agent(state)
    del agent_ready
    await limits.enforce(state, user)
    prompt = body.prompt()
    async with state.db.sessions() as session, session.begin():
        workspace = state.workspaces.get(body.workspace, user).name
        conversation = Conversation(
            user_id=user.id,
            kind="run",
            workspace=workspace,
            title=title_from(prompt),
            status="running",
            options={"auto_approve": body.auto_approve, "dry_run": body.dry_run},
        )
        session.add(conversation)
        await session.flush()
        turn: list[ModelMessage] = [ModelRequest(parts=[UserPromptPart(prompt)])]
        await history.append(session, conversation.id, turn)
    return await _execute(state, user, conversation.id, 0, prompt, None)


@router.post("/runs/{run_id}/approvals", responses=LIMITED)
async def decide(
    run_id: uuid.UUID, body: RunDecisions, state: StateDep, user: CurrentUser
) -> RunResult:
    """Approve or deny the writes a run paused on, and continue it."""
    from pydantic_ai import DeferredToolResults, ToolApproved, ToolDenied

    get_agent(state)
    await limits.enforce(state, user)
    async with state.db.sessions() as session, session.begin():
        conversation = await own_conversation(session, user, run_id, kind="run")
        stored = len(await history.rows_of(session, conversation.id))
        by_id = {row.id: row for row in await approvals.pending_for(session, user, run_id)}
        decided: dict[str, bool | ToolApproved | ToolDenied] = {}
        for decision in body.decisions:
            row = by_id.get(decision.approval_id)
            if row is None:
                raise Conflict(
                    f"approval {decision.approval_id} is not pending in this run",
                    hint="it may be decided already, or belong to another run",
                )
            await approvals.claim(session, row.id, approved=decision.approved)
            if not decision.approved:
                decided[row.tool_call_id] = ToolDenied(decision.message or "The user denied it.")
            elif decision.arguments is not None:
                spec = state.tools[row.tool]
                decided[row.tool_call_id] = ToolApproved(
                    override_args=approvals.json_arguments(spec, spec.validate(decision.arguments))
                )
            else:
                decided[row.tool_call_id] = True
        left = set(by_id) - {d.approval_id for d in body.decisions}
        if left:
            raise InvalidArgument(
                f"decide every pending call of the run; undecided: {', '.join(map(str, left))}"
            )
        conversation.status = "running"
        conversation.updated_at = utcnow()
    results = DeferredToolResults(approvals=dict(decided))
    return await _execute(state, user, run_id, stored, None, results)


async def _execute(
    state: WebState,
    user: User,
    run_id: uuid.UUID,
    stored_count: int,
    prompt: str | None,
    results: DeferredToolResults | None,
) -> RunResult:
    from pydantic_ai import DeferredToolRequests

    from agent.deps import AgentDeps
    from agent.errors import RunFailed
    from agent.run import run_agent

    async with state.db.sessions() as session:
        conversation = await own_conversation(session, user, run_id, kind="run")
        messages = await history.load(session, run_id)
    options = conversation.options
    ctx = await tool_context(state, user, conversation.workspace)
    recorder = Recorder(state, user, run_id, conversation.workspace, stored_count)
    # The provisional prompt is in the history already; the agent gets it as ``prompt``.
    base = messages[:stored_count]
    token = state.runs.start(run_id)
    if token is None:
        raise Conflict("this run is already in progress")
    result: AgentRunResult[str | DeferredToolRequests] | None = None
    try:
        for _ in range(MAX_AUTO_ROUNDS):
            try:
                result = await run_agent(
                    get_agent(state),
                    prompt,
                    deps=AgentDeps(tools=ctx),
                    settings=agent_settings(state),
                    message_history=base,
                    deferred_tool_results=results,
                )
            except RunFailed as exc:
                await recorder.finish(exc.messages, status="failed", error=str(exc))
                raise
            output = result.output
            automatic = (
                _automatic(state, output, options)
                if isinstance(output, DeferredToolRequests)
                else None
            )
            if automatic is None:
                break
            base, prompt, results = result.all_messages(), None, automatic
    finally:
        state.runs.finish(run_id, token)
    assert result is not None
    held = await recorder.finish(
        result.all_messages(), status="idle", output=result.output, usage=result.usage
    )
    return _view(run_id, result, stored_count, held)


def _automatic(
    state: WebState, requests: DeferredToolRequests, options: dict[str, Any]
) -> DeferredToolResults | None:
    """Decisions made without asking (auto-approved tools, dry runs), if every call has one."""
    from pydantic_ai import DeferredToolResults, ToolApproved, ToolDenied

    decided: dict[str, bool | ToolApproved | ToolDenied] = {}
    for call in requests.approvals:
        spec = state.tools.get(call.tool_name)
        if options.get("dry_run"):
            if spec is not None and "dry_run" in spec.params_model.model_fields:
                decided[call.tool_call_id] = ToolApproved(
                    override_args={**call.args_as_dict(), "dry_run": True}
                )
            else:
                decided[call.tool_call_id] = ToolDenied("Dry run: this write was not executed.")
        elif call.tool_name in options.get("auto_approve", []):
            decided[call.tool_call_id] = True
        else:
            return None
    if requests.calls:
        return None
    return DeferredToolResults(approvals=dict(decided))


def _made(part: ToolCallPart) -> ToolCallMade:
    return ToolCallMade(id=part.tool_call_id, tool=part.tool_name, arguments=part.args_as_dict())


def _view(
    run_id: uuid.UUID,
    result: AgentRunResult[Any],
    stored_count: int,
    held: list[PendingApproval],
) -> RunResult:
    from pydantic_ai.messages import ModelRequest, ModelResponse, ToolCallPart, ToolReturnPart

    known: dict[str, ToolCallPart] = {}
    calls: dict[str, ToolCallMade] = {}
    for index, message in enumerate(result.all_messages()):
        new = index >= stored_count
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
    usage = result.usage
    output = result.output if isinstance(result.output, str) else None
    return RunResult(
        run_id=run_id,
        status="needs_approval" if held else "done",
        output=output,
        tool_calls=list(calls.values()),
        usage=RunUsageView(
            requests=usage.requests,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
        ),
        pending=[approvals.ApprovalView.of(row) for row in held],
    )
