"""The walk behind ``list_files``: ripgrep finds the files, a scan of directories finds the rest.

``rg --files`` (the binary of the ripgrep wheel) decides which regular files are listed: the
ignore files, hidden names, depth and globs, exactly as ``search_code`` chooses files to search.
It runs with the workspace root as its working directory on a relative path, never follows a
symlink, and reads no ignore file above the directory it walks: the rules of the directories
between the root and a listed subdirectory are handed to it as one ``--ignore-file``
(:func:`tools.files.gitignore.ancestor_patterns`).

ripgrep lists no directories and no symlinks, so a breadth-first scan of directories in Python
(:class:`DirScan`) finds those, with the same rules (:class:`~tools.files.gitignore.IgnoreRules`),
reading names and types from ``getdents`` (no pattern matched against a regular file). Each
directory is read through a descriptor opened beneath the root without following a symlink, and
each regular file in it is ``lstat``-ed relative to that descriptor (its size, and the check
that it is a regular file beneath the root now): a file ripgrep names is listed only when the
scan met it so. The two walks run at once, ripgrep in its own process.
"""

from __future__ import annotations

import io
import os
import stat
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

from tools import beneath
from tools.errors import ToolError
from tools.files.gitignore import IgnoreRules, ancestor_patterns
from tools.files.ripgrep import FILTER_FLAGS, rg_binary
from tools.workspace import SECRET_PATH_GLOBS, SECRET_PATHS, SECRET_PATTERNS, Workspace

READ_CHUNK = 1 << 18
STDERR_KEEP = 8_000


@dataclass(frozen=True)
class Found:
    """A directory or symlink the scan found: depth below the listed directory, relative path."""

    depth: int
    relative: str
    kind: str
    """``"dir"`` or ``"symlink"``."""


