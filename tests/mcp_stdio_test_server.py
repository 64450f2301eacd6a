"""An MCP stdio server with test tools, run as a subprocess by tests/test_mcp_stdio.py.

``python -m tests.mcp_stdio_test_server WORKSPACE``: serves ``noisy`` (prints to stdout, which
must not reach the wire) and ``hang`` (runs until cancelled, then writes ``cancelled.txt`` in the
workspace), through the same ``mcp_server.stdio.serve`` as ``fast-genai mcp``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
from pydantic import BaseModel

from mcp_server import stdio
from mcp_server.options import ToolFilter
from tools.context import ToolContext
from tools.spec import ToolSpec


class Said(BaseModel):
    said: str


async def noisy(ctx: ToolContext, text: str) -> Said:
    """Prints to stdout and stderr, as a chatty library might."""
    print("stray output on stdout")
    print("stray output on stderr", file=sys.stderr)
    return Said(said=text)


async def hang(ctx: ToolContext) -> Said:
    """Runs until cancelled; leaves cancelled.txt behind when it is."""
    await ctx.progress(0, None, "started")
    try:
        await anyio.sleep_forever()
    except anyio.get_cancelled_exc_class():
        with anyio.CancelScope(shield=True):
            await anyio.Path(ctx.workspace.root / "cancelled.txt").write_text("cancelled\n")
        raise
    return Said(said="never")


SPECS = (ToolSpec(noisy, title="Noisy"), ToolSpec(hang, title="Hang", long_running=True))

if __name__ == "__main__":
    ctx = ToolContext.local(str(Path(sys.argv[1])))
    anyio.run(stdio.serve, ctx, ToolFilter(), SPECS)
