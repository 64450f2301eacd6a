"""Benchmark: the repo map behind ``summarize`` (directory) vs aider's RepoMap; tokens vs naive.

Run: ``uv run python bench/repo_map.py [--tree DIR] [--aider-python PATH] [--budget N]``

1. Speed and memory of building the map (walk, tree-sitter definitions, identifier references,
   PageRank, render within the budget) on a tree of Python files: by default a copy of this
   interpreter's standard library (``*.py`` only, no site-packages). Each measurement runs in a
   fresh process: *cold* with an empty cache folder, *warm* with the disk caches of the cold run
   (as aider's second run uses its tags cache), and *warm in-process* (a second map in the same
   process, as the MCP or web server would). Imports are outside the timings; peak RSS is the
   process's own and, separately, its largest worker process (outlines parse in a pool).
   With ``--aider-python`` (a virtual environment where ``aider-chat`` is installed), aider's
   ``RepoMap.get_repo_map`` is measured the same way on the same tree and budget.
2. Tokens sent to the model (counted at the fake Gemini server of the tests, text only) for
   "summarize this directory" and "explain this 1 MB file", against the naive request holding
   the whole content.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OURS_CHILD = """
import asyncio, json, os, resource, sys, time
tree, cache, repeat, budget = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
os.environ["XDG_CACHE_HOME"] = cache
from tools.context import ToolContext
from tools.code.repo_map import build_repo_map
from tools.code.summary_dir import load_directory
ctx = ToolContext.local(tree)

async def measure():
    # One event loop, returning small values: asyncio.run on Python 3.11 formats the repr of
    # the main task's result when it restores the SIGINT handler, which costs a second here.
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        data = await load_directory(ctx, ctx.workspace.root)
        repo_map = build_repo_map(data.outlines, data.references, budget_tokens=budget)
        times.append(time.perf_counter() - start)
    return times, len(data.outlines), repo_map.tokens, repo_map.symbols_shown

