"""``list_files``: the files under a workspace path, filtered the way ripgrep filters them."""

from __future__ import annotations

import os
import stat
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import anyio.to_thread
from pathspec import GitIgnoreSpec
from pydantic import BaseModel, Field

from tools.context import ToolContext
from tools.errors import InvalidArgument
from tools.files.gitignore import IgnoreRules
from tools.result_budget import ResultBudget, json_size
from tools.workspace import Workspace, is_secret_path, shown_name

EntryKind = Literal["file", "dir", "symlink"]


class FileEntry(BaseModel):
    """One entry of a listing."""

    path: str = Field(description="Path relative to the workspace root, POSIX style.")
    kind: EntryKind
    size: int | None = Field(
        default=None, description="Size in bytes (files, and symlinks to files inside)."
    )
    target: str | None = Field(
        default=None,
        description="For a symlink: where it points, relative to the workspace root; "
        "null when it points outside the workspace or nowhere.",
    )


class FileListing(BaseModel):
    """The entries under a path, sorted by path."""

    root: str = Field(description="The listed path, relative to the workspace root.")
    entries: list[FileEntry]
    truncated: bool = Field(
        description="True when more entries exist than were returned (the limit or the result "
        "size budget was reached): list a narrower path, or use glob or max_depth."
    )
    limit: int = Field(description="The most entries this listing could hold.")


async def list_files(
    ctx: ToolContext,
    path: Annotated[
        str, Field(description="Directory to list, relative to the workspace root.")
    ] = ".",
    glob: Annotated[
        str | None,
        Field(
            description="Only files matching this glob, e.g. '*.py' (any depth) or "
            "'src/**/*.ts'; a leading '!' excludes matches. Directories are then not listed."
        ),
    ] = None,
    max_depth: Annotated[
        int | None,
        Field(ge=1, description="How deep to go: 1 lists only the direct children."),
    ] = None,
    limit: Annotated[
        int | None,
        Field(ge=1, description="Most entries to return (default: the configured max_results)."),
    ] = None,
    include_hidden: Annotated[
        bool, Field(description="Also list hidden files and directories (names starting '.').")
    ] = False,
) -> FileListing:
    """List files and directories under a path, respecting .gitignore.

    Skips what .gitignore/.ignore files exclude, hidden entries (unless include_hidden), .git,
    secret-looking files and special files (FIFOs, sockets, devices). Walks breadth first, so
    a truncated listing shows the top levels.
    """
    start = ctx.workspace.resolve(path)
    cap = limit if limit is not None else ctx.settings.max_results
    walk = _Walk(
        workspace=ctx.workspace,
        matcher=_GlobFilter.parse(glob) if glob else None,
        max_depth=max_depth,
        limit=cap,
        include_hidden=include_hidden,
        budget=ResultBudget(
            ctx.settings.max_result_bytes - 200 - 6 * len(ctx.workspace.relative(start))
        ),
    )
    entries, truncated = await anyio.to_thread.run_sync(walk.run, start)
    entries.sort(key=lambda entry: entry.path)
    for entry in entries:  # names that are not UTF-8 in their one escaped form
        if not entry.path.isascii():
            entry.__dict__["path"] = shown_name(entry.path)
        if entry.target is not None and not entry.target.isascii():
            entry.__dict__["target"] = shown_name(entry.target)
    return FileListing(
        root=shown_name(ctx.workspace.relative(start)),
        entries=entries,
        truncated=truncated,
        limit=cap,
    )


def _entry_bytes(entry: FileEntry) -> int:
    """The JSON size of an entry as it is shown (names that are not UTF-8 escaped)."""
    if not entry.path.isascii() or (entry.target is not None and not entry.target.isascii()):
        target = shown_name(entry.target) if entry.target is not None else None
        entry = entry.model_copy(update={"path": shown_name(entry.path), "target": target})
    return json_size(entry.model_dump_json())


@dataclass(frozen=True)
class _GlobFilter:
    """A ripgrep ``-g`` style glob: gitignore syntax, a leading ``!`` negates."""

    spec: GitIgnoreSpec
    negated: bool

    @classmethod
    def parse(cls, glob: str) -> _GlobFilter:
        text = glob.strip()
        negated = text.startswith("!")
        pattern = text[1:] if negated else text
        if not pattern:
            raise InvalidArgument(f"glob {glob!r} has no pattern")
        return cls(GitIgnoreSpec.from_lines([pattern]), negated)

    def accepts(self, relative: str, below_start: str) -> bool:
        """Match against the workspace-relative path or the path below the listed directory."""
        matched = self.spec.match_file(relative) or self.spec.match_file(below_start)
        return matched != self.negated


