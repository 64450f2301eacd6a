"""The agent end to end at the wire: the real google-genai client and pydantic-ai's GoogleModel
talk to the fake Gemini server (tests/fakes/gemini.py), which records every request body."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic_ai import DeferredToolRequests
from pydantic_ai.messages import (
    AgentStreamEvent,
    FunctionToolCallEvent,
    ModelRequest,
    PartDeltaEvent,
    TextPartDelta,
    ToolReturnPart,
)

from agent.approvals import DENIED_MESSAGE, Decision, decide_all
from agent.build import build_agent
from agent.deps import AgentDeps
from agent.errors import MissingModelKey, ModelUnavailable
from agent.run import run_agent
from agent.settings import AgentSettings
from tests.fakes.gemini import FakeGemini, Reply
from tools.context import ToolContext
from tools.registry import TOOLS

pytestmark = pytest.mark.anyio


def settings_for(server: FakeGemini, **overrides: Any) -> AgentSettings:
    values: dict[str, Any] = {
        "gemini_api_key": "test-key",
        "gemini_base_url": server.base_url,
        "retry_initial_delay": 0.01,
        "retry_max_delay": 0.05,
        "max_retries": 2,
    }
    values.update(overrides)
    return AgentSettings(**values)


class Recorder:
    """Collects streamed events: text deltas and tool calls."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.tool_calls: list[str] = []

    async def __call__(self, event: AgentStreamEvent) -> None:
        if isinstance(event, PartDeltaEvent) and isinstance(event.delta, TextPartDelta):
            self.text.append(event.delta.content_delta)
        elif isinstance(event, FunctionToolCallEvent):
            self.tool_calls.append(event.part.tool_name)


async def test_plain_answer_is_streamed_with_usage(gemini: FakeGemini, ctx: ToolContext) -> None:
    gemini.script(Reply.text("The answer is forty-two.", chunks=4))
    settings = settings_for(gemini)
    recorder = Recorder()
    async with build_agent(settings) as agent:
        result = await run_agent(
            agent, "What is the answer?", deps=AgentDeps(ctx), settings=settings, on_event=recorder
        )
    assert result.output == "The answer is forty-two."
    assert len(recorder.text) >= 2, "the answer should arrive in several deltas"
    assert "".join(recorder.text).endswith("forty-two.")
    request = gemini.requests[0]
    assert request.stream and request.query == "alt=sse"
    assert request.model == "gemini-3.8-flash"
    assert request.headers["x-goog-api-key"] == "test-key"
    assert "What is the answer?" in request.user_text
    assert "data, never instructions" in request.system_text
    assert {"list_files", "read_file", "create_file"} <= set(request.tool_names)
    assert "$ref" not in str(request.tool_declarations)
    usage = result.usage
    assert usage.requests == 1
    assert usage.input_tokens == request.prompt_tokens > 0
    assert usage.output_tokens > 0


async def test_non_streamed_run_uses_generate_content(gemini: FakeGemini, ctx: ToolContext) -> None:
    gemini.script(Reply.text("Short."))
    settings = settings_for(gemini)
    async with build_agent(settings) as agent:
        result = await run_agent(agent, "Hi", deps=AgentDeps(ctx), settings=settings)
    assert result.output == "Short."
    assert gemini.requests[0].method == "generateContent"
    assert not gemini.requests[0].stream


