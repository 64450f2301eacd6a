"""The MCP adapter in-process, through the SDK's real client (JSON-RPC framing, legacy mode, and
the 2026-07-28 direct mode), with small tools written here to pin behaviour the registry's
tools cannot trigger on demand: a bug, progress, a slow call cancelled by the client."""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import Annotated, Any

import anyio
import mcp_types as types
import pytest
from mcp import Client
from pydantic import BaseModel, Field

from mcp_server import adapter, logs
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


async def grumble(ctx: ToolContext) -> Done:
    """Logs a warning while it works, as tool code does (a ``tools.*`` logger)."""
    logging.getLogger("tools.test_grumble").warning("the index is stale; results may lag")
    await ctx.progress(1, 1, "looked")
    return Done(steps=1)


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
    ToolSpec(grumble, title="Grumble"),
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


async def test_logging_capability_over_the_handshake(workspace: Path) -> None:
    from mcp.shared.exceptions import MCPDeprecationWarning

    seen: list[tuple[str, str | None, Any]] = []

    async def on_log(params: types.LoggingMessageNotificationParams) -> None:
        seen.append((params.level, params.logger, params.data))

    server = build_server(
        static_context(ToolContext.local(str(workspace))), specs=SPECS, log_gate=logs.LogGate()
    )
    async with Client(server, mode="legacy", logging_callback=on_log) as client:
        assert client.server_capabilities.logging is not None
        await client.call_tool("grumble", {})  # default level info: the warning, no progress
        at_default = list(seen)
        seen.clear()
        with pytest.warns(MCPDeprecationWarning):  # the SDK client marks setLevel deprecated
            await client.set_logging_level("debug")
        await client.call_tool("steps", {"count": 2})
        at_debug = list(seen)
        seen.clear()
        with pytest.warns(MCPDeprecationWarning):
            await client.set_logging_level("error")
        await client.call_tool("grumble", {})
    assert at_default == [("warning", "tools.test_grumble", "the index is stale; results may lag")]
    assert at_debug == [
        ("debug", "fast-genai", "steps: 1/2 step 1"),
        ("debug", "fast-genai", "steps: 2/2 step 2"),
    ]
    assert seen == []


@pytest.mark.parametrize(("opt_in", "expected"), [(None, 0), ("warning", 1), ("debug", 2)])
async def test_logging_on_2026_is_opted_in_per_request(
    workspace: Path, opt_in: Any, expected: int
) -> None:
    seen: list[str] = []

    async def on_log(params: types.LoggingMessageNotificationParams) -> None:
        seen.append(params.level)

    async with Client(
        make_server(workspace), mode="auto", logging_callback=on_log, log_level=opt_in
    ) as client:
        assert client.protocol_version == "2026-07-28"
        await client.call_tool("grumble", {})
    assert len(seen) == expected


class Lingering:
    cancelled = anyio.Event()
    unwound = anyio.Event()


async def linger(ctx: ToolContext) -> Done:
    """Reports progress, and keeps reporting for a while after being cancelled (a slow unwind)."""
    await ctx.progress(1, 10, "working")
    try:
        await anyio.sleep_forever()
    except anyio.get_cancelled_exc_class():
        Lingering.cancelled.set()
        with anyio.CancelScope(shield=True):
            for step in range(2, 5):
                await ctx.progress(step, 10, "still unwinding")
                await anyio.sleep(0.01)
        Lingering.unwound.set()
        raise
    return Done(steps=0)


async def test_no_progress_after_notifications_cancelled(workspace: Path) -> None:
    """On the wire: after the client's notifications/cancelled, nothing about that request."""
    from mcp.shared._context_streams import create_context_streams
    from mcp.shared.message import SessionMessage

    Lingering.cancelled = anyio.Event()
    Lingering.unwound = anyio.Event()
    specs = (ToolSpec(linger, title="Linger", long_running=True),)
    server = build_server(static_context(ToolContext.local(str(workspace))), specs=specs)
    to_server, server_in = create_context_streams[SessionMessage | Exception](16)
    server_out, from_server = create_context_streams[SessionMessage](16)
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        await to_server.send(SessionMessage(types.jsonrpc_message_adapter.validate_python(message)))

    async def next_message() -> dict[str, Any]:
        with anyio.fail_after(10):
            item = await from_server.receive()
        dumped: dict[str, Any] = item.message.model_dump(mode="json", by_alias=True)
        return dumped

    init = {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    }
    async with to_server, server_in, server_out, from_server, anyio.create_task_group() as tg:
        tg.start_soon(server.run, server_in, server_out, server.create_initialization_options())
        await send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": init})
        assert (await next_message())["id"] == 1
        await send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        call = {"name": "linger", "arguments": {}, "_meta": {"progressToken": "p"}}
        await send({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": call})
        first = await next_message()
        assert first["method"] == "notifications/progress"
        assert first["params"]["progress"] == 1
        cancel = {"requestId": 2, "reason": "user stopped it"}
        await send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": cancel})
        with anyio.fail_after(10):
            await Lingering.unwound.wait()
        await send({"jsonrpc": "2.0", "id": 3, "method": "ping"})
        while True:
            message = await next_message()
            if message.get("id") == 3:
                break
            sent.append(message)
        tg.cancel_scope.cancel()
    assert Lingering.cancelled.is_set()
    assert [m for m in sent if m.get("method") == "notifications/progress"] == []
