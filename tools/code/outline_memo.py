"""File outlines as objects: an in-process memo in front of the disk cache and the parser.

Rebuilding tens of thousands of symbols from cached JSON costs more than walking the tree, so a
long-lived process (MCP server, web server, ``summarize`` after ``code_outline``) keeps the most
recent outlines as the immutable objects themselves, bounded by a total symbol count. A memo
entry is valid for the same key as the disk cache (path, size, mtime_ns, versions).

:func:`outline_paths` and :func:`outline_sources` are the entry points other tools reuse.
"""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import TypeAdapter

from tools.code.languages import language_for_path
from tools.code.outline_batch import (
    Checkpoint,
    ParsePool,
    Progress,
    SourceFile,
    outline_batch,
    unsupported_outline,
    with_path,
)
from tools.code.outline_cache import FileKey, OutlineCache
from tools.code.outline_model import FileOutline
from tools.result_budget import json_size

MEMO_MAX_SYMBOLS = 150_000
"""About 50 MB of outlines at most (320 bytes per symbol, measured on the stdlib)."""

_FILE_LIST: TypeAdapter[list[FileOutline]] = TypeAdapter(list[FileOutline])


@dataclass(frozen=True)
class Sized:
    """A file's outline and the bytes of its JSON (``model_dump_json``), known without
    serializing it again: a result's size budget is checked against ``size``."""

    outline: FileOutline
    size: int


class OutlineMemo:
    """Recently used outlines by (cache key, workspace-relative path), least recent evicted."""

    def __init__(self, max_symbols: int = MEMO_MAX_SYMBOLS) -> None:
        self.max_symbols = max_symbols
        self._items: OrderedDict[tuple[FileKey, str], Sized] = OrderedDict()
        self._symbols = 0
        self._lock = threading.Lock()

    def get(self, key: FileKey, relative: str) -> Sized | None:
        with self._lock:
            found = self._items.get((key, relative))
            if found is not None:
                self._items.move_to_end((key, relative))
            return found

    def put(self, key: FileKey, relative: str, item: Sized) -> None:
        weight = len(item.outline.symbols) + 1
        if weight > self.max_symbols:
            return
        with self._lock:
            old = self._items.pop((key, relative), None)
            if old is not None:
                self._symbols -= len(old.outline.symbols) + 1
            self._items[(key, relative)] = item
            self._symbols += weight
            while self._symbols > self.max_symbols:
                _, evicted = self._items.popitem(last=False)
                self._symbols -= len(evicted.outline.symbols) + 1

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._symbols = 0


MEMO = OutlineMemo()
"""The process's memo."""


@dataclass(frozen=True)
class Outlines:
    files: list[FileOutline]
    sizes: list[int]
    """Bytes of each file's ``model_dump_json()``: the stored JSON's length (the cache and the
    workers write the same compact JSON pydantic does), so nothing is serialized to size it."""
    cache_hits: int
    """Files not parsed: found in the memo or in the disk cache."""


def outline_sources(
    sources: Sequence[tuple[str, SourceFile]],
    cache: OutlineCache | None,
    *,
    progress: Progress | None = None,
    memo: OutlineMemo | None = MEMO,
    pool: ParsePool | None = None,
    checkpoint: Checkpoint | None = None,
) -> Outlines:
    """Outlines of ``(relative path, source)`` pairs, in order.

    Each comes from the memo, else the disk cache, else the parser (and is then remembered).
    """
    keys = [source.key() for _, source in sources]
    found: list[Sized | None] = (
        [memo.get(key, rel) for key, (rel, _) in zip(keys, sources, strict=True)]
        if memo is not None
        else [None] * len(sources)
    )
    missing = [i for i, outline in enumerate(found) if outline is None]
    batch = outline_batch(
        [sources[i][1] for i in missing],
        cache,
        progress=progress,
        pool=pool,
        checkpoint=checkpoint,
    )
    if missing:
        blobs = [
            with_path(sources[i][0], blob) for i, blob in zip(missing, batch.outlines, strict=True)
        ]
        with _collector_paused():
            built = _FILE_LIST.validate_json(f"[{','.join(blobs)}]")
        for i, outline, blob in zip(missing, built, blobs, strict=True):
            item = found[i] = Sized(outline, json_size(blob))
            if memo is not None:
                memo.put(keys[i], sources[i][0], item)
    items = [item for item in found if item is not None]
    return Outlines(
        [item.outline for item in items],
        [item.size for item in items],
        len(sources) - len(missing) + batch.cache_hits,
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while one window's outlines are built.

    Validation creates thousands of symbols in one call, and each few hundred allocations
    start a collection that walks the process's whole heap: about 40% of building a large
    outline went there. The objects built hold no cycles, so pausing only defers collection;
    it is switched back on unless something else had switched it off.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def outline_paths(
    paths: Sequence[Path],
    cache: OutlineCache | None,
    *,
    root: Path,
    progress: Progress | None = None,
) -> list[FileOutline]:
    """Outlines of real absolute ``paths`` under ``root`` (shown relative to it), in order.

    Files in no supported language, or gone, come back with ``supported=False`` and a reason.
    """
    results: list[FileOutline | None] = [None] * len(paths)
    sources: list[tuple[str, SourceFile]] = []
    where: list[int] = []
    for i, path in enumerate(paths):
        relative = path.relative_to(root).as_posix()
        language = language_for_path(path)
        if language is None:
            results[i] = unsupported_outline(relative)
            continue
        try:
            sources.append((relative, SourceFile.stat(path, language)))
        except OSError as exc:
            results[i] = FileOutline(
                path=relative, language=language, supported=False, reason=str(exc.strerror)
            )
            continue
        where.append(i)
    outlined = outline_sources(sources, cache, progress=progress)
    for i, outline in zip(where, outlined.files, strict=True):
        results[i] = outline
    return [result for result in results if result is not None]
