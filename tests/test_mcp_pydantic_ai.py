"""pydantic-ai's MCP client (``MCPToolset``) against ``fast-genai mcp``: over stdio and over
streamable HTTP, directly and from an agent whose model (a ``FunctionModel``) calls our tools."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from mcp_server.auth import StaticTokenVerifier
from mcp_server.http import create_mcp_app
from tests.fakes.loopback import serve_app
from tests.mcp_samples import write_sample_tree
from tools.context import ToolContext
from tools.registry import TOOLS

pytestmark = pytest.mark.anyio

FAST_GENAI = str(Path(sys.executable).with_name("fast-genai"))
TOKEN = "pydantic-ai-token-42"


@pytest.fixture
def tree(workspace: Path) -> Path:
    write_sample_tree(workspace)
    return workspace


def stdio_toolset(tree: Path, *flags: str) -> Any:
    from fastmcp.client.transports import StdioTransport
    from pydantic_ai.mcp import MCPToolset

    transport = StdioTransport(
        FAST_GENAI, ["mcp", "--workspace", str(tree), *flags], env=dict(os.environ)
    )
    return MCPToolset(transport, tool_error_behavior="error")


@pytest.fixture
def http_url(tree: Path) -> Iterator[str]:
    verifier = StaticTokenVerifier(SecretStr(TOKEN), ToolContext.local(str(tree)))
    with serve_app(create_mcp_app(verifier).standalone()) as base:
        yield base + "/mcp"


async def test_stdio_toolset_lists_and_calls(tree: Path) -> None:
    from fastmcp.exceptions import ToolError

    async with stdio_toolset(tree) as toolset:
        listed = {tool.name: tool for tool in await toolset.list_tools()}
        content = await toolset.direct_call_tool("read_file", {"path": "notes/todo.txt"})
        with pytest.raises(ToolError, match="does not exist"):
            await toolset.direct_call_tool("read_file", {"path": "missing.txt"})
    assert set(listed) == {spec.name for spec in TOOLS}
    read_only = {name for name, tool in listed.items() if tool.annotations.read_only_hint}
    assert read_only == {spec.name for spec in TOOLS if not spec.writes}
    assert content["content"] == "1\t- [ ] ship the MCP server\n"


async def test_http_toolset_with_a_bearer_token(http_url: str) -> None:
    from pydantic_ai.mcp import MCPToolset

    toolset = MCPToolset(
        http_url, headers={"Authorization": f"Bearer {TOKEN}"}, tool_error_behavior="error"
    )
    async with toolset:
        names = {tool.name for tool in await toolset.list_tools()}
        listing = await toolset.direct_call_tool("list_files", {"path": "src"})
    assert "read_file" in names
    assert [entry["path"] for entry in listing["entries"]] == ["src/app.py"]


async def test_an_agent_calls_our_tools_over_stdio(tree: Path) -> None:
    from pydantic_ai import Agent
    from pydantic_ai.messages import (
        ModelMessage,
        ModelResponse,
        TextPart,
        ToolCallPart,
        ToolReturnPart,
    )
    from pydantic_ai.models.function import AgentInfo, FunctionModel

    offered: list[str] = []
    returned: list[Any] = []

    def model(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        offered[:] = [tool.name for tool in info.function_tools]
        returns = [
            part
            for message in messages
            for part in message.parts
            if isinstance(part, ToolReturnPart)
        ]
        if not returns:
            return ModelResponse(parts=[ToolCallPart("read_file", {"path": "README.md"})])
        returned.extend(part.content for part in returns)
        return ModelResponse(parts=[TextPart("The README says hello world.")])

    agent = Agent(FunctionModel(model), toolsets=[stdio_toolset(tree, "--read-only")])
    result = await agent.run("What does the README say?")
    assert result.output == "The README says hello world."
    assert "read_file" in offered
    assert not {spec.name for spec in TOOLS if spec.writes} & set(offered)
    assert "hello world" in returned[0]["content"]
