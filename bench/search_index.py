"""The search index against ripgrep: a warm rare-literal search, and what the index costs.

    uv run python bench/search_index.py --tree /tmp/fast-genai-scale/x4 [--runs 3]

On a tree built by ``bench/scale.py`` (copies of site-packages; the rare literal is in one
file of each copy), in-process: the index is built cold once (timed; its size on disk taken
from the SQLite file and its WAL), then for ``--runs`` rounds, alternately: ``search_code``
with the index (warm: its refresh stats every file and directory and finds nothing changed),
``search_code`` without it, and ``rg --json`` with the tool's own flags (a subprocess, output
read into memory). Medians; the hit sets must be equal. The load average is printed: record it
beside the figures. Hard-linked files are allowed (the trees are ``cp -al`` copies).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.context import ToolContext
from tools.files.ripgrep import rg_binary
from tools.files.search_code import _rg_arguments, search_code
from tools.files.search_index import store
from tools.files.search_index.lookup import indexed_paths
from tools.settings import ToolSettings

RARE = "fast_genai_rare_literal_zq"
TARGET = 5.0


def _settings(mode: str, cache: Path) -> ToolSettings:
    return ToolSettings(
        search_index=mode,  # type: ignore[arg-type]
        cache_dir=cache,
        allow_hardlinked_files=True,
        max_results=1_000_000,
        search_timeout=3600,
    )


def _rg_seconds(tree: Path) -> tuple[float, int]:
    arguments = _rg_arguments(
        RARE,
        target=".",
        regex=False,
        case_sensitive=None,
        globs=[],
        context_lines=0,
        exclude_secrets=True,
    )
    start = time.perf_counter()
    done = subprocess.run([rg_binary(), *arguments], cwd=tree, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    return seconds, done.stdout.count(b'{"type":"match"')


def _sizes(db: Path, tree: Path) -> tuple[int, int]:
    """The index's bytes on disk (with its WAL), and the tree's bytes (every link counted)."""
    size = sum(
        Path(f"{db}{side}").stat().st_size for side in ("", "-wal") if Path(f"{db}{side}").exists()
    )
    du = subprocess.run(
        ["du", "-sb", "--count-links", str(tree)], capture_output=True, text=True, check=False
    )
    return size, int(du.stdout.split()[0])


async def _timed(ctx: ToolContext) -> tuple[float, set[tuple[str, int]]]:
    start = time.perf_counter()
    result = await search_code(ctx, RARE)
    return time.perf_counter() - start, {(hit.path, hit.line) for hit in result.hits}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tree", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=None)
    args = parser.parse_args()
    tree = args.tree.resolve()
    cache = args.cache or Path(tempfile.mkdtemp(prefix="fast-genai-index-"))
    on = ToolContext.local(str(tree), settings=_settings("on", cache))
    off = ToolContext.local(str(tree), settings=_settings("off", cache))
    start = time.perf_counter()
    cpu = time.process_time()
    paths = await indexed_paths(on, RARE, regex=False, globs=[], relative=".")
    build = time.perf_counter() - start
    build_cpu = time.process_time() - cpu
    db = store.index_path(cache, on.workspace.root)
    size, source = _sizes(db, tree)
    with store.connect(db) as connection:
        files = store.count(connection)
    print(f"tree {tree}: {files} files indexed, {source / 2**20:.0f} MiB of files")
    print(f"cold build {build:.1f} s ({build_cpu:.1f} s CPU), index {size / 2**20:.0f} MiB")
    print(f"candidates for the rare literal: {None if paths is None else len(paths)}")
    ours: list[float] = []
    plain: list[float] = []
    rg: list[float] = []
    for _ in range(args.runs):
        seconds, with_index = await _timed(on)
        ours.append(seconds)
        seconds, without = await _timed(off)
        plain.append(seconds)
        seconds, rg_hits = _rg_seconds(tree)
        rg.append(seconds)
        assert with_index == without, "the index changed the hits"
        assert len(with_index) == rg_hits, (len(with_index), rg_hits)
    ours_s, plain_s, rg_s = (statistics.median(x) for x in (ours, plain, rg))
    ratio = rg_s / ours_s
    verdict = "met" if ratio >= TARGET else "MISSED"
    print(f"hits {len(with_index)}; medians of {args.runs} runs:")
    print(f"  search_code with the index (warm): {ours_s * 1000:.0f} ms")
    print(f"  search_code without it:            {plain_s * 1000:.0f} ms")
    print(f"  rg --json:                         {rg_s * 1000:.0f} ms")
    print(f"  speed-up over rg: {ratio:.1f}x (target >= {TARGET:g}x at 16x: {verdict})")
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    asyncio.run(main())
