"""Which files ``search_code`` hands ripgrep when the index is on: the candidates, or ``None``.

``None`` means "search the whole tree as usual": the index is off, or it cannot promise that
ripgrep over the candidates finds what ripgrep over the tree finds (see the package docstring).
An empty list means no file can match.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import threading
from pathlib import Path

import anyio

from tools.context import ToolContext
from tools.files.ripgrep import FILTER_FLAGS, rg_binary
from tools.files.search_index import store
from tools.files.search_index.literals import required_literals
from tools.files.search_index.refresh import refresh
from tools.files.search_index.store import Kind
from tools.workspace import Workspace

MAX_CANDIDATES = 5_000
"""More candidates than this: ripgrep's own walk is as fast, and the command line stays short."""

_locks: dict[Path, threading.Lock] = {}
_large: dict[Path, bool] = {}
_ready: set[Path] = set()
_building: dict[Path, threading.Thread] = {}
_guard = threading.Lock()


async def indexed_paths(
    ctx: ToolContext, query: str, *, regex: bool, globs: list[str], relative: str
) -> list[str] | None:
    """The ``./``-relative files to search, or ``None`` to search the tree."""
    mode = ctx.settings.search_index
    if mode == "off" or globs or relative != ".":
        return None  # globs and ignore rules do not apply to paths named on rg's command line
    literals = required_literals(query, regex=regex)
    if literals is None:
        return None
    cache_dir = ctx.settings.cache_dir
    minimum = ctx.settings.search_index_min_files
    workspace = ctx.workspace
    if mode == "auto":
        if not await anyio.to_thread.run_sync(_is_large, workspace, minimum):
            return None
        if not _built_or_building(workspace, cache_dir):
            return None  # the first build runs in the background; this search goes without it
    return await anyio.to_thread.run_sync(_lookup, workspace, cache_dir, literals)


def _built_or_building(workspace: Workspace, cache_dir: Path) -> bool:
    """``auto`` mode: whether this process has brought the index up to date once; if not, a
    background thread starts doing so. The first build reads every file of a big tree (about
    1 ms of CPU a file), which no search should wait for: searches go without the index until
    it is ready, then with it."""
    with _guard:
        if workspace.root in _ready:
            return True
        if workspace.root in _building:
            return False
        builder = threading.Thread(
            target=_build, args=(workspace, cache_dir), name="search-index-build", daemon=True
        )
        _building[workspace.root] = builder
    builder.start()
    return False


def _build(workspace: Workspace, cache_dir: Path) -> None:
    ready = False
    try:
        ready = _refreshed(workspace, cache_dir, None) is not None
    except OSError:
        pass  # an unreadable tree or cache folder: searches go on without the index
    finally:
        with _guard:
            _building.pop(workspace.root, None)
            if ready:
                _ready.add(workspace.root)


def background_build(root: Path) -> threading.Thread | None:
    """The thread building ``root``'s index for ``auto`` mode, while one runs (for tests and
    for a server that wants to wait for it at shutdown)."""
    with _guard:
        return _building.get(root)


def _is_large(workspace: Workspace, minimum: int) -> bool:
    """Whether the tree has at least ``minimum`` files (counted once per process)."""
    with _guard:
        known = _large.get(workspace.root)
    if known is None:
        done = subprocess.run(
            [rg_binary(), "--files", "--null", *FILTER_FLAGS],
            cwd=workspace.root,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        known = done.stdout.count(b"\0") >= minimum
        with _guard:
            _large[workspace.root] = known
    return known


def _lookup(workspace: Workspace, cache_dir: Path, literals: list[str]) -> list[str] | None:
    rows = _refreshed(workspace, cache_dir, literals)
    if rows is None:
        return None
    if len(rows) > MAX_CANDIDATES or any(kind in (Kind.BINARY, Kind.BIG) for _, kind in rows):
        return None
    return sorted(os.fsdecode(path) for path, _ in rows)


def _refreshed(
    workspace: Workspace, cache_dir: Path, literals: list[str] | None
) -> list[tuple[bytes, int]] | None:
    """Bring the index up to date, then its candidates for ``literals`` (none asked: ``[]``);
    ``None`` when the index cannot be used now."""
    with _guard:
        lock = _locks.setdefault(workspace.root, threading.Lock())
    with lock:
        try:
            db = store.connect(store.index_path(cache_dir, workspace.root))
        except (OSError, sqlite3.Error):
            return None  # an unusable cache folder: search without the index
        try:
            refresh(db, workspace)
            return [] if literals is None else store.candidates(db, literals)
        except sqlite3.OperationalError:
            return None  # another process is building it (locked), or the disk is full
        finally:
            db.close()
