"""``create_file``: write a new file in the workspace, atomically, never overwriting by surprise."""

from __future__ import annotations

import difflib
import functools
import re
import stat
from pathlib import Path
from typing import Annotated

import anyio.to_thread
from pydantic import BaseModel, Field

from tools.beneath import kind_of
from tools.context import ToolContext
from tools.errors import AlreadyExists, InvalidArgument, PathOutsideWorkspace, ToolError
from tools.integrations.write_once import record_write
from tools.workspace import Workspace

PREVIEW_CHARS = 2_000
DIFF_CHARS = 20_000
"""Longest diff a dry run returns (cut at a line, ``diff_truncated`` set)."""
DIFF_SOURCE_BYTES = 1_000_000
"""Largest current file a dry run diffs against (a bigger one gets no diff)."""
MAX_DEPTH = 64
"""Most directory levels a created file's path may have."""
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


class CreatedFile(BaseModel):
    """What create_file wrote, or would write on a dry run."""

    path: str = Field(description="Path relative to the workspace root.")
    bytes_written: int = Field(description="Size of the content in bytes (UTF-8).")
    created: bool = Field(description="True for a new file, false when one was overwritten.")
    dry_run: bool = Field(description="True when nothing was written.")
    preview: str | None = Field(
        default=None, description="On a dry run, the start of the content that would be written."
    )
    diff: str | None = Field(
        default=None,
        description="On a dry run that overwrites a text file, a unified diff against its "
        "current content (bounded).",
    )
    diff_truncated: bool = Field(default=False, description="True when the diff was cut short.")


async def create_file(
    ctx: ToolContext,
    path: Annotated[str, Field(description="New file's path relative to the workspace root.")],
    content: Annotated[str, Field(description="The whole text of the file (written as UTF-8).")],
    overwrite: Annotated[
        bool, Field(description="Replace the file if it already exists (default: refuse).")
    ] = False,
    dry_run: Annotated[
        bool, Field(description="Only report what would be written; change nothing.")
    ] = False,
) -> CreatedFile:
    """Create a text file in the workspace; missing parent directories are created.

    An existing file is only replaced with overwrite=true. The write is atomic: readers see the
    old file or the new one, never a half-written one. Written files are never executable.
    """
    target = _target(ctx.workspace, path)
    data = content.encode("utf-8")
    relative = ctx.workspace.relative(target)
    if ".git" in relative.lower().split("/") and not ctx.settings.allow_git_writes:
        raise PathOutsideWorkspace(
            f"{relative!r} is inside a .git directory; create_file does not write there "
            "(a hook or config there runs code on the next git command)",
            hint="the operator can allow it with FAST_GENAI_ALLOW_GIT_WRITES=true",
        )
    exists = _check_existing(ctx.workspace, relative, overwrite=overwrite)
    if dry_run:
        diff, truncated = (
            await anyio.to_thread.run_sync(_diff, ctx.workspace, relative, content)
            if exists
            else (None, False)
        )
        return CreatedFile(
            path=relative,
            bytes_written=len(data),
            created=not exists,
            dry_run=True,
            preview=content[:PREVIEW_CHARS],
            diff=diff,
            diff_truncated=truncated,
        )
    try:
        created = await anyio.to_thread.run_sync(
            functools.partial(ctx.workspace.write, relative, data, overwrite=overwrite)
        )
    except OSError as exc:  # permission denied, disk full, read-only file system
        raise ToolError(f"{relative!r} could not be written: {exc.strerror or exc}") from exc
    result = CreatedFile(path=relative, bytes_written=len(data), created=created, dry_run=False)
    arguments = {"path": relative, "content": content, "overwrite": overwrite}
    await record_write(ctx, "create_file", arguments, result)
    return result


def _diff(workspace: Workspace, relative: str, content: str) -> tuple[str | None, bool]:
    """A unified diff of the file's current text against ``content`` (cut at ``DIFF_CHARS``),
    or ``None`` when the current file is too big or not UTF-8 text."""
    try:
        current = workspace.read_bytes(relative, DIFF_SOURCE_BYTES + 1)
    except (OSError, ToolError):  # gone or replaced since the check: nothing to compare
        return None, False
    if len(current) > DIFF_SOURCE_BYTES:
        return None, False
    try:
        old = current.decode("utf-8")
    except UnicodeDecodeError:
        return None, False
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        content.splitlines(keepends=True),
        fromfile=f"a/{relative}",
        tofile=f"b/{relative}",
    )
    out: list[str] = []
    size = 0
    for line in lines:
        line = line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
        if size + len(line) > DIFF_CHARS:
            return "".join(out), True
        out.append(line)
        size += len(line)
    return "".join(out), False


def _target(workspace: Workspace, path: str) -> Path:
    _check_spelling(path)
    target = workspace.resolve(path, must_exist=False)
    if path.endswith("/") or Path(path).name in ("", ".", ".."):
        raise InvalidArgument(f"{path!r} names a directory; give a file path")
    if target == workspace.root:
        raise InvalidArgument(f"{path!r} is the workspace root; give a file path")
    return target


def _check_spelling(path: str) -> None:
    """Refuse names no one means to create: escapes, control characters, absurd nesting."""
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in path):
        raise InvalidArgument("a file path may not contain control characters")
    if "\\" in path:
        raise InvalidArgument(f"{path!r} contains a backslash; separate directories with '/'")
    if _PERCENT_ESCAPE.search(path):
        raise InvalidArgument(f"{path!r} looks percent-encoded; give the plain path")
    if path.count("/") > MAX_DEPTH:
        raise InvalidArgument(f"{path!r} is nested more than {MAX_DEPTH} directories deep")


def _check_existing(workspace: Workspace, relative: str, *, overwrite: bool) -> bool:
    """Whether ``relative`` exists; refuses directories, non-regular files and unasked
    overwrites. Looked up beneath the root descriptor; the write checks again as it links."""
    try:
        info = workspace.lstat(relative)
    except PathOutsideWorkspace:
        raise InvalidArgument(f"a parent of {relative!r} is a file, not a directory") from None
    if info is None:
        return False
    if stat.S_ISDIR(info.st_mode):
        raise InvalidArgument(f"{relative!r} is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise InvalidArgument(
            f"{relative!r} exists and is a {kind_of(info.st_mode)}, not a regular file"
        )
    if not overwrite:
        raise AlreadyExists(
            f"{relative!r} already exists", hint="pass overwrite=true to replace it"
        )
    return True
