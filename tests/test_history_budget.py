"""The history budget: a 200-turn conversation through the fake Gemini server (the real
google-genai client) where every request stays under the budget, old tool results become stubs,
old turns are summarized by the model into one stored summary, and tool call/result pairs are
never split; the conversation itself keeps every message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic_ai.messages import CompactionPart, ModelMessage, ModelRequest, UserPromptPart

from agent.build import build_agent
from agent.deps import AgentDeps
from agent.history_budget import STUB, estimate_tokens, is_summary
from agent.run import run_agent
from agent.settings import AgentSettings
from tests.fakes.gemini import FakeGemini, RecordedRequest, Reply, gemini  # noqa: F401
from tools.context import ToolContext
from tools.spec import ToolSpec

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

BUDGET = 6000
TURNS = 200
SUMMARY_TEXT = "The user asked for numbered turns; notes.txt was read several times."


def respond(request: RecordedRequest) -> Reply:
    if "Summarize this conversation" in request.system_text:
        return Reply.text(SUMMARY_TEXT)
    last = request.contents[-1]["parts"][-1]
    if "functionResponse" in last:
        return Reply.text("I read notes.txt; it is a long list of lines.")
    text = last.get("text", "")
    if text.startswith("turn ") and int(text.split()[1]) % 4 == 0:
        return Reply.calls(("read_file", {"path": "notes.txt"}))
    return Reply.text(f"Answer to {text}: " + "words " * 40)


async def test_two_hundred_turns_stay_in_budget(
    gemini: FakeGemini,  # noqa: F811
    workspace: Path,
) -> None:
    (workspace / "notes.txt").write_text("".join(f"line {i} of the notes\n" for i in range(120)))
    gemini.responder = respond
    settings = AgentSettings(
        gemini_api_key="test-key",
        gemini_base_url=gemini.base_url,
        history_budget_tokens=BUDGET,
        max_retries=0,
    )
    deps = AgentDeps(ToolContext.local(str(workspace)))
    history: list[ModelMessage] = []
    async with build_agent(settings, tools=_read_tools()) as agent:
        for turn in range(1, TURNS + 1):
            result = await run_agent(
                agent, f"turn {turn}", deps=deps, settings=settings, message_history=history
            )
            history = result.all_messages()

    assert not gemini.unexpected
    chat = [r for r in gemini.requests if "Summarize this conversation" not in r.system_text]
    summaries = [r for r in gemini.requests if "Summarize this conversation" in r.system_text]
    assert len(chat) == TURNS + TURNS // 4  # one request per turn, plus one per tool result
    sizes = [r.prompt_tokens for r in gemini.requests]
    assert max(sizes) <= BUDGET, max(sizes)
    # without the budget the last request would have carried the whole conversation
    assert estimate_tokens([m for m in history if not is_summary(m)]) > 20 * BUDGET
    assert summaries, "the oldest turns were never summarized"
    assert len(summaries) < TURNS // 5  # a summary lasts: not one per request
    stub = STUB.split("{")[0]
    assert any(stub in json.dumps(r.function_responses) for r in chat)  # old results stubbed

    for request in gemini.requests:  # tool call/result pairs never split
        contents = request.contents
        for index, content in enumerate(contents):
            answered = [
                p["functionResponse"]["name"] for p in content["parts"] if "functionResponse" in p
            ]
            if answered:
                before = contents[index - 1]["parts"] if index else []
                assert answered == [
                    p["functionCall"]["name"] for p in before if "functionCall" in p
                ]
    late = chat[-1]
    assert SUMMARY_TEXT in late.user_text  # the summary stands for the early turns
    assert "turn 1\n" not in late.user_text + "\n" and f"turn {TURNS}" in late.user_text

    prompts = [
        p.content
        for m in history
        if isinstance(m, ModelRequest)
        for p in m.parts
        if isinstance(p, UserPromptPart)
    ]
    assert prompts == [f"turn {i}" for i in range(1, TURNS + 1)]  # the conversation keeps all
    marks = [p for m in history if is_summary(m) for p in m.parts if isinstance(p, CompactionPart)]
    assert len(marks) == len(summaries)
    assert all(p.content == SUMMARY_TEXT and p.metadata for p in marks)


def _read_tools() -> list[ToolSpec]:
    from tools.registry import TOOLS

    return [spec for spec in TOOLS if spec.name == "read_file"]