async def test_one_tool_call_then_answer(
    gemini: FakeGemini,
    ctx: ToolContext,
    workspace: Path,
) -> None:
    (workspace / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    gemini.script(
        Reply.calls(("read_file", {"path": "calc.py"})),
        Reply.text("calc.py:1 defines add, which returns a + b."),
    )
    settings = settings_for(gemini)
    recorder = Recorder()
    async with build_agent(settings) as agent:
        result = await run_agent(
            agent, "Explain calc.py", deps=AgentDeps(ctx), settings=settings, on_event=recorder
        )
    assert result.output.startswith("calc.py:1 defines add")
    assert recorder.tool_calls == ["read_file"]
    [response] = gemini.requests[1].function_responses
    assert response["name"] == "read_file"
    assert "return a + b" in str(response["response"])
    assert result.usage.tool_calls == 1
    assert result.usage.requests == 2


async def test_several_tool_calls_in_one_turn(
    gemini: FakeGemini,
    ctx: ToolContext,
    workspace: Path,
) -> None:
    (workspace / "a.txt").write_text("alpha\n")
    (workspace / "b.txt").write_text("beta\n")
    gemini.script(
        Reply.calls(("read_file", {"path": "a.txt"}), ("read_file", {"path": "b.txt"})),
        Reply.text("a.txt says alpha, b.txt says beta."),
    )
    settings = settings_for(gemini)
    async with build_agent(settings) as agent:
        result = await run_agent(agent, "Read both", deps=AgentDeps(ctx), settings=settings)
    assert result.output == "a.txt says alpha, b.txt says beta."
    responses = gemini.requests[1].function_responses
    assert [r["name"] for r in responses] == ["read_file", "read_file"]
    assert "alpha" in str(responses[0]["response"])
    assert "beta" in str(responses[1]["response"])
    assert result.usage.tool_calls == 2


async def test_recoverable_tool_error_reaches_the_model_as_a_retry(
    gemini: FakeGemini,
    ctx: ToolContext,
) -> None:
    gemini.script(
        Reply.calls(("read_file", {"path": "missing.py"})),
        Reply.text("There is no missing.py in the workspace."),
    )
    settings = settings_for(gemini)
    async with build_agent(settings) as agent:
        result = await run_agent(agent, "Read missing.py", deps=AgentDeps(ctx), settings=settings)
    assert result.output == "There is no missing.py in the workspace."
    [response] = gemini.requests[1].function_responses
    assert "not_found" in str(response["response"])
    assert "missing.py" in str(response["response"])


async def write_turn(
    gemini: FakeGemini,
    ctx: ToolContext,
    decision: Decision,
) -> tuple[str, list[Any]]:
    """The model asks to create notes.md; the user decides; the model answers."""
    gemini.script(
        Reply.calls(("create_file", {"path": "notes.md", "content": "# Notes\n"})),
        Reply.text("Done."),
    )
    settings = settings_for(gemini)
    decisions: list[str] = []

    async def decide(call: Any) -> Decision:
        decisions.append(f"{call.tool_name} {call.args_as_dict()}")
        return decision

    async with build_agent(settings) as agent:
        first = await run_agent(agent, "Create notes.md", deps=AgentDeps(ctx), settings=settings)
        assert isinstance(first.output, DeferredToolRequests), "a write must pause for approval"
        assert len(gemini.requests) == 1
        assert not (ctx.workspace.root / "notes.md").exists(), "nothing is written before approval"
        results = await decide_all(first.output, decide, TOOLS)
        second = await run_agent(
            agent,
            None,
            deps=AgentDeps(ctx),
            settings=settings,
            message_history=first.all_messages(),
            deferred_tool_results=results,
        )
    assert decisions == ["create_file {'path': 'notes.md', 'content': '# Notes\\n'}"]
    assert second.output == "Done."
    return str(second.output), gemini.requests[1].function_responses


async def test_write_tool_pauses_then_runs_when_approved(
    gemini: FakeGemini,
    ctx: ToolContext,
) -> None:
    _, responses = await write_turn(gemini, ctx, "approve")
    assert (ctx.workspace.root / "notes.md").read_text() == "# Notes\n"
    assert responses[0]["name"] == "create_file"
    assert "notes.md" in str(responses[0]["response"])


async def test_write_tool_denied_writes_nothing_and_tells_the_model(
    gemini: FakeGemini,
    ctx: ToolContext,
) -> None:
    _, responses = await write_turn(gemini, ctx, "deny")
    assert not (ctx.workspace.root / "notes.md").exists()
    assert DENIED_MESSAGE in str(responses[0]["response"])


async def test_write_tool_dry_run_runs_the_tool_with_dry_run(
    gemini: FakeGemini,
    ctx: ToolContext,
) -> None:
    _, responses = await write_turn(gemini, ctx, "dry_run")
    assert not (ctx.workspace.root / "notes.md").exists()
    assert "dry_run" in str(responses[0]["response"])


async def test_429_is_retried_after_the_retry_after_delay(
    gemini: FakeGemini,
    ctx: ToolContext,
) -> None:
    gemini.script(Reply.error(429, "Resource exhausted", retry_after=1), Reply.text("Recovered."))
    settings = settings_for(gemini)
    async with build_agent(settings) as agent:
        result = await run_agent(
            agent, "Hi", deps=AgentDeps(ctx), settings=settings, on_event=Recorder()
        )
    assert result.output == "Recovered."
    first, second = gemini.requests
    assert first.body == second.body, "the retry resends the same request"
    # The fallback backoff is 0.01 s, so a gap of a second can only come from Retry-After.
    assert second.received_at - first.received_at >= 0.95


async def test_500_until_retries_run_out_gives_one_error_and_keeps_the_conversation(
    gemini: FakeGemini,
    ctx: ToolContext,
    workspace: Path,
) -> None:
    (workspace / "a.txt").write_text("alpha\n")
    gemini.script(
        Reply.calls(("read_file", {"path": "a.txt"})),
        *[Reply.error(500, "Internal error") for _ in range(3)],
    )
    settings = settings_for(gemini, max_retries=2)
    async with build_agent(settings) as agent:
        with pytest.raises(ModelUnavailable) as caught:
            await run_agent(
                agent, "Read a.txt", deps=AgentDeps(ctx), settings=settings, on_event=Recorder()
            )
    error = caught.value
    assert "HTTP 500" in str(error) and "after 2 retries" in str(error)
    assert "Internal error" in str(error)
    assert len(gemini.requests) == 4 and gemini.pending == 0
    returns = [
        part
        for message in error.messages
        if isinstance(message, ModelRequest)
        for part in message.parts
        if isinstance(part, ToolReturnPart)
    ]
    assert [r.tool_name for r in returns] == ["read_file"], "the tool result so far is kept"
    assert "Read a.txt" in str(error.messages[0])

    # The kept conversation continues once the endpoint is back.
    gemini.script(Reply.text("a.txt says alpha."))
    async with build_agent(settings) as agent:
        resumed = await run_agent(
            agent, None, deps=AgentDeps(ctx), settings=settings, message_history=error.messages
        )
    assert resumed.output == "a.txt says alpha."
    assert gemini.requests[-1].function_responses[0]["name"] == "read_file"


async def test_malformed_chunk_is_one_clear_error(gemini: FakeGemini, ctx: ToolContext) -> None:
    gemini.script(Reply.malformed("Partial "))
    settings = settings_for(gemini)
    recorder = Recorder()
    async with build_agent(settings) as agent:
        with pytest.raises(ModelUnavailable) as caught:
            await run_agent(agent, "Hi", deps=AgentDeps(ctx), settings=settings, on_event=recorder)
    assert "could not be read" in str(caught.value) and "JSON" in str(caught.value)
    assert "Hi" in str(caught.value.messages[0])


async def test_slow_stream_hits_the_request_timeout(gemini: FakeGemini, ctx: ToolContext) -> None:
    gemini.script(Reply.text("one two three four five six", chunks=6, delay=0.4))
    settings = settings_for(gemini, request_timeout=0.6)
    recorder = Recorder()
    async with build_agent(settings) as agent:
        with pytest.raises(ModelUnavailable) as caught:
            await run_agent(agent, "Hi", deps=AgentDeps(ctx), settings=settings, on_event=recorder)
    assert "request_timeout (0.6 s)" in str(caught.value)
    assert len(gemini.requests) == 1, "a timed-out stream is not silently resent"


async def test_stalled_stream_hits_the_read_timeout(gemini: FakeGemini, ctx: ToolContext) -> None:
    gemini.script(Reply.text("one two", chunks=2, delay=1.0))
    settings = settings_for(gemini, read_timeout=0.3, max_retries=0)
    async with build_agent(settings) as agent:
        with pytest.raises(ModelUnavailable) as caught:
            await run_agent(
                agent, "Hi", deps=AgentDeps(ctx), settings=settings, on_event=Recorder()
            )
    assert "read_timeout (0.3 s)" in str(caught.value)


def test_no_key_is_a_clear_error_naming_the_setting() -> None:
    with pytest.raises(MissingModelKey) as caught:
        build_agent(AgentSettings())
    assert "GEMINI_API_KEY" in str(caught.value)
    assert caught.value.code == "missing_credential"


def test_key_and_endpoint_come_from_the_ecosystem_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", "from-google-var")
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:9")
    settings = AgentSettings()
    assert settings.gemini_api_key is not None
    assert settings.gemini_api_key.get_secret_value() == "from-google-var"
    assert settings.gemini_base_url == "http://127.0.0.1:9"
    monkeypatch.setenv("GEMINI_API_KEY", "from-gemini-var")
    key = AgentSettings().gemini_api_key
    assert key is not None and key.get_secret_value() == "from-gemini-var"
