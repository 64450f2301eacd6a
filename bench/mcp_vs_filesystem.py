"""fast-genai's MCP server against the reference ``@modelcontextprotocol/server-filesystem``.

Same client (the mcp SDK client over stdio, initialize handshake), same files, one run:

- ready: spawn to initialized, for ours, the reference server, and a minimal one-tool MCPServer
  (the floor a Python MCP server can reach);
- list_tools: one tools/list after ready;
- read: p50/p95 of 200 reads of a 20 KB text file (ours: read_file; theirs: read_text_file);
- search over a tree of 4,200 files: ours searches file *contents* (search_code), theirs file
  *names* (search_files with a glob), p50 of 20 searches.

Usage: ``uv run python bench/mcp_vs_filesystem.py [--runs 10]`` (needs ``npm ci`` first).
Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data" / "mcp"
TREE = DATA / "tree"
REFERENCE = (
    ROOT / "node_modules" / "@modelcontextprotocol" / "server-filesystem" / "dist" / "index.js"
)
MINIMAL = DATA / "minimal_server.py"
MINIMAL_SOURCE = '''from mcp.server.mcpserver import MCPServer

server = MCPServer("minimal")


@server.tool()
def echo(text: str) -> str:
    """Echo the text."""
    return text


server.run()
'''
DIRS, FILES_PER_DIR = 42, 100
NEEDLE = "zebra_quokka_needle"


def make_tree() -> int:
    """4,200 small source files, a few mentioning NEEDLE, and one 20 KB text file."""
    marker = TREE / ".complete"
    if not marker.exists():
        for d in range(DIRS):
            folder = TREE / f"pkg{d:02d}"
            folder.mkdir(parents=True, exist_ok=True)
            for f in range(FILES_PER_DIR):
                extra = f"    return '{NEEDLE}'\n" if (d * FILES_PER_DIR + f) % 700 == 0 else ""
                (folder / f"module_{f:03d}.py").write_text(
                    f'"""Module {d}/{f}."""\n\n\ndef function_{f}(x: int) -> int:\n'
                    f"    total = x * {f} + {d}\n{extra}    return total\n"
                )
        line = "The quick brown fox jumps over the lazy dog; 0123456789.\n"
        (TREE / "big.txt").write_text(line * (20_000 // len(line)))
        marker.write_text("")
    MINIMAL.write_text(MINIMAL_SOURCE)
    return sum(1 for p in TREE.rglob("*") if p.is_file() and p.name != ".complete")


@dataclass
class Server:
    name: str
    command: list[str]
    read: tuple[str, dict[str, Any]] | None = None
    search: tuple[str, dict[str, Any]] | None = None
    ready: list[float] = field(default_factory=list)
    list_tools: list[float] = field(default_factory=list)
    reads: list[float] = field(default_factory=list)
    searches: list[float] = field(default_factory=list)
    search_hits: str = ""
    ready_cpu: list[float] = field(default_factory=list)
    """Server process CPU time (user + system) from spawn to initialized (Linux /proc)."""
    read_cpu: float = 0.0
    """Server process CPU time (user + system) per read, in seconds (Linux /proc)."""

    def params(self) -> StdioServerParameters:
        return StdioServerParameters(
            command=self.command[0], args=self.command[1:], env=server_env(), cwd=str(TREE)
        )


def server_env() -> dict[str, str]:
    """Python servers start with compiled bytecode, as from any installed package.

    (This machine sets PYTHONDONTWRITEBYTECODE, which would make every start compile the SDK
    from source; the bytecode goes to a private cache here, not into the environment.)
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(DATA / "pycache")
    return env


async def timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = await call()
    return time.perf_counter() - start, result


async def measure_ready(server: Server) -> None:
    before = children()
    start = time.perf_counter()
    async with Client(server.params(), mode="legacy") as client:
        server.ready.append(time.perf_counter() - start)
        spawned = children() - before
        if len(spawned) == 1:
            server.ready_cpu.append(cpu_seconds(spawned.pop()))
        elapsed, _ = await timed(client.list_tools)
        server.list_tools.append(elapsed)


