"""A pydantic-ai ``FunctionModel`` that behaves by the user's words, for web tests.

- ``create PATH`` -> calls ``create_file(path=PATH, content="hello")`` (a write: needs approval)
- ``overwrite PATH`` -> calls ``create_file(path=PATH, content="hello\nworld\n", overwrite=True)``
- ``read PATH``   -> calls ``read_file(path=PATH)``
- ``choose A B..`` -> calls ``ask_user`` with the options A, B... (the run needs input)
- ``slow N``      -> streams N words, 50 ms apart (for stop and disconnect tests)
- ``fail``        -> the model raises an error after a first word
- ``crash``       -> the model raises an unexpected error naming an internal id
- ``ghost``       -> keeps calling a tool that does not exist (until the retries run out)
- anything else   -> answers ``You said: <text>`` in a few chunks
After a tool result it answers ``<tool> returned: <content>`` (or ``denied: <message>``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from pydantic_ai.exceptions import ModelHTTPError
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    RetryPromptPart,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, DeltaToolCalls, FunctionModel


def _decide(messages: list[ModelMessage]) -> tuple[str, list[str] | ToolCallPart]:
    last = messages[-1]
    assert isinstance(last, ModelRequest)
    if _asked(messages) == "ghost":
        return "call", ToolCallPart("no_such_tool", {})
    has_prompt = any(isinstance(part, UserPromptPart) for part in last.parts)
    for part in [] if has_prompt else last.parts:
        if isinstance(part, ToolReturnPart):
            content = part.model_response_str()
            if part.outcome == "denied":
                return "text", [f"{part.tool_name} denied: ", content]
            return "text", [f"{part.tool_name} returned: ", content[:300]]
        if isinstance(part, RetryPromptPart):
            return "text", ["retry: ", part.model_response()[:300]]
    prompt = ""
    for part in last.parts:
        if isinstance(part, UserPromptPart) and isinstance(part.content, str):
            prompt = part.content
    words = prompt.split()
    if len(words) >= 2 and words[0] == "create":
        return "call", ToolCallPart("create_file", {"path": words[1], "content": "hello"})
    if len(words) >= 2 and words[0] == "overwrite":
        arguments = {"path": words[1], "content": "hello\nworld\n", "overwrite": True}
        return "call", ToolCallPart("create_file", arguments)
    if len(words) >= 3 and words[0] == "choose":
        return "call", ToolCallPart("ask_user", {"question": "Which one?", "options": words[1:]})
    if len(words) >= 2 and words[0] == "read":
        return "call", ToolCallPart("read_file", {"path": words[1]})
    if len(words) >= 2 and words[0] == "slow":
        return "slow", [f"w{i} " for i in range(int(words[1]))]
    if words[:1] == ["fail"]:
        return "fail", ["partial "]
    if words[:1] == ["crash"]:
        return "crash", ["partial "]
    return "text", ["You said: ", prompt]


def _asked(messages: list[ModelMessage]) -> str:
    """The latest user prompt of the conversation."""
    for message in reversed(messages):
        if isinstance(message, ModelRequest):
            for part in message.parts:
                if isinstance(part, UserPromptPart) and isinstance(part.content, str):
                    return part.content
    return ""


async def _respond(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    kind, value = _decide(messages)
    if isinstance(value, ToolCallPart):
        return ModelResponse(parts=[value])
    if kind == "fail":
        raise ModelHTTPError(status_code=500, model_name="scripted", body={"error": "boom"})
    if kind == "crash":
        raise RuntimeError("state of pyd_ai_0f1e2d3c4b5a is broken")
    return ModelResponse(parts=[TextPart("".join(value))])


async def _stream(
    messages: list[ModelMessage], info: AgentInfo
) -> AsyncIterator[str | DeltaToolCalls]:
    kind, value = _decide(messages)
    if isinstance(value, ToolCallPart):
        yield {
            0: DeltaToolCall(
                name=value.tool_name,
                json_args=json.dumps(value.args),
                tool_call_id=f"call-{len(messages)}",
            )
        }
        return
    for chunk in value:
        if kind == "slow":
            await asyncio.sleep(0.05)
        yield chunk
    if kind == "fail":
        raise ModelHTTPError(status_code=500, model_name="scripted", body={"error": "boom"})
    if kind == "crash":
        raise RuntimeError("state of pyd_ai_0f1e2d3c4b5a is broken")


def scripted_model() -> FunctionModel:
    return FunctionModel(_respond, stream_function=_stream, model_name="scripted")
