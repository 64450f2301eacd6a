"""``create_file``: write a new file in the workspace, atomically, never overwriting by surprise."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import anyio.to_thread
from pydantic import BaseModel, Field

from tools.context import ToolContext
from tools.errors import AlreadyExists, InvalidArgument, PathOutsideWorkspace, ToolError
from tools.integrations.write_once import record_write
from tools.workspace import Workspace

PREVIEW_CHARS = 2_000
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
    old file or the new one, never a half-written one.
    """
    target = _target(ctx.workspace, path)
    data = content.encode("utf-8")
    relative = ctx.workspace.relative(target)
    exists = _check_existing(target, relative, overwrite=overwrite)
    if dry_run:
        return CreatedFile(
            path=relative,
            bytes_written=len(data),
            created=not exists,
            dry_run=True,
            preview=content[:PREVIEW_CHARS],
        )
    write = _AtomicWrite(ctx.workspace, target, relative, data, overwrite)
    try:
        created = await anyio.to_thread.run_sync(write.run)
    except OSError as exc:  # permission denied, disk full, read-only file system
        raise ToolError(f"{relative!r} could not be written: {exc.strerror or exc}") from exc
    result = CreatedFile(path=relative, bytes_written=len(data), created=created, dry_run=False)
    arguments = {"path": relative, "content": content, "overwrite": overwrite}
    await record_write(ctx, "create_file", arguments, result)
    return result


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


def _check_existing(target: Path, relative: str, *, overwrite: bool) -> bool:
    """Whether ``target`` exists; refuses directories, non-regular files and unasked overwrites."""
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return False
    except NotADirectoryError:
        raise InvalidArgument(f"a parent of {relative!r} is a file, not a directory") from None
    except OSError as exc:
        raise InvalidArgument(f"{relative!r} cannot be checked: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InvalidArgument(f"{relative!r} is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise InvalidArgument(f"{relative!r} exists and is not a regular file")
    if not overwrite:
        raise AlreadyExists(
            f"{relative!r} already exists", hint="pass overwrite=true to replace it"
        )
    return True


@dataclass(frozen=True)
class _AtomicWrite:
    workspace: Workspace
    target: Path
    relative: str
    data: bytes
    overwrite: bool

    def run(self) -> bool:
        """Write and return whether the file is new."""
        parent = self._make_parent()
        temp = parent / f".{self.target.name}.{secrets.token_hex(6)}.tmp"
        # 0o666 minus the umask, like any new file; an overwritten file keeps its own mode
        fd = os.open(
            temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666
        )
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(self.data)
                handle.flush()
                os.fsync(handle.fileno())
            if self.overwrite:
                with contextlib.suppress(FileNotFoundError):
                    temp.chmod(stat.S_IMODE(self.target.stat().st_mode))
            return self._publish(temp)
        finally:
            temp.unlink(missing_ok=True)

    def _make_parent(self) -> Path:
        parent = self.target.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise InvalidArgument(
                f"a parent of {self.relative!r} is a file, not a directory"
            ) from None
        real = parent.resolve()
        if not self.workspace.contains(real):  # a parent was swapped for a symlink meanwhile
            raise PathOutsideWorkspace(f"{self.relative!r} is outside the workspace")
        return real

    def _publish(self, temp: Path) -> bool:
        """Move the finished temp file into place; without overwrite, never replace a file."""
        if self.overwrite:
            created = not os.path.lexists(self.target)
            temp.replace(self.target)
            return created
        try:
            self.target.hardlink_to(temp)  # fails if the name exists, atomically
        except FileExistsError:
            raise AlreadyExists(
                f"{self.relative!r} already exists", hint="pass overwrite=true to replace it"
            ) from None
        except OSError:  # a filesystem without hard links
            if os.path.lexists(self.target):
                raise AlreadyExists(
                    f"{self.relative!r} already exists", hint="pass overwrite=true to replace it"
                ) from None
            temp.replace(self.target)
        return True
