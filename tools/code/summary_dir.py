"""Summarizing a directory from its repo map, in one request within the budget.

The walk, outlines and identifier scans reuse ``code_outline``'s caches (and ``identifiers``'
own, kept next to it), so a second summary of an unchanged tree parses nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import anyio.from_thread
import anyio.to_thread

from tools.code.code_outline import outline_cache
from tools.code.identifiers import FileReferences, file_references
from tools.code.outline_memo import outline_sources
from tools.code.outline_model import FileOutline
from tools.code.outline_walk import walk_sources
from tools.code.repo_map import CHARS_PER_TOKEN, RepoMap, build_repo_map, estimate_tokens
from tools.code.summary_llm import ModelCalls, summary_overhead
from tools.code.summary_structural import directory_structural
from tools.code.summary_types import SummarizeResult
from tools.context import ToolContext
from tools.errors import ToolError

README_NAMES = ("README.md", "README.rst", "README.txt", "README")
README_SHARE = 0.1
README_MAX_TOKENS = 800


@dataclass(frozen=True)
class DirectoryInput:
    """Everything known about a directory before the model is asked."""

    relative: str
    outlines: list[FileOutline] = field(repr=False)
    references: dict[str, FileReferences] = field(repr=False)
    files: int
    size: int

    @property
    def languages(self) -> dict[str, int]:
        return dict(Counter(outline.language for outline in self.outlines if outline.language))


def references_folder(ctx: ToolContext) -> Path | None:
    """Where identifier scans are cached: next to the outline cache, never in the workspace."""
    folder = (ctx.settings.cache_dir / "references").expanduser().resolve()
    return None if ctx.workspace.contains(folder) else folder


async def load_directory(ctx: ToolContext, target: Path) -> DirectoryInput:
    """Walk, outline and scan the directory (in a worker thread), reporting progress."""
    relative = ctx.workspace.relative(target)

    def report(stage: str) -> Callable[[int, int], None]:
        async def send(done: float, total: float, message: str) -> None:
            await ctx.progress(done, total, message)

        def progress(done: int, total: int) -> None:
            anyio.from_thread.run(send, float(done), float(total), f"{stage} {done} of {total}")

        return progress

    def load() -> DirectoryInput:
        walk = walk_sources(ctx.workspace, target)
        outlined = outline_sources(walk.files, outline_cache(ctx), progress=report("outlined"))
        refs = file_references(walk.files, references_folder(ctx), progress=report("scanned"))
        size = sum(source.size for _, source in walk.files)
        return DirectoryInput(relative, outlined.files, refs, walk.total, size)

    return await anyio.to_thread.run_sync(load)


async def summarize_directory(
    ctx: ToolContext, data: DirectoryInput, *, budget_tokens: int, focus: str | None
) -> SummarizeResult:
    header = _header(data, focus)
    readme = _readme(ctx, data.relative, budget_tokens)
    map_budget = budget_tokens - summary_overhead() - estimate_tokens(header + readme) - 20
    await ctx.progress(0, 1, "ranking definitions")
    repo_map = build_repo_map(
        data.outlines, data.references, budget_tokens=max(0, map_budget), focus=focus
    )
    if ctx.summary_model is None:
        return directory_structural(
            data.relative,
            repo_map,
            data.references,
            files=data.files,
            size=data.size,
            languages=data.languages,
            budget_tokens=budget_tokens,
        )
    calls = ModelCalls(ctx.summary_model)
    await ctx.progress(0, 1, "writing the summary")
    summary = await calls.summary(header + readme + _map_section(repo_map))
    return SummarizeResult(
        path=data.relative,
        kind="directory",
        purpose=summary.purpose,
        key_parts=summary.key_parts,
        risks=summary.risks,
        model_used=True,
        model=calls.name,
        method="repo_map",
        note=None
        if repo_map.symbols_shown == repo_map.symbols_total
        else f"the map shows the {repo_map.symbols_shown} highest-ranked of "
        f"{repo_map.symbols_total} definitions",
        files=data.files,
        bytes=data.size,
        languages=data.languages,
        budget_tokens=budget_tokens,
        tokens_sent=calls.tokens_sent,
        model_requests=calls.requests,
    )


def _header(data: DirectoryInput, focus: str | None) -> str:
    languages = ", ".join(f"{name} {count}" for name, count in sorted(data.languages.items()))
    text = (
        f"Summarize the directory {data.relative}: {data.files} files, {data.size} bytes, "
        f"source files by language: {languages or 'none'}."
    )
    if focus:
        text += f" Focus on: {focus}."
    return text + "\n\n"


def _map_section(repo_map: RepoMap) -> str:
    return (
        f"Repo map ({repo_map.symbols_shown} of {repo_map.symbols_total} definitions in "
        f"{repo_map.files_shown} files, most referenced first; line: signature  # doc):\n"
        + repo_map.text
    )


def _readme(ctx: ToolContext, relative: str, budget_tokens: int) -> str:
    limit = min(README_MAX_TOKENS, int(budget_tokens * README_SHARE)) * CHARS_PER_TOKEN
    for name in README_NAMES:
        try:
            path = ctx.workspace.resolve(name if relative == "." else f"{relative}/{name}")
        except ToolError:  # absent, outside the workspace (a symlink), or refused
            continue
        if path.is_file():
            try:  # beneath the root descriptor, regular files only, never blocking
                head = ctx.workspace.read_bytes(ctx.workspace.relative(path), limit)
            except (OSError, ToolError):
                return ""
            text = head.decode("utf-8", errors="replace")[:limit]
            return f"{name} (start):\n{text}\n\n"
    return ""
