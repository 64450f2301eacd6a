"""The index database: one SQLite file per workspace root, private to its owner.

``files`` has one row per file ripgrep's walk lists, with the signature it was indexed at
(mtime, ctime, size, inode) and a kind; ``body`` (FTS5, ``trigram`` tokenizer, case folded)
holds the text of indexed files under the same rowid; ``watched`` holds the directories and
ignore files whose change means the file set itself may have changed.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from enum import IntEnum
from pathlib import Path

from tools.private_files import private_sqlite

SCHEMA_VERSION = "1"
BUSY_SECONDS = 5.0
"""How long a refresh waits for another process's; then the search goes without the index."""


class Kind(IntEnum):
    """How a file's row answers a query."""

    TEXT = 0
    """Indexed: a candidate only when its text holds the literals."""
    BINARY = 1
    """Has a NUL byte; its text up to the first NUL is indexed. ripgrep treats a binary file
    named on its command line unlike one it walks into, so such a candidate makes the query
    fall back to the plain search."""
    ALWAYS = 2
    """Not indexed (too big, not UTF-8-like, unreadable through the workspace, or changed too
    recently to trust its modification time): always a candidate."""
    BIG = 3
    """Too big to index and no NUL in what was read: always a candidate, and (as it may hold a
    NUL further on, which makes it binary) the query falls back to the plain search."""


Signature = tuple[int, int, int, int]
"""(mtime_ns, ctime_ns, size, inode)."""


def index_path(cache_dir: Path, root: Path) -> Path:
    digest = hashlib.sha256(str(root).encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return cache_dir / "search-index" / f"{digest}.sqlite"


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating it 0600) the index database at ``path``."""
    private_sqlite(path)
    db = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    version = _meta(db, "schema")
    if version != SCHEMA_VERSION:
        _create(db)
    return db


def _meta(db: sqlite3.Connection, key: str) -> str | None:
    try:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.OperationalError:
        return None
    return None if row is None else str(row[0])


def _create(db: sqlite3.Connection) -> None:
    with db:
        db.execute("BEGIN")
        for table in ("meta", "files", "body", "watched"):
            db.execute(f"DROP TABLE IF EXISTS {table}")
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute(
            "CREATE TABLE files (id INTEGER PRIMARY KEY, path BLOB UNIQUE NOT NULL, "
            "mtime INTEGER, ctime INTEGER, size INTEGER, ino INTEGER, kind INTEGER NOT NULL)"
        )
        db.execute("CREATE VIRTUAL TABLE body USING fts5(text, tokenize='trigram')")
        db.execute(
            "CREATE TABLE watched (path BLOB PRIMARY KEY, mtime INTEGER, ctime INTEGER, "
            "ino INTEGER)"
        )
        db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))


def files(db: sqlite3.Connection) -> dict[bytes, tuple[int, Signature, int]]:
    """Every file row: path -> (id, signature, kind)."""
    rows = db.execute("SELECT path, id, mtime, ctime, size, ino, kind FROM files")
    return {path: (id_, (mt, ct, size, ino), kind) for path, id_, mt, ct, size, ino, kind in rows}


def signatures(db: sqlite3.Connection) -> sqlite3.Cursor:
    """(path, id, mtime, ctime, size, inode) of every file, as a cursor."""
    return db.execute("SELECT path, id, mtime, ctime, size, ino FROM files")


def watched(db: sqlite3.Connection) -> list[tuple[bytes, Signature]]:
    rows = db.execute("SELECT path, mtime, ctime, ino FROM watched")
    return [(path, (mt, ct, 0, ino)) for path, mt, ct, ino in rows]


def replace_watched(db: sqlite3.Connection, entries: Iterable[tuple[bytes, Signature]]) -> None:
    db.execute("DELETE FROM watched")
    db.executemany(
        "INSERT INTO watched VALUES (?, ?, ?, ?)",
        ((path, sig[0], sig[1], sig[3]) for path, sig in entries),
    )


def remove(db: sqlite3.Connection, ids: Iterable[int]) -> None:
    for id_ in ids:
        db.execute("DELETE FROM body WHERE rowid = ?", (id_,))
        db.execute("DELETE FROM files WHERE id = ?", (id_,))


def put(
    db: sqlite3.Connection,
    path: bytes,
    old_id: int | None,
    signature: Signature,
    kind: Kind,
    text: str | None,
) -> None:
    """Store (or replace) one file's row and text."""
    if old_id is not None:
        remove(db, [old_id])
    cursor = db.execute(
        "INSERT INTO files (path, mtime, ctime, size, ino, kind) VALUES (?, ?, ?, ?, ?, ?)",
        (path, *signature, int(kind)),
    )
    if text is not None:
        db.execute("INSERT INTO body (rowid, text) VALUES (?, ?)", (cursor.lastrowid, text))


def candidates(db: sqlite3.Connection, literals: list[str]) -> list[tuple[bytes, int]]:
    """Files whose indexed text holds every literal (case folded), and every ALWAYS file."""
    match = " AND ".join('"' + literal.replace('"', '""') + '"' for literal in literals)
    rows = db.execute(
        "SELECT path, kind FROM files WHERE id IN (SELECT rowid FROM body WHERE body MATCH ?) "
        "OR kind IN (?, ?)",
        (match, int(Kind.ALWAYS), int(Kind.BIG)),
    )
    return [(path, kind) for path, kind in rows]


def count(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT count(*) FROM files").fetchone()[0])
