"""Run a write at most once per window: the same call again returns the recorded result.

The key is a SHA-256 of the tool name, the canonical JSON of the normalised arguments (without
``dry_run``) and the actor, so two users making the same request each get their own object.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, Field

from tools.context import ToolContext
from tools.errors import ToolError, WriteInterrupted
from tools.integrations.write_log_sqlite import write_log_for

UNCHECKED = (
    "not checked against {service}: a dry run sends nothing, so whether the target exists and "
    "the credentials allow the write is only known when it runs"
)
"""The note every dry run carries."""
NO_CREDENTIAL = "no credentials are set for the real call: {hint}"
"""The note of a dry run made without the service's credentials."""


class WriteOutcome(BaseModel):
    """Fields every write result carries."""

    dry_run: bool = False
    request: dict[str, Any] | None = Field(
        default=None, description="On a dry run: exactly what would be sent."
    )
    notes: list[str] = Field(
        default_factory=list, description="What a dry run could not decide without asking."
    )
    deduplicated: bool = Field(
        default=False,
        description="True when the same call was already executed recently and its earlier "
        "result is returned instead of writing again.",
    )
    recorded_at: datetime | None = Field(
        default=None, description="When the returned write was executed, if it was earlier."
    )


R = TypeVar("R", bound=WriteOutcome)


def write_key(tool: str, arguments: dict[str, Any], actor: str | None) -> str:
    canonical = json.dumps(
        {"tool": tool, "arguments": arguments, "actor": actor},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def record_write(
    ctx: ToolContext, tool: str, arguments: dict[str, Any], result: WriteOutcome | BaseModel
) -> None:
    """Record an executed write (who, which call, the result) without deduplicating it: for
    writes like create_file that see the current state themselves, where returning an earlier
    result would hide that the file has changed or gone since."""
    key = write_key(tool, {k: v for k, v in arguments.items() if k != "dry_run"}, ctx.actor)
    await write_log_for(ctx).add(tool, key, actor=ctx.actor, result=result.model_dump(mode="json"))


async def write_once(
    ctx: ToolContext,
    tool: str,
    arguments: dict[str, Any],
    perform: Callable[[], Awaitable[R]],
    result_type: type[R],
) -> R:
    """The recorded result of an identical recent call, or ``perform()`` recorded.

    The start is recorded before ``perform()`` sends anything and completed after it: an
    identical call that finds a start never completed (the process died or the run was stopped
    mid-call, so the write may or may not have reached the service) raises ``WriteInterrupted``
    instead of writing a second time. A call the service refused (a ``ToolError``) removes its
    start, so it can be retried at once."""
    log = write_log_for(ctx)
    key = write_key(tool, {k: v for k, v in arguments.items() if k != "dry_run"}, ctx.actor)
    window = ctx.settings.write_dedupe_seconds
    if window > 0:
        earlier = await log.find(tool, key, within_seconds=window)
        if earlier is not None and not earlier.completed:
            raise WriteInterrupted(
                f"an identical {tool} call started at {earlier.created_at:%Y-%m-%d %H:%M:%S} UTC "
                "was interrupted before its result was recorded: it may or may not have been "
                "written, so it is not sent again",
                hint=f"check the target; the same call is refused for {window} s after that start",
            )
        if earlier is not None:
            result = result_type.model_validate(earlier.result)
            return result.model_copy(
                update={"deduplicated": True, "recorded_at": earlier.created_at}
            )
    attempt = await log.begin(tool, key, actor=ctx.actor)
    try:
        result = await perform()
    except ToolError:
        await log.abandon(attempt)
        raise
    await log.complete(attempt, result.model_dump(mode="json"))
    return result
