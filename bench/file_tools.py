"""list_files against `rg --files`, read_file line ranges against `sed -n`.

Run: uv run python bench/file_tools.py [TREE]
TREE defaults to the Python standard library (a real tree of thousands of files);
a generated tree with .gitignore files is measured too. Prints medians of 5 runs and ratios.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import anyio

from tools.context import ToolContext
from tools.files.list_files import list_files
from tools.files.read_file import read_file
from tools.settings import ToolSettings

RUNS = 5


def median_seconds(action: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def rg_path() -> str:
    found = shutil.which("rg") or str(Path(sys.executable).parent / "rg")
    if not Path(found).exists():
        raise SystemExit("rg not found")
    return found


def generated_tree(root: Path) -> Path:
    """~20k files in 400 directories, with nested .gitignore files ignoring about a third."""
    (root / ".gitignore").write_text("*.log\nbuild/\n")
    for d in range(400):
        folder = root / f"pkg{d % 20}" / f"mod{d}"
        folder.mkdir(parents=True)
        if d % 10 == 0:
            (folder / ".gitignore").write_text("*.tmp\n")
            (folder / "build").mkdir()
            (folder / "build" / "out.o").write_text("x")
        for f in range(50):
            suffix = (".py", ".log", ".tmp", ".md", ".ts")[f % 5]
            (folder / f"file{f}{suffix}").write_text("x\n")
    return root


def bench_listing(label: str, root: Path, rg: str) -> None:
    ctx = ToolContext.local(str(root), settings=ToolSettings(max_results=10_000_000))
    files = 0

    def ours() -> None:
        nonlocal files
        listing = anyio.run(list_files, ctx)
        files = sum(1 for entry in listing.entries if entry.kind == "file")

    def ripgrep() -> None:
        subprocess.run(
            [rg, "--files", "--no-require-git", "--no-ignore-parent"],
            cwd=root,
            capture_output=True,
            check=True,
        )

    rg_files = len(
        subprocess.run(
            [rg, "--files", "--no-require-git", "--no-ignore-parent"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.splitlines()
    )
    ours_s = median_seconds(ours)
    rg_s = median_seconds(ripgrep)
    print(
        f"list {label}: list_files {ours_s * 1000:.0f} ms ({files} files), "
        f"rg --files {rg_s * 1000:.0f} ms ({rg_files} files), ratio {ours_s / rg_s:.1f}x"
    )


def bench_range(root: Path) -> None:
    big = root / "big.txt"
    with big.open("w") as handle:
        for i in range(2_000_000):
            handle.write(f"line {i} of a fairly ordinary text file with some words in it\n")
    size_mb = big.stat().st_size / 1e6
    ctx = ToolContext.local(str(root))
    for start in (1_000, 1_900_000):
        end = start + 99

        def ours(start: int = start, end: int = end) -> None:
            anyio.run(read_file, ctx, "big.txt", start, end)

        def sed(start: int = start, end: int = end) -> None:
            subprocess.run(
                ["sed", "-n", f"{start},{end}p;{end}q", str(big)], capture_output=True, check=True
            )

        ours_s = median_seconds(ours)
        sed_s = median_seconds(sed)
        print(
            f"read lines {start}-{end} of a {size_mb:.0f} MB file: read_file "
            f"{ours_s * 1000:.0f} ms, sed -n {sed_s * 1000:.0f} ms, ratio {ours_s / sed_s:.1f}x"
        )


def main() -> None:
    rg = rg_path()
    tree = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(sysconfig.get_paths()["stdlib"])
    bench_listing(str(tree), tree, rg)
    with tempfile.TemporaryDirectory() as tmp:
        bench_listing("generated 20k-file tree", generated_tree(Path(tmp)), rg)
    with tempfile.TemporaryDirectory() as tmp:
        bench_range(Path(tmp))


if __name__ == "__main__":
    main()
