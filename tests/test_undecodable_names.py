"""File names that are not UTF-8: one escaped form (``\\xHH`` per such byte) in every listing,
taken back by every tool, and raw percent-encoded bytes in MCP resource URIs; never a
protocol error. Driven through the tools and through the real MCP client over stdio."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import mcp_types as types
import pytest
from mcp import Client

from tests.test_mcp_stdio import stdio
from tools.code.code_outline import code_outline
from tools.context import ToolContext
from tools.files.list_files import list_files
from tools.files.read_file import read_file

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(sys.platform != "linux", reason="needs a file system that stores bytes"),
]

RAW = b"caf\xe9.py"
SHOWN = "caf\\xe9.py"


@pytest.fixture
def named(workspace: Path) -> Path:
    (workspace / os.fsdecode(RAW)).write_text("def latin():\n    return 1\n")
    (workspace / "plain.txt").write_text("plain\n")
    return workspace


async def test_tools_list_the_escaped_form_and_take_it_back(named: Path, ctx: ToolContext) -> None:
    listed = [entry.path for entry in (await list_files(ctx)).entries]
    assert listed == [SHOWN, "plain.txt"]
    read = await read_file(ctx, SHOWN)
    assert (read.path, read.content) == (SHOWN, "1\tdef latin():\n2\t    return 1\n")
    (outline,) = (await code_outline(ctx, ".")).files
    assert outline.path == SHOWN and [s.name for s in outline.symbols] == ["latin"]
    assert (await code_outline(ctx, SHOWN)).files[0].path == SHOWN


async def test_over_the_real_mcp_client(named: Path) -> None:
    async with Client(stdio(named)) as client:
        listed = await client.call_tool("list_files", {})
        assert not listed.is_error
        assert isinstance(listed.structured_content, dict)
        paths = [entry["path"] for entry in listed.structured_content["entries"]]
        assert paths == [SHOWN, "plain.txt"]
        read = await client.call_tool("read_file", {"path": SHOWN})
        assert not read.is_error
        assert isinstance(read.structured_content, dict)
        assert read.structured_content["path"] == SHOWN
        resources = (await client.list_resources()).resources
        by_name = {resource.name: str(resource.uri) for resource in resources}
        assert by_name[SHOWN].endswith("/caf%E9.py")
        contents = (await client.read_resource(by_name[SHOWN])).contents
        assert isinstance(contents[0], types.TextResourceContents)
        assert contents[0].text == "def latin():\n    return 1\n"
