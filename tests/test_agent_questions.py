"""``ask_user``: the model's question pauses the run like an approval and resumes with the answer.

Driven by FunctionModel (the agent logic) and by the fake Gemini server (the real google-genai
client: the schema Gemini gets, the function response it sees after the answer)."""

from __future__ import annotations

from typing import Any

import pytest
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

from agent.approvals import decide_all
from agent.build import build_agent
from agent.deps import AgentDeps
from agent.errors import NeedsInput
from agent.questions import (
    ASK_USER,
    NO_ONE_TO_ASK,
    Question,
    UserAnswer,
    pending_questions,
)
from agent.run import run_agent
from agent.settings import AgentSettings
from tests.fakes.gemini import FakeGemini, Reply
from tools.context import ToolContext
from tools.errors import InvalidArgument
from tools.registry import TOOLS

pytestmark = pytest.mark.anyio

CANDIDATES = ["src/config.py", "tests/config.py"]


class Script:
    def __init__(self, *responses: ModelResponse) -> None:
        self.responses = list(responses)
        self.seen: list[list[ModelMessage]] = []
        self.infos: list[AgentInfo] = []

    def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        self.seen.append(list(messages))
        self.infos.append(info)
        return self.responses.pop(0)


def ask(**args: Any) -> ModelResponse:
    return ModelResponse(parts=[ToolCallPart(ASK_USER, args, tool_call_id="q1")])


def returns(messages: list[ModelMessage]) -> list[ToolReturnPart]:
    return [
        part
        for message in messages
        if isinstance(message, ModelRequest)
        for part in message.parts
        if isinstance(part, ToolReturnPart)
    ]


async def never_decide(call: ToolCallPart) -> Any:
    raise AssertionError("no write was pending")


def question(**overrides: Any) -> Question:
    values: dict[str, Any] = {
        "tool_call_id": "q1",
        "question": "Which config?",
        "options": tuple(CANDIDATES),
        "allow_free_text": True,
    }
    values.update(overrides)
    return Question(**values)


def test_answers_by_number_by_text_or_free_text() -> None:
    assert question().answer(" 2 ") == UserAnswer(answer="tests/config.py", option=2)
    assert question().answer("src/config.py") == UserAnswer(answer="src/config.py", option=1)
    assert question().answer("neither, use app.toml") == UserAnswer(answer="neither, use app.toml")
    assert question().answer("7") == UserAnswer(answer="7"), "free text may be a number"
    strict = question(allow_free_text=False)
    with pytest.raises(InvalidArgument, match="1 to 2"):
        strict.answer("7")
    with pytest.raises(InvalidArgument, match="free text is not allowed"):
        strict.answer("app.toml")
    with pytest.raises(InvalidArgument, match="empty"):
        question().answer("   ")


async def test_the_tool_is_offered_only_where_someone_can_answer(ctx: ToolContext) -> None:
    plain = Script(ModelResponse(parts=[TextPart("ok")]))
    agent = build_agent(AgentSettings(), model=FunctionModel(plain))
    await run_agent(agent, "hi", deps=AgentDeps(ctx), settings=AgentSettings())
    assert ASK_USER not in {tool.name for tool in plain.infos[0].function_tools}

    asking = Script(ModelResponse(parts=[TextPart("ok")]))
    agent = build_agent(AgentSettings(), model=FunctionModel(asking), can_ask=True)
    await run_agent(agent, "hi", deps=AgentDeps(ctx), settings=AgentSettings())
    tools = {tool.name: tool for tool in asking.infos[0].function_tools}
    assert set(tools) == {spec.name for spec in TOOLS} | {ASK_USER}
    schema = tools[ASK_USER].parameters_json_schema
    assert schema["required"] == ["question"]
    assert schema["properties"]["options"]["items"]["type"] == "string"
    assert "ask_user" in (asking.infos[0].instructions or "")


