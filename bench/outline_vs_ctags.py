"""code_outline against universal-ctags on the Python standard library.

Run: uv run python bench/outline_vs_ctags.py [DIR]
DIR defaults to a copy of the interpreter's standard library ``.py`` files (site-packages left
out). ctags must be Universal Ctags (Debian/Ubuntu package ``universal-ctags``).

Ours runs in-process (``asyncio.run`` of the tool on a ToolContext over the tree); ctags runs as
a subprocess: ``ctags -R --output-format=json --fields=+ne --languages=Python -f - DIR``.
Cold = a fresh, empty cache folder and an empty in-process memo. Warm (memo) = nothing changed,
same process: outlines come from the in-process memo. Warm (disk) = nothing changed, memo
cleared as in a new process: outlines come from the SQLite cache. Runs are interleaved (ctags,
cold, warm memo, warm disk, ctags, ...) so load from other work hits all of them alike; medians.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from tools.code.code_outline import code_outline
from tools.code.outline_memo import MEMO
from tools.context import ToolContext
from tools.settings import ToolSettings

RUNS = 5
CTAGS_ARGS = ("-R", "--output-format=json", "--fields=+ne", "--languages=Python", "-f", "-")
CTAGS_DEFINITION_KINDS = {"class", "function", "member"}
OUR_DEFINITION_KINDS = {"class", "function", "method"}


def stdlib_copy(into: Path) -> Path:
    """The standard library's .py files (no site-packages, no caches), copied into ``into``."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    target = into / "stdlib"
    for source in stdlib.rglob("*.py"):
        relative = source.relative_to(stdlib)
        if (
            relative.parts[0] in ("site-packages", "dist-packages")
            or "__pycache__" in relative.parts
        ):
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
    return target


def ctags_program() -> tuple[str, str]:
    program = shutil.which("ctags")
    if program is None:
        raise SystemExit("ctags is not installed (Debian/Ubuntu: apt-get install universal-ctags)")
    version = subprocess.run(
        [program, "--version"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[0]
    return program, version


def run_ctags(program: str, tree: Path) -> list[dict[str, object]]:
    done = subprocess.run(
        [program, *CTAGS_ARGS, str(tree)],
        capture_output=True,
        text=True,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


async def _outline(ctx: ToolContext) -> tuple[int, int, list[tuple[str, str, str]]]:
    # Return plain data, not the model: on Python 3.11 asyncio.run's SIGINT-handler restore
    # builds repr() of the main task, which would format the whole (huge) result.
    result = await code_outline(ctx, ".", max_files=1_000_000)
    definitions = [(f.path, s.name, s.kind) for f in result.files for s in f.symbols]
    return len(result.files), result.cache_hits, definitions


def run_ours(
    tree: Path, cache: Path, *, clear_memo: bool
) -> tuple[int, int, list[tuple[str, str, str]]]:
    if clear_memo:
        MEMO.clear()
    # the result budget lifted: every file in one answer, as ctags -R writes every tag
    settings = ToolSettings(cache_dir=cache, max_result_bytes=10**12)
    ctx = ToolContext.local(str(tree), settings=settings)
    return asyncio.run(_outline(ctx))


def timed(action: object) -> tuple[float, object]:
    start = time.perf_counter()
    value = action()  # type: ignore[operator]
    return time.perf_counter() - start, value


def main() -> None:
    program, version = ctags_program()
    universal = "Universal Ctags" in version
    with tempfile.TemporaryDirectory(prefix="outline-bench-") as scratch:
        scratch_dir = Path(scratch)
        tree = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else stdlib_copy(scratch_dir)
        files = [p for p in tree.rglob("*.py") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        print(f"corpus: {tree} — {len(files)} .py files, {size / 1e6:.1f} MB")
        print(f"ctags: {version}" + ("" if universal else "  (NOT Universal Ctags)"))
        print(f"cores: {os.cpu_count()}, load average at start: {os.getloadavg()}")

        ctags_times, cold_times, memo_times, disk_times = [], [], [], []
        tags: list[dict[str, object]] = []
        ours: tuple[int, int, list[tuple[str, str, str]]] = (0, 0, [])
        for run in range(RUNS):
            cache = scratch_dir / f"cache{run}"
            seconds, value = timed(lambda: run_ctags(program, tree))
            ctags_times.append(seconds)
            tags = value  # type: ignore[assignment]
            seconds, value = timed(lambda: run_ours(tree, cache, clear_memo=True))  # noqa: B023
            cold_times.append(seconds)
            ours = value  # type: ignore[assignment]
            assert ours[1] == 0, "cold run hit a cache"
            seconds, value = timed(lambda: run_ours(tree, cache, clear_memo=False))  # noqa: B023
            memo_times.append(seconds)
            assert value[1] == ours[0], "warm run parsed files"  # type: ignore[index]
            seconds, value = timed(lambda: run_ours(tree, cache, clear_memo=True))  # noqa: B023
            disk_times.append(seconds)
            assert value[1] == ours[0], "warm run parsed files"  # type: ignore[index]
            print(
                f"run {run + 1}: ctags {ctags_times[-1]:.3f}s  cold {cold_times[-1]:.3f}s  "
                f"warm/memo {memo_times[-1]:.3f}s  warm/disk {disk_times[-1]:.3f}s"
            )

    ctags_kinds = collections.Counter(str(t.get("kind")) for t in tags)
    our_kinds = collections.Counter(kind for _, _, kind in ours[2])
    ctags_defs = sum(ctags_kinds[k] for k in CTAGS_DEFINITION_KINDS)
    our_defs = sum(our_kinds[k] for k in OUR_DEFINITION_KINDS)
    ctags_names = collections.Counter(
        (str(Path(str(t["path"])).relative_to(tree).as_posix()), str(t["name"]))
        for t in tags
        if t.get("kind") in CTAGS_DEFINITION_KINDS
    )
    our_names = collections.Counter((path, name) for path, name, _ in ours[2])
    common = sum((ctags_names & our_names).values())

    ctags_s = statistics.median(ctags_times)
    cold_s = statistics.median(cold_times)
    memo_s = statistics.median(memo_times)
    disk_s = statistics.median(disk_times)
    print()
    print(
        f"Corpus: {len(files)} Python files ({size / 1e6:.1f} MB); "
        f"{RUNS} interleaved runs, medians."
    )
    print()
    print(
        "| | universal-ctags | code_outline cold | warm, same process (memo) "
        "| warm, new process (disk cache) |"
    )
    print("|---|---|---|---|---|")
    print(
        f"| wall time (median) | {ctags_s:.3f} s | {cold_s:.3f} s | {memo_s:.3f} s "
        f"| {disk_s:.3f} s |"
    )
    print(
        f"| ratio to ctags (target) | 1.00x | {cold_s / ctags_s:.2f}x (<= 2x) | "
        f"{memo_s / ctags_s:.2f}x (<= 0.2x) | {disk_s / ctags_s:.2f}x (<= 0.2x) |"
    )
    print(
        f"| definitions found | {ctags_defs}: class {ctags_kinds['class']}, function "
        f"{ctags_kinds['function']}, member {ctags_kinds['member']} | {our_defs}: class "
        f"{our_kinds['class']}, function {our_kinds['function']}, method {our_kinds['method']} "
        "| same | same |"
    )
    print(
        f"| (file, name) pairs the other also found | {common} of {ctags_defs} | "
        f"{common} of {our_defs} | | |"
    )


if __name__ == "__main__":
    main()
