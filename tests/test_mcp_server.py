"""The MCP adapter in-process, through the SDK's real client (JSON-RPC framing, legacy mode, and
the 2026-07-28 direct mode), with small tools written here to pin behaviour the registry's
tools cannot trigger on demand: a bug, progress, a slow call cancelled by the client."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Annotated, Any

import anyio
import mcp_types as types
import pytest
from mcp import Client
from pydantic import BaseModel, Field

from mcp_server import adapter
from mcp_server.options import ToolFilter
from mcp_server.server import build_server, static_context
from tools.context import ToolContext
from tools.errors import InvalidArgument, NotFound
from tools.settings import ToolSettings
from tools.spec import ToolSpec

pytestmark = pytest.mark.anyio


class Echoed(BaseModel):
    text: str
    times: int


class Done(BaseModel):
    steps: int


async def echo(
    ctx: ToolContext,
    text: Annotated[str, Field(description="What to echo.")],
    times: Annotated[int, Field(ge=1, le=5, description="How often.")] = 1,
) -> Echoed:
    """Echo text back."""
    return Echoed(text=text * times, times=times)


async def missing(ctx: ToolContext, path: str) -> Echoed:
    """Always fails like a missing file."""
    raise NotFound(f"{path!r} does not exist in the workspace")


async def buggy(ctx: ToolContext) -> Echoed:
    """Has a bug."""
    raise RuntimeError("boom")


async def steps(ctx: ToolContext, count: int = 3) -> Done:
    """Reports progress on each step."""
    for step in range(count):
        await ctx.progress(step + 1, count, f"step {step + 1}")
    return Done(steps=count)


class Gate:
    started = anyio.Event()
    stopped = anyio.Event()


async def hang(ctx: ToolContext) -> Done:
    """Runs until cancelled."""
    Gate.started.set()
    try:
        await anyio.sleep_forever()
    except anyio.get_cancelled_exc_class():
        Gate.stopped.set()
        raise
    return Done(steps=0)


async def publish(ctx: ToolContext, title: str, dry_run: bool = False) -> Echoed:
    """Publishes somewhere remote (additive, not idempotent)."""
    return Echoed(text=title, times=1)


SPECS = (
    ToolSpec(echo, title="Echo", idempotent=True),
    ToolSpec(missing, title="Missing"),
    ToolSpec(buggy, title="Buggy"),
    ToolSpec(steps, title="Steps", long_running=True),
    ToolSpec(hang, title="Hang", long_running=True),
    ToolSpec(publish, title="Publish", writes=True, destructive=False, open_world=True),
)


def make_server(workspace: Path, tool_filter: ToolFilter | None = None) -> Any:
    ctx = ToolContext.local(str(workspace), settings=ToolSettings(max_read_bytes=1000))
    return build_server(static_context(ctx), tool_filter=tool_filter, specs=SPECS)


@pytest.fixture
def root_uri(workspace: Path) -> str:
    return "file://" + workspace.resolve().as_posix()


@pytest.fixture(params=["legacy", "auto"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_listing_comes_from_the_specs(workspace: Path, mode: str) -> None:
    async with Client(make_server(workspace), mode=mode) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert list(tools) == [spec.name for spec in SPECS]
    for spec in SPECS:
        tool = tools[spec.name]
        assert tool.title == spec.title
        assert tool.description == spec.description
        assert tool.input_schema == spec.parameters_schema()
        assert tool.output_schema == spec.output_schema()
    echo_hints = tools["echo"].annotations
    assert echo_hints is not None
    assert echo_hints.read_only_hint is True
    assert echo_hints.destructive_hint is None
    publish_hints = tools["publish"].annotations
    assert publish_hints is not None
    assert (publish_hints.read_only_hint, publish_hints.destructive_hint) == (False, False)
    assert (publish_hints.idempotent_hint, publish_hints.open_world_hint) == (False, True)


async def test_success_has_structured_content_and_text(workspace: Path, mode: str) -> None:
    async with Client(make_server(workspace), mode=mode) as client:
        result = await client.call_tool("echo", {"text": "ab", "times": 2})
    assert result.is_error is False
    assert result.structured_content == {"text": "abab", "times": 2}
    assert isinstance(result.content[0], types.TextContent)
    assert '"abab"' in result.content[0].text


@pytest.mark.parametrize(
    ("name", "arguments", "expected"),
    [
        ("missing", {"path": "nope.txt"}, "missing failed: 'nope.txt' does not exist"),
        ("echo", {"text": "x", "times": 9}, "times: Input should be less than or equal to 5"),
        ("echo", {}, "text: Field required"),
        ("echo", {"text": "x", "colour": "red"}, "colour: Extra inputs are not permitted"),
        ("buggy", {}, "buggy failed with an internal error (RuntimeError: boom)"),
        ("nope", {}, "unknown tool 'nope'"),
    ],
)
async def test_failures_are_error_results(
    workspace: Path, mode: str, name: str, arguments: dict[str, Any], expected: str
) -> None:
    async with Client(make_server(workspace), mode=mode) as client:
        result = await client.call_tool(name, arguments)
    assert result.is_error is True
    assert isinstance(result.content[0], types.TextContent)
    assert expected in result.content[0].text
    assert "Traceback" not in result.content[0].text


async def test_progress_notifications_reach_the_client(workspace: Path, mode: str) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total, message))

    async with Client(make_server(workspace), mode=mode) as client:
        result = await client.call_tool("steps", {"count": 3}, progress_callback=on_progress)
        quiet = await client.call_tool("steps", {"count": 2})
    assert result.structured_content == {"steps": 3}
    assert quiet.structured_content == {"steps": 2}
    assert seen == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]


async def test_a_cancelled_call_stops_the_tool(workspace: Path) -> None:
    Gate.started = anyio.Event()
    Gate.stopped = anyio.Event()
    async with Client(make_server(workspace), mode="legacy") as client:
        with anyio.move_on_after(10):
            async with anyio.create_task_group() as tg:
                tg.start_soon(client.call_tool, "hang", {})
                await Gate.started.wait()
                tg.cancel_scope.cancel()
        with anyio.fail_after(10):
            await Gate.stopped.wait()
        # The connection is still usable after the cancellation.
        after = await client.call_tool("echo", {"text": "still here"})
    assert after.structured_content == {"text": "still here", "times": 1}


async def test_read_only_hides_and_refuses_writes(workspace: Path, mode: str) -> None:
    server = make_server(workspace, ToolFilter(read_only=True))
    async with Client(server, mode=mode) as client:
        names = [tool.name for tool in (await client.list_tools()).tools]
        refused = await client.call_tool("publish", {"title": "x"})
    assert "publish" not in names
    assert "echo" in names
    assert refused.is_error is True
    assert isinstance(refused.content[0], types.TextContent)
    assert "read-only" in refused.content[0].text


async def test_tools_filter_lists_and_allows_only_those(workspace: Path, mode: str) -> None:
    server = make_server(workspace, ToolFilter.parse(tools="echo,steps"))
    async with Client(server, mode=mode) as client:
        names = [tool.name for tool in (await client.list_tools()).tools]
        refused = await client.call_tool("missing", {"path": "a"})
        allowed = await client.call_tool("echo", {"text": "y"})
    assert names == ["echo", "steps"]
    assert refused.is_error is True
    assert isinstance(refused.content[0], types.TextContent)
    assert "not enabled" in refused.content[0].text
    assert allowed.is_error is False


def test_unknown_names_in_tools_filter_are_refused() -> None:
    with pytest.raises(InvalidArgument, match=r"unknown tool name\(s\) in --tools: nope"):
        ToolFilter.parse(tools="echo,nope").select(SPECS)
    with pytest.raises(InvalidArgument, match="at least one"):
        ToolFilter.parse(tools=" , ")


def test_write_hints_follow_the_spec() -> None:
    overwriting = ToolSpec(publish, title="P", writes=True, idempotent=True)
    hints = adapter.hints(overwriting)
    assert (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint) == (
        False,
        True,
        True,
    )
    assert hints.open_world_hint is False


async def test_workspace_files_are_resources(workspace: Path, mode: str, root_uri: str) -> None:
    (workspace / "docs").mkdir()
    (workspace / "docs" / "guide.md").write_text("# Guide\n")
    (workspace / "logo.bin").write_bytes(b"\x00\xff\x10")
    (workspace / ".env").write_text("SECRET=1\n")
    (workspace / "big.txt").write_text("x" * 2000)
    (workspace / ".gitignore").write_text("ignored.txt\n")
    (workspace / "ignored.txt").write_text("build output\n")
    async with Client(make_server(workspace), mode=mode) as client:
        templates = (await client.list_resource_templates()).resource_templates
        listed = {r.name: r.uri for r in (await client.list_resources()).resources}
        text = (await client.read_resource(f"{root_uri}/docs/guide.md")).contents[0]
        blob = (await client.read_resource(f"{root_uri}/logo.bin")).contents[0]
    assert templates[0].uri_template == root_uri + "/{+path}"
    assert listed["docs/guide.md"] == f"{root_uri}/docs/guide.md"
    assert ".env" not in listed
    assert "ignored.txt" not in listed
    assert "docs" not in listed
    assert isinstance(text, types.TextResourceContents)
    assert (text.text, text.mime_type) == ("# Guide\n", "text/markdown")
    assert isinstance(blob, types.BlobResourceContents)
    assert base64.b64decode(blob.blob) == b"\x00\xff\x10"


@pytest.mark.parametrize(
    ("suffix", "expected"),
    [
        ("/../outside.txt", "outside the workspace"),
        ("/.env", "looks like a secret file"),
        ("/nope.md", "does not exist"),
        ("/big.txt", "served up to 1000 bytes"),
        ("/docs", "not a regular file"),
    ],
)
async def test_resources_go_through_the_sandbox(
    workspace: Path, mode: str, root_uri: str, suffix: str, expected: str
) -> None:
    from mcp.shared.exceptions import MCPError

    (workspace.parent / "outside.txt").write_text("not yours")
    (workspace / ".env").write_text("SECRET=1\n")
    (workspace / "big.txt").write_text("x" * 2000)
    (workspace / "docs").mkdir()
    uri = root_uri + suffix
    async with Client(make_server(workspace), mode=mode) as client:
        with pytest.raises(MCPError, match=expected):
            await client.read_resource(uri)
        with pytest.raises(MCPError, match="not a file:// URI"):
            await client.read_resource("https://example.com/a.txt")
