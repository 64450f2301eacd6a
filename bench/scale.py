"""The tools on big trees, through the CLI, against the program a user would otherwise run.

    uv run python bench/scale.py --sizes 1,4,16 [--cases outline,list,...] [--source DIR]

A tree of size Nx is N copies of ``--source`` (default: this environment's site-packages) under
``--root`` (default /tmp/fast-genai-scale/xN/copyK), made of hard links (``cp -al``) when the
source is on the same file system, else real copies: it is built once and reused. Every case
runs as a fresh process (``fast-genai tools call ... --json`` against ``ctags``, ``rg``), output
to /dev/null, one run each (the machine is shared; the 16x outline takes minutes).

Peak memory is taken from the OS: /proc is sampled every 20 ms and the resident sets of the
process and all its descendants (the outline's parse workers) are summed; ``maxrss`` (from
``wait4``) is the largest single process, for comparison. The load average is printed with the
table; record it beside the figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CLI = str(BIN / "fast-genai")
RG = str(BIN / "rg") if (BIN / "rg").exists() else "rg"
PAGE = os.sysconf("SC_PAGE_SIZE")
RG_FILTERS = ["--no-config", "--no-require-git", "--no-ignore-parent", "--no-ignore-global"]
RARE = "fast_genai_rare_literal_zq"
"""Written into one file of each tree, so the rare-literal search has exactly N hits."""


@dataclass(frozen=True)
class Measure:
    seconds: float
    peak_mib: float
    maxrss_mib: float
    returncode: int
    cpu_seconds: float = 0.0
    """User plus system CPU of the process and its waited-for children (from ``wait4``): less
    swayed by the machine's load than wall time."""


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with Path(f"/proc/{entry.name}/stat").open("rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and every descendant."""
    children = _children_map()
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        stack.extend(children.get(current, ()))
        try:
            with Path(f"/proc/{current}/statm").open("rb") as handle:
                total += int(handle.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> Measure:
    """Run ``command`` with output to /dev/null; wall time and peak memory of its process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert process.stderr is not None
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    sampler.join()
    if process.returncode not in (0, 1):
        print(f"  ! {' '.join(command[:6])}: exit {process.returncode}: {stderr[-300:]!r}")
    cpu = usage.ru_utime + usage.ru_stime
    return Measure(seconds, peak / 2**20, usage.ru_maxrss / 1024, process.returncode, cpu)


def build_tree(source: Path, root: Path, size: int) -> Path:
    """``root/x{size}``: ``size`` copies of ``source`` (hard links where possible), made once."""
    tree = root / f"x{size}"
    marker = tree / ".complete"
    if marker.exists():
        return tree
    if tree.exists():
        shutil.rmtree(tree)
    tree.mkdir(parents=True)
    same_fs = source.stat().st_dev == tree.stat().st_dev
    for k in range(size):
        target = tree / f"copy{k}"
        flags = ["-al"] if same_fs else ["-a"]
        subprocess.run(["cp", *flags, str(source), str(target)], check=True)
        # A file of its own (not a link) with the rare literal, so each copy has one hit.
        (target / "fast_genai_rare.py").write_text(f"{RARE} = {k}\n")
    marker.write_text("")
    return tree


def count_files(tree: Path) -> int:
    listed = subprocess.run(
        [RG, "--files", *RG_FILTERS], cwd=tree, capture_output=True, check=False
    )
    return listed.stdout.count(b"\n")


def tool(name: str, *pairs: str) -> list[str]:
    return [CLI, "tools", "call", name, *pairs, "--workspace", ".", "--json"]


def fresh_cache_env(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["XDG_CACHE_HOME"] = str(folder)
    env["FAST_GENAI_CONFIG"] = str(folder / "none.toml")
    # the copies are hard links (cp -al): the tools refuse those unless allowed
    env["FAST_GENAI_ALLOW_HARDLINKED_FILES"] = "true"
    return env


def shell(script: str) -> list[str]:
    return ["sh", "-c", script]


CaseFn = Callable[[Path, dict[str, str]], list[tuple[str, Measure]]]


def case_outline(tree: Path, env: dict[str, str]) -> list[tuple[str, Measure]]:
    with tempfile.TemporaryDirectory(prefix="fg-scale-cache-") as cache:
        cache_env = fresh_cache_env(Path(cache))
        whole = tool("code_outline", "path=.", "max_files=100000000")
        cold = run(whole, cwd=tree, env=cache_env)
        warm = run(whole, cwd=tree, env=cache_env)
    ctags = run(["ctags", "-R", "--output-format=json", "--fields=+ne", "-f", "-", "."], cwd=tree)
    return [
        ("outline cold (default budget: first 512 KB)", cold),
        ("outline warm (disk cache)", warm),
        ("ctags -R", ctags),
    ]


def case_outline_full(tree: Path, env: dict[str, str]) -> list[tuple[str, Measure]]:
    """Every file outlined into one answer: the budget raised out of the way."""
    with tempfile.TemporaryDirectory(prefix="fg-scale-cache-") as cache:
        cache_env = fresh_cache_env(Path(cache))
        cache_env["FAST_GENAI_MAX_RESULT_BYTES"] = str(10**12)
        whole = tool("code_outline", "path=.", "max_files=100000000")
        cold = run(whole, cwd=tree, env=cache_env)
        warm = run(whole, cwd=tree, env=cache_env)
    return [("outline cold, no budget (every file)", cold), ("same, warm (disk cache)", warm)]


def case_list(tree: Path, env: dict[str, str]) -> list[tuple[str, Measure]]:
    every = run(tool("list_files", "limit=100000000"), cwd=tree, env=env)
    rg_all = run([RG, "--files", *RG_FILTERS], cwd=tree)
    default = run(tool("list_files"), cwd=tree, env=env)
    rg_head = run(shell(f"{RG} --files {' '.join(RG_FILTERS)} | head -n 1000"), cwd=tree)
    return [
        ("list every entry", every),
        ("rg --files", rg_all),
        ("list default (1,000)", default),
        ("rg --files | head -1000", rg_head),
    ]


def case_list_full(tree: Path, env: dict[str, str]) -> list[tuple[str, Measure]]:
    """Every entry in one answer (the budget raised out of the way): the ripgrep walk."""
    big = dict(env, FAST_GENAI_MAX_RESULT_BYTES=str(10**12))
    every = run(tool("list_files", "limit=100000000"), cwd=tree, env=big)
    rg_all = run([RG, "--files", *RG_FILTERS], cwd=tree)
    return [("list every entry, no budget (rg walk)", every), ("rg --files", rg_all)]


def case_search(tree: Path, env: dict[str, str]) -> list[tuple[str, Measure]]:
    ours = run(tool("search_code", f"query={RARE}"), cwd=tree, env=env)
    rg = run([RG, *RG_FILTERS, "--fixed-strings", "-n", RARE], cwd=tree)
    many = run(tool("search_code", "query=import", "max_results=1000000"), cwd=tree, env=env)
    rg_many = run([RG, *RG_FILTERS, "--fixed-strings", "--json", "import"], cwd=tree)
    return [
        ("search rare literal", ours),
        ("rg rare literal", rg),
        ("search 'import', all hits", many),
        ("rg --json 'import'", rg_many),
    ]


def case_startup(tree: Path, env: dict[str, str]) -> list[tuple[str, Measure]]:
    readme = ROOT / "README.md"
    rows = []
    for label, command in (
        ("tools call parse_link (median of 10)", tool("parse_link", "text=none")),
        (
            "tools call read_file README.md (median of 10)",
            [CLI, "tools", "call", "read_file", f"path={readme.name}", "--workspace", str(ROOT)],
        ),
        ("fast-genai --help (median of 10)", [CLI, "--help"]),
    ):
        runs = [run(command, cwd=ROOT, env=env) for _ in range(10)]
        median = statistics.median(m.seconds for m in runs)
        peak = max(m.peak_mib for m in runs)
        cpu = statistics.median(m.cpu_seconds for m in runs)
        rows.append((label, Measure(median, peak, max(m.maxrss_mib for m in runs), 0, cpu)))
    return rows


CASES: dict[str, CaseFn] = {
    "outline": case_outline,
    "outline-full": case_outline_full,
    "list": case_list,
    "list-full": case_list_full,
    "search": case_search,
    "startup": case_startup,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,4,16", help="multiples of the source tree")
    parser.add_argument("--cases", default=",".join(CASES), help=",".join(CASES))
    parser.add_argument("--source", type=Path, default=Path(sysconfig.get_paths()["purelib"]))
    parser.add_argument("--root", type=Path, default=Path("/tmp/fast-genai-scale"))
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]
    cases = [CASES[name] for name in options.cases.split(",")]
    with tempfile.TemporaryDirectory(prefix="fg-scale-env-") as folder:
        env = fresh_cache_env(Path(folder))
        print(f"load average at start: {os.getloadavg()}")
        if case_startup in cases:
            cases.remove(case_startup)
            _table("start-up", case_startup(ROOT, env))
        for size in sizes:
            tree = build_tree(options.source.resolve(), options.root, size)
            title = f"{size}x: {tree} ({count_files(tree):,} files)"
            rows = [row for case in cases for row in case(tree, env)]
            _table(title, rows)
        print(f"load average at end: {os.getloadavg()}")


def _table(title: str, rows: list[tuple[str, Measure]]) -> None:
    print(f"\n{title}\n")
    print("| work | wall s | CPU s | peak MiB (tree) | maxrss MiB |")
    print("|---|---|---|---|---|")
    for label, m in rows:
        print(
            f"| {label} | {m.seconds:.2f} | {m.cpu_seconds:.2f} | {m.peak_mib:.0f} "
            f"| {m.maxrss_mib:.0f} |"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
