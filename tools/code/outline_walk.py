"""The files a directory outline covers, with the stat that keys the cache, in one pass.

Filters like ``list_files`` (same :class:`~tools.files.gitignore.IgnoreRules`: .gitignore/.ignore,
hidden entries, ``.git`` and secret-looking files skipped) but yields only regular files, each
stat'ed once from its directory entry, and builds no per-entry models: on an unchanged tree the
walk is most of a warm outline's cost. Symlinks are not followed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from tools.code.languages import language_for_path
from tools.code.outline_batch import SourceFile
from tools.files.gitignore import IgnoreRules
from tools.workspace import Workspace, is_secret_path, shown_name


@dataclass
class WalkResult:
    files: list[tuple[str, SourceFile]] = field(default_factory=list)
    """Workspace-relative path and source of each file in a supported language, by path."""
    total: int = 0
    """Every regular file seen, supported or not."""


def walk_sources(workspace: Workspace, start: Path) -> WalkResult:
    """The files under ``start`` (a real directory inside the workspace), sorted by path."""
    result = WalkResult()
    start_rel = workspace.relative(start)
    rules = IgnoreRules.for_directory(workspace.root, start_rel)
    if start_rel != "." and rules.is_ignored(start_rel, is_dir=True):
        rules = IgnoreRules().descend(start, start_rel)  # asked for explicitly: walk it anyway
    stack: list[tuple[str, str, IgnoreRules]] = [(str(start), start_rel, rules)]
    while stack:
        directory, dir_rel, rules = stack.pop()
        try:
            with os.scandir(directory) as it:
                children = list(it)
        except OSError:
            continue  # unreadable directory: skipped, as ripgrep does
        if dir_rel != start_rel:
            rules = rules.descend(directory, dir_rel, {child.name for child in children})
        prefix = "" if dir_rel == "." else dir_rel + "/"
        for child in children:
            name = child.name
            if name.startswith("."):
                continue
            relative = prefix + name
            try:
                if child.is_dir(follow_symlinks=False):
                    if not rules.is_ignored(relative, is_dir=True):
                        stack.append((child.path, relative, rules))
                    continue
                if not child.is_file(follow_symlinks=False):
                    continue
                if rules.is_ignored(relative, is_dir=False):
                    continue
                if not workspace.allow_secrets and is_secret_path(relative):
                    continue
                result.total += 1
                language = language_for_path(name)
                if language is None:
                    continue
                info = child.stat(follow_symlinks=False)
            except OSError:
                continue
            source = SourceFile(child.path, language, info.st_size, info.st_mtime_ns)
            result.files.append((shown_name(relative), source))
    result.files.sort(key=lambda item: item[0])
    return result
