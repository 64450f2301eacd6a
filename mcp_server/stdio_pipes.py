"""stdin/stdout as non-blocking asyncio pipes for the stdio transport.

The SDK's ``stdio_server`` reads and writes through ``anyio.wrap_file``: a worker-thread hop for
every line in and every line out. Given pipes (what MCP clients spawn servers with), this module
hands it asyncio pipe streams instead, which wait in the event loop, so a small tool call costs
no thread hops. Like the SDK, it keeps the wire for itself: while serving, fd 0 reads the null
device and fd 1 writes to stderr, so stray output of a library cannot corrupt the protocol.
Anything else (a regular file on stdin, Windows) keeps the SDK's own streams.
"""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass

MAX_LINE = 64 * 1024 * 1024
"""Longest JSON-RPC line accepted on stdin (a message is one line)."""


@dataclass
class PipeLines:
    """``async for line in stdin``: lines of the client's messages, decoded."""

    reader: asyncio.StreamReader

    def __aiter__(self) -> PipeLines:
        return self

    async def __anext__(self) -> str:
        line = await self.reader.readline()
        if not line:
            raise StopAsyncIteration
        return line.decode("utf-8", errors="replace")


@dataclass
class PipeWriter:
    """``await stdout.write(text)`` and ``await stdout.flush()`` over a pipe."""

    writer: asyncio.StreamWriter

    async def write(self, text: str) -> None:
        self.writer.write(text.encode("utf-8"))

    async def flush(self) -> None:
        await self.writer.drain()


def pipes_usable() -> bool:
    """Whether fds 0 and 1 are pipes or sockets (what asyncio can watch) on a POSIX system."""
    if sys.platform == "win32":
        return False
    try:
        modes = [os.fstat(fd).st_mode for fd in (0, 1)]
    except OSError:
        return False
    return all(stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) for mode in modes)


@contextmanager
def _diverted_std_fds() -> Iterator[None]:
    """fd 0 reads the null device and fd 1 writes to stderr until the block ends."""
    saved_in, saved_out = os.dup(0), os.dup(1)
    try:
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved_in, 0)
        os.dup2(saved_out, 1)
        os.close(saved_in)
        os.close(saved_out)


@asynccontextmanager
async def claimed_pipes() -> AsyncIterator[tuple[PipeLines, PipeWriter]]:
    """Non-blocking private copies of fds 0 and 1; the originals are diverted while serving."""
    loop = asyncio.get_running_loop()
    async with AsyncExitStack() as stack:
        reader = asyncio.StreamReader(limit=MAX_LINE)
        read_transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(os.dup(0), "rb", buffering=0)
        )
        stack.callback(read_transport.close)
        write_transport, write_protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, os.fdopen(os.dup(1), "wb", buffering=0)
        )
        stack.callback(write_transport.close)
        writer = asyncio.StreamWriter(write_transport, write_protocol, None, loop)
        stack.enter_context(_diverted_std_fds())
        yield PipeLines(reader), PipeWriter(writer)
