"""FIFOs, sockets and devices: skipped by walks, refused by name, never blocking a call.

Every call below runs under a deadline (``anyio.fail_after``): before the sandbox opened files
with ``O_NONBLOCK`` and checked them with ``fstat``, a FIFO hung ``open()`` forever, so a
failing deadline is what a regression looks like. The end-to-end test fills a real ``fast-genai
serve`` with FIFO calls, checks that later calls still answer and that SIGTERM stops it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp.shared.exceptions import MCPError

from mcp_server import resources
from tools.code.code_outline import code_outline
from tools.code.summarize import summarize
from tools.context import ToolContext
from tools.errors import InvalidArgument, ToolError
from tools.files import search_code as search_module
from tools.files.create_file import create_file
from tools.files.list_files import list_files
from tools.files.read_file import read_file
from tools.files.search_code import search_code
from tools.settings import ToolSettings

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and Unix sockets are POSIX"),
]

DEADLINE = 15


@pytest.fixture
def special(workspace: Path) -> Iterator[Path]:
    """A workspace with regular files beside a FIFO (two names) and a listening Unix socket."""
    (workspace / "a.py").write_text("def needle():\n    return 1\n")
    (workspace / "notes.txt").write_text("needle in a text\n")
    os.mkfifo(workspace / "fifo.txt")
    os.mkfifo(workspace / "fifo.py")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(workspace / "sock.py"))
    sock.listen()
    try:
        yield workspace
    finally:
        sock.close()


async def test_walks_skip_special_files(special: Path, ctx: ToolContext) -> None:
    with anyio.fail_after(DEADLINE):
        listed = [entry.path for entry in (await list_files(ctx)).entries]
        assert listed == ["a.py", "notes.txt"]
        assert await list_files(ctx, "fifo.txt") == await list_files(ctx, "fifo.txt")
        assert (await list_files(ctx, "fifo.txt")).entries == []
        found = await search_code(ctx, "needle")
        assert sorted(hit.path for hit in found.hits) == ["a.py", "notes.txt"]
        outline = await code_outline(ctx, ".")
        assert [file.path for file in outline.files] == ["a.py"]
        summary = await summarize(ctx, ".")
        assert "fifo" not in summary.model_dump_json()
        uris = [resource.uri for resource in await resources.list_files(ctx)]
        assert all("fifo" not in uri and "sock" not in uri for uri in uris)


@pytest.mark.parametrize("name", ["fifo.txt", "fifo.py", "sock.py"])
async def test_named_special_files_are_refused_clearly(
    special: Path, ctx: ToolContext, name: str
) -> None:
    kind = "FIFO" if name.startswith("fifo") else "socket"
    with anyio.fail_after(DEADLINE):
        with pytest.raises(InvalidArgument, match=f"is a {kind}.*not a regular file"):
            await read_file(ctx, name)
        with pytest.raises(InvalidArgument, match=f"is a {kind}.*not a regular file"):
            await search_code(ctx, "needle", path=name)
        with pytest.raises(InvalidArgument, match=f"is a {kind}.*not a regular file"):
            await summarize(ctx, name)
        with pytest.raises(InvalidArgument, match=f"exists and is a {kind}"):
            await create_file(ctx, name, "text\n", overwrite=True)
        with pytest.raises(MCPError, match=f"is a {kind}"):
            await resources.read(ctx, resources.file_uri(special / name))
        if name.endswith(".py"):
            (file,) = (await code_outline(ctx, name)).files
            assert not file.supported
            assert file.reason is not None and kind in file.reason
    assert not (special / "notes.txt").is_fifo()  # the regular files are still answered
    assert (await read_file(ctx, "notes.txt")).content == "1\tneedle in a text\n"


def _rg_pointed_at(monkeypatch: pytest.MonkeyPatch, target: str) -> list[int]:
    """Make rg search ``target`` whatever was asked (a file that became a FIFO after the check)
    and record the pids of the rg processes started."""
    pids: list[int] = []
    real_arguments = search_module._rg_arguments
    real_exec = asyncio.create_subprocess_exec

    def arguments(query: str, **kwargs: Any) -> list[str]:
        return [*real_arguments(query, **kwargs)[:-1], target]

    async def spawn(*args: Any, **kwargs: Any) -> asyncio.subprocess.Process:
        process = await real_exec(*args, **kwargs)
        pids.append(process.pid)
        return process

    monkeypatch.setattr(search_module, "_rg_arguments", arguments)
    monkeypatch.setattr(search_module.asyncio, "create_subprocess_exec", spawn)
    return pids


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def test_a_blocked_ripgrep_is_killed_at_the_timeout(
    special: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = ToolContext.local(str(special), settings=ToolSettings(search_timeout=1.0))
    pids = _rg_pointed_at(monkeypatch, "./fifo.txt")
    started = time.monotonic()
    with anyio.fail_after(DEADLINE), pytest.raises(ToolError, match="longer than 1 s"):
        await search_code(ctx, "needle")
    assert time.monotonic() - started < DEADLINE
    assert len(pids) == 1 and _gone(pids[0]), "rg outlived its timeout"


async def test_a_cancelled_search_kills_ripgrep(
    special: Path, ctx: ToolContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    pids = _rg_pointed_at(monkeypatch, "./fifo.txt")
    with anyio.move_on_after(1.0) as scope:  # the caller goes away
        await search_code(ctx, "needle")
    assert scope.cancelled_caught
    assert len(pids) == 1 and _gone(pids[0]), "rg outlived its cancelled caller"


# --- a real server full of FIFO calls ----------------------------------------------------------


@pytest.mark.slow
def test_server_answers_after_many_fifo_calls_and_stops_on_sigterm(
    special: Path, tmp_path: Path
) -> None:
    from tests.web.test_serve_e2e import Server, login

    server = Server(special, tmp_path / "serve.log")
    try:
        server.wait_ready()
        with httpx.Client(base_url=server.url, timeout=DEADLINE) as client:
            headers = login(client, "fifo@example.org")
            calls = [
                ("read_file", {"path": "fifo.txt"}),
                ("code_outline", {"path": "fifo.py"}),
                ("summarize", {"path": "fifo.py"}),
                ("search_code", {"query": "x", "path": "fifo.txt"}),
            ] * 15  # 60 calls: more than the 40 worker threads that once all hung

            async def flood() -> list[int]:
                async with httpx.AsyncClient(
                    base_url=server.url, timeout=DEADLINE, headers=headers
                ) as http:
                    answers = await asyncio.gather(
                        *(
                            http.post(f"/api/v1/tools/{name}", json={"arguments": arguments})
                            for name, arguments in calls
                        )
                    )
                return [answer.status_code for answer in answers]

            statuses = asyncio.run(flood())
            assert all(status in (200, 422) for status in statuses), statuses
            listing = client.post(
                "/api/v1/tools/list_files", json={"arguments": {}}, headers=headers
            )
            assert listing.status_code == 200, listing.text
            paths = [entry["path"] for entry in listing.json()["result"]["entries"]]
            assert paths == ["a.py", "notes.txt"]
        server.process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pytest.fail("the server did not stop within 10 s of SIGTERM")
        assert time.monotonic() - started < 10
    finally:
        server.stop()
