"""``code_outline``: imports and definitions (with line ranges) of a file or a directory."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Annotated

import anyio.from_thread
import anyio.to_thread
from pydantic import Field, TypeAdapter

from tools.code.languages import language_for_path
from tools.code.outline_batch import ParsePool, SourceFile, unsupported_outline
from tools.code.outline_cache import OutlineCache
from tools.code.outline_memo import Outlines, outline_sources
from tools.code.outline_model import CodeOutline, FileOutline, Symbol
from tools.code.outline_walk import WalkedFile, iter_files
from tools.context import ToolContext
from tools.result_budget import ResultBudget, json_size
from tools.workspace import shown_name

_SYMBOL: TypeAdapter[Symbol] = TypeAdapter(Symbol)


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
    after: Annotated[
        str | None,
        Field(
            description="Continue a truncated directory outline: only files whose path sorts "
            "after this one (pass the previous result's next_after)."
        ),
    ] = None,
) -> CodeOutline:
    """Outline code: language, imports, classes/functions/methods with line ranges.

    For each definition: kind, name, first and last line, signature, the first line of its
    docstring or doc comment, and its parent. A directory outlines every file in a supported
    language (Python, JavaScript, TypeScript/TSX, Go, Rust, Java, C, C++, Ruby, C#) under it,
    respecting .gitignore and skipping hidden files. Use it to find where things are defined
    before reading line ranges with read_file. A big directory's result is cut at a size
    budget (truncated, next_after): continue with after, or outline a narrower path.
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
        ctx.workspace.check_links(relative, source.links)
        done = await anyio.to_thread.run_sync(lambda: outline_sources([(relative, source)], cache))
        files = done.files
        budget = ResultBudget(ctx.settings.max_result_bytes - 300 - 2 * len(relative))
        if not budget.take(done.sizes[0]):
            files = [fit_outline(files[0], budget)]
        return CodeOutline(
            path=relative,
            files=files,
            files_total=1,
            files_unsupported=0,
            truncated=False,
            cache_hits=done.cache_hits,
        )

    async def send(done: float, total: float | None, message: str) -> None:
        await ctx.progress(done, total, message)

    def report(done: int, total: int | None) -> None:
        known = float(total) if total is not None else None
        anyio.from_thread.run(send, float(done), known, f"outlined {done} files")

    def outline_tree() -> CodeOutline:
        tree = _TreeOutline(relative, cap, ctx.settings.max_result_bytes)
        with ParsePool() as pool:
            tree.run(
                iter_files(ctx.workspace, target, after=after),
                lambda window: outline_sources(
                    window, cache, pool=pool, checkpoint=anyio.from_thread.check_cancelled
                ),
                report,
            )
        return tree.result()

    return await anyio.to_thread.run_sync(outline_tree)


WINDOW_FILES = 256
"""Files outlined per step of a tree-wide outline: results are added to the answer (and the
cache read and written) a window at a time, so only one window is held besides the answer."""

WINDOW_MIN_FILES = 16
OUTLINE_BYTES_PER_SOURCE_BYTE = 0.5
"""A window is also closed once its files' sources would fill what is left of the size budget,
at the outline bytes per source byte seen so far (before any, this: the standard library's
outlines are 0.43 of its sources), so files far beyond the answer are not parsed. At least
WINDOW_MIN_FILES per window: an estimate far too high costs a few more windows, never one
window per file."""


class _TreeOutline:
    """A directory's outline built as the walk goes, within ``max_files`` and the byte budget."""

    def __init__(self, relative: str, cap: int, max_bytes: int) -> None:
        self.relative = relative
        self.cap = cap
        self.files: list[FileOutline] = []
        self.total = 0
        self.unsupported = 0
        self.cache_hits = 0
        self.full = False
        self.source_bytes = 0
        self.outline_bytes = 0
        empty = self.result().model_dump_json()  # next_after is null here: its room is reserved
        self.budget = ResultBudget(max_bytes - json_size(empty))

    def run(
        self,
        walk: Iterable[WalkedFile],
        outline: Callable[[list[tuple[str, SourceFile]]], Outlines],
        report: Callable[[int, int | None], None],
    ) -> None:
        window: list[tuple[str, SourceFile]] = []
        window_bytes = 0
        for walked in walk:
            self.total += 1
            if walked.language is None:
                self.unsupported += 1
                continue
            if self.full:
                continue  # counted, never stat'ed or parsed
            try:
                source = walked.source()
            except OSError:
                self.total -= 1  # vanished since the directory was read
                continue
            window.append((walked.relative, source))
            window_bytes += source.size
            if len(window) >= WINDOW_FILES or (
                len(window) >= WINDOW_MIN_FILES
                and window_bytes * self._outline_per_source() >= self.budget.left
            ):
                self._add(window, outline(window))
                window, window_bytes = [], 0
                report(len(self.files), None)
        if window and not self.full:
            self._add(window, outline(window))
        report(len(self.files), len(self.files))  # the walk is over: the total is known

    def _outline_per_source(self) -> float:
        if not self.source_bytes:
            return OUTLINE_BYTES_PER_SOURCE_BYTE
        return self.outline_bytes / self.source_bytes

    def _add(self, window: list[tuple[str, SourceFile]], done: Outlines) -> None:
        self.cache_hits += done.cache_hits
        self.source_bytes += sum(source.size for _, source in window)
        self.outline_bytes += sum(done.sizes)
        for file, size in zip(done.files, done.sizes, strict=True):
            if self.full:
                return
            if len(self.files) >= self.cap:
                self.full = True
                return
            cursor = _cursor_bytes(file.path)
            if not self.budget.take(size, reserve=cursor):
                self.full = True
                if not self.files:  # one file bigger than the budget: as much of it as fits
                    self.budget.left -= cursor
                    self.files.append(fit_outline(file, self.budget))
                return
            self.files.append(file)

    def result(self) -> CodeOutline:
        return CodeOutline(
            path=self.relative,
            files=self.files,
            files_total=self.total,
            files_unsupported=self.unsupported,
            truncated=self.full,
            cache_hits=self.cache_hits,
            next_after=self.files[-1].path if self.full and self.files else None,
        )


def _cursor_bytes(path: str) -> int:
    """What ``next_after`` naming ``path`` adds over ``null``."""
    return json_size(json.dumps(path, ensure_ascii=False))


def fit_outline(file: FileOutline, budget: ResultBudget) -> FileOutline:
    """``file`` with its symbols cut to what ``budget`` holds, saying so in ``reason``."""
    symbols = list(file.symbols)
    kept = 0
    base = json_size(file.model_copy(update={"symbols": ()}).model_dump_json()) + 120
    room = budget.left - base
    for symbol in symbols:
        size = json_size(_SYMBOL.dump_json(symbol).decode()) + 1
        if size > room:
            break
        room -= size
        kept += 1
    budget.left = 0
    reason = (
        f"{kept} of {len(symbols)} symbols shown: the rest do not fit the result size "
        "budget (outline this file alone, or raise max_result_bytes)"
    )
    return file.model_copy(update={"symbols": tuple(symbols[:kept]), "reason": reason})
