"""Linux ``openat2(2)`` through ``ctypes``: one call that opens a path beneath a directory
descriptor without following any symlink.

Python's ``os`` module has no ``openat2`` and no maintained PyPI package wraps it (checked Dec
2026: there are wrappers of ``renameat2`` only), so this binds the system call through libc's
``syscall(3)``. :func:`openat2` returns ``None`` where the kernel or a seccomp filter lacks the
call (``ENOSYS``, ``EPERM``) and on other platforms; callers then open component by component
with ``O_NOFOLLOW``, which gives the same guarantee in a few more system calls.
"""

from __future__ import annotations

import ctypes
import errno
import os
import sys
from functools import cache

SYS_OPENAT2 = 437
"""The same number on every Linux architecture (the table was unified in Linux 5.1)."""

RESOLVE_NO_MAGICLINKS = 0x02
RESOLVE_NO_SYMLINKS = 0x04
RESOLVE_BENEATH = 0x08


class _OpenHow(ctypes.Structure):
    _fields_ = (("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64))


@cache
def _syscall() -> ctypes._NamedFuncPointer | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - a Linux without a loadable libc
        return None
    function = libc.syscall
    function.restype = ctypes.c_long
    return function


_unavailable = False


def openat2(dir_fd: int, path: str, flags: int, resolve: int, mode: int = 0) -> int | None:
    """``openat2(dir_fd, path, {flags, mode, resolve})``: the new descriptor, or ``None`` when
    the call does not exist here. Errors of the open itself raise ``OSError`` as ``os.open``."""
    global _unavailable
    function = _syscall()
    if function is None or _unavailable:
        return None
    how = _OpenHow(
        flags, mode if flags & (os.O_CREAT | getattr(os, "O_TMPFILE", 0)) else 0, resolve
    )
    encoded = os.fsencode(path)
    fd = function(
        ctypes.c_long(SYS_OPENAT2),
        ctypes.c_int(dir_fd),
        ctypes.c_char_p(encoded),
        ctypes.byref(how),
        ctypes.c_size_t(ctypes.sizeof(how)),
    )
    if fd >= 0:
        return int(fd)
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EPERM) and not _probe():
        _unavailable = True
        return None
    raise OSError(code, os.strerror(code), path)


def _probe() -> bool:
    """Whether openat2 works at all (EPERM may also be a real permission error)."""
    function = _syscall()
    assert function is not None
    how = _OpenHow(os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, 0, RESOLVE_BENEATH)
    fd = function(
        ctypes.c_long(SYS_OPENAT2),
        ctypes.c_int(-100),  # AT_FDCWD
        ctypes.c_char_p(b"."),
        ctypes.byref(how),
        ctypes.c_size_t(ctypes.sizeof(how)),
    )
    if fd < 0:
        return False
    os.close(fd)
    return True


def available() -> bool:
    """Whether this process opens with openat2 (else component by component)."""
    return _syscall() is not None and not _unavailable and _probe()
