"""The on-disk outline cache: one SQLite file outside the workspace, safe across processes.

A row is keyed by the file's absolute path and is valid while the file's size, mtime_ns and
the outline version (format + grammar wheel + tree-sitter versions) are unchanged, so a warm
look-up is a stat plus one indexed read, with no parse. WAL mode lets readers run while another
process writes; writers wait for each other (busy timeout). A broken or locked cache only costs
speed: every error reads as a miss and writes are dropped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outlines (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    version TEXT NOT NULL,
    outline TEXT NOT NULL
) WITHOUT ROWID
"""

_CHUNK = 500
"""Paths per ``IN (...)`` query (well under SQLite's variable limit)."""


@dataclass(frozen=True)
class FileKey:
    """What a cached outline is valid for."""

    path: str
    size: int
    mtime_ns: int
    version: str


def _storable(path: str) -> bool:
    """Whether SQLite can hold the path: a name that is not UTF-8 is simply not cached."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class OutlineCache:
    """Outlines by :class:`FileKey`, stored in ``folder/outlines.sqlite3``."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "outlines.sqlite3"
        self._folder = folder

    def get_many(self, keys: Sequence[FileKey]) -> dict[str, str]:
        """Cached outlines (JSON) by path, for the keys that are still valid."""
        found: dict[str, str] = {}
        if not keys or not self.path.exists():
            return found
        wanted = {key.path: key for key in keys if _storable(key.path)}
        paths = list(wanted)
        try:
            with _Connection(self.path) as db:
                for i in range(0, len(paths), _CHUNK):
                    chunk = paths[i : i + _CHUNK]
                    marks = ",".join("?" * len(chunk))
                    rows = db.execute(
                        "SELECT path, size, mtime_ns, version, outline FROM outlines "  # noqa: S608
                        f"WHERE path IN ({marks})",
                        chunk,
                    )
                    for path, size, mtime_ns, version, outline in rows:
                        key = wanted[path]
                        if key.size == size and key.mtime_ns == mtime_ns and key.version == version:
                            found[path] = outline
        except sqlite3.Error:
            return {}
        return found

    def put_many(self, entries: Iterable[tuple[FileKey, str]]) -> bool:
        """Store outlines (one transaction); ``False`` when the cache could not be written."""
        rows = [
            (k.path, k.size, k.mtime_ns, k.version, outline)
            for k, outline in entries
            if _storable(k.path)
        ]
        if not rows:
            return True
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            with _Connection(self.path, write=True) as db:
                db.executemany("INSERT OR REPLACE INTO outlines VALUES (?, ?, ?, ?, ?)", rows)
        except (OSError, sqlite3.Error):
            return False
        return True


class _Connection:
    """A short-lived connection: WAL, busy timeout, commit on success, always closed."""

    def __init__(self, path: Path, *, write: bool = False) -> None:
        self._path = path
        self._write = write
        self._db: sqlite3.Connection | None = None

    def __enter__(self) -> sqlite3.Connection:
        db = sqlite3.connect(self._path, timeout=10.0, isolation_level=None)
        self._db = db
        try:
            db.execute("PRAGMA busy_timeout = 10000")
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute(_SCHEMA)
            db.execute("BEGIN IMMEDIATE" if self._write else "BEGIN")
        except sqlite3.Error:
            db.close()
            raise
        return db

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        db = self._db
        if db is None:
            return
        try:
            db.execute("COMMIT" if exc_type is None else "ROLLBACK")
        finally:
            db.close()
