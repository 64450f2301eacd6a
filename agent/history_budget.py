"""Keeping what a model request sends under a token budget, however long the conversation.

``HistoryBudget`` is a capability whose ``before_model_request`` fits the history the request
sends (the run's stored history is not cut: the conversation keeps every message):

1. under the budget: sent as is;
2. else old tool results are replaced by short stubs (the latest request's are kept);
3. still over: the oldest whole turns are summarized by the model into one summary, and the
   request sends the summary plus the newest turns that fit. A turn starts at a user prompt, so
   a tool call and its result are never split.

The summary is added to the run's messages as a ``ModelRequest`` holding one ``CompactionPart``
(``metadata`` ``{"fast_genai": "summary", "covers": N}``: it stands for the first N messages), so
it is stored with the conversation (the chat page shows it as a ``data-compaction`` part,
"earlier messages summarized") and later requests start from it instead of summarizing again.
Models send a request-side ``CompactionPart`` as user text marked as a conversation summary.

Sizes are estimated as a quarter of the characters of the messages' JSON (instructions
included; tool schemas are not), which overstates the text the model is sent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from pydantic_ai import RunContext
from pydantic_ai.capabilities import AbstractCapability
from pydantic_ai.messages import (
    CompactionPart,
    ModelMessage,
    ModelMessagesTypeAdapter,
    ModelRequest,
    ModelResponse,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)

from agent.deps import AgentDeps

if TYPE_CHECKING:
    from pydantic_ai.models import Model, ModelRequestContext

MARK = "fast_genai"
SUMMARY = "summary"
STUB = (
    "[result of {tool} ({chars} characters) dropped to keep the conversation short; call the "
    "tool again if you need it]"
)
SUMMARY_INSTRUCTIONS = (
    "Summarize this conversation between a user and a coding assistant for the assistant to "
    "continue it: the user's goals and decisions, files and names that matter, what tools found "
    "and what was written or is pending, open questions. At most {words} words; no preamble."
)
SUMMARY_WORDS = 250


def estimate_tokens(messages: Sequence[ModelMessage]) -> int:
    """A quarter of the characters of the messages' JSON, rounded up."""
    if not messages:
        return 0
    return (len(ModelMessagesTypeAdapter.dump_json(list(messages))) + 3) // 4


def is_summary(message: ModelMessage) -> bool:
    return isinstance(message, ModelRequest) and any(
        isinstance(part, CompactionPart) and (part.metadata or {}).get(MARK) == SUMMARY
        for part in message.parts
    )


def latest_summary(messages: Sequence[ModelMessage]) -> tuple[CompactionPart, int] | None:
    """The latest summary and how many leading messages it stands for."""
    for message in reversed(messages):
        if is_summary(message):
            assert isinstance(message, ModelRequest)
            part = next(p for p in message.parts if isinstance(p, CompactionPart))
            return part, int((part.metadata or {}).get("covers", 0))
    return None


def stub_tool_results(messages: Sequence[ModelMessage]) -> list[ModelMessage]:
    """Tool results before the latest request replaced by stubs (new message objects)."""
    out: list[ModelMessage] = []
    for index, message in enumerate(messages):
        if index == len(messages) - 1 or not isinstance(message, ModelRequest):
            out.append(message)
            continue
        parts = [
            dataclasses.replace(cast(Any, part), content=_stub(part))
            if isinstance(part, ToolReturnPart)
            else part
            for part in message.parts
        ]
        out.append(dataclasses.replace(message, parts=parts))
    return out


def _stub(part: ToolReturnPart) -> str:
    text = part.model_response_str()
    if len(text) <= 200:
        return text
    return STUB.format(tool=part.tool_name, chars=len(text))


def turn_starts(messages: Sequence[ModelMessage]) -> list[int]:
    """Indexes of the requests that start a turn (hold a user prompt)."""
    return [
        index
        for index, message in enumerate(messages)
        if isinstance(message, ModelRequest)
        and any(isinstance(part, UserPromptPart) for part in message.parts)
    ]