times, files, tokens, shown = asyncio.run(measure())
print(json.dumps({
    "seconds": times,
    "files": files,
    "map_tokens": tokens,
    "symbols_shown": shown,
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""

AIDER_CHILD = """
import json, os, resource, sys, time
tree, repeat, budget = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
from aider.io import InputOutput
from aider.repomap import RepoMap

class Model:
    # Token counting without a tokenizer download (no network): four characters a token.
    def token_count(self, text):
        return len(text) // 4

files = []
for folder, dirs, names in os.walk(tree):
    dirs[:] = sorted(d for d in dirs if not d.startswith("."))
    files += [os.path.join(folder, n) for n in sorted(names) if n.endswith(".py")]
times = []
for _ in range(repeat):
    start = time.perf_counter()
    repo_map = RepoMap(map_tokens=budget, root=tree, main_model=Model(),
                       io=InputOutput(yes=True, pretty=False), verbose=False)
    text = repo_map.get_repo_map(chat_files=[], other_files=files) or ""
    times.append(time.perf_counter() - start)
print(json.dumps({
    "seconds": times,
    "files": len(files),
    "map_tokens": len(text) // 4,
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""


def stdlib_tree(target: Path) -> Path:
    """A copy of the standard library's ``*.py`` files (no site-packages, no caches)."""
    lib = Path(sysconfig.get_paths()["stdlib"])
    for path in lib.rglob("*.py"):
        relative = path.relative_to(lib)
        if (
            relative.parts[0] in {"site-packages", "dist-packages"}
            or "__pycache__" in relative.parts
        ):
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    return target


def child(code: str, python: str, *args: str, cwd: Path = ROOT) -> dict[str, Any]:
    done = subprocess.run(
        [python, "-c", code, *args], cwd=cwd, capture_output=True, text=True, timeout=1800
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure_ours(tree: Path, budget: int) -> dict[str, dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache:
        cold = child(OURS_CHILD, sys.executable, str(tree), cache, "1", str(budget))
        warm = child(OURS_CHILD, sys.executable, str(tree), cache, "2", str(budget))
    return {"cold": cold, "warm": warm}


def measure_aider(tree: Path, python: str, budget: int) -> dict[str, dict[str, Any]]:
    for cache in tree.glob(".aider.tags.cache*"):
        shutil.rmtree(cache, ignore_errors=True)
    cold = child(AIDER_CHILD, python, str(tree), "1", str(budget), cwd=tree)
    warm = child(AIDER_CHILD, python, str(tree), "2", str(budget), cwd=tree)
    return {"cold": cold, "warm": warm}


def one_megabyte_file(tree: Path) -> Path:
    """A 1 MB Python file made of real modules of the tree, concatenated."""
    big = tree / "one_megabyte.py"
    chunks, size = [], 0
    for path in sorted(tree.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        chunks.append(f"# ---- {path.relative_to(tree)}\n{text}")
        size += len(text.encode())
        if size >= 1_000_000:
            break
    big.write_text("".join(chunks))
    return big


def naive_tokens(tree: Path, big: Path, *, whole_tree: bool) -> int:
    """Tokens of the naive request: the whole content (every file, or the big file)."""
    from tools.code.repo_map import estimate_tokens

    paths = [p for p in tree.rglob("*.py") if p != big] if whole_tree else [big]
    return sum(estimate_tokens(p.read_text(encoding="utf-8", errors="replace")) for p in paths)


async def measure_tokens(tree: Path, budget: int) -> dict[str, Any]:
    from agent.model import build_model
    from agent.settings import AgentSettings
    from tests.fakes.gemini import FakeGemini, RecordedRequest, Reply
    from tools.code.summarize import summarize
    from tools.context import ToolContext

    summary = {"purpose": "p", "key_parts": [], "risks": []}

    def answer(request: RecordedRequest) -> Reply:
        if "final_result" in request.tool_names:
            return Reply.calls(("final_result", summary))
        return Reply.text("A note on this part.")

    big = one_megabyte_file(tree)
    results: dict[str, Any] = {}
    with FakeGemini() as gemini:
        gemini.responder = answer
        settings = AgentSettings(gemini_api_key="bench", gemini_base_url=gemini.base_url)
        async with build_model(settings) as model:
            ctx = ToolContext.local(str(tree))
            ctx.summary_model = model
            for label, path in (("directory", "."), ("file", big.name)):
                gemini.requests.clear()
                result = await summarize(ctx, path, budget_tokens=budget)
                sent = sum(request.text_tokens for request in gemini.requests)
                naive = naive_tokens(tree, big, whole_tree=label == "directory")
                results[label] = {
                    "sent": sent,
                    "naive": naive,
                    "requests": len(gemini.requests),
                    "method": result.method,
                    "bytes": result.bytes,
                }
    big.unlink()
    return results


def row(label: str, ours: float, theirs: float | None, unit: str) -> str:
    if theirs is None:
        return f"| {label} | {ours:.2f} {unit} | n/a | n/a |"
    return f"| {label} | {ours:.2f} {unit} | {theirs:.2f} {unit} | {theirs / ours:.1f}x |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, help="a tree of source files (default: stdlib copy)")
    parser.add_argument("--aider-python", help="python of a venv with aider-chat installed")
    parser.add_argument("--budget", type=int, default=8_000, help="map token budget")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-tree-") as scratch:
        tree = args.tree.resolve() if args.tree else stdlib_tree(Path(scratch) / "lib")
        files = sum(1 for _ in tree.rglob("*.py"))
        print(f"tree: {tree} ({files} Python files), budget {args.budget} tokens", flush=True)
        ours = measure_ours(tree, args.budget)
        print("ours:", json.dumps(ours), flush=True)
        aider = measure_aider(tree, args.aider_python, args.budget) if args.aider_python else None
        if aider:
            print("aider:", json.dumps(aider), flush=True)
        tokens = asyncio.run(measure_tokens(tree, args.budget))
        print("tokens:", json.dumps(tokens), flush=True)

    def seconds(side: dict[str, dict[str, Any]] | None, key: str, index: int) -> float | None:
        return None if side is None else float(side[key]["seconds"][index])

    def rss(side: dict[str, dict[str, Any]] | None, key: str) -> float | None:
        return None if side is None else float(side[key]["rss_mb"])

    lines = [
        "| case | fast-genai | aider RepoMap | ratio |",
        "|---|---|---|---|",
        row(
            "cold (empty caches), new process",
            seconds(ours, "cold", 0) or 0,
            seconds(aider, "cold", 0),
            "s",
        ),
        row(
            "warm (disk caches), new process",
            seconds(ours, "warm", 0) or 0,
            seconds(aider, "warm", 0),
            "s",
        ),
        row(
            "warm, same process (2nd map)",
            seconds(ours, "warm", 1) or 0,
            seconds(aider, "warm", 1),
            "s",
        ),
        row("peak RSS, cold, main process", rss(ours, "cold") or 0, rss(aider, "cold"), "MB"),
        row("peak RSS, warm, main process", rss(ours, "warm") or 0, rss(aider, "warm"), "MB"),
        "",
        "| request | tokens sent | naive (whole content) | ratio |",
        "|---|---|---|---|",
    ]
    for label, data in tokens.items():
        lines.append(
            f"| summarize the {label} ({data['method']}, {data['requests']} requests) | "
            f"{data['sent']:,} | {data['naive']:,} | {data['naive'] / max(1, data['sent']):.0f}x |"
        )
    print()
    print("\n".join(lines))
    print(
        textwrap.dedent(f"""
        map: {ours["cold"]["files"]} files, {ours["cold"]["map_tokens"]} tokens,
        {ours["cold"]["symbols_shown"]} definitions shown
    """).strip()
    )


if __name__ == "__main__":
    main()