async def test_a_question_pauses_the_run_and_the_answer_resumes_it(ctx: ToolContext) -> None:
    script = Script(
        ask(question="Which config?", options=CANDIDATES, allow_free_text=False),
        ModelResponse(parts=[TextPart("Using tests/config.py.")]),
    )
    agent = build_agent(AgentSettings(), model=FunctionModel(script), can_ask=True)
    first = await run_agent(agent, "open the config", deps=AgentDeps(ctx), settings=AgentSettings())
    assert isinstance(first.output, DeferredToolRequests)
    assert first.output.approvals == [] and first.output.kind("q1") == "question"
    [pending] = pending_questions(first.output)
    assert pending == question(allow_free_text=False)
    assert len(script.seen) == 1, "nothing more is asked of the model while the run waits"

    asked: list[Question] = []

    async def answer(q: Question) -> UserAnswer:
        asked.append(q)
        return q.answer("2")

    results = await decide_all(first.output, never_decide, TOOLS, ask=answer)
    second = await run_agent(
        agent,
        None,
        deps=AgentDeps(ctx),
        settings=AgentSettings(),
        message_history=first.all_messages(),
        deferred_tool_results=results,
    )
    assert second.output == "Using tests/config.py."
    assert asked == [pending]
    [answered] = returns(script.seen[1])
    assert answered.tool_name == ASK_USER and answered.tool_call_id == "q1"
    assert answered.content == UserAnswer(answer="tests/config.py", option=2)


async def test_without_anyone_to_ask_the_model_is_told_so(ctx: ToolContext) -> None:
    script = Script(ask(question="Which one?"), ModelResponse(parts=[TextPart("I need a name.")]))
    agent = build_agent(AgentSettings(), model=FunctionModel(script), can_ask=True)
    first = await run_agent(agent, "go", deps=AgentDeps(ctx), settings=AgentSettings())
    assert isinstance(first.output, DeferredToolRequests)
    results = await decide_all(first.output, never_decide, TOOLS)
    second = await run_agent(
        agent,
        None,
        deps=AgentDeps(ctx),
        settings=AgentSettings(),
        message_history=first.all_messages(),
        deferred_tool_results=results,
    )
    assert second.output == "I need a name."
    [failed] = returns(script.seen[1])
    assert failed.outcome == "failed" and NO_ONE_TO_ASK in str(failed.content)


async def test_bad_question_arguments_go_back_to_the_model(ctx: ToolContext) -> None:
    script = Script(
        ask(question="", options=[]),
        ask(question="Which file?", options=["a.py"]),
    )
    agent = build_agent(AgentSettings(), model=FunctionModel(script), can_ask=True)
    result = await run_agent(agent, "go", deps=AgentDeps(ctx), settings=AgentSettings())
    assert isinstance(result.output, DeferredToolRequests)
    [retried] = returns(script.seen[1])
    assert retried.outcome == "retried" and "question" in str(retried.content)
    assert [q.question for q in pending_questions(result.output)] == ["Which file?"]


def test_needs_input_names_the_question_and_options() -> None:
    error = NeedsInput([question()])
    assert "Which config?" in str(error) and "1) src/config.py" in str(error)
    assert error.code == "needs_input"


async def test_question_and_answer_at_the_wire(gemini: FakeGemini, ctx: ToolContext) -> None:
    gemini.script(
        Reply.calls(
            (ASK_USER, {"question": "Which config?", "options": CANDIDATES}),
        ),
        Reply.text("You picked src/config.py."),
    )
    settings = AgentSettings(gemini_api_key="test-key", gemini_base_url=gemini.base_url)
    async with build_agent(settings, can_ask=True) as agent:
        first = await run_agent(agent, "open the config", deps=AgentDeps(ctx), settings=settings)
        assert isinstance(first.output, DeferredToolRequests)
        [pending] = pending_questions(first.output)
        assert pending.options == tuple(CANDIDATES)

        async def answer(q: Question) -> UserAnswer:
            return q.answer("1")

        results = await decide_all(first.output, never_decide, TOOLS, ask=answer)
        second = await run_agent(
            agent,
            None,
            deps=AgentDeps(ctx),
            settings=settings,
            message_history=first.all_messages(),
            deferred_tool_results=results,
        )
    assert second.output == "You picked src/config.py."
    [declaration] = [d for d in gemini.requests[0].tool_declarations if d["name"] == ASK_USER]
    declared = str(declaration)
    assert "$ref" not in declared and "anyOf" not in declared
    [response] = gemini.requests[1].function_responses
    assert response["name"] == ASK_USER
    assert "src/config.py" in str(response["response"]) and "'option': 1" in str(response)
