"""``list_files``: the files under a workspace path, filtered the way ripgrep filters them."""

from __future__ import annotations

import heapq
import operator
import os
import stat
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import anyio.to_thread
from pydantic import BaseModel, Field

from tools import beneath
from tools.context import ToolContext
from tools.errors import InvalidArgument, ToolError
from tools.files.gitignore import IgnoreRules
from tools.files.list_walk import DirScan, RgQuery, rg_files
from tools.result_budget import ResultBudget, string_bytes
from tools.workspace import Workspace, is_secret_path, shown_name, without_secret_paths

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

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
    matcher = _GlobFilter.parse(glob) if glob else None
    walk = _Walk(
        workspace=ctx.workspace,
        matcher=matcher,
        max_depth=max_depth,
        limit=cap,
        include_hidden=include_hidden,
        globs=_rg_globs(matcher, ctx.workspace.relative(start)),
        budget=ResultBudget(
            ctx.settings.max_result_bytes - 200 - 6 * len(ctx.workspace.relative(start))
        ),
    )
    try:
        entries, truncated = await anyio.to_thread.run_sync(walk.run, start, abandon_on_cancel=True)
    finally:
        walk.stop.set()  # a cancelled call stops its ripgrep and its scan
    entries.sort(key=operator.attrgetter("path"))
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


_ENTRY_FIELDS = set(FileEntry.model_fields)


def trusted_entry(path: str, kind: EntryKind, size: int | None = None) -> FileEntry:
    """``FileEntry.model_construct(...)`` without its per-field loop (a listing builds one per
    entry): every field set as ``model_construct`` sets it; a test compares with a validated
    entry."""
    entry = FileEntry.__new__(FileEntry)
    _set = object.__setattr__
    _set(entry, "__dict__", {"path": path, "kind": kind, "size": size, "target": None})
    _set(entry, "__pydantic_fields_set__", _ENTRY_FIELDS)
    _set(entry, "__pydantic_extra__", None)
    _set(entry, "__pydantic_private__", None)
    return entry


_ENTRY_FIXED_BYTES = len('{"path":,"kind":"","size":,"target":}')
_MAX_FIXED_BYTES = _ENTRY_FIXED_BYTES + len("symlink") + 2 + 20 + 4 + 1
"""The most a file or directory entry's JSON holds beside its path, of which each character
takes at most 6 bytes (``\\u001f``); the comma after it counted: bounds what a listing takes."""


def _entry_bytes(entry: FileEntry) -> int:
    """The JSON size of an entry as it is shown (names that are not UTF-8 escaped), counted
    without writing it (a test checks it against ``model_dump_json``)."""
    path, target, size = entry.path, entry.target, entry.size
    total = _ENTRY_FIXED_BYTES + len(entry.kind)
    total += string_bytes(path if path.isascii() else shown_name(path))
    total += len(str(size)) if size is not None else 4
    if target is None:
        return total + 4
    return total + string_bytes(target if target.isascii() else shown_name(target))


def _rg_globs(matcher: _GlobFilter | None, start_rel: str) -> tuple[str, ...]:
    """A negated glob as ripgrep ``--glob`` values matched from the root (a pattern with a
    slash is anchored; the tool matches it below the listed directory as well as below the
    root). A positive glob is not handed over: a ripgrep glob that matches re-includes ignored
    and hidden files, so it is applied to ripgrep's list instead."""
    if matcher is None or not matcher.negated:
        return ()
    globs = ["!" + matcher.pattern]
    if start_rel != "." and "/" in matcher.pattern.rstrip("/"):
        globs.append(f"!{start_rel}/{matcher.pattern.lstrip('/')}")
    return tuple(globs)


