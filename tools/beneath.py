"""Open, read and write paths beneath a directory descriptor, never following a symlink.

The primitives of the workspace sandbox (:mod:`tools.workspace`). A path checked by name and
then reopened by name is a race another process can win: swap a directory for a symlink in
between and the reopen lands outside. Here every path is opened relative to an already-open
directory descriptor, with ``openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
RESOLVE_NO_MAGICLINKS)`` where the kernel has it and otherwise one component at a time with
``O_NOFOLLOW | O_DIRECTORY``; the opened descriptor is then checked with ``fstat``. Paths given
here are already resolved (no symlinks in them), so a symlink met while opening is a swap in
progress and the open is refused.

Files are opened with ``O_NONBLOCK`` so a FIFO cannot hang the open; ``fstat`` then refuses
anything that is not a regular file before a byte is read. Writes create a temp file in the
opened parent and publish it with ``linkat``/``renameat`` relative to that same descriptor.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass

from tools.errors import (
    AlreadyExists,
    HardLinkRefused,
    InvalidArgument,
    NotFound,
    PathOutsideWorkspace,
)
from tools.openat2 import RESOLVE_BENEATH, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS, openat2

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
DIR_FLAGS = os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC
READ_FLAGS = os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC
_RESOLVE = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS
_SWAPPED = (errno.ELOOP, errno.EXDEV, errno.ENOTDIR)
"""What an open reports when it meets a symlink (or a file where a directory was)."""
FILE_MODE = 0o666
"""A new file's mode before the umask; no executable bit, ever."""


def kind_of(mode: int) -> str:
    """A person's word for the type of file ``mode`` describes."""
    if stat.S_ISREG(mode):
        return "regular file"
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISFIFO(mode):
        return "FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISLNK(mode):
        return "symlink"
    return "special file"


