"""``code_outline``: imports and definitions (with line ranges) of a file or a directory."""

from __future__ import annotations

from typing import Annotated

import anyio.from_thread
import anyio.to_thread
from pydantic import Field

from tools.code.languages import language_for_path
from tools.code.outline_batch import SourceFile, unsupported_outline
from tools.code.outline_cache import OutlineCache
from tools.code.outline_memo import outline_sources
from tools.code.outline_model import CodeOutline
from tools.code.outline_walk import walk_sources
from tools.context import ToolContext
from tools.workspace import shown_name


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
    relative = shown_name(ctx.workspace.relative(target))
    cap = max_files if max_files is not None else ctx.settings.max_results
    cache = outline_cache(ctx)
    if not target.is_dir():
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
        done = await anyio.to_thread.run_sync(lambda: outline_sources([(relative, source)], cache))
        return CodeOutline(
            path=relative,
            files=done.files,
            files_total=1,
            files_unsupported=0,
            truncated=False,
            cache_hits=done.cache_hits,
        )

    async def send(done: float, total: float, message: str) -> None:
        await ctx.progress(done, total, message)

    def report(done: int, total: int) -> None:
        anyio.from_thread.run(send, float(done), float(total), f"parsed {done} of {total} files")

    def outline_tree() -> CodeOutline:
        walk = walk_sources(ctx.workspace, target)
        chosen = walk.files[:cap]
        done = outline_sources(chosen, cache, progress=report)
        return CodeOutline(
            path=relative,
            files=done.files,
            files_total=walk.total,
            files_unsupported=walk.total - len(walk.files),
            truncated=len(walk.files) > cap,
            cache_hits=done.cache_hits,
        )

    return await anyio.to_thread.run_sync(outline_tree)
