"""Bring the index up to date with the tree, from modification times.

The file set is ripgrep's own: ``rg --files`` with the flags ``search_code`` walks with. It is
listed again only when a watched directory or ignore file changed (adding, removing or renaming
a file changes its directory's mtime and ctime); otherwise the files already known are stat'ed
and the changed ones read again. Files are read through the workspace (beneath the root
descriptor, regular files only, hard links refused unless allowed), so the index never holds
text the search could not have read. A file or directory changed in the last
:data:`RACY_NS` is not trusted (a second write in the same timestamp tick would go unseen):
it stays a candidate (a directory: listed again) until it has been still for that long.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from tools.errors import ToolError
from tools.files.ripgrep import FILTER_FLAGS, rg_binary, secret_exclude_flags
from tools.files.search_index import store
from tools.files.search_index.store import Kind, Signature
from tools.workspace import Workspace

MAX_INDEX_BYTES = 8 << 20
"""Bigger files are not indexed: always candidates."""
RACY_NS = 2_000_000_000
STAT_THREADS = 4
PARALLEL_FROM = 5_000
"""Below this many files one loop stats them (threads cost more than they save)."""
IGNORE_FILES = (b".gitignore", b".ignore", b".rgignore")
_UNTRUSTED = -1
"""Stored as the mtime of something too recent to trust, so it never looks unchanged."""


def signature(st: os.stat_result) -> Signature:
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)


def refresh(db: sqlite3.Connection, workspace: Workspace) -> None:
    """Update the index of ``workspace`` in ``db`` to the tree as it is now.

    One transaction, taken before anything is read: two processes sharing the cache folder
    refresh one after the other, each from what the other wrote, and an interrupted build
    leaves the index as it was (never a file set marked current with files missing)."""
    start = time.time_ns()
    db.execute("BEGIN IMMEDIATE")
    try:
        _refresh(db, workspace, start)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _refresh(db: sqlite3.Connection, workspace: Workspace, start: int) -> None:
    fd = workspace.fd
    if store.count(db) and _watched_unchanged(db, fd):
        # the file set is as it was: only contents may differ
        for path, old_id in _changed(db, fd):
            _index(db, workspace, path, old_id, start)
        return
    rows = store.files(db)
    watched = _watch_list(fd, start)  # before listing: a change meanwhile is seen next time
    listed = _listed(workspace)
    kept = set(listed)
    store.remove(db, [row[0] for path, row in rows.items() if path not in kept])
    store.replace_watched(db, watched)
    for path in listed:
        row = rows.get(path)
        if row is not None and row[1] == _stat(path, fd):
            continue
        _index(db, workspace, path, None if row is None else row[0], start)


def _stat(path: bytes, fd: int) -> Signature | None:
    try:
        return signature(os.stat(path, dir_fd=fd, follow_symlinks=False))
    except OSError:
        return None


def _changed(db: sqlite3.Connection, fd: int) -> list[tuple[bytes, int]]:
    """The known files whose signature is not the one they were indexed at.

    In a few threads: ``os.stat`` releases the GIL for its system call, which is most of the
    cost (about 2x faster than one loop on 2 cores, measured at 74,000 files)."""
    rows = store.signatures(db).fetchall()
    if len(rows) < PARALLEL_FROM:
        return _changed_among(rows, fd)
    size = len(rows) // STAT_THREADS + 1
    with ThreadPoolExecutor(STAT_THREADS) as pool:
        parts = pool.map(
            _changed_among,
            [rows[i : i + size] for i in range(0, len(rows), size)],
            [fd] * STAT_THREADS,
        )
        return [entry for part in parts for entry in part]


def _changed_among(
    rows: list[tuple[bytes, int, int, int, int, int]], fd: int
) -> list[tuple[bytes, int]]:
    changed: list[tuple[bytes, int]] = []
    stat_ = os.stat
    for path, id_, mtime, ctime, size, ino in rows:
        try:
            st = stat_(path, dir_fd=fd, follow_symlinks=False)
        except OSError:
            changed.append((path, id_))
            continue
        if (
            st.st_mtime_ns != mtime
            or st.st_ctime_ns != ctime
            or st.st_size != size
            or st.st_ino != ino
        ):
            changed.append((path, id_))
    return changed


def _watched_unchanged(db: sqlite3.Connection, fd: int) -> bool:
    for path, recorded in store.watched(db):
        try:
            st = os.stat(path, dir_fd=fd, follow_symlinks=False)
        except OSError:
            return False
        if (st.st_mtime_ns, st.st_ctime_ns, st.st_ino) != (recorded[0], recorded[1], recorded[3]):
            return False
    return True


def _trusted(sig: Signature, start: int) -> Signature:
    """``sig``, or it marked untrusted when its mtime is too recent. Only the mtime: a later
    write sets a new one; a recent ctime alone (a hard link added elsewhere, a chmod) does not
    make the recorded contents doubtful (a changed ctime still causes a re-read)."""
    if sig[0] > start - RACY_NS:
        return (_UNTRUSTED, sig[1], sig[2], sig[3])
    return sig


def _watch_list(fd: int, start: int) -> list[tuple[bytes, Signature]]:
    """Every directory ripgrep could walk into (hidden ones and symlinks skipped, as it does)
    and every ignore file in them, with their signatures."""
    entries: list[tuple[bytes, Signature]] = []
    for top, dirs, names, dir_fd in os.fwalk(b".", dir_fd=fd):
        entries.append((top, _trusted(signature(os.fstat(dir_fd)), start)))
        for name in [*names, *dirs]:
            if name in IGNORE_FILES or name == b".git":
                path = top + b"/" + name
                try:
                    st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
                except OSError:
                    continue
                entries.append((path, _trusted(signature(st), start)))
                if name == b".git" and stat.S_ISDIR(st.st_mode):
                    for inner in (b"info", b"info/exclude"):
                        try:
                            inner_st = os.stat(b".git/" + inner, dir_fd=dir_fd)
                        except OSError:
                            continue
                        entries.append((path + b"/" + inner, _trusted(signature(inner_st), start)))
        dirs[:] = [name for name in dirs if not name.startswith(b".")]
    return entries


def _listed(workspace: Workspace) -> list[bytes]:
    """The files ``search_code``'s ripgrep walk would search, as ``./``-relative paths."""
    arguments = [rg_binary(), "--files", "--null", *FILTER_FLAGS]
    if not workspace.allow_secrets:
        arguments.extend(secret_exclude_flags())
    done = subprocess.run(
        arguments, cwd=workspace.root, capture_output=True, stdin=subprocess.DEVNULL, check=False
    )
    if done.returncode not in (0, 1, 2):
        raise ToolError(f"ripgrep could not list the files (exit status {done.returncode})")
    return [b"./" + path for path in done.stdout.split(b"\0") if path]