def render(messages: Sequence[ModelMessage], limit_chars: int) -> str:
    """The messages as plain text for the summarizer, keeping the newest ``limit_chars``."""
    lines: list[str] = []
    for message in messages:
        for part in message.parts:
            if isinstance(part, UserPromptPart) and isinstance(part.content, str):
                lines.append(f"User: {part.content}")
            elif isinstance(part, CompactionPart) and part.content:
                lines.append(f"Summary of what came before: {part.content}")
            elif isinstance(part, TextPart):
                lines.append(f"Assistant: {part.content}")
            elif isinstance(part, ToolCallPart):
                lines.append(f"Assistant called {part.tool_name}({part.args_as_json_str()})")
            elif isinstance(part, ToolReturnPart):
                lines.append(f"{part.tool_name} returned: {_stub(part)}")
    text = "\n".join(lines)
    return text if len(text) <= limit_chars else "[...]\n" + text[-limit_chars:]


@dataclass
class HistoryBudget(AbstractCapability[AgentDeps]):
    """Fits every model request's history into ``budget_tokens`` (see the module docs)."""

    budget_tokens: int

    async def before_model_request(
        self, ctx: RunContext[AgentDeps], request_context: ModelRequestContext
    ) -> ModelRequestContext:
        messages = list(request_context.messages)
        if estimate_tokens(messages) <= self.budget_tokens:
            return request_context
        request_context.messages = await self.fit(ctx, messages)
        return request_context

    async def fit(self, ctx: RunContext[AgentDeps], messages: list[ModelMessage]) -> list[Any]:
        window = self.window(messages)
        if estimate_tokens(window) <= self.budget_tokens:
            return window
        stubbed = stub_tool_results(window)
        if estimate_tokens(stubbed) <= self.budget_tokens:
            return stubbed
        summarized = await self.summarize(ctx, messages)
        if summarized is None:  # one turn is all there is: sent stubbed, over the budget
            return stubbed
        marker, cut = summarized
        return [marker, *stub_tool_results([m for m in messages[cut:] if not is_summary(m)])]

    def window(self, messages: list[ModelMessage]) -> list[ModelMessage]:
        """What the latest summary leaves to send: the summary, then the messages after those it
        stands for (summary messages themselves dropped)."""
        found = latest_summary(messages)
        if found is None:
            return list(messages)
        part, covers = found
        return [ModelRequest(parts=[part]), *(m for m in messages[covers:] if not is_summary(m))]

    async def summarize(
        self, ctx: RunContext[AgentDeps], messages: list[ModelMessage]
    ) -> tuple[ModelRequest, int] | None:
        """Summarize the oldest turns (all but the newest that fit in a third of the budget, and at
        least the latest turn) into one summary; add it to the run's messages. ``None`` when
        there is no older turn to summarize."""
        from pydantic_ai.direct import model_request

        found = latest_summary(messages)
        start = found[1] if found else 0
        starts = [i for i in turn_starts(messages) if i > start]
        if not starts:
            return None
        cut = starts[-1]
        for index in reversed(starts[:-1]):
            tail = stub_tool_results([m for m in messages[index:] if not is_summary(m)])
            if estimate_tokens(tail) > self.budget_tokens // 3:
                break
            cut = index
        covered = [m for m in messages[start:cut] if not is_summary(m)]
        if found is not None:
            covered = [ModelRequest(parts=[found[0]]), *covered]
        prompt = render(covered, limit_chars=max(400, self.budget_tokens * 2))
        request = ModelRequest(
            parts=[UserPromptPart(prompt)],
            instructions=SUMMARY_INSTRUCTIONS.format(words=SUMMARY_WORDS),
        )
        response: ModelResponse = await model_request(cast("Model", ctx.model), [request])
        ctx.usage.incr(response.usage)
        text = response.text or "(no summary)"
        marker = ModelRequest(parts=[CompactionPart(text, metadata={MARK: SUMMARY, "covers": cut})])
        ctx.messages.append(marker)
        return marker, cut
