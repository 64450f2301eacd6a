"""The files a directory outline covers, in path order, streamed from one pass over the tree.

Filters like ``list_files`` (same :class:`~tools.files.gitignore.IgnoreRules`: .gitignore/.ignore,
hidden entries, ``.git`` and secret-looking files skipped) but yields only regular files and
builds no per-entry models: on an unchanged tree the walk is most of a warm outline's cost.
Symlinks are not followed. Entries are read through directory descriptors opened beneath the
workspace root (``os.scandir(fd)``), never by path.

:func:`iter_files` yields files one by one in the order of their paths (each directory's entries
sorted with a directory sorting as ``name/``), so a caller can stop, or stop stat'ing, whenever
its answer is full without ever holding the whole tree.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tools import beneath
from tools.code.languages import language_for_path
from tools.code.outline_batch import SourceFile
from tools.errors import ToolError
from tools.files.gitignore import IgnoreRules
from tools.workspace import Workspace, is_secret_path, shown_name


class _OpenDirectory:
    """A directory descriptor the walk holds while it yields that directory's files."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.closed = False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self.fd)


@dataclass(frozen=True)
class WalkedFile:
    relative: str
    """Workspace-relative POSIX path (undecodable bytes shown escaped)."""
    real: str
    """The file's real absolute path, for the parse in a worker process."""
    entry: os.DirEntry[str]
    """Read from the directory descriptor: its ``stat`` needs that descriptor open."""
    directory: _OpenDirectory
    language: str | None
    """The outline language, ``None`` when the file's language is not supported."""
    max_links: int | None = None

    def source(self) -> SourceFile:
        """The file with the stat that keys the cache. Call it before the walk moves on;
        ``OSError`` if the file vanished, the walk left its directory, or the file has more
        hard links than the workspace allows (skipped like a vanished file)."""
        assert self.language is not None
        if self.directory.closed:
            raise OSError(errno.EBADF, "the walk has left this file's directory")
        info = self.entry.stat(follow_symlinks=False)
        if self.max_links is not None and info.st_nlink > self.max_links:
            raise OSError(errno.EMLINK, f"{self.relative} has {info.st_nlink} hard links")
        return SourceFile(self.real, self.language, info.st_size, info.st_mtime_ns, info.st_nlink)


@dataclass
class WalkResult:
    files: list[tuple[str, SourceFile]] = field(default_factory=list)
    """Workspace-relative path and source of each file in a supported language, by path."""
    total: int = 0
    """Every regular file seen, supported or not."""


def iter_files(
    workspace: Workspace, start: Path, *, after: str | None = None
) -> Iterator[WalkedFile]:
    """Regular files under ``start`` (a real directory inside the workspace), by path.

    With ``after``, only files whose path sorts after it; directories entirely before it are
    not even read.
    """
    start_rel = workspace.relative(start)
    rules = IgnoreRules.for_directory(workspace.root, start_rel)
    if start_rel != "." and rules.is_ignored(start_rel, is_dir=True):
        rules = IgnoreRules().descend(start, start_rel)  # asked for explicitly: walk it anyway
    walk = _Walk(workspace, after)
    try:
        fd = beneath.open_beneath(workspace.fd, start_rel, beneath.DIR_FLAGS)
    except ToolError:
        return  # swapped for a symlink or removed since it was resolved
    yield from walk.directory(_OpenDirectory(fd), str(start), start_rel, rules, top=True)


def walk_sources(workspace: Workspace, start: Path) -> WalkResult:
    """Every supported file under ``start`` with its stat, sorted by path, and the count."""
    result = WalkResult()
    for walked in iter_files(workspace, start):
        result.total += 1
        if walked.language is None:
            continue
        try:
            result.files.append((walked.relative, walked.source()))
        except OSError:
            continue
    return result


@dataclass
class _Walk:
    workspace: Workspace
    after: str | None

    def directory(
        self,
        opened: _OpenDirectory,
        directory: str,
        dir_rel: str,
        rules: IgnoreRules,
        *,
        top: bool = False,
    ) -> Iterator[WalkedFile]:
        """The files below ``opened`` (closed at the end): entries are read from the directory
        descriptor and subdirectories opened relative to it without following symlinks, so a
        directory swapped for a symlink mid-walk is never listed (not even its names)."""
        try:
            yield from self._entries(opened, directory, dir_rel, rules, top=top)
        finally:
            opened.close()

    def _entries(
        self,
        opened: _OpenDirectory,
        directory: str,
        dir_rel: str,
        rules: IgnoreRules,
        *,
        top: bool,
    ) -> Iterator[WalkedFile]:
        try:
            with os.scandir(opened.fd) as it:
                children = [(_sort_key(child), child) for child in it]
        except OSError:
            return  # unreadable directory: skipped, as ripgrep does
        if not top:
            rules = rules.descend(directory, dir_rel, {child.name for _, child in children})
        children.sort(key=lambda pair: pair[0])
        prefix = "" if dir_rel == "." else dir_rel + "/"
        after = self.after
        for key, child in children:
            name = child.name
            if name.startswith("."):
                continue
            relative = prefix + name
            is_dir = key.endswith("/")
            if after is not None and not self._wanted(relative, is_dir):
                continue
            try:
                if is_dir:
                    if not rules.is_ignored(relative, is_dir=True):
                        sub = _OpenDirectory(os.open(name, beneath.DIR_FLAGS, dir_fd=opened.fd))
                        yield from self.directory(sub, f"{directory}/{name}", relative, rules)
                    continue  # (a symlink swapped in fails to open: ELOOP/ENOTDIR, skipped)
                if not child.is_file(follow_symlinks=False):
                    continue
            except OSError:
                continue
            if rules.is_ignored(relative, is_dir=False):
                continue
            if not self.workspace.allow_secrets and is_secret_path(relative):
                continue
            yield WalkedFile(
                shown_name(relative),
                f"{directory}/{name}",
                child,
                opened,
                language_for_path(name),
                self.workspace.max_links,
            )

    def _wanted(self, relative: str, is_dir: bool) -> bool:
        """Whether anything at or under ``relative`` sorts after the cursor."""
        assert self.after is not None
        if not is_dir:
            return relative > self.after
        below = relative + "/"
        return below > self.after or self.after.startswith(below)


def _sort_key(child: os.DirEntry[str]) -> str:
    """A directory sorts as ``name/`` so the walk's order is the order of full paths."""
    try:
        return child.name + "/" if child.is_dir(follow_symlinks=False) else child.name
    except OSError:
        return child.name
