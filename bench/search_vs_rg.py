"""search_code against ripgrep itself, on a real tree of thousands of files.

    uv run python bench/search_vs_rg.py [--tree PATH] [--runs N]

The tree defaults to this environment's site-packages (a few thousand real files). For every
query the tool (called in-process, one event loop, workspace = the tree) and rg (a subprocess,
its output read into memory) run alternately ``--runs`` times; the table gives medians.

Two rg baselines, both with the same file filters and secret-file exclusions as the tool:
``rg --json`` is exactly the command search_code runs (so the ratio is the cost of the tool's
parsing and result building), and plain ``rg -n --no-heading`` is what a person would type. The
hit sets (path, line) of the tool and of plain rg are compared and must be equal (for a run
capped by max_results: the tool's hits must be a subset of rg's).

Where the time goes: "tool CPU" is the CPU time of this Python process during a search_code
call (everything but rg itself: spawning, reading the pipe, parsing, building the result);
"parse CPU" is the part of it the parser needs for the captured ``rg --json`` output of the
query, measured alone.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.context import ToolContext
from tools.files.ripgrep import rg_binary
from tools.files.search_code import _Collector, _gc_paused, _rg_arguments, search_code
from tools.settings import ToolSettings

ALL = 1_000_000


@dataclass(frozen=True)
class Query:
    label: str
    query: str
    regex: bool = False
    case_sensitive: bool | None = None
    max_results: int = ALL

    def rg_json_args(self) -> list[str]:
        return _rg_arguments(
            self.query,
            target=".",
            regex=self.regex,
            case_sensitive=self.case_sensitive,
            globs=[],
            context_lines=0,
            exclude_secrets=True,
        )

    def rg_plain_args(self) -> list[str]:
        json_args = self.rg_json_args()
        assert json_args[0] == "--json"
        return ["--no-heading", "--with-filename", "--line-number", "--null", *json_args[1:]]


QUERIES = (
    Query("common literal, every hit", "import"),
    Query("common literal, every hit", "Copyright"),
    Query("rare literal", "ThreadedChildWatcher"),
    Query("regex", r"class \w+Error\(", regex=True),
    Query("case-insensitive literal", "todo", case_sensitive=False),
    Query("common literal, default max_results", "import", max_results=1_000),
)


@dataclass
class Row:
    query: Query
    tool: list[float] = field(default_factory=list)
    tool_cpu: list[float] = field(default_factory=list)
    rg_json: list[float] = field(default_factory=list)
    rg_plain: list[float] = field(default_factory=list)
    hits: int = 0
    files: int = 0
    rg_hits: int = 0
    equal: str = ""
    parse_cpu: float = 0.0


def run_rg(rg: str, args: list[str], tree: Path) -> tuple[float, bytes]:
    start = time.perf_counter()
    completed = subprocess.run(
        [rg, *args], cwd=tree, stdin=subprocess.DEVNULL, capture_output=True, check=False
    )
    elapsed = time.perf_counter() - start
    if completed.returncode not in (0, 1):
        raise SystemExit(f"rg failed: {completed.stderr.decode()}")
    return elapsed, completed.stdout


def plain_spots(output: bytes) -> set[tuple[str, int]]:
    found = set()
    for line in output.split(b"\n"):
        if not line:
            continue
        path, _, rest = line.partition(b"\x00")
        number = rest.split(b":", 1)[0]
        found.add((path.decode("utf-8", "replace").removeprefix("./"), int(number)))
    return found


def parse_cpu(json_output: bytes, limit: int) -> float:
    """CPU seconds the tool's parser spends on one captured ``rg --json`` stream."""
    chunk = 1 << 18
    gc.collect()
    start = time.process_time()
    collector = _Collector(limit=limit, context=0, allow_secrets=False)
    pending = bytearray()
    for offset in range(0, len(json_output), chunk):
        pending += json_output[offset : offset + chunk]
        cut = pending.rfind(b"\n")
        if cut < 0:
            continue
        block = bytes(pending[:cut])
        del pending[: cut + 1]
        with _gc_paused():
            collector.feed(block.split(b"\n"))
        if collector.done:
            break
    collector.sorted_hits()
    return time.process_time() - start


