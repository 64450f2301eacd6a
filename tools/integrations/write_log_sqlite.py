"""The local record of executed writes: a SQLite file under the data folder.

Used by local surfaces (CLI, MCP stdio) when the context brings no ``WriteLog`` of its own; the
web server passes one backed by its database.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio.to_thread

from tools.context import ToolContext, WriteLog, WriteRecord
from tools.private_files import private_sqlite

_SCHEMA = """
CREATE TABLE IF NOT EXISTS writes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tool TEXT NOT NULL,
    key TEXT NOT NULL,
    actor TEXT,
    result TEXT NOT NULL,
    created_at TEXT NOT NULL,
    completed INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS writes_tool_key ON writes (tool, key, created_at);
"""


class SqliteWriteLog:
    """``WriteLog`` in a SQLite file; each call opens its own connection in a worker thread."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def find(self, tool: str, key: str, *, within_seconds: int) -> WriteRecord | None:
        return await anyio.to_thread.run_sync(self._find, tool, key, within_seconds)

    async def add(self, tool: str, key: str, *, actor: str | None, result: dict[str, Any]) -> None:
        await anyio.to_thread.run_sync(self._add, tool, key, actor, result, True)

    async def begin(self, tool: str, key: str, *, actor: str | None) -> int:
        return await anyio.to_thread.run_sync(self._add, tool, key, actor, {}, False)

    async def complete(self, attempt: int, result: dict[str, Any]) -> None:
        await anyio.to_thread.run_sync(
            self._execute,
            "UPDATE writes SET result = ?, completed = 1 WHERE id = ?",
            (json.dumps(result), attempt),
        )

    async def abandon(self, attempt: int) -> None:
        await anyio.to_thread.run_sync(
            self._execute, "DELETE FROM writes WHERE id = ? AND completed = 0", (attempt,)
        )

    def _find(self, tool: str, key: str, within_seconds: int) -> WriteRecord | None:
        since = (datetime.now(UTC) - timedelta(seconds=within_seconds)).isoformat()
        with self._connect() as db:
            row = db.execute(
                "SELECT tool, key, actor, result, created_at, completed FROM writes "
                "WHERE tool = ? AND key = ? AND created_at >= ? ORDER BY id DESC LIMIT 1",
                (tool, key, since),
            ).fetchone()
        if row is None:
            return None
        return WriteRecord(
            tool=row[0],
            key=row[1],
            actor=row[2],
            result=json.loads(row[3]),
            created_at=datetime.fromisoformat(row[4]),
            completed=bool(row[5]),
        )

    def _add(
        self, tool: str, key: str, actor: str | None, result: dict[str, Any], completed: bool
    ) -> int:
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO writes (tool, key, actor, result, created_at, completed) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (tool, key, actor, json.dumps(result), datetime.now(UTC).isoformat(), completed),
            )
            return int(cursor.lastrowid or 0)

    def _execute(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._connect() as db:
            db.execute(sql, params)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        private_sqlite(self.path)
        db = sqlite3.connect(self.path, timeout=10)
        try:
            db.executescript(_SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(writes)")}
            if "completed" not in columns:  # a file written before starts were recorded
                db.execute("ALTER TABLE writes ADD COLUMN completed INTEGER NOT NULL DEFAULT 1")
            with db:
                yield db
        finally:
            db.close()


def write_log_for(ctx: ToolContext) -> WriteLog:
    """The context's write log, or the local SQLite one under the data folder."""
    if ctx.write_log is not None:
        return ctx.write_log
    return SqliteWriteLog(ctx.settings.data_dir / "writes.sqlite")
