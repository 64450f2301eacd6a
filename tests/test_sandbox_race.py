"""The sandbox under a live race: a directory swapped with a symlink to outside, in a loop.

A swapper process exchanges ``ws/d`` (a real directory) and ``ws/l`` (a symlink to a folder
outside the workspace) with ``renameat2(RENAME_EXCHANGE)`` as fast as it can, so at any moment
``ws/d`` is either the directory or the symlink. Every file tool is called at least
``CALLS`` times on paths under ``d``; no call may return content of the outside files, no write
may land outside, and no temp file may be left behind. A naive read by name, run alongside,
shows that the race is live (it does reach outside).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import subprocess
import sys
import textwrap
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from mcp.shared.exceptions import MCPError

from mcp_server import resources
from tools import openat2
from tools.code.code_outline import code_outline
from tools.code.summarize import summarize
from tools.context import ToolContext
from tools.errors import ToolError
from tools.files.create_file import create_file
from tools.files.list_files import list_files
from tools.files.read_file import read_file
from tools.files.search_code import search_code
from tools.settings import ToolSettings

pytestmark = [pytest.mark.anyio, pytest.mark.skipif(sys.platform != "linux", reason="Linux only")]

CALLS = 500
SWAPPER_SECONDS = 240
"""The swapper stops by itself after this long, whatever happens to the test."""
MARK = "OUTSIDE_MARK"

SWAPPER = textwrap.dedent(
    """
    import ctypes, os, sys, time
    libc = ctypes.CDLL(None, use_errno=True)
    AT_FDCWD, RENAME_EXCHANGE = -100, 2
    a, b = os.fsencode(sys.argv[1]), os.fsencode(sys.argv[2])
    deadline = time.monotonic() + float(sys.argv[3])
    print("ready", flush=True)
    swaps = 0
    while time.monotonic() < deadline:
        if libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) != 0:
            sys.exit("renameat2: " + os.strerror(ctypes.get_errno()))
        swaps += 1
    """
)


def _renameat2_available() -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    return hasattr(libc, "renameat2")


Race = tuple[ToolContext, Path, Path, Callable[[], None]]


@pytest.fixture(params=["openat2", "component-walk"])
def race(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Race]:
    """Both ways of opening beneath the root: openat2 where the kernel has it, else the walk."""
    if not _renameat2_available():
        pytest.skip("libc has no renameat2")
    if request.param == "openat2" and not openat2.available():
        pytest.skip("this kernel has no openat2; the component walk is tested")
    if request.param == "component-walk":
        monkeypatch.setattr(openat2, "_unavailable", True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "target.txt").write_text(f"needle {MARK}\n")
    (outside / "target.py").write_text(f'def {MARK}():\n    """{MARK} doc."""\n')
    (outside / f"{MARK}_name.txt").write_text("a name only outside\n")  # for listings
    ws = tmp_path / "ws"
    (ws / "d").mkdir(parents=True)
    (ws / "d" / "target.txt").write_text("needle inside\n")
    (ws / "d" / "target.py").write_text('def inside():\n    """Inside doc."""\n')
    (ws / "l").symlink_to(outside, target_is_directory=True)
    settings = ToolSettings(cache_dir=tmp_path / "cache", data_dir=tmp_path / "data")
    ctx = ToolContext.local(str(ws), settings=settings)
    swapper = subprocess.Popen(
        [sys.executable, "-c", SWAPPER, str(ws / "d"), str(ws / "l"), str(SWAPPER_SECONDS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert swapper.stdout is not None
    assert swapper.stdout.readline().strip() == "ready"

    def stop() -> None:
        if swapper.poll() is None:
            swapper.kill()
        swapper.wait(timeout=10)
        assert swapper.stdout is not None
        swapper.stdout.close()
        assert swapper.returncode == -9, "the swapper stopped early (renameat2 failed)"

    try:
        yield ctx, ws, outside, stop
    finally:
        stop()


def _naive_leaks(ws: Path, tries: int = 2000) -> int:
    """How often a plain read by name reaches the outside file: the race is real."""
    leaks = 0
    for _ in range(tries):
        with contextlib.suppress(OSError):
            leaks += MARK in (ws / "d" / "target.txt").read_text()
    return leaks


async def _hammer(call: Callable[[int], Awaitable[str]]) -> tuple[int, int]:
    """``CALLS`` calls, more if none was answered yet (the swapper can win every call of a
    tool on a busy machine); (answers, leaks). Refusals (the path changed, not found) are fine."""
    answered = leaks = 0
    for i in range(CALLS * 10):
        if i >= CALLS and answered:
            break
        try:
            text = await call(i)
        except (ToolError, MCPError):  # resources/read maps refusals to MCP errors
            continue
        answered += 1
        leaks += MARK in text
    return answered, leaks


async def test_reads_never_leave_the_workspace_under_a_swap_race(
    race: Race,
) -> None:
    ctx, ws, _, stop = race
    assert _naive_leaks(ws) > 0, "the swap race did not reach outside: the test proves nothing"

    async def read(_: int) -> str:
        return (await read_file(ctx, "d/target.txt")).content

    async def resource(_: int) -> str:
        result = await resources.read(ctx, resources.file_uri(ws / "d" / "target.txt"))
        return result.model_dump_json()

    async def search(_: int) -> str:
        return (await search_code(ctx, "needle", path="d")).model_dump_json()

    async def outline(_: int) -> str:
        return (await code_outline(ctx, "d/target.py")).model_dump_json()

    async def outline_dir(_: int) -> str:
        return (await code_outline(ctx, "d")).model_dump_json()

    async def summary(_: int) -> str:
        return (await summarize(ctx, "d/target.py")).model_dump_json()

    async def listing(_: int) -> str:
        return (await list_files(ctx, "d")).model_dump_json()

    async def root_listing(_: int) -> str:
        return (await list_files(ctx, ".")).model_dump_json()

    tools = {
        "read_file": read,
        "list_files d": listing,
        "list_files .": root_listing,
        "resources/read": resource,
        "search_code": search,
        "code_outline file": outline,
        "code_outline dir": outline_dir,
        "summarize": summary,
    }
    outcome = {name: await _hammer(call) for name, call in tools.items()}
    stop()
    print(
        {name: f"{answered} answered, {leaks} leaks" for name, (answered, leaks) in outcome.items()}
    )
    for name, (answered, leaks) in outcome.items():
        assert leaks == 0, f"{name}: {leaks} of {answered} answers returned outside content"
        assert answered > 0, f"{name}: no call answered; the test exercised only refusals"


async def test_writes_never_land_outside_under_a_swap_race(
    race: Race,
) -> None:
    ctx, ws, outside, stop = race
    before = sorted(os.listdir(outside))
    written = 0
    for i in range(CALLS):
        try:
            await create_file(ctx, f"d/new-{i}.txt", f"content {i}\n")
        except ToolError:
            continue
        written += 1
    for i in range(CALLS // 5):  # overwrites go through rename: the same guarantee
        try:
            await create_file(ctx, "d/target.txt", f"needle inside {i}\n", overwrite=True)
        except ToolError:
            continue
        written += 1
    stop()
    print(f"{written} writes done of {CALLS + CALLS // 5}")
    assert written > 0
    assert sorted(os.listdir(outside)) == before, "a write landed outside the workspace"
    assert (outside / "target.txt").read_text() == f"needle {MARK}\n"
    leftovers = [str(path) for top in (ws, outside) for path in top.rglob("*.tmp")]
    assert leftovers == []
    real_d = ws / "l" if (ws / "d").is_symlink() else ws / "d"
    assert len(list(real_d.glob("new-*.txt"))) >= written - CALLS // 5