async def measure(tree: Path, runs: int, queries: tuple[Query, ...]) -> list[Row]:
    rg = rg_binary()
    ctx = ToolContext.local(str(tree), settings=ToolSettings())
    rows = []
    for query in queries:
        row = Row(query)
        expected: set[tuple[str, int]] = set()
        got: set[tuple[str, int]] = set()
        for run in range(runs):
            order = ("tool", "rg") if run % 2 == 0 else ("rg", "tool")
            for which in order:
                gc.collect()
                if which == "tool":
                    start, cpu = time.perf_counter(), time.process_time()
                    result = await search_code(
                        ctx,
                        query.query,
                        regex=query.regex,
                        case_sensitive=query.case_sensitive,
                        max_results=query.max_results,
                    )
                    row.tool.append(time.perf_counter() - start)
                    row.tool_cpu.append(time.process_time() - cpu)
                    got = {(hit.path, hit.line) for hit in result.hits}
                    row.hits, row.files = len(result.hits), result.files_with_hits
                    del result
                else:
                    elapsed, json_output = run_rg(rg, query.rg_json_args(), tree)
                    row.rg_json.append(elapsed)
                    elapsed, plain = run_rg(rg, query.rg_plain_args(), tree)
                    row.rg_plain.append(elapsed)
                    expected = plain_spots(plain)
        row.rg_hits = len(expected)
        if query.max_results >= ALL:
            row.equal = "yes" if got == expected else f"NO ({len(got ^ expected)} differ)"
        else:
            row.equal = "subset" if got <= expected else "NO (not a subset)"
        row.parse_cpu = parse_cpu(json_output, query.max_results)
        rows.append(row)
        print(f"  done: {query.label} {query.query!r}", file=sys.stderr)
    return rows


def table(rows: list[Row]) -> str:
    lines = [
        "| query | kind | hits (rg) | files | search_code | rg --json | ratio | rg plain "
        "| ratio vs plain | tool CPU | parse CPU | same hits |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        tool = statistics.median(row.tool) * 1000
        rg_json = statistics.median(row.rg_json) * 1000
        rg_plain = statistics.median(row.rg_plain) * 1000
        hits = f"{row.hits:,} ({row.rg_hits:,})"
        lines.append(
            f"| `{row.query.query}` | {row.query.label} | {hits} | {row.files:,} "
            f"| {tool:.0f} ms | {rg_json:.0f} ms | {tool / rg_json:.2f}x | {rg_plain:.0f} ms "
            f"| {tool / rg_plain:.2f}x | {statistics.median(row.tool_cpu) * 1000:.0f} ms "
            f"| {row.parse_cpu * 1000:.0f} ms | {row.equal} |"
        )
    return "\n".join(lines)


def count_files(tree: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(tree))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, default=Path(sysconfig.get_paths()["purelib"]))
    parser.add_argument("--runs", type=int, default=9)
    options = parser.parse_args()
    tree = options.tree.resolve()
    files = count_files(tree)
    filters = [arg for arg in Query("", "x").rg_json_args() if arg.startswith(("--no", "--ig"))]
    searched = subprocess.run(
        [rg_binary(), "--files", *filters],
        cwd=tree,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
    ).stdout.count(b"\n")
    print(f"tree: {tree}")
    print(f"files: {files:,} ({searched:,} searched after ignore/hidden/secret filters)")
    if files < 5_000:
        raise SystemExit("the tree has fewer than 5,000 files; pass a bigger one with --tree")
    version = subprocess.run([rg_binary(), "--version"], capture_output=True, check=True)
    print(f"rg: {version.stdout.decode().splitlines()[0]}; python {sys.version.split()[0]}")
    print(f"cpus: {os.cpu_count()}; load average before: {os.getloadavg()}")
    rows = asyncio.run(measure(tree, options.runs, QUERIES))
    print(f"load average after: {os.getloadavg()}; runs per query: {options.runs}")
    print()
    print(table(rows))


if __name__ == "__main__":
    main()