@dataclass
class DirScan:
    """Breadth-first over the directories under ``start``, one level per :meth:`next_level`.

    Each directory is read through a descriptor opened beneath the workspace root (``root_fd``)
    without following a symlink: one swapped for a symlink since it was found is skipped."""

    start: str
    start_rel: str
    rules: IgnoreRules
    include_hidden: bool
    max_depth: int | None
    root_fd: int
    sizes: dict[str, int] | None = None
    """When given, filled with the size of every regular file the scan meets (workspace-relative
    path to ``st_size``, an ``lstat`` relative to the directory's descriptor): the check that a
    file ripgrep lists is a regular file beneath the root, made once per directory."""
    found: list[Found] = field(default_factory=list)
    depth: int = 0
    """The deepest level whose entries are known."""
    _frontier: list[tuple[str, str, IgnoreRules]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._frontier = [(self.start, self.start_rel, self.rules)]

    @property
    def exhausted(self) -> bool:
        """No level below :attr:`depth` can hold anything."""
        return not self._frontier or (self.max_depth is not None and self.depth >= self.max_depth)

    def next_level(self) -> None:
        """Read the directories of the deepest known level: the next level becomes known."""
        depth = self.depth + 1
        frontier: list[tuple[str, str, IgnoreRules]] = []
        for directory, dir_rel, rules in self._frontier:
            try:
                fd = beneath.open_beneath(self.root_fd, dir_rel, beneath.DIR_FLAGS)
            except (ToolError, OSError):
                continue  # gone, swapped for a symlink or unreadable: skipped
            try:
                self._read(fd, directory, dir_rel, rules, depth, frontier)
            finally:
                os.close(fd)
        self.depth = depth
        self._frontier = frontier

    def _read(
        self,
        fd: int,
        directory: str,
        dir_rel: str,
        rules: IgnoreRules,
        depth: int,
        frontier: list[tuple[str, str, IgnoreRules]],
    ) -> None:
        hidden = self.include_hidden
        sizes = self.sizes
        try:
            with os.scandir(fd) as it:
                children = list(it)
        except OSError:
            return  # unreadable directory: skipped, as ripgrep does
        if depth > 1:
            rules = rules.descend(directory, dir_rel, [c.name for c in children])
        prefix = "" if dir_rel == "." else dir_rel + "/"
        found = self.found
        for child in children:
            name = child.name
            if name[0] == "." and (name == ".git" or not hidden):
                continue
            try:
                # regular files first (most names): the type from getdents, no stat
                if child.is_file(follow_symlinks=False):
                    if sizes is not None:
                        # fstatat(fd, name, AT_SYMLINK_NOFOLLOW): what the name is now, beneath
                        # the root; a FIFO, socket or symlink swapped in is left out
                        info = child.stat(follow_symlinks=False)
                        if stat.S_ISREG(info.st_mode):
                            sizes[prefix + name] = info.st_size
                elif child.is_dir(follow_symlinks=False):
                    relative = prefix + name
                    if not rules.is_ignored(relative, is_dir=True):
                        found.append(Found(depth, relative, "dir"))
                        frontier.append((f"{directory}/{name}", relative, rules))
                elif child.is_symlink():
                    relative = prefix + name
                    if not rules.is_ignored(relative, is_dir=False):
                        found.append(Found(depth, relative, "symlink"))
            except OSError:
                continue


@dataclass(frozen=True)
class RgQuery:
    """What ripgrep is asked to list."""

    workspace: Workspace
    start_rel: str
    include_hidden: bool
    globs: tuple[str, ...]
    ancestors: bool
    """Hand ripgrep the rules of the directories above ``start_rel`` (false when the listed
    directory is itself ignored: listing it explicitly lists it)."""


def rg_files(query: RgQuery, max_depth: int | None, stop: threading.Event) -> Iterator[list[str]]:
    """The paths ``rg --files`` lists (workspace-relative, ``os.fsdecode`` form), a batch per read
    of its output (each read decoded and split at once, not line by line).

    rg is killed when the caller stops iterating or ``stop`` is set; its failure is a
    ``ToolError``.
    """
    with tempfile.TemporaryDirectory(prefix="fast-genai-ls-") as folder:
        arguments = _arguments(query, max_depth, Path(folder))
        try:
            process = subprocess.Popen(
                [rg_binary(), *arguments],
                cwd=query.workspace.root,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            raise ToolError(f"ripgrep could not be started: {exc}") from exc
        assert process.stdout is not None and process.stderr is not None
        stdout = cast(io.BufferedReader, process.stdout)
        stderr = bytearray()
        drain = threading.Thread(target=_drain, args=(process.stderr, stderr), daemon=True)
        drain.start()
        try:
            pending = b""
            while not stop.is_set() and (chunk := stdout.read1(READ_CHUNK)):
                block = pending + chunk
                cut = block.rfind(b"\n")
                if cut < 0:
                    pending = block
                    continue
                pending = block[cut + 1 :]
                yield _paths(block[:cut])
            if pending and not stop.is_set():
                yield _paths(pending)
            returncode = process.wait()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()
            drain.join()
    if returncode not in (0, 1) and not stop.is_set():
        message = stderr.decode("utf-8", "replace").strip() or "no message"
        raise ToolError(f"ripgrep failed to list files (exit status {returncode}): {message}")


def _paths(block: bytes) -> list[str]:
    """Lines of rg's output without their ``./``: decoded as ``os.fsdecode`` decodes each line
    (a newline never falls inside a multibyte sequence, so decoding the block is the same)."""
    if not block:
        return []
    text = os.fsdecode(block).replace("\n./", "\n")
    return (text[2:] if text.startswith("./") else text).split("\n")


def _drain(stream: IO[bytes], kept: bytearray) -> None:
    """Read rg's stderr to its end (so rg never blocks on it), keeping its start."""
    while chunk := stream.read(65536):
        if len(kept) < STDERR_KEEP:
            kept += chunk[: STDERR_KEEP - len(kept)]
    stream.close()


def _arguments(query: RgQuery, max_depth: int | None, folder: Path) -> list[str]:
    """rg's arguments; every value is attached with ``=`` so none can pass for a flag."""
    arguments = ["--files", *FILTER_FLAGS]
    if query.include_hidden:
        arguments.append("--hidden")
    if max_depth is not None:
        arguments.append(f"--max-depth={max_depth}")
    if query.ancestors and query.start_rel != ".":
        patterns = ancestor_patterns(query.workspace.root, query.start_rel)
        if patterns:
            ignore_file = folder / "ancestors.ignore"
            ignore_file.write_text("\n".join(patterns) + "\n", encoding="utf-8", errors="replace")
            arguments.append(f"--ignore-file={ignore_file}")
    arguments.extend(f"--glob={glob}" for glob in query.globs)
    arguments.append("--glob=!.git")  # with --hidden rg would walk .git; list_files never does
    if not query.workspace.allow_secrets:  # after the caller's globs, so these win
        arguments.extend(f"--iglob=!{pattern}" for pattern in SECRET_PATTERNS)
        arguments.extend(f"--iglob=!**/{secret}" for secret in SECRET_PATHS)
        arguments.extend(f"--iglob=!**/{secret}" for secret in SECRET_PATH_GLOBS)
    arguments.extend(["--", "." if query.start_rel == "." else "./" + query.start_rel])
    return arguments