def children() -> set[int]:
    found: set[int] = set()
    for path in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
        found |= {int(pid) for pid in path.read_text().split()}
    return found


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure_calls(server: Server, reads: int, searches: int) -> None:
    before = children()
    async with Client(server.params(), mode="legacy") as client:
        spawned = children() - before
        pid = spawned.pop() if len(spawned) == 1 else None
        await client.list_tools()
        if server.read:
            name, args = server.read
            first = await client.call_tool(name, args)
            assert not first.is_error, first
            cpu_before = cpu_seconds(pid) if pid else 0.0
            for _ in range(reads):
                elapsed, _ = await timed(lambda: client.call_tool(name, args))
                server.reads.append(elapsed)
            if pid:
                server.read_cpu = (cpu_seconds(pid) - cpu_before) / reads
        if server.search:
            name, args = server.search
            result = await client.call_tool(name, args)
            assert not result.is_error, result
            server.search_hits = describe_hits(result.structured_content)
            for _ in range(searches):
                elapsed, _ = await timed(lambda: client.call_tool(name, args))
                server.searches.append(elapsed)


def describe_hits(structured: dict[str, Any] | None) -> str:
    if not structured:
        return "?"
    if "hits" in structured:
        return f"{len(structured['hits'])} lines in {structured['files_with_hits']} files"
    text = str(structured.get("content", ""))
    return f"{len([line for line in text.splitlines() if line.strip()])} file names"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


async def main(runs: int, reads: int, searches: int) -> None:
    if not REFERENCE.exists():
        sys.exit(f"{REFERENCE} is missing: run `npm ci` first")
    count = make_tree()
    python = sys.executable
    ours = Server(
        "fast-genai mcp",
        [str(Path(python).with_name("fast-genai")), "mcp", "--workspace", str(TREE)],
        read=("read_file", {"path": "big.txt"}),
        search=("search_code", {"query": NEEDLE}),
    )
    reference = Server(
        "server-filesystem",
        ["node", str(REFERENCE), str(TREE)],
        read=("read_text_file", {"path": str(TREE / "big.txt")}),
        search=("search_files", {"path": str(TREE), "pattern": f"**/*{NEEDLE}*"}),
    )
    minimal = Server("minimal MCPServer (1 tool)", [python, str(MINIMAL)])
    servers = [ours, reference, minimal]
    for server in servers:  # warm-up: bytecode cache, file cache
        await measure_ready(server)
        server.ready.clear()
        server.list_tools.clear()
    for _ in range(runs):  # interleaved, so load changes hit every server alike
        for server in servers:
            await measure_ready(server)
    for server in (ours, reference):
        await measure_calls(server, reads, searches)

    print(f"tree: {count} files; runs: {runs} starts, {reads} reads, {searches} searches\n")
    print("| measure | fast-genai mcp | server-filesystem | minimal MCPServer | ratio |")
    print("|---|---|---|---|---|")
    r = statistics.median
    print(
        f"| ready (spawn to initialized), median | {ms(r(ours.ready))} | "
        f"{ms(r(reference.ready))} | {ms(r(minimal.ready))} | "
        f"{r(ours.ready) / r(minimal.ready):.2f}x minimal, "
        f"{r(ours.ready) / r(reference.ready):.2f}x reference |"
    )
    if ours.ready_cpu and minimal.ready_cpu and reference.ready_cpu:
        a, b, c = r(ours.ready_cpu), r(reference.ready_cpu), r(minimal.ready_cpu)
        print(
            f"| server CPU to initialized, median | {ms(a)} | {ms(b)} | {ms(c)} | "
            f"{a / c:.2f}x minimal |"
        )
    print(
        f"| list_tools, median | {ms(r(ours.list_tools))} | {ms(r(reference.list_tools))} | "
        f"{ms(r(minimal.list_tools))} | {r(ours.list_tools) / r(reference.list_tools):.2f}x |"
    )
    for label, q in (("p50", 0.5), ("p95", 0.95)):
        a, b = pct(ours.reads, q), pct(reference.reads, q)
        print(f"| read 20 KB {label} | {ms(a)} | {ms(b)} | - | {a / b:.2f}x |")
    if ours.read_cpu and reference.read_cpu:
        a, b = ours.read_cpu, reference.read_cpu
        print(f"| server CPU per read | {ms(a)} | {ms(b)} | - | {a / b:.2f}x |")
    a, b = r(ours.searches), r(reference.searches)
    print(
        f"| search p50 (ours: contents, {ours.search_hits}; theirs: names, "
        f"{reference.search_hits}) | {ms(a)} | {ms(b)} | - | {a / b:.2f}x |"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--searches", type=int, default=20)
    options = parser.parse_args()
    anyio.run(main, options.runs, options.reads, options.searches)
