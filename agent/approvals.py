"""Turning the user's decisions on pending writes (and answers to questions) into results.

A pending write is a ``ToolCallPart`` from the run's own history: its id, tool name and exact
arguments. A decision is made per call, and only for calls in the pending batch; the arguments
that run are the ones the model proposed (a dry run adds ``dry_run=True``, nothing else).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Literal

from agent.questions import NO_ONE_TO_ASK, Ask, pending_questions
from tools.errors import NotFound
from tools.spec import ToolSpec

if TYPE_CHECKING:
    from pydantic_ai import DeferredToolRequests, DeferredToolResults
    from pydantic_ai.messages import ToolCallPart

Decision = Literal["approve", "deny", "dry_run"]
Decide = Callable[["ToolCallPart"], Awaitable[Decision]]

DENIED_MESSAGE = "The user declined this write; it was not executed. Do not retry it."
NO_DRY_RUN_MESSAGE = "Dry run requested, and this tool has no dry run; it was not executed."


def supports_dry_run(spec: ToolSpec) -> bool:
    return "dry_run" in spec.params_model.model_fields


async def decide_all(
    requests: DeferredToolRequests,
    decide: Decide,
    specs: Sequence[ToolSpec],
    *,
    ask: Ask | None = None,
    servers: Sequence[str] = (),
) -> DeferredToolResults:
    """Ask ``decide`` about every pending approval and build the results to resume the run with.

    Pending ``ask_user`` questions go to ``ask`` (without one, the model is told no one can
    answer). Other external calls (``requests.calls``) are not ours to make: answered as failed.
    A write must be one of ``specs`` or a tool of one of the user's MCP ``servers`` (named
    ``<server>_<tool>``; those have no dry run); any other name is refused (``NotFound``).
    """
    from pydantic_ai import DeferredToolResults, ToolApproved, ToolDenied, ToolFailed

    by_name = {spec.name: spec for spec in specs}
    results = DeferredToolResults()
    for call in requests.approvals:
        spec = by_name.get(call.tool_name)
        if spec is None and not call.tool_name.startswith(tuple(f"{s}_" for s in servers)):
            raise NotFound(f"the model asked to run an unknown tool {call.tool_name!r}")
        decision = await decide(call)
        if decision == "approve":
            results.approvals[call.tool_call_id] = ToolApproved()
        elif decision == "dry_run" and spec is not None and supports_dry_run(spec):
            arguments = {**call.args_as_dict(), "dry_run": True}
            results.approvals[call.tool_call_id] = ToolApproved(override_args=arguments)
        elif decision == "dry_run":
            results.approvals[call.tool_call_id] = ToolDenied(NO_DRY_RUN_MESSAGE)
        else:
            results.approvals[call.tool_call_id] = ToolDenied(DENIED_MESSAGE)
    questions = {question.tool_call_id: question for question in pending_questions(requests)}
    for call in requests.calls:
        question = questions.get(call.tool_call_id)
        if question is None:
            results.calls[call.tool_call_id] = ToolFailed("external tool calls are not supported")
        elif ask is None:
            results.calls[call.tool_call_id] = ToolFailed(NO_ONE_TO_ASK)
        else:
            results.calls[call.tool_call_id] = await ask(question)
    return results
