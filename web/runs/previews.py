"""What a held write would do, for the approval card: the ``data-approval`` UI part.

For ``create_file`` the server runs the tool's own dry run on the held arguments (the sandbox
reads the current file; nothing is written): whether it overwrites, and for an overwrite a
bounded unified diff against the current content; a dry run that fails says why the write would
fail. Other write tools get the part without a preview (their dry runs may call a remote API).

The part's id is the tool call's id, so a client keeps one per call and a later one (say
``expired`` on restore) replaces it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from tools.errors import ToolError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from web.models import User
    from web.state import WebState

DATA_TYPE = "data-approval"
PREVIEWED_TOOLS = frozenset({"create_file"})

ApprovalStatus = Literal["pending", "expired", "decided"]


class ApprovalData(BaseModel):
    """The ``data`` of a ``data-approval`` part."""

    toolCallId: str  # noqa: N815 - the AI SDK's spelling, as in its own parts
    tool: str
    status: ApprovalStatus
    overwrites: bool = False
    diff: str | None = None
    diffTruncated: bool = False  # noqa: N815
    problem: str | None = None
    """Why the write would fail as it stands (the dry run's refusal), if it would."""


def part(data: ApprovalData) -> dict[str, Any]:
    """The UI part (``{"type", "id", "data"}``) of ``data``."""
    return {"type": DATA_TYPE, "id": data.toolCallId, "data": data.model_dump(mode="json")}


async def preview(
    state: WebState,
    user: User,
    workspace: str,
    tool: str,
    tool_call_id: str,
    arguments: Mapping[str, Any],
    session: AsyncSession | None = None,
) -> ApprovalData:
    """The pending ``data-approval`` data of a held call, with its dry run when there is one."""
    data = ApprovalData(toolCallId=tool_call_id, tool=tool, status="pending")
    spec = state.tools.get(tool)
    if spec is None or tool not in PREVIEWED_TOOLS:
        return data
    from web.context import tool_context

    try:
        kwargs = spec.validate({**arguments, "dry_run": True})
        ctx = await tool_context(state, user, workspace, session)
        result = await spec.func(ctx, **kwargs)
    except ToolError as exc:  # the write would be refused (or the arguments are invalid)
        return data.model_copy(update={"problem": str(exc)})
    dumped = result.model_dump(mode="json")
    return data.model_copy(
        update={
            "overwrites": dumped.get("created") is False,
            "diff": dumped.get("diff"),
            "diffTruncated": bool(dumped.get("diff_truncated")),
        }
    )
