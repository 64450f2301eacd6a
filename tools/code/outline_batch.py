"""Outline many files: cache look-up first, then parse the misses in parallel, then store them.

Works on JSON strings (what the cache stores and workers return); :mod:`tools.code.outline_memo`
turns them into objects. Small batches are parsed in-process; larger ones in a process pool
sized to the usable cores (``forkserver`` where available: safe to start from a thread). A
tree-wide outline passes one :class:`ParsePool` to all its batches so the workers start once;
when the call is cancelled (its ``checkpoint`` raises) queued work is dropped and the workers
are stopped instead of finishing the batch.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from tools.code.languages import grammar_version
from tools.code.outline_cache import FileKey, OutlineCache
from tools.code.outline_extract import (
    MAX_OUTLINE_BYTES,
    OUTLINE_FORMAT_VERSION,
    outline_file,
    outline_jobs,
)
from tools.code.outline_model import FileOutline

if TYPE_CHECKING:  # multiprocessing and concurrent.futures load with the first pool, not at start
    import multiprocessing.context
    from concurrent.futures import ProcessPoolExecutor

Progress = Callable[[int, int], None]
"""``progress(done, total)`` over the files that had to be parsed."""

Checkpoint = Callable[[], None]
"""Called between pieces of work; raises to stop (e.g. ``anyio.from_thread.check_cancelled``)."""

IN_PROCESS_BYTES = 1_000_000
"""Misses totalling less than this are parsed in-process: cheaper than starting a pool."""

CHUNK_BYTES = 256_000
CHUNK_FILES = 64
"""A pool task holds about this much work, so progress is frequent and the load balances."""


@dataclass(frozen=True)
class SourceFile:
    """A file to outline: real absolute path, language, and the stat that keys the cache."""

    path: str
    language: str
    size: int
    mtime_ns: int
    links: int = 1
    """Hard links seen at the stat: the parse refuses the file if it has more by then (a
    hard link made after the walk checked it)."""

    @classmethod
    def stat(cls, path: Path, language: str) -> SourceFile:
        info = path.stat()
        return cls(str(path), language, info.st_size, info.st_mtime_ns, info.st_nlink)

    def key(self) -> FileKey:
        return FileKey(self.path, self.size, self.mtime_ns, _version(self.language))


@dataclass(frozen=True)
class BatchResult:
    outlines: list[str]
    """Each file's outline as JSON without its ``path``, in input order."""
    cache_hits: int


ABORT_GRACE_SECONDS = 2.0
"""How long a cancelled pool's running parses may finish before their workers are killed."""


class ParsePool:
    """A process pool started on first need and shared by the batches of one outline.

    Use it as a context manager: leaving normally waits for nothing (all work was collected);
    leaving by an exception (a cancellation) drops queued tasks and stops the workers at once.
    """

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def executor(self, workers: int) -> ProcessPoolExecutor:
        if self._pool is None:
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context())
        return self._pool

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close(abort=exc_type is not None)

    @property
    def started(self) -> bool:
        return self._pool is not None

    def close(self, *, abort: bool = False) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if not abort:
            pool.shutdown(wait=True)
            return
        # Python 3.14 has pool.terminate_workers(); before it, the workers are in _processes.
        processes = dict(getattr(pool, "_processes", None) or {})
        manager = getattr(pool, "_executor_manager_thread", None)
        pool.shutdown(wait=False, cancel_futures=True)
        if manager is not None:
            # Queued parses are cancelled; running ones usually end within the grace period,
            # and the pool then stops its workers itself. A worker killed while it writes its
            # result leaves a partial message that blocks the pool's manager thread (and so
            # interpreter exit) for ever, so killing is kept for parses that outlive the grace.
            manager.join(timeout=ABORT_GRACE_SECONDS)
        for process in processes.values():
            if process.is_alive():
                process.terminate()
        for process in processes.values():
            process.join(timeout=5)


def outline_batch(
    files: Sequence[SourceFile],
    cache: OutlineCache | None,
    *,
    progress: Progress | None = None,
    max_bytes: int = MAX_OUTLINE_BYTES,
    pool: ParsePool | None = None,
    checkpoint: Checkpoint | None = None,
) -> BatchResult:
    """Outlines of ``files``: cached ones as they are, the others parsed and then cached."""
    keys = [file.key() for file in files]
    cached = cache.get_many(keys) if cache is not None else {}
    outlines: list[str | None] = [cached.get(key.path) for key in keys]
    misses = [i for i, outline in enumerate(outlines) if outline is None]
    if pool is None:
        with ParsePool() as own:
            parsed = _parse(files, misses, progress, max_bytes, own, checkpoint)
    else:
        parsed = _parse(files, misses, progress, max_bytes, pool, checkpoint)
    to_store = []
    for i, (outline, cacheable) in parsed.items():
        outlines[i] = outline
        if cacheable:
            to_store.append((keys[i], outline))
    if cache is not None:
        cache.put_many(to_store)
    return BatchResult([o for o in outlines if o is not None], len(files) - len(misses))