@dataclass
class _Walk:
    workspace: Workspace
    matcher: _GlobFilter | None
    max_depth: int | None
    limit: int
    include_hidden: bool
    budget: ResultBudget | None = None

    def run(self, start: Path) -> tuple[list[FileEntry], bool]:
        root_rel = self.workspace.relative(start)
        if not start.is_dir():
            entry = self._file_entry(start, root_rel, start.name)
            return ([entry] if entry is not None else []), False
        entries: list[FileEntry] = []
        prefix = "" if root_rel == "." else root_rel + "/"
        # (directory, its relative path, depth of its children, rules, whether its own
        # ignore files are in the rules yet: they are read once its names are known)
        queue: deque[tuple[str, str, int, IgnoreRules, bool]] = deque(
            [(str(start), root_rel, 1, self._start_rules(start, root_rel), True)]
        )
        while queue:
            directory, dir_rel, depth, rules, loaded = queue.popleft()
            try:
                with os.scandir(directory) as it:
                    children = sorted(it, key=lambda e: e.name)
            except OSError:
                continue  # unreadable directory: skipped, as ripgrep does
            if not loaded:
                rules = rules.descend(directory, dir_rel, {child.name for child in children})
            dir_prefix = "" if dir_rel == "." else dir_rel + "/"
            for child in children:
                name = child.name
                if name == ".git" or (name.startswith(".") and not self.include_hidden):
                    continue
                relative = dir_prefix + name
                entry, is_dir = self._child_entry(child, relative, rules)
                if entry is None:
                    continue
                if is_dir and (self.max_depth is None or depth < self.max_depth):
                    queue.append((child.path, relative, depth + 1, rules, False))
                if self.matcher is not None and (
                    entry.kind == "dir"
                    or not self.matcher.accepts(relative, relative[len(prefix) :])
                ):
                    continue
                if len(entries) >= self.limit:
                    return entries, True
                if self.budget is not None and not self.budget.take(_entry_bytes(entry)):
                    return entries, True
                entries.append(entry)
        return entries, False

    def _start_rules(self, start: Path, root_rel: str) -> IgnoreRules:
        """The rules in the listed directory; listing an ignored directory lists it anyway."""
        if root_rel == ".":
            return IgnoreRules.for_root(start)
        rules = IgnoreRules.for_directory(self.workspace.root, root_rel)
        if rules.is_ignored(root_rel, is_dir=True):
            return IgnoreRules().descend(start, root_rel)
        return rules

    def _child_entry(
        self, child: os.DirEntry[str], relative: str, rules: IgnoreRules
    ) -> tuple[FileEntry | None, bool]:
        """The entry for a directory child and whether to descend into it."""
        try:
            if child.is_symlink():
                if rules.is_ignored(relative, is_dir=False):
                    return None, False
                return self._symlink_entry(Path(child.path), relative), False
            is_dir = child.is_dir(follow_symlinks=False)
            if rules.is_ignored(relative, is_dir=is_dir):
                return None, False
            if is_dir:
                return FileEntry.model_construct(path=relative, kind="dir"), True
            if not child.is_file(follow_symlinks=False):  # FIFOs, sockets, devices: skipped
                return None, False
            if not self._visible(relative):
                return None, False
            size = child.stat(follow_symlinks=False).st_size
            return FileEntry.model_construct(path=relative, kind="file", size=size), False
        except OSError:
            return None, False

    def _file_entry(self, path: Path, relative: str, name: str) -> FileEntry | None:
        """The entry for a listed path that is itself a file (no hidden/ignore filtering)."""
        if self.matcher is not None and not self.matcher.accepts(relative, name):
            return None
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # FIFOs, sockets, devices are not listed
            return None
        return FileEntry(path=relative, kind="file", size=info.st_size)

    def _symlink_entry(self, link: Path, relative: str) -> FileEntry | None:
        """A symlink: its target when inside the workspace, never followed into directories."""
        if not self._visible(relative):
            return None
        try:
            target = Path(os.path.realpath(link))
            info = target.stat()
        except (OSError, RuntimeError):
            return FileEntry(path=relative, kind="symlink")
        if not self.workspace.contains(target):
            return FileEntry(path=relative, kind="symlink")
        target_rel = self.workspace.relative(target)
        if not self._visible(target_rel):
            return None
        size = info.st_size if stat.S_ISREG(info.st_mode) else None
        return FileEntry(path=relative, kind="symlink", size=size, target=target_rel)

    def _visible(self, relative: str) -> bool:
        return self.workspace.allow_secrets or not is_secret_path(relative)
