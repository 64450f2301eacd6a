"""``code_outline``: imports and definitions (with line ranges) of a file or a directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import anyio.from_thread
import anyio.to_thread
from pydantic import Field

from tools.context import ToolContext
from tools.languages import language_for_path
from tools.list_files import list_files
from tools.outline_batch import SourceFile, outline_batch, unsupported_outline, with_path
from tools.outline_cache import OutlineCache
from tools.outline_model import CodeOutline

MAX_WALK_ENTRIES = 200_000
"""A guard on the directory walk (files and directories together)."""


def outline_cache(ctx: ToolContext) -> OutlineCache | None:
    """The outline cache of this context, or ``None`` if its folder lies inside the workspace."""
    folder = (ctx.settings.cache_dir / "outlines").expanduser().resolve()
    if ctx.workspace.contains(folder):
        return None
    return OutlineCache(folder)


async def code_outline(
    ctx: ToolContext,
    path: Annotated[
        str,
        Field(description="File or directory to outline, relative to the workspace root."),
    ] = ".",
    max_files: Annotated[
        int | None,
        Field(ge=1, description="Most files to outline (default: the configured max_results)."),
    ] = None,
) -> CodeOutline:
    """Outline code: language, imports, classes/functions/methods with line ranges.

    For each definition: kind, name, first and last line, signature, the first line of its
    docstring or doc comment, and its parent. A directory outlines every file in a supported
    language (Python, JavaScript, TypeScript/TSX, Go, Rust, Java, C, C++, Ruby, C#) under it,
    respecting .gitignore and skipping hidden files. Use it to find where things are defined
    before reading line ranges with read_file.
    """
    target = ctx.workspace.resolve(path)
    relative = ctx.workspace.relative(target)
    cap = max_files if max_files is not None else ctx.settings.max_results
    cache = outline_cache(ctx)
    if target.is_dir():
        return await _outline_directory(ctx, target, cap, cache)
    language = language_for_path(target)
    if language is None:
        return CodeOutline(
            path=relative,
            files=[unsupported_outline(relative)],
            files_total=1,
            files_unsupported=1,
            truncated=False,
            cache_hits=0,
        )
    source = SourceFile.stat(target, language)
    batch = await anyio.to_thread.run_sync(lambda: outline_batch([source], cache))
    return _result(relative, [relative], batch.outlines, 1, 0, False, batch.cache_hits)


async def _outline_directory(
    ctx: ToolContext, target: Path, cap: int, cache: OutlineCache | None
) -> CodeOutline:
    relative = ctx.workspace.relative(target)
    listing = await list_files(ctx, relative, limit=MAX_WALK_ENTRIES)
    found: list[tuple[str, str]] = []
    total = 0
    for entry in listing.entries:
        if entry.kind != "file":
            continue
        total += 1
        language = language_for_path(entry.path)
        if language is not None:
            found.append((entry.path, language))
    unsupported = total - len(found)
    truncated = listing.truncated or len(found) > cap
    chosen = found[:cap]
    root = ctx.workspace.root

    def stat_all() -> list[SourceFile]:
        sources = []
        for rel, language in chosen:
            try:
                sources.append(SourceFile.stat(root / rel, language))
            except OSError:
                continue  # deleted since the walk
        return sources

    sources = await anyio.to_thread.run_sync(stat_all)

    async def send(done: float, total_to_parse: float, message: str) -> None:
        await ctx.progress(done, total_to_parse, message)

    def report(done: int, total_to_parse: int) -> None:
        message = f"parsed {done} of {total_to_parse} files"
        anyio.from_thread.run(send, float(done), float(total_to_parse), message)

    batch = await anyio.to_thread.run_sync(lambda: outline_batch(sources, cache, progress=report))
    paths = [source.path.relative_to(root).as_posix() for source in sources]
    return _result(relative, paths, batch.outlines, total, unsupported, truncated, batch.cache_hits)


def _result(
    relative: str,
    paths: list[str],
    outlines: list[str],
    total: int,
    unsupported: int,
    truncated: bool,
    cache_hits: int,
) -> CodeOutline:
    """Build the result with one JSON validation (much faster than one per file or symbol)."""
    files = ",".join(with_path(p, outline) for p, outline in zip(paths, outlines, strict=True))
    head = CodeOutline(
        path=relative,
        files=[],
        files_total=total,
        files_unsupported=unsupported,
        truncated=truncated,
        cache_hits=cache_hits,
    ).model_dump_json()
    return CodeOutline.model_validate_json(head.replace('"files":[]', f'"files":[{files}]', 1))
