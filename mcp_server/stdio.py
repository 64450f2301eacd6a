"""``fast-genai mcp``: the server over stdio, for Claude Desktop and other local MCP clients.

Start-up imports only what listing and calling a tool needs: the ``mcp`` SDK's server, the
registry and the tool modules (which load heavy clients on first call).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AsyncExitStack
from typing import Any

from mcp_server.options import ToolFilter
from tools.context import ToolContext
from tools.spec import ToolSpec

LISTING_FILE = "mcp-tool-listing.json"
"""The registry's MCP tool listing, kept in the cache folder between processes."""


async def serve(
    ctx: ToolContext, tool_filter: ToolFilter, specs: Iterable[ToolSpec] | None = None
) -> None:
    """Serve the tools (the registry's, or ``specs``) on stdin/stdout until the client leaves."""
    from mcp.server.stdio import stdio_server

    from agent.summary_model import LazySummaryModel
    from mcp_server.logs import LogGate
    from mcp_server.malformed import AnsweringMalformed
    from mcp_server.server import build_server, static_context
    from mcp_server.stdio_pipes import claimed_pipes, pipes_usable

    async with AsyncExitStack() as stack:
        summary_model = await stack.enter_async_context(LazySummaryModel())
        server = build_server(
            static_context(ctx),
            tool_filter=tool_filter,
            specs=specs,
            summary_model=summary_model,
            log_gate=LogGate(),  # one client per process: its logging/setLevel lasts
            listing_cache=ctx.settings.cache_dir / LISTING_FILE,
        )
        streams: dict[str, Any] = {}
        if pipes_usable():
            stdin, stdout = await stack.enter_async_context(claimed_pipes())
            streams = {"stdin": stdin, "stdout": stdout}
        read_stream, write_stream = await stack.enter_async_context(stdio_server(**streams))
        messages = AnsweringMalformed(read_stream, write_stream)
        await server.run(messages, write_stream, server.create_initialization_options())