def components(relative: str) -> list[str]:
    """The names of a workspace-relative POSIX path; ``..`` is refused (paths come resolved)."""
    parts = [part for part in relative.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise PathOutsideWorkspace(f"{relative!r} leaves the workspace")
    return parts


def _refused(relative: str, exc: OSError) -> Exception:
    if exc.errno == errno.ENOENT:
        return NotFound(f"{relative!r} does not exist in the workspace")
    if exc.errno in _SWAPPED:
        return PathOutsideWorkspace(
            f"{relative!r} changed while it was opened (a symlink or file appeared on its path); "
            "refused",
            hint="paths are opened without following symlinks",
        )
    return InvalidArgument(f"{relative!r} cannot be opened: {exc.strerror}")


def open_beneath(dir_fd: int, relative: str, flags: int = READ_FLAGS) -> int:
    """A descriptor for ``relative`` under ``dir_fd``; no symlink anywhere on the way is followed.

    Raises ``NotFound``, ``PathOutsideWorkspace`` (a symlink met: a swap) or ``InvalidArgument``.
    """
    parts = components(relative)
    if not parts:
        return os.open(".", flags & ~_NOFOLLOW, dir_fd=dir_fd)
    try:
        fd = openat2(dir_fd, "/".join(parts), flags | _CLOEXEC, _RESOLVE)
        if fd is not None:
            return fd
        parent = _walk(dir_fd, parts[:-1])
        try:
            return os.open(parts[-1], flags | _NOFOLLOW | _CLOEXEC, dir_fd=parent)
        finally:
            if parent != dir_fd:
                os.close(parent)
    except OSError as exc:
        raise _refused(relative, exc) from None


def _walk(dir_fd: int, names: list[str]) -> int:
    """Open the directories ``names`` one at a time below ``dir_fd`` (caller closes the result
    when it is not ``dir_fd``)."""
    current = dir_fd
    try:
        for name in names:
            following = os.open(name, DIR_FLAGS, dir_fd=current)
            if current != dir_fd:
                os.close(current)
            current = following
    except BaseException:
        if current != dir_fd:
            os.close(current)
        raise
    return current


def _not_regular(relative: str, mode: int) -> InvalidArgument:
    return InvalidArgument(
        f"{relative!r} is a {kind_of(mode)}, not a regular file; only regular files are read"
    )


@dataclass(frozen=True)
class Opened:
    """An open regular file: its descriptor (the caller closes it) and its ``fstat``."""

    fd: int
    info: os.stat_result

    def read(self, limit: int) -> bytes:
        """Up to ``limit`` bytes from the start."""
        chunks: list[bytes] = []
        left = limit
        while left > 0:
            chunk = os.pread(self.fd, min(left, 1 << 20), limit - left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)


def open_regular(dir_fd: int, relative: str, *, max_links: int | None = None) -> Opened:
    """Open ``relative`` for reading and refuse anything but a regular file (FIFOs, sockets,
    devices, directories) before reading; with ``max_links``, refuse hard-linked files."""
    try:
        fd = open_beneath(dir_fd, relative, READ_FLAGS)
    except InvalidArgument:  # a socket (ENXIO) and the like: say what it is
        info = lstat_beneath(dir_fd, relative)
        if info is not None and not stat.S_ISREG(info.st_mode):
            raise _not_regular(relative, info.st_mode) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(relative, info.st_mode)
        if max_links is not None and info.st_nlink > max_links:
            raise hard_link_refused(relative, info.st_nlink)
    except BaseException:
        os.close(fd)
        raise
    return Opened(fd, info)


@contextlib.contextmanager
def opened_regular(dir_fd: int, relative: str, *, max_links: int | None = None) -> Iterator[Opened]:
    handle = open_regular(dir_fd, relative, max_links=max_links)
    try:
        yield handle
    finally:
        os.close(handle.fd)


def hard_link_refused(relative: str, links: int) -> HardLinkRefused:
    return HardLinkRefused(
        f"{relative!r} has {links} hard links; a hard-linked file may be the same file as one "
        "outside the workspace or a secret, so it is not read",
        hint="the operator can allow it with FAST_GENAI_ALLOW_HARDLINKED_FILES=true",
    )


def read_real_path(path: str, limit: int, *, max_links: int | None = None) -> bytes:
    """Up to ``limit`` bytes of the regular file at a real (symlink-free) absolute ``path``,
    opened from ``/`` without following symlinks. For worker processes that hold no workspace
    descriptor: they are given paths the workspace already resolved and checked. With
    ``max_links``, a file with more hard links than that (one added since the walk) is refused."""
    if not path.startswith("/"):
        raise InvalidArgument(f"{path!r} is not an absolute path")
    root = os.open("/", DIR_FLAGS)
    try:
        with opened_regular(root, path.lstrip("/"), max_links=max_links) as handle:
            return handle.read(limit)
    finally:
        os.close(root)


def lstat_beneath(dir_fd: int, relative: str) -> os.stat_result | None:
    """The ``lstat`` of ``relative`` (its parents opened without following symlinks), or
    ``None`` when it, or a parent, does not exist."""
    parts = components(relative)
    if not parts:
        return os.fstat(dir_fd)
    try:
        parent = open_beneath(dir_fd, "/".join(parts[:-1]), DIR_FLAGS) if parts[:-1] else dir_fd
    except NotFound:
        return None
    try:
        return os.stat(parts[-1], dir_fd=parent, follow_symlinks=False)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _refused(relative, exc) from None
    finally:
        if parent != dir_fd:
            os.close(parent)


def make_dirs_beneath(dir_fd: int, names: list[str], relative: str) -> int:
    """Open (creating the missing ones) the directories ``names`` below ``dir_fd``, never
    through a symlink; the caller closes the result when it is not ``dir_fd``."""
    current = dir_fd
    try:
        for name in names:
            try:
                following = os.open(name, DIR_FLAGS, dir_fd=current)
            except FileNotFoundError:
                with contextlib.suppress(FileExistsError):  # made meanwhile: open it
                    os.mkdir(name, 0o777, dir_fd=current)
                following = os.open(name, DIR_FLAGS, dir_fd=current)
            if current != dir_fd:
                os.close(current)
            current = following
    except OSError as exc:
        if current != dir_fd:
            os.close(current)
        if exc.errno in _SWAPPED:
            raise InvalidArgument(
                f"a parent of {relative!r} is a file or a symlink, not a directory"
            ) from None
        raise
    return current


def write_beneath(dir_fd: int, relative: str, data: bytes, *, overwrite: bool) -> bool:
    """Write ``data`` to ``relative`` atomically; whether the file is new.

    The temp file is created (``O_EXCL | O_NOFOLLOW``) in the opened parent and published with
    ``linkat`` (never replaces: no silent overwrite) or, with ``overwrite``, ``renameat``, both
    relative to that descriptor, so a parent swapped meanwhile cannot redirect the write. The
    new file gets mode 0666 minus the umask; an overwritten file keeps its permission bits
    without any executable bit. No temp file outlives the call.
    """
    parts = components(relative)
    if not parts:
        raise InvalidArgument(f"{relative!r} is the workspace root; give a file path")
    name = parts[-1]
    parent = make_dirs_beneath(dir_fd, parts[:-1], relative)
    try:
        return _write_in(parent, name, relative, data, overwrite=overwrite)
    finally:
        if parent != dir_fd:
            os.close(parent)


def _existing(parent: int, name: str, relative: str, *, overwrite: bool) -> os.stat_result | None:
    try:
        info = os.stat(name, dir_fd=parent, follow_symlinks=False)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        raise InvalidArgument(
            f"{relative!r} exists and is a {kind_of(info.st_mode)}, not a regular file"
        )
    if not overwrite:
        raise AlreadyExists(
            f"{relative!r} already exists", hint="pass overwrite=true to replace it"
        )
    return info


def _write_in(parent: int, name: str, relative: str, data: bytes, *, overwrite: bool) -> bool:
    existing = _existing(parent, name, relative, overwrite=overwrite)
    temp = f".{name[:200]}.{secrets.token_hex(6)}.tmp"
    fd = os.open(
        temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, FILE_MODE, dir_fd=parent
    )
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if existing is not None:
                os.fchmod(fd, stat.S_IMODE(existing.st_mode) & 0o666)
            os.fsync(fd)
        finally:
            os.close(fd)
        if overwrite:
            created = existing is None
            os.rename(temp, name, src_dir_fd=parent, dst_dir_fd=parent)
            return created
        try:
            os.link(temp, name, src_dir_fd=parent, dst_dir_fd=parent, follow_symlinks=False)
        except FileExistsError:
            raise AlreadyExists(
                f"{relative!r} already exists", hint="pass overwrite=true to replace it"
            ) from None
        except OSError as exc:  # a file system without hard links
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EMLINK):
                raise
            if _existing(parent, name, relative, overwrite=False) is None:
                os.rename(temp, name, src_dir_fd=parent, dst_dir_fd=parent)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp, dir_fd=parent)
