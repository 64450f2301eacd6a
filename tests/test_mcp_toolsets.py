"""Tool groups: ``--toolsets`` (with ``--tools`` and ``--read-only``) on the command line and over
stdio, and the per-request choice over HTTP (``X-MCP-Toolsets`` / ``X-MCP-Readonly`` headers or
``?toolsets=`` / ``?readonly=``), which can narrow the server's tools but never widen them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from pydantic import SecretStr

from mcp_server.auth import StaticTokenVerifier
from mcp_server.http import create_mcp_app
from mcp_server.options import ToolFilter, request_filter, toolset_of
from tests.fakes.loopback import serve_app
from tests.mcp_client import ACCEPT, connect, text_of
from tests.test_mcp_stdio import stdio
from tools.context import ToolContext
from tools.errors import InvalidArgument
from tools.registry import TOOLS

pytestmark = pytest.mark.anyio

TOKEN = "toolsets-token-0123456789"
FILES = ["list_files", "read_file", "search_code", "create_file"]
CODE = ["code_outline", "summarize"]
INTEGRATIONS = ["parse_link", "create_github_file", "create_notion_page", "create_jira_issue"]
WRITES = {spec.name for spec in TOOLS if spec.writes}


def names(tool_filter: ToolFilter) -> list[str]:
    return sorted(tool_filter.select(TOOLS))


def test_every_registry_tool_has_a_toolset() -> None:
    groups = {spec.name: toolset_of(spec) for spec in TOOLS}
    assert groups == {
        **dict.fromkeys(FILES, "files"),
        **dict.fromkeys(CODE, "code"),
        **dict.fromkeys(INTEGRATIONS, "integrations"),
    }


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"toolsets": "files"}, FILES),
        ({"toolsets": "files,code"}, FILES + CODE),
        ({"toolsets": " code , integrations "}, CODE + INTEGRATIONS),
        ({"toolsets": "all"}, FILES + CODE + INTEGRATIONS),
        ({"toolsets": "code", "tools": "read_file"}, [*CODE, "read_file"]),  # they add up
        ({"toolsets": "files", "read_only": True}, ["list_files", "read_file", "search_code"]),
        ({"toolsets": "integrations", "read_only": True}, ["parse_link"]),
    ],
)
def test_toolsets_on_the_command_line(flags: dict[str, object], expected: list[str]) -> None:
    assert names(ToolFilter.parse(**flags)) == sorted(expected)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nope", r"unknown toolset\(s\) in --toolsets: nope; toolsets: files, code"),
        (" , ", "at least one"),
    ],
)
def test_bad_toolsets_are_refused(value: str, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        ToolFilter.parse(toolsets=value)


def test_the_request_form() -> None:
    headers = httpx.Headers({"x-mcp-toolsets": "code", "X-MCP-READONLY": "TRUE"})
    assert request_filter(headers, {}) == ToolFilter(read_only=True, toolsets=frozenset({"code"}))
    assert request_filter(httpx.Headers(), {"readonly": "1"}) == ToolFilter(read_only=True)
    assert request_filter(httpx.Headers(), {}) is None
    with pytest.raises(InvalidArgument, match="must be true or false, not 'maybe'"):
        request_filter(httpx.Headers({"x-mcp-readonly": "maybe"}), {})
    with pytest.raises(InvalidArgument, match="two toolsets choices"):
        request_filter(httpx.Headers({"x-mcp-toolsets": "code"}), {"toolsets": "files"})


async def test_toolsets_over_stdio(workspace: Path) -> None:
    async with Client(stdio(workspace, "--toolsets", "code", "--tools", "read_file")) as client:
        listed = sorted(tool.name for tool in (await client.list_tools()).tools)
        refused = await client.call_tool("list_files", {})
    assert listed == sorted([*CODE, "read_file"])
    assert refused.is_error is True
    assert "not enabled on this server (--tools/--toolsets)" in text_of(refused)


@pytest.fixture
def base(workspace: Path) -> Iterator[str]:
    (workspace / "a.txt").write_text("hello\n")
    verifier = StaticTokenVerifier(SecretStr(TOKEN), ToolContext.local(str(workspace)))
    with serve_app(create_mcp_app(verifier).standalone()) as url:
        yield url + "/mcp"


@pytest.fixture
def read_only_base(workspace: Path) -> Iterator[str]:
    verifier = StaticTokenVerifier(SecretStr(TOKEN), ToolContext.local(str(workspace)))
    app = create_mcp_app(verifier, tool_filter=ToolFilter(read_only=True)).standalone()
    with serve_app(app) as url:
        yield url + "/mcp"


@pytest.mark.parametrize(
    ("query", "headers", "expected"),
    [
        ("", {}, FILES + CODE + INTEGRATIONS),
        ("", {"X-MCP-Toolsets": "files"}, FILES),
        ("?toolsets=files,code", {}, FILES + CODE),
        (
            "",
            {"X-MCP-Toolsets": "files", "X-MCP-Readonly": "true"},
            ["list_files", "read_file", "search_code"],
        ),
        ("?readonly=true", {}, [n for n in FILES + CODE + INTEGRATIONS if n not in WRITES]),
        ("?toolsets=all&readonly=false", {}, FILES + CODE + INTEGRATIONS),
    ],
)
async def test_toolsets_per_http_request(
    base: str, query: str, headers: dict[str, str], expected: list[str]
) -> None:
    async with connect(base + query, TOKEN, headers=headers) as client:
        listed = sorted(tool.name for tool in (await client.list_tools()).tools)
    assert listed == sorted(expected)


async def test_a_request_cannot_call_outside_its_toolsets(base: str) -> None:
    headers = {"X-MCP-Toolsets": "code", "X-MCP-Readonly": "true"}
    async with connect(base, TOKEN, headers=headers) as client:
        refused = await client.call_tool("read_file", {"path": "a.txt"})
        outlined = await client.call_tool("code_outline", {"path": "a.txt"})
    assert refused.is_error is True
    assert "not enabled for this request (X-MCP-Toolsets / X-MCP-Readonly)" in text_of(refused)
    assert outlined.is_error is False


async def test_a_request_cannot_widen_a_read_only_server(read_only_base: str) -> None:
    async with connect(read_only_base + "?readonly=false", TOKEN) as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        refused = await client.call_tool("create_file", {"path": "x.txt", "content": "x"})
    assert listed.isdisjoint(WRITES)
    assert refused.is_error is True
    assert "read-only" in text_of(refused)


async def test_a_bad_request_choice_is_a_clear_error(base: str) -> None:
    async with connect(base + "?toolsets=nope", TOKEN) as client:
        with pytest.raises(MCPError, match=r"unknown toolset\(s\) in X-MCP-Toolsets"):
            await client.list_tools()
        failed = await client.call_tool("read_file", {"path": "a.txt"})
    assert failed.is_error is True
    assert "unknown toolset(s)" in text_of(failed)


def test_raw_headers_reach_the_listing(base: str) -> None:
    headers = {**ACCEPT, "authorization": f"Bearer {TOKEN}", "X-MCP-Toolsets": "integrations"}
    listing = {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}
    response = httpx.post(
        base, json=listing, headers={**headers, "mcp-protocol-version": "2025-06-18"}
    )
    assert response.status_code == 200
    assert '"create_jira_issue"' in response.text
    assert '"read_file"' not in response.text