@dataclass(frozen=True)
class _GlobFilter:
    """A ripgrep ``-g`` style glob: gitignore syntax, a leading ``!`` negates."""

    spec: GitIgnoreSpec
    negated: bool
    pattern: str

    @classmethod
    def parse(cls, glob: str) -> _GlobFilter:
        text = glob.strip()
        negated = text.startswith("!")
        pattern = text[1:] if negated else text
        if not pattern:
            raise InvalidArgument(f"glob {glob!r} has no pattern")
        from pathspec import GitIgnoreSpec  # loaded with the first glob, not at start

        return cls(GitIgnoreSpec.from_lines([pattern]), negated, pattern)

    def accepts(self, relative: str, below_start: str) -> bool:
        """Match against the workspace-relative path or the path below the listed directory."""
        matched = self.spec.match_file(relative) or self.spec.match_file(below_start)
        return matched != self.negated


BFS_CAP = 50_000
"""Listings that can hold at most this many entries (every listing under the default result
budget) walk breadth first in Python and stop when full; bigger ones walk the whole tree on
ripgrep (:mod:`tools.files.list_walk`)."""
MIN_ENTRY_BYTES = 30
"""The JSON of the smallest entry, ``{"path":"a","kind":"dir"}``: bounds how many fit."""


@dataclass
class _Walk:
    workspace: Workspace
    matcher: _GlobFilter | None
    max_depth: int | None
    limit: int
    include_hidden: bool
    globs: tuple[str, ...] = ()
    budget: ResultBudget | None = None
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, start: Path) -> tuple[list[FileEntry], bool]:
        root_rel = self.workspace.relative(start)
        if not start.is_dir():
            entry = self._file_entry(start, root_rel, start.name)
            return ([entry] if entry is not None else []), False
        rules, ancestors = self._start_rules(start, root_rel)
        cap = self.limit
        if self.budget is not None:
            cap = min(cap, self.budget.left // MIN_ENTRY_BYTES + 1)
        if cap <= BFS_CAP:
            return self._breadth_first(root_rel, rules)
        scan = DirScan(
            str(start),
            root_rel,
            rules,
            self.include_hidden,
            self.max_depth,
            self.workspace.fd,
            sizes={},
        )
        query = RgQuery(self.workspace, root_rel, self.include_hidden, self.globs, ancestors)
        files = self._whole(scan, query)
        return self._entries(scan, files, cap, root_rel)

    def _breadth_first(self, root_rel: str, rules: IgnoreRules) -> tuple[list[FileEntry], bool]:
        """A bounded listing: a breadth-first walk in Python that stops when the answer is full
        (it reads the top levels of a huge tree, where ripgrep would walk all of it)."""
        entries: list[FileEntry] = []
        prefix = "" if root_rel == "." else root_rel + "/"
        # (a directory's relative path, depth of its children, rules, whether its own ignore
        # files are in the rules yet: they are read once its names are known)
        queue: deque[tuple[str, int, IgnoreRules, bool]] = deque([(root_rel, 1, rules, True)])
        while queue:
            dir_rel, depth, rules, loaded = queue.popleft()
            # Entries are read through a descriptor opened beneath the root, no symlink followed
            # on the way: a directory swapped for a symlink since it was queued is skipped, and
            # the names of whatever it points to are never listed.
            try:
                fd = beneath.open_beneath(self.workspace.fd, dir_rel, beneath.DIR_FLAGS)
            except (ToolError, OSError):
                continue  # gone, swapped or unreadable: skipped, as ripgrep does
            try:
                try:
                    with os.scandir(fd) as it:
                        children = sorted(it, key=lambda e: e.name)
                except OSError:
                    continue  # unreadable directory: skipped, as ripgrep does
                if not loaded:
                    directory = str(self.workspace.root / dir_rel)
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
                        queue.append((relative, depth + 1, rules, False))
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
            finally:
                os.close(fd)
        return entries, False

    def _whole(self, scan: DirScan, query: RgQuery) -> list[str]:
        """The files to list: ripgrep walks the tree (the ignore rules) while the scan reads its
        directories (their directories and symlinks, and the ``lstat`` of each regular file
        relative to its directory's descriptor). A file is listed when ripgrep names it and
        the scan met it as a regular file beneath the root."""
        batches: list[list[str]] = []
        failure: list[Exception] = []

        def collect() -> None:
            try:
                batches.extend(rg_files(query, self.max_depth, self.stop))
            except (ToolError, OSError) as exc:  # raised in the calling thread below
                failure.append(exc)

        walker = threading.Thread(target=collect, daemon=True)
        walker.start()
        try:
            while not scan.exhausted and not self.stop.is_set():
                scan.next_level()
        finally:
            walker.join()
        if failure:
            raise failure[0]
        sizes = scan.sizes if scan.sizes is not None else {}
        files = [path for batch in batches for path in batch if path in sizes]
        if not self.workspace.allow_secrets:  # ripgrep's globs left them out already
            files = without_secret_paths(files)
        return files

    def _entries(
        self, scan: DirScan, files: list[str], cap: int, root_rel: str
    ) -> tuple[list[FileEntry], bool]:
        """The first ``cap`` entries, shallowest first then by path, within the budget."""
        found = [(item.depth, item.relative, item.kind) for item in scan.found]
        if self.matcher is not None:
            prefix = "" if root_rel == "." else root_rel + "/"
            accepts = self.matcher.accepts
            found = [f for f in found if f[2] == "symlink" and accepts(f[1], f[1][len(prefix) :])]
            if not self.matcher.negated:  # a negated glob: ripgrep left the matches out
                files = [path for path in files if accepts(path, path[len(prefix) :])]
        truncated = len(found) + len(files) > cap
        if truncated:
            base = 0 if root_rel == "." else root_rel.count("/") + 1
            candidates = found + [(path.count("/") + 1 - base, path, "file") for path in files]
            chosen = heapq.nsmallest(cap, candidates)
            found = [c for c in chosen if c[2] != "file"]
            files = [c[1] for c in chosen if c[2] == "file"]
        sizes = scan.sizes if scan.sizes is not None else {}
        entries = [trusted_entry(path, "file", sizes[path]) for path in files]
        bound = len(entries) * _MAX_FIXED_BYTES + 6 * sum(map(len, files))
        for _depth, relative, kind in found:
            entry = (
                trusted_entry(relative, "dir")
                if kind == "dir"
                else self._symlink_entry(self.workspace.root / relative, relative)
            )
            if entry is None:
                continue
            entries.append(entry)
            if kind == "dir":
                bound += _MAX_FIXED_BYTES + 6 * len(relative)
            else:
                bound += _entry_bytes(entry) + 1
        if len(entries) <= self.limit and (self.budget is None or self.budget.take(bound)):
            return entries, truncated
        # the budget binds: entries in order, each counted, until the next does not fit
        base = 0 if root_rel == "." else root_rel.count("/") + 1
        entries.sort(key=lambda entry: (entry.path.count("/") + 1 - base, entry.path))
        for taken, entry in enumerate(entries):
            if taken >= self.limit or (
                self.budget is not None and not self.budget.take(_entry_bytes(entry))
            ):
                return entries[:taken], True
        return entries, truncated

    def _start_rules(self, start: Path, root_rel: str) -> tuple[IgnoreRules, bool]:
        """The rules in the listed directory and whether those above it apply: listing an
        ignored directory lists it anyway."""
        if root_rel == ".":
            return IgnoreRules.for_root(start), False
        rules = IgnoreRules.for_directory(self.workspace.root, root_rel)
        if rules.is_ignored(root_rel, is_dir=True):
            return IgnoreRules().descend(start, root_rel), False
        return rules, True

    def _child_entry(
        self, child: os.DirEntry[str], relative: str, rules: IgnoreRules
    ) -> tuple[FileEntry | None, bool]:
        """The entry for a directory child and whether to descend into it."""
        try:
            if child.is_symlink():
                if rules.is_ignored(relative, is_dir=False):
                    return None, False
                return self._symlink_entry(self.workspace.root / relative, relative), False
            is_dir = child.is_dir(follow_symlinks=False)
            if rules.is_ignored(relative, is_dir=is_dir):
                return None, False
            if is_dir:
                return trusted_entry(relative, "dir"), True
            if not child.is_file(follow_symlinks=False):  # FIFOs, sockets, devices: skipped
                return None, False
            if not self._visible(relative):
                return None, False
            size = child.stat(follow_symlinks=False).st_size
            return trusted_entry(relative, "file", size), False
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
