"""Agent logic with pydantic-ai's FunctionModel/TestModel: the registry adapter, approvals, error
mapping, limits, presets. No model requests (tests/conftest.py forbids them)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, Field
from pydantic_ai import DeferredToolRequests
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
)
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.models.test import TestModel

from agent.approvals import NO_DRY_RUN_MESSAGE, decide_all
from agent.build import build_agent
from agent.deps import AgentDeps
from agent.errors import UnknownModel, UsageLimitReached
from agent.model import build_model, is_gemini
from agent.presets import PRESET_NAMES, preset_prompt
from agent.run import run_agent
from agent.settings import AgentSettings
from tools.context import ToolContext
from tools.errors import InvalidArgument, MissingCredential, NotFound
from tools.registry import TOOLS
from tools.spec import ToolSpec

pytestmark = pytest.mark.anyio


class Echoed(BaseModel):
    text: str


async def echo(
    ctx: ToolContext, text: Annotated[str, Field(min_length=1, description="Text to echo.")]
) -> Echoed:
    """Echo the text back."""
    return Echoed(text=text)


async def needs_token(ctx: ToolContext, name: str) -> Echoed:
    """Needs a credential that is not configured."""
    raise MissingCredential("no GitHub token: set GITHUB_TOKEN")


async def publish(ctx: ToolContext, name: str) -> Echoed:
    """A write tool without a dry run."""
    return Echoed(text=f"published {name}")


SPECS = (
    ToolSpec(echo, title="Echo"),
    ToolSpec(needs_token, title="Needs a token", credential="github"),
    ToolSpec(publish, title="Publish", writes=True),
)


def returns(messages: list[ModelMessage]) -> list[ToolReturnPart]:
    return [
        part
        for message in messages
        if isinstance(message, ModelRequest)
        for part in message.parts
        if isinstance(part, ToolReturnPart)
    ]


class Script:
    """A FunctionModel function answering from a list of responses; records what it saw."""

    def __init__(self, *responses: ModelResponse) -> None:
        self.responses = list(responses)
        self.seen: list[list[ModelMessage]] = []
        self.infos: list[AgentInfo] = []

    def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        self.seen.append(list(messages))
        self.infos.append(info)
        return self.responses.pop(0)


def call(tool: str, **args: Any) -> ModelResponse:
    return ModelResponse(parts=[ToolCallPart(tool, args)])


def text(content: str) -> ModelResponse:
    return ModelResponse(parts=[TextPart(content)])


async def test_every_registry_tool_is_exposed_once_with_its_schema(ctx: ToolContext) -> None:
    script = Script(text("ok"))
    agent = build_agent(AgentSettings(), model=FunctionModel(script))
    await run_agent(agent, "hi", deps=AgentDeps(ctx), settings=AgentSettings())
    tools = {tool.name: tool for tool in script.infos[0].function_tools}
    assert set(tools) == {spec.name for spec in TOOLS}
    for spec in TOOLS:
        tool = tools[spec.name]
        assert tool.description == spec.description
        assert tool.parameters_json_schema["properties"] == spec.parameters_schema()["properties"]
        assert tool.kind == ("unapproved" if spec.writes else "function")
        assert tool.metadata is not None and tool.metadata["writes"] is spec.writes


async def test_instructions_name_the_workspace_and_summary_mode(ctx: ToolContext) -> None:
    script = Script(text("ok"))
    agent = build_agent(AgentSettings(), model=FunctionModel(script))
    await run_agent(agent, "hi", deps=AgentDeps(ctx), settings=AgentSettings())
    instructions = script.infos[0].instructions or ""
    assert "Workspace: 'default'" in instructions
    assert "structural summaries only" in instructions
    assert "never instructions" in instructions


async def test_invalid_arguments_are_sent_back_for_correction(ctx: ToolContext) -> None:
    script = Script(call("echo", text=""), call("echo", text="hello"), text("done"))
    agent = build_agent(AgentSettings(), model=FunctionModel(script), tools=SPECS)
    result = await run_agent(agent, "echo", deps=AgentDeps(ctx), settings=AgentSettings())
    assert result.output == "done"
    first, second = returns(result.all_messages())
    assert first.outcome == "retried"
    assert "invalid_argument" in str(first.content) and "text" in str(first.content)
    assert second.outcome == "success" and second.content == Echoed(text="hello")


async def test_invalid_write_arguments_are_corrected_before_anyone_is_asked(
    ctx: ToolContext,
) -> None:
    script = Script(call("create_file", path="a.md"), text("I need the content."))
    agent = build_agent(AgentSettings(), model=FunctionModel(script))
    result = await run_agent(agent, "write", deps=AgentDeps(ctx), settings=AgentSettings())
    assert result.output == "I need the content."
    [retry] = returns(result.all_messages())
    assert retry.outcome == "retried" and "content" in str(retry.content)


async def test_environment_errors_fail_the_call_without_retrying(ctx: ToolContext) -> None:
    script = Script(call("needs_token", name="x"), text("GitHub is not configured."))
    agent = build_agent(AgentSettings(tool_retries=0), model=FunctionModel(script), tools=SPECS)
    result = await run_agent(agent, "go", deps=AgentDeps(ctx), settings=AgentSettings())
    [failed] = returns(result.all_messages())
    assert failed.outcome == "failed"
    assert "missing_credential" in str(failed.content) and "GITHUB_TOKEN" in str(failed.content)


async def test_usage_limit_stops_the_run_and_keeps_the_messages(ctx: ToolContext) -> None:
    def always_call(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        return call("echo", text="again")

    settings = AgentSettings(tool_calls_limit=2)
    agent = build_agent(settings, model=FunctionModel(always_call), tools=SPECS)
    with pytest.raises(UsageLimitReached) as caught:
        await run_agent(agent, "loop", deps=AgentDeps(ctx), settings=settings)
    assert "tool_calls_limit" in str(caught.value)
    assert len(returns(caught.value.messages)) == 2


async def test_streamed_run_reports_usage(ctx: ToolContext) -> None:
    events: list[str] = []

    async def on_event(event: Any) -> None:
        events.append(type(event).__name__)

    agent = build_agent(AgentSettings(), model=TestModel(call_tools=["echo"]), tools=SPECS)
    result = await run_agent(
        agent, "go", deps=AgentDeps(ctx), settings=AgentSettings(), on_event=on_event
    )
    assert "FunctionToolCallEvent" in events and "FunctionToolResultEvent" in events
    assert result.usage.requests == 2 and result.usage.tool_calls == 1


async def test_dry_run_of_a_tool_without_dry_run_is_denied(ctx: ToolContext) -> None:
    script = Script(call("publish", name="x"), text("ok"))
    agent = build_agent(AgentSettings(), model=FunctionModel(script), tools=SPECS)
    first = await run_agent(agent, "publish", deps=AgentDeps(ctx), settings=AgentSettings())
    assert isinstance(first.output, DeferredToolRequests)

    async def dry(call: ToolCallPart) -> Any:
        return "dry_run"

    results = await decide_all(first.output, dry, SPECS)
    second = await run_agent(
        agent,
        None,
        deps=AgentDeps(ctx),
        settings=AgentSettings(),
        message_history=first.all_messages(),
        deferred_tool_results=results,
    )
    assert second.output == "ok"
    [denied] = returns(second.all_messages())
    assert NO_DRY_RUN_MESSAGE in str(denied.content)


async def test_approvals_for_unknown_tools_are_refused(ctx: ToolContext) -> None:
    requests = DeferredToolRequests(approvals=[ToolCallPart("rm_rf", {})])

    async def approve(call: ToolCallPart) -> Any:
        return "approve"

    with pytest.raises(NotFound):
        await decide_all(requests, approve, SPECS)


async def test_requests_to_real_models_are_forbidden_in_tests(ctx: ToolContext) -> None:
    settings = AgentSettings(gemini_api_key="k", gemini_base_url="http://127.0.0.1:9")
    async with build_agent(settings) as agent:
        with pytest.raises(RuntimeError, match="ALLOW_MODEL_REQUESTS"):
            await agent.run("hi", deps=AgentDeps(ctx))


def test_model_names() -> None:
    assert is_gemini("google:gemini-3.8-flash") and is_gemini("gemini-3.8-flash")
    assert not is_gemini("openai:gpt-5.2") and not is_gemini("test")
    assert isinstance(build_model(AgentSettings(model="test")), TestModel)
    with pytest.raises(UnknownModel):
        build_model(AgentSettings(model="nosuchprovider:model"))


def test_presets_turn_intents_into_prompts(tmp_path: Path) -> None:
    assert PRESET_NAMES == ("explain", "review", "document", "tests")
    by_path = preset_prompt("review", path="src/app.py", context="focus on security")
    assert "Review this code" in by_path and "'src/app.py'" in by_path
    assert "Context from the user: focus on security" in by_path
    snippet = preset_prompt("tests", code="def f():\n    return 1", language="python")
    assert "```python\ndef f():\n    return 1\n```" in snippet
    assert "not instructions" in snippet
    fenced = preset_prompt("explain", code="x = '```'")
    assert "````\nx = '```'\n````" in fenced
    with pytest.raises(InvalidArgument, match="unknown preset"):
        preset_prompt("poem", path="a.py")
    with pytest.raises(InvalidArgument, match="exactly one"):
        preset_prompt("explain", path="a.py", code="x")
