"""The files a directory outline covers, in path order, streamed from one pass over the tree.

Filters like ``list_files`` (same :class:`~tools.files.gitignore.IgnoreRules`: .gitignore/.ignore,
hidden entries, ``.git`` and secret-looking files skipped) but yields only regular files and
builds no per-entry models: on an unchanged tree the walk is most of a warm outline's cost.
Symlinks are not followed.

:func:`iter_files` yields files one by one in the order of their paths (each directory's entries
sorted with a directory sorting as ``name/``), so a caller can stop, or stop stat'ing, whenever
its answer is full without ever holding the whole tree.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tools.code.languages import language_for_path
from tools.code.outline_batch import SourceFile
from tools.files.gitignore import IgnoreRules
from tools.workspace import Workspace, is_secret_path, shown_name


@dataclass(frozen=True)
class WalkedFile:
    relative: str
    """Workspace-relative POSIX path."""
    entry: os.DirEntry[str]
    language: str | None
    """The outline language, ``None`` when the file's language is not supported."""

    def source(self) -> SourceFile:
        """The file with the stat that keys the cache (``OSError`` if it vanished)."""
        assert self.language is not None
        info = self.entry.stat(follow_symlinks=False)
        return SourceFile(self.entry.path, self.language, info.st_size, info.st_mtime_ns)


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
    yield from walk.directory(str(start), start_rel, rules, top=True)


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
        self, directory: str, dir_rel: str, rules: IgnoreRules, *, top: bool = False
    ) -> Iterator[WalkedFile]:
        try:
            with os.scandir(directory) as it:
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
                        yield from self.directory(child.path, relative, rules)
                    continue
                if not child.is_file(follow_symlinks=False):
                    continue
            except OSError:
                continue
            if rules.is_ignored(relative, is_dir=False):
                continue
            if not self.workspace.allow_secrets and is_secret_path(relative):
                continue
            yield WalkedFile(shown_name(relative), child, language_for_path(name))

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