def _index(
    db: sqlite3.Connection, workspace: Workspace, path: bytes, old_id: int | None, start: int
) -> None:
    relative = os.fsdecode(path).removeprefix("./")
    try:
        with workspace.opened(relative) as handle:
            sig = signature(os.fstat(handle.fd))
            data = handle.read(MAX_INDEX_BYTES + 1)
    except (OSError, ToolError):  # gone, swapped, refused: rg and the search's checks decide
        store.put(db, path, old_id, (_UNTRUSTED, 0, 0, 0), Kind.ALWAYS, None)
        return
    trusted = _trusted(sig, start)
    nul = data.find(b"\0")
    utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")  # ripgrep transcodes these; not indexed
    if trusted[0] == _UNTRUSTED or utf16 or (nul < 0 and len(data) > MAX_INDEX_BYTES):
        # a big file may still hold a NUL further on: searched as the tree would search it
        big = nul < 0 and len(data) > MAX_INDEX_BYTES
        store.put(db, path, old_id, trusted, Kind.BIG if big else Kind.ALWAYS, None)
        return
    kind = Kind.TEXT
    if nul >= 0:
        kind, data = Kind.BINARY, data[:nul]
    text = data.decode("utf-8", "replace")
    # ripgrep folds these two into ASCII letters when ignoring case; SQLite does not
    text = text.replace("\u212a", "k").replace("\u017f", "s")
    store.put(db, path, old_id, trusted, kind, text)
