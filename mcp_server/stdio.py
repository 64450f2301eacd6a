"""``fast-genai mcp``: the server over stdio, for Claude Desktop and other local MCP clients.

Start-up imports only what listing and calling a tool needs: the ``mcp`` SDK's server, the
registry and the tool modules (which load heavy clients on first call).
"""

from __future__ import annotations

from mcp_server.options import ToolFilter
from tools.context import ToolContext


async def serve(ctx: ToolContext, tool_filter: ToolFilter) -> None:
    """Serve the tools on stdin/stdout until the client closes the connection."""
    from mcp.server.stdio import stdio_server

    from mcp_server.server import build_server, static_context

    server = build_server(static_context(ctx), tool_filter=tool_filter)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
