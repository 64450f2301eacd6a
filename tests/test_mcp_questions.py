"""``ask_user`` over MCP: the server elicits the answer from the client's user (the SDK's real
client with an elicitation callback), in-process and over stdio (``fast-genai mcp``); a client
without the elicitation capability is not offered the tool and a call gets a clear isError."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Literal

import mcp_types as types
import pytest
from mcp import Client, StdioServerParameters

from mcp_server.options import ToolFilter
from mcp_server.server import build_server, static_context
from tests.mcp_client import text_of
from tools.context import ToolContext

pytestmark = pytest.mark.anyio

FAST_GENAI = str(Path(sys.executable).with_name("fast-genai"))
OPTIONS = ["src/config.py", "tests/config.py"]


class Elicitor:
    """An elicitation callback answering with ``reply`` (the form content) or an action."""

    def __init__(
        self,
        content: dict[str, Any] | None,
        action: Literal["accept", "decline", "cancel"] = "accept",
    ) -> None:
        self.content = content
        self.action = action
        self.seen: list[types.ElicitRequestFormParams] = []

    async def __call__(self, context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        assert isinstance(params, types.ElicitRequestFormParams)
        self.seen.append(params)
        content = self.content if self.action == "accept" else None
        return types.ElicitResult(action=self.action, content=content)


def server(workspace: Path, tool_filter: ToolFilter | None = None) -> Any:
    return build_server(static_context(ToolContext.local(str(workspace))), tool_filter=tool_filter)


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_options_are_an_enum_and_the_choice_comes_back(workspace: Path, mode: str) -> None:
    elicitor = Elicitor({"answer": "tests/config.py"})
    async with Client(server(workspace), mode=mode, elicitation_callback=elicitor) as client:
        listed = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert listed["ask_user"].annotations is not None
        assert listed["ask_user"].annotations.read_only_hint is True
        args = {"question": "Which config?", "options": OPTIONS, "allow_free_text": False}
        result = await client.call_tool("ask_user", args)
    assert result.is_error is False, text_of(result)
    assert result.structured_content == {"answer": "tests/config.py", "option": 2}
    [params] = elicitor.seen
    assert params.message == "Which config?"
    assert params.requested_schema == {
        "type": "object",
        "properties": {"answer": {"type": "string", "title": "Choose one", "enum": OPTIONS}},
        "required": ["answer"],
    }


async def test_free_text_beside_the_options(workspace: Path) -> None:
    elicitor = Elicitor({"answer": "src/config.py", "other": "docs/config.md"})
    async with Client(server(workspace), mode="legacy", elicitation_callback=elicitor) as client:
        result = await client.call_tool("ask_user", {"question": "Which?", "options": OPTIONS})
    assert result.structured_content == {"answer": "docs/config.md", "option": None}
    schema = elicitor.seen[0].requested_schema
    assert schema["properties"]["answer"]["enum"] == OPTIONS
    assert schema["properties"]["other"]["type"] == "string"
    assert "required" not in schema  # either field may be used


@pytest.mark.parametrize("action", ["decline", "cancel"])
async def test_a_declined_question_is_an_error_the_model_can_read(
    workspace: Path, action: Literal["decline", "cancel"]
) -> None:
    elicitor = Elicitor(None, action)
    async with Client(server(workspace), mode="legacy", elicitation_callback=elicitor) as client:
        result = await client.call_tool("ask_user", {"question": "Name?"})
    assert result.is_error is True
    assert "without answering" in text_of(result)
    assert elicitor.seen[0].requested_schema["required"] == ["answer"]  # an open question


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_without_elicitation_the_tool_is_not_offered_and_a_call_says_ask_in_text(
    workspace: Path, mode: str
) -> None:
    async with Client(server(workspace), mode=mode) as client:
        names = [tool.name for tool in (await client.list_tools()).tools]
        result = await client.call_tool("ask_user", {"question": "Which?", "options": OPTIONS})
    assert "ask_user" not in names
    assert result.is_error is True
    assert "Ask the question in your answer text" in text_of(result)
    assert result.meta is not None
    assert result.meta["fast-genai/error"] == "elicitation_unsupported"


async def test_a_narrowed_tool_list_has_no_ask_user(workspace: Path) -> None:
    elicitor = Elicitor({"answer": "x"})
    narrowed = ToolFilter.parse(tools="read_file")
    async with Client(
        server(workspace, narrowed), mode="legacy", elicitation_callback=elicitor
    ) as client:
        names = [tool.name for tool in (await client.list_tools()).tools]
        result = await client.call_tool("ask_user", {"question": "Which?"})
    assert names == ["read_file"]
    assert result.is_error is True and not elicitor.seen


async def test_invalid_arguments_are_refused_before_asking(workspace: Path) -> None:
    elicitor = Elicitor({"answer": "x"})
    async with Client(server(workspace), mode="legacy", elicitation_callback=elicitor) as client:
        result = await client.call_tool("ask_user", {"question": ""})
    assert result.is_error is True and "question" in text_of(result)
    assert not elicitor.seen


async def test_over_stdio_the_real_server_elicits(workspace: Path) -> None:
    elicitor = Elicitor({"answer": "src/config.py"})
    params = StdioServerParameters(
        command=FAST_GENAI, args=["mcp", "--workspace", str(workspace)], env=dict(os.environ)
    )
    async with Client(params, elicitation_callback=elicitor) as client:
        args = {"question": "Which config?", "options": OPTIONS, "allow_free_text": False}
        result = await client.call_tool("ask_user", args)
    assert result.structured_content == {"answer": "src/config.py", "option": 1}
    assert elicitor.seen[0].message == "Which config?"
