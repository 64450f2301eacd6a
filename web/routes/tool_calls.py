"""``GET /tools`` (the registry with JSON schemas), ``GET /workspaces`` and direct tool calls.

A read tool runs at once. A write tool runs at once only as a dry run; otherwise the server keeps
the call (user, tool, validated arguments, workspace) as a pending approval and answers 202 with
its id: ``POST /approvals/{id}`` runs exactly the stored arguments (or edited ones, validated
again) once.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from tools.errors import NotFound
from tools.spec import ToolSpec
from web.auth.users import CurrentUser
from web.context import tool_context
from web.db import SessionDep
from web.runs.approvals import ApprovalView, hold_direct_call
from web.state import StateDep, WebState

router = APIRouter(tags=["tools"])


class ToolInfo(BaseModel):
    name: str
    title: str
    kind: Literal["read", "write"]
    credential: str | None
    description: str
    parameters: dict[str, Any]
    output: dict[str, Any]


class ToolCallRequest(BaseModel):
    arguments: dict[str, Any] = Field(default_factory=dict)
    workspace: str | None = Field(default=None, max_length=100)


class ToolCallResult(BaseModel):
    status: Literal["done", "needs_approval", "denied"]
    tool: str
    result: dict[str, Any] | None = None
    approval: ApprovalView | None = None


class WorkspaceInfo(BaseModel):
    name: str
    default: bool


def tool_info(spec: ToolSpec) -> ToolInfo:
    return ToolInfo(
        name=spec.name,
        title=spec.title,
        kind="write" if spec.writes else "read",
        credential=spec.credential,
        description=spec.description,
        parameters=spec.parameters_schema(),
        output=spec.output_schema(),
    )


def find_tool(state: WebState, name: str) -> ToolSpec:
    spec = state.tools.get(name)
    if spec is None:
        known = ", ".join(sorted(state.tools)) or "none"
        raise NotFound(f"no tool named {name!r}; known tools: {known}")
    return spec


@router.get("/tools")
async def list_tools(state: StateDep, user: CurrentUser) -> list[ToolInfo]:
    """Every tool with its parameter and result JSON schemas."""
    return [tool_info(spec) for spec in state.tools.values()]


@router.get("/workspaces")
async def list_workspaces(state: StateDep, user: CurrentUser) -> list[WorkspaceInfo]:
    """The workspaces this user may use; the first is the default."""
    names = state.workspaces.names_for(user)
    return [WorkspaceInfo(name=name, default=name == state.workspaces.default) for name in names]


@router.post(
    "/tools/{name}",
    responses={202: {"model": ToolCallResult, "description": "The write awaits approval."}},
)
async def call_tool(
    name: str,
    body: ToolCallRequest,
    state: StateDep,
    user: CurrentUser,
    session: SessionDep,
    response: Response,
) -> ToolCallResult:
    """Call one tool. A write (not a dry run) is held for approval: 202 with the approval id."""
    spec = find_tool(state, name)
    kwargs = spec.validate(body.arguments)
    ctx = await tool_context(state, user, body.workspace, session)
    if spec.writes and not kwargs.get("dry_run", False):
        approval = await hold_direct_call(session, user, spec, kwargs, ctx.workspace.name)
        response.status_code = 202
        return ToolCallResult(status="needs_approval", tool=spec.name, approval=approval)
    result = await spec.func(ctx, **kwargs)
    return ToolCallResult(status="done", tool=spec.name, result=result.model_dump(mode="json"))
