"""The tree-wide tools on bench/scale.py's trees, in process (no CLI start-up), against rg.

    uv run python bench/scale_inprocess.py --sizes 1,16 [--full]

Each figure is one call of the tool function in this process (wall and CPU of the process,
rg's CPU included through ``RUSAGE_CHILDREN``) next to the rg command a user would run, in the
same minute. ``--full`` adds the listing of every entry with the result budget raised out of
the way, on the ripgrep walk and on the breadth-first walk (slow at 16x: minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale

import tools.files.list_files as list_module
from tools.context import ToolContext
from tools.files.search_code import search_code
from tools.settings import ToolSettings


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(call: Callable[[], Awaitable[object]]) -> tuple[float, float, object]:
    started, cpu = time.perf_counter(), _cpu()
    result = asyncio.run(call())  # type: ignore[arg-type]
    return time.perf_counter() - started, _cpu() - cpu, result


def rg(tree: Path, *arguments: str) -> tuple[float, float]:
    started, cpu = time.perf_counter(), _cpu()
    subprocess.run([scale.RG, *arguments], cwd=tree, stdout=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started, _cpu() - cpu


def row(label: str, ours: tuple[float, float], reference: tuple[float, float], note: str) -> None:
    ratio = ours[0] / reference[0] if reference[0] else float("nan")
    print(
        f"| {label} | {ours[0]:.3f} s ({ours[1]:.2f} CPU) | {reference[0]:.3f} s "
        f"({reference[1]:.2f} CPU) | {ratio:.2f}x | {note} |"
    )
    sys.stdout.flush()


def measure(tree: Path, full: bool) -> None:
    filters = scale.RG_FILTERS
    default = ToolContext.local(str(tree))
    unbounded = ToolContext.local(
        str(tree), settings=ToolSettings(max_result_bytes=10**12, max_results=10**6)
    )
    print("| work | fast-genai (in process) | reference | ratio | answer |")
    print("|---|---|---|---|---|")
    wall, cpu, listing = timed(lambda: list_module.list_files(default))
    row("list_files default", (wall, cpu), rg(tree, "--files", *filters), _count(listing))
    wall, cpu, listing = timed(lambda: list_module.list_files(default, limit=10**8))
    row(
        "list_files limit=1e8 (budget)", (wall, cpu), rg(tree, "--files", *filters), _count(listing)
    )
    if full:
        wall, cpu, listing = timed(lambda: list_module.list_files(unbounded, limit=10**8))
        row(
            "list_files, no budget: ripgrep walk",
            (wall, cpu),
            rg(tree, "--files", *filters),
            _count(listing),
        )
        list_module.BFS_CAP = 10**12
        wall, cpu, listing = timed(lambda: list_module.list_files(unbounded, limit=10**8))
        list_module.BFS_CAP = 50_000
        row(
            "list_files, no budget: breadth-first walk",
            (wall, cpu),
            rg(tree, "--files", *filters),
            _count(listing),
        )
    rare = scale.RARE
    wall, cpu, found = timed(lambda: search_code(default, rare))
    row(
        "search_code rare literal",
        (wall, cpu),
        rg(tree, *filters, "--fixed-strings", "-n", rare),
        _hits(found),
    )
    if full:  # every hit of 'import' in one answer: 1.4 million hits at 16x, gigabytes
        wall, cpu, found = timed(lambda: search_code(unbounded, "import", max_results=10**6))
        reference = rg(tree, *filters, "--fixed-strings", "--json", "import")
        row("search_code 'import', every hit, no budget", (wall, cpu), reference, _hits(found))


def _count(listing: object) -> str:
    entries = getattr(listing, "entries", [])
    return f"{len(entries):,} entries" + (", truncated" if getattr(listing, "truncated", 0) else "")


def _hits(found: object) -> str:
    return f"{len(getattr(found, 'hits', [])):,} hits"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,16")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--root", type=Path, default=Path("/tmp/fast-genai-scale"))
    options = parser.parse_args()
    import os
    import sysconfig

    source = Path(sysconfig.get_paths()["purelib"]).resolve()
    print(f"load average at start: {os.getloadavg()}")
    for size in (int(s) for s in options.sizes.split(",")):
        tree = scale.build_tree(source, options.root, size)
        print(f"\n{size}x: {tree}\n")
        measure(tree, options.full)
    print(f"\nload average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
