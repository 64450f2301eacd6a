"""Local state is private to its owner: folders created 0700, SQLite files created 0600.

The app database holds password hashes and conversations, the DBOS system database holds run
inputs and outputs, the writes record holds results: none is for other local users. SQLite
creates a database's ``-wal``, ``-shm`` and ``-journal`` files with the database file's own
mode, so creating that file 0600 before SQLite opens it covers them too. A file left
group- or world-readable by an earlier version is narrowed to 0600 (with its side files).
Folders that exist already are left as the operator made them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

SIDE_FILES = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> Path:
    """``path`` as a folder; created (with its parents) mode 0700 when missing."""
    if not path.is_dir():
        missing = [p for p in (path, *path.parents) if not p.exists()]
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        for created in missing:  # parents too: mkdir gives them the umask's mode
            if created.is_dir():
                created.chmod(0o700)
    return path


def private_sqlite(path: Path) -> Path:
    """Ensure the SQLite file ``path`` exists with mode 0600 (its folder private if created)."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        for candidate in (path, *(Path(f"{path}{side}") for side in SIDE_FILES)):
            _narrow(candidate)
    else:
        os.close(fd)
    return path


def _narrow(path: Path) -> None:
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISREG(mode) and mode & 0o077:
        path.chmod(stat.S_IMODE(mode) & 0o700)


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///...`` (any driver) URL; ``None`` for memory or other databases."""
    if not url.startswith("sqlite") or ":///" not in url:
        return None
    path = url.split(":///", 1)[1].split("?", 1)[0]
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return Path(path)
