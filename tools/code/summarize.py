"""``summarize``: a file or a directory summarized within a token budget."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import anyio.to_thread
from pydantic import Field

from tools.code.code_outline import outline_cache
from tools.code.languages import language_for_path
from tools.code.outline_batch import SourceFile, unsupported_outline
from tools.code.outline_extract import outline_source
from tools.code.outline_memo import outline_sources
from tools.code.outline_model import FileOutline
from tools.code.summary_dir import load_directory, summarize_directory
from tools.code.summary_file import summarize_file
from tools.code.summary_source import SourceText, load_source
from tools.code.summary_types import SummarizeResult
from tools.context import ToolContext
from tools.errors import TooLarge

MAX_SUMMARY_FILE_BYTES = 50_000_000
"""Larger files are refused: even sampled, they would be read whole into memory."""
MAX_SUMMARY_OUTLINE_BYTES = 20_000_000
"""Largest file whose outline ``summarize`` parses itself when code_outline skipped it."""


async def summarize(
    ctx: ToolContext,
    path: Annotated[
        str, Field(description="File or directory to summarize, relative to the workspace root.")
    ] = ".",
    focus: Annotated[
        str | None,
        Field(description="What to pay most attention to, e.g. 'error handling' or 'auth'."),
    ] = None,
    budget_tokens: Annotated[
        int,
        Field(
            ge=1_000,
            le=200_000,
            description="Most tokens to send to the model for this summary, all requests together.",
        ),
    ] = 8_000,
) -> SummarizeResult:
    """Summarize a file or a whole directory: purpose, key parts with path:line, risks/TODOs.

    A file that fits the budget is read whole; a larger one is summarized from its outline
    plus sampled chunks (map-reduce). A directory is summarized from a repo map: definitions
    ranked by how much the rest of the tree uses them, trimmed to the budget. Without a
    configured model the answer is a structural summary (languages, sizes, main definitions,
    docstrings, TODOs), and says so.
    """
    target = ctx.workspace.resolve(path)
    if target.is_dir():
        data = await load_directory(ctx, target)
        return await summarize_directory(ctx, data, budget_tokens=budget_tokens, focus=focus)
    relative = ctx.workspace.relative(target)
    language = language_for_path(target)

    def load() -> SourceText:
        # beneath the root descriptor, no symlink followed, regular files only, never blocking
        with ctx.workspace.opened(relative) as handle:
            size = handle.info.st_size
            if size > MAX_SUMMARY_FILE_BYTES:
                raise TooLarge(
                    f"{relative!r} is {size:,} bytes; summarize reads files up to "
                    f"{MAX_SUMMARY_FILE_BYTES:,} bytes",
                    hint="summarize its directory, or outline it with code_outline",
                )
            data = handle.read(MAX_SUMMARY_FILE_BYTES)
            info = handle.info
        if language is None:
            return load_source(data, unsupported_outline(relative))
        source = SourceFile(str(target), language, info.st_size, info.st_mtime_ns, info.st_nlink)
        outline = outline_sources([(relative, source)], outline_cache(ctx)).files[0]
        text = load_source(data, outline)
        if not outline.supported and source.size <= MAX_SUMMARY_OUTLINE_BYTES:
            # code_outline skips files over its size cap; a summary of one file needs it.
            parsed = outline_source(text.text.encode(), language)
            text = replace(text, outline=FileOutline.model_validate({"path": relative, **parsed}))
        return text

    source = await anyio.to_thread.run_sync(load)
    return await summarize_file(ctx, source, budget_tokens=budget_tokens, focus=focus)