def unsupported_outline(relative: str) -> FileOutline:
    from tools.code.languages import supported_languages

    return FileOutline(
        path=relative,
        language=None,
        supported=False,
        reason="language not supported; outlines cover " + ", ".join(supported_languages()),
    )


def with_path(relative: str, outline: str) -> str:
    """A stored outline (JSON object without ``path``) with its ``path`` put first."""
    return '{"path":' + json.dumps(relative, ensure_ascii=False) + "," + outline[1:]


@cache
def _version(language: str) -> str:
    return f"{OUTLINE_FORMAT_VERSION};{grammar_version(language)}"


def usable_cores() -> int:
    sched_getaffinity = getattr(os, "sched_getaffinity", None)
    if sched_getaffinity is not None:
        return max(1, len(sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _parse(
    files: Sequence[SourceFile],
    misses: list[int],
    progress: Progress | None,
    max_bytes: int,
    pool: ParsePool,
    checkpoint: Checkpoint | None,
) -> dict[int, tuple[str, bool]]:
    total = len(misses)
    if not total:
        return {}
    workers = usable_cores()
    small = sum(files[i].size for i in misses) < IN_PROCESS_BYTES
    if workers == 1 or (small and not pool.started):
        return _parse_here(files, misses, progress, max_bytes, checkpoint)
    chunks = _chunks(files, misses)
    parsed: dict[int, tuple[str, bool]] = {}
    try:
        executor = pool.executor(workers)
        _parse_in_pool(executor, files, chunks, parsed, progress, max_bytes, checkpoint)
    except OSError:  # no processes can be started here: finish in-process
        rest = [i for i in misses if i not in parsed]
        parsed.update(_parse_here(files, rest, progress, max_bytes, checkpoint))
    return parsed


def _parse_in_pool(
    executor: ProcessPoolExecutor,
    files: Sequence[SourceFile],
    chunks: list[list[int]],
    parsed: dict[int, tuple[str, bool]],
    progress: Progress | None,
    max_bytes: int,
    checkpoint: Checkpoint | None,
) -> None:
    from concurrent.futures import as_completed

    total = sum(len(chunk) for chunk in chunks)
    futures = {
        executor.submit(
            outline_jobs,
            [(files[i].path, files[i].language, max_bytes, files[i].links) for i in chunk],
        ): chunk
        for chunk in chunks
    }
    for future in as_completed(futures):
        chunk = futures[future]
        parsed.update(zip(chunk, future.result(), strict=True))
        if progress is not None:
            progress(len(parsed), total)
        if checkpoint is not None:
            checkpoint()


def _parse_here(
    files: Sequence[SourceFile],
    misses: list[int],
    progress: Progress | None,
    max_bytes: int,
    checkpoint: Checkpoint | None,
) -> dict[int, tuple[str, bool]]:
    parsed: dict[int, tuple[str, bool]] = {}
    for done, i in enumerate(misses, start=1):
        if checkpoint is not None and done % 16 == 0:
            checkpoint()
        parsed[i] = outline_file(files[i].path, files[i].language, max_bytes, files[i].links)
        if progress is not None and (done % CHUNK_FILES == 0 or done == len(misses)):
            progress(done, len(misses))
    return parsed


def _chunks(files: Sequence[SourceFile], misses: list[int]) -> list[list[int]]:
    """Tasks of about CHUNK_BYTES each, biggest files first so no worker finishes last alone."""
    order = sorted(misses, key=lambda i: files[i].size, reverse=True)
    chunks: list[list[int]] = []
    current: list[int] = []
    size = 0
    for i in order:
        current.append(i)
        size += files[i].size
        if size >= CHUNK_BYTES or len(current) >= CHUNK_FILES:
            chunks.append(current)
            current, size = [], 0
    if current:
        chunks.append(current)
    return chunks


def _pool_context() -> multiprocessing.context.BaseContext:
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    method = "forkserver" if "forkserver" in methods else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(["tools.code.outline_extract"])
    return context
